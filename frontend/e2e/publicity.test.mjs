/**
 * Public publicity and the assessment as users need it (issue #19), against the real stack (E2E_BASE_URL, demo data):
 * an anonymous visitor opens 公示公告 from the sign-in page on a phone (390 px, no sideways scrolling), reads the
 * campaign in publicity (only the declared public fields) and lodges an objection; the province sees it in the
 * campaign's objection queue with the visitor's contact and answers it. The province's assessment shows grades and
 * ranks within school type and exports the XLSX (its sheets' headers checked).
 * Screenshots: e2e-screenshots/90-public-publicity-phone.png, 91-public-objection.png,
 * 92-province-public-objection.png, 93-assessment-grades.png.
 */
import assert from 'node:assert/strict'
import { inflateRawSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import { answerPrompt, api, BASE_URL, downloadOf, expectMessage, field, go, isZip, launch, PHONE, settled, shot, signIn, SKIP_REASON } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('publicity journeys', { skip: SKIP_REASON }, () => {})
}

const STAMP = Date.now()
const E = '/api/evaluation'
const rowWith = (table, text) => table.locator('.el-table__body-wrapper .el-table__row').filter({ hasText: text }).first()

/** The text of one entry of a ZIP archive (an XLSX part), read from its local header. */
function zipEntry(bytes, name) {
  for (let i = 0; i + 30 < bytes.length; i++) {
    if (bytes.readUInt32LE(i) !== 0x04034b50) continue
    const method = bytes.readUInt16LE(i + 8)
    const size = bytes.readUInt32LE(i + 18)
    const nameLength = bytes.readUInt16LE(i + 26)
    const extra = bytes.readUInt16LE(i + 28)
    if (bytes.subarray(i + 30, i + 30 + nameLength).toString('utf8') !== name) continue
    const data = bytes.subarray(i + 30 + nameLength + extra, i + 30 + nameLength + extra + size)
    return (method === 8 ? inflateRawSync(data) : data).toString('utf8').replace(/&#(\d+);/g, (_, c) => String.fromCodePoint(Number(c)))
  }
  return null
}

/** A campaign through review to publicity by the API (what the journey is not about): two universities' cases,
 * the second one awarded. */
async function campaignInPublicity() {
  const c = await api('admin', 'POST', `${E}/campaigns`, {
    type: 'excellent_case', year: new Date().getFullYear(), title: `E2E 公示案例评选 ${STAMP}`, quota_per_university: 2, awards_count: 1, experts_per_nomination: 1,
  })
  const cid = c.id
  await api('admin', 'PUT', `${E}/campaigns/${cid}/rubric`, { criteria: [{ code: 'effect', name: '育人成效', weight: 100, max_score: 10 }] })
  await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'nomination' })
  const nominate = async (user, title) => {
    const n = await api(user, 'POST', `${E}/campaigns/${cid}/nominations`, { title, text: '内部材料，不公开（E2E）' })
    await api(user, 'POST', `${E}/nominations/${n.id}/submit`)
    return n
  }
  const n1 = await nominate('u1_admin', `E2E 中原理工食堂案例 ${STAMP}`)
  const n2 = await nominate('u2_admin', `E2E 嵩山师院公寓案例 ${STAMP}`)
  await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'preselection' })
  const expert = (await api('admin', 'GET', '/api/users?role=expert&q=expert1')).items.find((u) => u.username === 'expert1')
  await api('admin', 'PUT', `${E}/campaigns/${cid}/experts`, { experts: [{ expert_id: expert.id, university_id: expert.university_id, name: expert.display_name }] })
  await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'review' })
  await api('admin', 'POST', `${E}/campaigns/${cid}/assignments/auto`)
  const [criterion] = (await api('admin', 'GET', `${E}/campaigns/${cid}/rubric`)).criteria
  for (const [n, score] of [[n1, 4], [n2, 10]]) {
    await api('expert1', 'PUT', `${E}/nominations/${n.id}/scores`, { items: [{ criterion_id: criterion.id, score }] })
  }
  await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'decision' })
  await api('admin', 'POST', `${E}/campaigns/${cid}/decision`, {})
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10) // the province's day (UTC+8)
  const end = new Date(Date.now() + 8 * 3600_000 + 7 * 86400_000).toISOString().slice(0, 10)
  await api('admin', 'POST', `${E}/campaigns/${cid}/publish`, { publicity_starts_on: today, publicity_ends_on: end })
  return { cid, title: c.title, awarded: n2, other: n1, end }
}

