/**
 * Supervision and rectification (issue #19) against the real stack (E2E_BASE_URL, demo data): the inspector
 * (inspector1) records a visit to 中原理工大学 with a finding and its evidence; the university's administrator answers
 * the rectification on a phone (390 px, no sideways scrolling) with measures and an evidence file; the province
 * verifies and closes it; the inspector finds no way to edit a plan (no menu entry, the page refused, the API 403).
 * Screenshots: e2e-screenshots/90-supervision-finding.png, 91-rectification-answer-phone.png, 92-rectification-closed.png.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { api, BASE_URL, choose, field, go, launch, PHONE, settled, shot, signIn, signInPhone, SKIP_REASON, tokenFor } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('supervision journeys', { skip: SKIP_REASON }, () => {})
}

/** A small, valid PDF of one page of text. */
function pdfBytes(text) {
  const content = `BT /F1 18 Tf 30 100 Td (${text}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  let out = '%PDF-1.4\n'
  const offsets = []
  objects.forEach((o, i) => {
    offsets.push(out.length)
    out += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = out.length
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

function isoDay(offset) {
  const d = new Date(Date.now() + offset * 86_400_000)
  return d.toISOString().slice(0, 10)
}

async function pickDate(page, testId, value) {
  const input = field(page, testId)
  await input.click()
  await input.fill(value)
  await input.press('Enter')
}

describe('Supervision and rectification (#19)', { skip: SKIP_REASON }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('an inspector records a finding, the university answers with a file, the province closes it', async () => {
    const mark = `食堂后厨消防通道堆放杂物（旅程 ${Date.now()}）`

    // 1. the inspector records the visit and the finding with its evidence
    const inspector = await signIn(browser, 'inspector1')
    assert.match(new URL(inspector.page.url()).pathname, /\/supervision\/visits$/, 'the inspector lands on 督导检查')
    await settled(inspector.page)
    await inspector.page.locator('[data-test="new-visit"]').click()
    await pickDate(inspector.page, 'visit-date', isoDay(0))
    await field(inspector.page, 'visit-title').fill('后勤三全育人专项督导（旅程）')
    await field(inspector.page, 'visit-team').fill('省级督导一、省级督导二')
    await choose(inspector.page, 'visit-universities', '中原理工大学')
    await inspector.page.keyboard.press('Escape')
    await inspector.page.locator('[data-test="save-visit"]').click()
    await inspector.page.waitForURL(/\/supervision\/visits\/\d+$/)
    await settled(inspector.page)
    await inspector.page.locator('[data-test="new-finding"]').click()
    await inspector.page.locator('[data-test="finding-severity"] label').filter({ hasText: '较重' }).click()
    await field(inspector.page, 'finding-description').fill(mark)
    await pickDate(inspector.page, 'finding-due', isoDay(30))
    await inspector.page.locator('[data-test="save-finding"]').click()
    const created = inspector.page.locator('[data-test="finding-created"]')
    await created.waitFor()
    await created.locator('[data-test="file-input"]').setInputFiles({ name: '消防通道现场.pdf', mimeType: 'application/pdf', buffer: pdfBytes('Fire exit blocked') })
    await created.locator('[data-test="attachment"]').first().waitFor()
    await shot(inspector.page, '90-supervision-finding')
    assert.deepEqual(inspector.errors, [])

    const rect = (await api('u1_admin', 'GET', '/api/plans/rectifications?limit=200')).items.find((r) => r.description === mark)
    assert.ok(rect, 'the university sees its rectification')
    assert.equal(rect.status, 'assigned')
    const other = (await api('u2_admin', 'GET', '/api/plans/rectifications?limit=200')).items
    assert.ok(!other.some((r) => r.description === mark), 'another university does not see it')

    // 2. the university's administrator answers on a phone, with measures and a file
    const uni = await signInPhone(browser, 'u1_admin')
    await go(uni.page, `/supervision/rectifications?id=${rect.id}`)
    const dialog = uni.page.locator('[data-test="rectification-dialog"]')
    await field(dialog, 'measures').waitFor()
    await field(dialog, 'measures').fill('已清理消防通道，张贴警示标识，建立每日巡查制度')
    await dialog.locator('[data-owner="rectifications"] [data-test="file-input"]').setInputFiles({ name: '整改后现场.pdf', mimeType: 'application/pdf', buffer: pdfBytes('Fire exit cleared') })
    await dialog.locator('[data-owner="rectifications"] [data-test="attachment"]').first().waitFor()
    const wide = await uni.page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(wide <= PHONE.width, `no sideways scrolling at 390 px (${wide} px)`)
    await shot(uni.page, '91-rectification-answer-phone')
    await dialog.locator('[data-test="submit-response"]').click()
    await dialog.locator('[data-test="dialog-status"]').filter({ hasText: '待核验' }).waitFor()

    // 3. the province verifies and closes it
    const province = await signIn(browser, 'admin')
    await go(province.page, `/supervision/rectifications?id=${rect.id}`)
    const pd = province.page.locator('[data-test="rectification-dialog"]')
    await pd.locator('[data-owner="rectifications"] [data-test="attachment"]').first().waitFor()
    await field(pd, 'verification-note').fill('现场复核整改到位')
    await pd.locator('[data-test="close-rectification"]').click()
    await pd.locator('[data-test="dialog-status"]').filter({ hasText: '已销号' }).waitFor()
    await shot(province.page, '92-rectification-closed')
    const closed = await api('u1_admin', 'GET', `/api/plans/rectifications/${rect.id}`)
    assert.equal(closed.status, 'closed')
    assert.equal(closed.closed_on_time, true)

    for (const s of [inspector, uni, province]) await s.context.close()
  })

  test('the inspector cannot edit a plan: no menu entry, the page refused, the API 403', async () => {
    const plan = (await api('admin', 'GET', '/api/plans/plans?limit=1')).items[0]
    assert.ok(plan, 'the demo has a plan')
    const read = await fetch(`${BASE_URL}/api/plans/plans/${plan.id}`, { headers: { Authorization: `Bearer ${await tokenFor('inspector1')}` } })
    assert.equal(read.status, 200, 'the inspector reads every university’s plan')
    const res = await fetch(`${BASE_URL}/api/plans/plans/${plan.id}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${await tokenFor('inspector1')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: '督导不应改动' }),
    })
    assert.equal(res.status, 403)

    const inspector = await signIn(browser, 'inspector1')
    const menu = await inspector.page.locator('[data-test="menu"]').innerText()
    assert.ok(!menu.includes('本校实施方案') && !menu.includes('方案审核'), 'no plan editing in the inspector’s menu')
    assert.ok(menu.includes('督导检查') && menu.includes('整改落实'))
    await go(inspector.page, '/plans/mine')
    assert.equal(await inspector.page.locator('[data-test="plan-save"], [data-test="plan-submit"]').count(), 0, 'no edit button')
    assert.match(new URL(inspector.page.url()).pathname, /forbidden/)
    await inspector.context.close()
  })
})
