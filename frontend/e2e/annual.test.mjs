/**
 * Annual summaries and the province's annual report (issue #19, Y3) against the real stack (E2E_BASE_URL, demo data):
 * a university's administrator starts the year's summary — its figures pre-filled from plans and training (the
 * compliance shown is training's own figure) — writes it and submits it; the province returns it with a comment, the
 * university changes it on a phone (390 px, no sideways scrolling) and submits again, the province accepts it; the
 * inspector reads it without decision buttons; the province downloads the annual report as DOCX and PDF under its
 * Chinese name and their text is checked (the DOCX's XML here, the PDF's text with pypdf).
 * Screenshots: e2e-screenshots/93-annual-summary.png, 94-annual-summary-phone.png, 95-annual-review.png.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { inflateRawSync } from 'node:zlib'
import { api, downloadOf, expectMessage, field, go, isZip, launch, settled, shot, signIn, signInPhone, SKIP_REASON } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('annual summary journeys', { skip: SKIP_REASON }, () => {})
}

const YEAR = new Date().getFullYear()
const VENV_PYTHON = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.venv', 'bin', 'python')

/** The text of one entry of a ZIP archive (a DOCX part), read from its local header. */
function zipEntry(bytes, name) {
  for (let i = 0; i + 30 < bytes.length; i++) {
    if (bytes.readUInt32LE(i) !== 0x04034b50) continue
    const method = bytes.readUInt16LE(i + 8)
    const size = bytes.readUInt32LE(i + 18)
    const nameLength = bytes.readUInt16LE(i + 26)
    const extra = bytes.readUInt16LE(i + 28)
    if (bytes.subarray(i + 30, i + 30 + nameLength).toString('utf8') !== name) continue
    const data = bytes.subarray(i + 30 + nameLength + extra, i + 30 + nameLength + extra + size)
    return (method === 8 ? inflateRawSync(data) : data).toString('utf8')
  }
  return null
}

/** The PDF's text as a reader extracts it (pypdf of the project's environment: the font is a CID subset). */
function pdfText(bytes) {
  const python = existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3'
  const script = 'import io,sys\nfrom pypdf import PdfReader\nr=PdfReader(io.BytesIO(sys.stdin.buffer.read()))\nsys.stdout.write("".join(p.extract_text() for p in r.pages))'
  return execFileSync(python, ['-c', script], { input: bytes, maxBuffer: 64 * 1024 * 1024 }).toString('utf8')
}