describe('Public publicity and the assessment (#19)', { skip: SKIP_REASON }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('an anonymous visitor reads the publicity and objects; the province answers', async () => {
    const camp = await campaignInPublicity()
    const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', baseURL: BASE_URL, isMobile: true, hasTouch: true })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const errors = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto('/login')
    await page.locator('[data-test="public-link"]').click()
    await page.waitForURL(/\/public$/)
    await settled(page)
    const section = page.locator('[data-test="public-campaign"]').filter({ hasText: camp.title })
    await section.waitFor()
    const text = await section.textContent()
    assert.match(text, new RegExp(`嵩山师院公寓案例 ${camp.awarded.title.split(' ').pop()}`))
    assert.ok(!text.includes('中原理工食堂案例'), 'a case not awarded is not public')
    assert.ok(text.includes(camp.end), 'the period\'s end is shown')
    const html = await page.content()
    assert.ok(!html.includes('内部材料'), 'the nomination\'s text is not public')
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no sideways scrolling at 390 px')
    assert.equal(await page.locator('[data-test="menu"]').count(), 0, 'no app chrome')
    await shot(page, '90-public-publicity-phone')

    // an objection: the form checks before sending, then it is received
    await section.locator('[data-test="object"]').first().click()
    const dialog = page.locator('[data-test="objection-dialog"]')
    await dialog.locator('[data-test="objection-submit"]').click()
    await dialog.locator('.el-form-item__error').first().waitFor()
    const reason = `E2E 公众异议：该案例事迹与实际不符 ${STAMP}`
    await field(dialog, 'objection-name').fill('张公众')
    await field(dialog, 'objection-contact').fill('13912345678')
    await field(dialog, 'objection-reason').fill(reason)
    await dialog.locator('[data-test="objection-submit"]').click()
    await dialog.locator('[data-test="objection-done"]').waitFor()
    await shot(page, '91-public-objection')
    assert.deepEqual(errors, [])
    await context.close()

    const queue = (await api('admin', 'GET', `${E}/campaigns/${camp.cid}/objections`)).items
    const lodged = queue.find((o) => o.text === reason)
    assert.ok(lodged && lodged.public && lodged.contact === '13912345678' && lodged.university_id === null)
    assert.equal((await api('u2_admin', 'GET', `${E}/campaigns/${camp.cid}/objections`)).items.find((o) => o.text === reason), undefined)

    // the province sees it with the visitor's contact, and answers it
    const prov = await signIn(browser, 'admin', { timezoneId: 'Asia/Shanghai' })
    await go(prov.page, `/evaluation/campaigns/${camp.cid}`)
    await prov.page.getByRole('tab', { name: /异议|Objections/ }).click()
    await settled(prov.page)
    const row = rowWith(prov.page.locator('[data-test="objections-table"]'), reason)
    await row.waitFor()
    assert.match(await row.textContent(), /社会公众.*张公众.*13912345678/)
    await row.locator('[data-test="objection-answer"]').click()
    await answerPrompt(prov.page, '经核实，事迹属实，维持公示结果。')
    await expectMessage(prov.page, /已答复|answered/i)
    await settled(prov.page)
    await shot(prov.page, '92-province-public-objection')
    const answered = (await api('admin', 'GET', `${E}/campaigns/${camp.cid}/objections`)).items.find((o) => o.text === reason)
    assert.equal(answered.answer, '经核实，事迹属实，维持公示结果。')
    assert.deepEqual(prov.errors, [])
    await prov.context.close()
  })

  test('the assessment shows grades and ranks within type, and exports the XLSX', async () => {
    const prov = await signIn(browser, 'admin')
    const page = prov.page
    await go(page, '/evaluation/assessment')
    const table = page.locator('[data-test="assessment-ranking"]')
    await table.waitFor()
    await page.locator('[data-test="grade"]').first().waitFor()
    const ranking = await api('admin', 'GET', `${E}/assessment/${new Date().getFullYear()}/scorecards`)
    assert.ok(ranking.items.length >= 2, 'the demo year has scorecards')
    const grades = { excellent: '优秀', good: '良好', pass: '合格', fail: '不合格' }
    const first = ranking.items[0]
    assert.match(await rowWith(table, first.university_name).textContent(), new RegExp(grades[first.grade]))
    await shot(page, '93-assessment-grades')
    const { name, bytes } = await downloadOf(page, () => page.locator('[data-test="export-assessment"]').click())
    assert.match(name, /年度考核结果\.xlsx$/)
    assert.ok(isZip(bytes))
    const strings = (zipEntry(bytes, 'xl/sharedStrings.xml') ?? '') + (zipEntry(bytes, 'xl/worksheets/sheet1.xml') ?? '') + (zipEntry(bytes, 'xl/worksheets/sheet2.xml') ?? '')
    for (const header of ['全省名次', '同类名次', '办学类型', '等级', '指标代码', '数据来源', '得分']) assert.ok(strings.includes(header), header)
    const workbook = zipEntry(bytes, 'xl/workbook.xml') ?? ''
    assert.ok(workbook.includes('考核总览') && workbook.includes('指标明细'))
    assert.deepEqual(prov.errors, [])
    await prov.context.close()
  })
})