describe('Annual summaries and the annual report (#19)', { skip: SKIP_REASON }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('a summary pre-filled, written, returned, changed on a phone and accepted; the report downloaded and read', async () => {
    const me = await api('u1_admin', 'GET', '/api/auth/me')
    const uni = (await api('admin', 'GET', `/api/orgs?level=university&limit=500`)).items.find((o) => o.id === me.university_id)
    const training = await api('admin', 'GET', `/api/training/indicators?year=${YEAR}`)
    const rate = training.items.find((i) => i.university_id === me.university_id).compliance_rate
    const overall = `全年围绕服务育人、管理育人推进改革，食堂、公寓、物业三个中心全部完成年度任务（旅程 ${Date.now()}）。`

    // 1. the university starts the summary: the figures are there, the compliance is training's
    const u = await signIn(browser, 'u1_admin')
    await go(u.page, '/evaluation/annual')
    await u.page.locator('[data-test="annual-start"]').click()
    await expectMessage(u.page, '已创建年度总结')
    await u.page.locator('[data-test="annual-figures"]').waitFor()
    assert.match(await u.page.locator('[data-test="annual-status"]').innerText(), /草稿/)
    const compliance = await u.page.locator('[data-test="fig-training"]').innerText()
    assert.ok(compliance.includes(`${(rate * 100).toFixed(1)}%`), `training compliance ${rate} shown: ${compliance}`)
    assert.ok((await u.page.locator('[data-test="fig-categories"] .row').count()) > 0, 'completion by category')
    assert.ok((await u.page.locator('[data-test="fig-themes"] .row').count()) === 6, 'six themes')
    await field(u.page, 'narrative-overall').fill(overall)
    await field(u.page, 'narrative-service').fill('食堂开设劳动教育课堂，学生参与后厨管理。')
    await shot(u.page, '93-annual-summary')
    await u.page.locator('[data-test="annual-submit"]').click()
    await expectMessage(u.page, '已提交省厅审核')
    assert.match(await u.page.locator('[data-test="annual-status"]').innerText(), /待审核/)

    // 2. the province returns it with a comment
    const p = await signIn(browser, 'admin')
    await go(p.page, '/evaluation/annual')
    const row = p.page.locator('.el-table__body-wrapper .el-table__row').filter({ hasText: uni.name }).first()
    await row.locator('[data-test="annual-open"]').click()
    const dialog = p.page.locator('[data-test="annual-dialog"]')
    await dialog.waitFor()
    assert.equal((await dialog.locator('[data-test="read-overall"]').innerText()).trim(), overall)
    await field(dialog, 'annual-decision-comment').fill('请补充专项经费使用情况')
    await dialog.locator('[data-test="annual-return"]').click()
    await expectMessage(p.page, '已退回')

    // 3. the university changes it on a phone and submits it again
    const phone = await signInPhone(browser, 'u1_admin')
    await go(phone.page, '/evaluation/annual')
    assert.match(await phone.page.locator('[data-test="annual-comment"]').innerText(), /请补充专项经费使用情况/)
    await field(phone.page, 'narrative-funding_incentive').fill('专项经费 30 万元全部用于员工素质提升和品牌建设。')
    await shot(phone.page, '94-annual-summary-phone')
    const wide = await phone.page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(wide <= 390, `no sideways scrolling at 390 px (${wide})`)
    await phone.page.locator('[data-test="annual-submit"]').click()
    await expectMessage(phone.page, '已提交省厅审核')

    // 4. the inspector reads it and has nothing to decide
    const i = await signIn(browser, 'inspector1')
    await go(i.page, '/evaluation/annual')
    await i.page.locator('.el-table__body-wrapper .el-table__row').filter({ hasText: uni.name }).first().locator('[data-test="annual-open"]').click()
    await i.page.locator('[data-test="annual-dialog"] [data-test="read-funding_incentive"]').waitFor()
    assert.equal(await i.page.locator('[data-test="annual-accept"]').count(), 0, 'no accept button for the inspector')
    assert.equal(await i.page.locator('[data-test="annual-return"]').count(), 0, 'no return button for the inspector')

    // 5. the province accepts it
    await go(p.page, '/evaluation/annual')
    await row.locator('[data-test="annual-open"]').click()
    await dialog.locator('[data-test="annual-accept"]').click()
    await expectMessage(p.page, '已通过')
    await settled(p.page)
    assert.match(await dialog.locator('[data-test="dialog-status"]').innerText(), /已通过/)
    await shot(p.page, '95-annual-review')
    await p.page.keyboard.press('Escape')
    const summary = (await api('admin', 'GET', `/api/evaluation/annual-summaries?year=${YEAR}&university_id=${me.university_id}`)).items[0]
    assert.equal(summary.status, 'accepted')

    // 6. the annual report as DOCX and PDF, under its Chinese name, with the province's text
    const docx = await downloadOf(p.page, () => p.page.locator('[data-test="report-docx"]').click())
    assert.match(docx.name, new RegExp(`^${YEAR}年度高校后勤三全育人工作报告\\.docx$`))
    assert.ok(isZip(docx.bytes), 'the DOCX is a ZIP')
    const xml = zipEntry(docx.bytes, 'word/document.xml')
    for (const words of ['年度工作报告', '一、总体情况', '二、分类统计', '图1 各高校培训达标率', '四、试点高校', '五、获奖名单', '六、典型案例', uni.name]) {
      assert.ok(xml.includes(words), `the DOCX says ${words}`)
    }
    assert.ok(xml.includes('已通过 1 份'), 'the DOCX counts the accepted summary')
    const pdf = await downloadOf(p.page, () => p.page.locator('[data-test="report-pdf"]').click())
    assert.match(pdf.name, new RegExp(`^${YEAR}年度高校后勤三全育人工作报告\\.pdf$`))
    assert.equal(pdf.bytes.subarray(0, 5).toString('latin1'), '%PDF-')
    const text = pdfText(pdf.bytes)
    for (const words of ['年度工作报告', '总体情况', '分类统计', '试点高校', '获奖名单']) {
      assert.ok(text.includes(words), `the PDF says ${words}`)
    }
    for (const s of [u, p, phone, i]) assert.deepEqual(s.errors, [])
    for (const s of [u, p, phone, i]) await s.context.close()
  })
})
