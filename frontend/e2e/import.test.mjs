/**
 * Excel import that explains itself (issue #17 part 2) against the real stack (E2E_BASE_URL, demo data):
 * a department manager (who used to be sent to /forbidden) opens 培训记录 Excel 导入, downloads the Chinese template
 * (its 填写说明 sheet and drop-down lists inside), uploads a file with Chinese headers and full-width separators
 * whose third row (as Excel numbers it) names a person of another department, reads the Chinese error with that row
 * number and the column's header, and downloads the error report: the uploaded rows with 错误说明 and the bad cell
 * commented. The screenshot of the errors is kept (e2e-screenshots/70-dmgr-import-errors.png).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inflateRawSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import { SKIP_REASON, api, downloadOf, go, isZip, launch, settled, shot, signIn } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('import journeys', { skip: SKIP_REASON }, () => {})
}

const YEAR = new Date().getFullYear()

/** The text of one entry of a ZIP archive (an XLSX part), read from its local header (stored or deflated), with
 * numeric character references decoded. */
function zipEntry(bytes, name) {
  for (let i = 0; i + 30 < bytes.length; i++) {
    if (bytes.readUInt32LE(i) !== 0x04034b50) continue
    const method = bytes.readUInt16LE(i + 8)
    const size = bytes.readUInt32LE(i + 18)
    const nameLength = bytes.readUInt16LE(i + 26)
    const extra = bytes.readUInt16LE(i + 28)
    const entry = bytes.subarray(i + 30, i + 30 + nameLength).toString('utf8')
    if (entry !== name) continue
    const data = bytes.subarray(i + 30 + nameLength + extra, i + 30 + nameLength + extra + size)
    const xml = (method === 8 ? inflateRawSync(data) : data).toString('utf8')
    return xml.replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
  }
  return null
}

describe('Excel import (#17)', { skip: SKIP_REASON }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('a department manager imports with the template, reads the Excel row of the bad one and gets the error report', async () => {
    const me = await api('u1_d1_mgr', 'GET', '/api/auth/me')
    const own = (await api('u1_d1_mgr', 'GET', '/api/training/staff?limit=5')).items[0]
    const all = (await api('u1_admin', 'GET', '/api/training/staff?limit=200')).items
    const other = all.find((s) => s.department_id !== me.department_id)
    assert.ok(own && other, 'the demo university has staff in two departments')

    const { context, page, errors } = await signIn(browser, 'u1_d1_mgr')
    await go(page, '/training/import')
    assert.ok(!page.url().includes('/forbidden'), page.url())
    await page.locator('[data-test="import-columns"]').waitFor()
    const intro = await page.locator('.page').first().textContent()
    assert.doesNotMatch(intro, /英文分号|English ;/)
    assert.match(intro, /部门负责人只能导入本部门人员的记录/)

    // the template: a Chinese workbook with its instructions sheet and drop-down lists
    const template = await downloadOf(page, () => page.locator('[data-test="template-xlsx"]').click())
    assert.equal(template.name, '培训记录导入模板.xlsx')
    assert.ok(isZip(template.bytes))
    assert.match(zipEntry(template.bytes, 'xl/workbook.xml'), /填写说明/)
    assert.match(zipEntry(template.bytes, 'xl/worksheets/sheet1.xml'), /<dataValidation [^>]*type="list"/)

    // row 1 the header, row 2 the manager's own person, row 3 another department's: refused as such
    const dir = mkdtempSync(join(tmpdir(), 'sq-e2e-import-'))
    const stamp = Date.now()
    const csv =
      '工号,培训名称,培训日期,学时,天数,培训主题,组织层级,外部编号\n' +
      `${own.employee_no},E2E 消防演练,${YEAR}-01-01,4,0.5,"安全教育，法治教育",部门级,e2e-imp-${stamp}-1\n` +
      `${other.employee_no},E2E 别的部门,${YEAR}-01-01,4,0.5,安全教育；职业道德,部门级,e2e-imp-${stamp}-2\n`
    writeFileSync(join(dir, '本部门培训.csv'), csv)
    await page.locator('[data-test="import-upload"] input[type=file]').setInputFiles(join(dir, '本部门培训.csv'))
    await page.locator('[data-test="import-check"]').click()
    await page.locator('[data-test="import-errors"]').waitFor()
    assert.equal((await page.locator('[data-test="import-rejected"]').textContent()).trim(), '1')
    const cells = (await page.locator('[data-test="import-errors"] tbody tr').first().locator('td').allTextContents()).map((t) => t.trim())
    assert.deepEqual(cells.slice(0, 2), ['3', '工号'])
    assert.equal(cells[2], `工号“${other.employee_no}”不是本部门人员，部门负责人只能导入本部门人员的记录`)
    assert.ok(await page.locator('[data-test="import-commit"]').isDisabled())
    await page.locator('[data-test="import-report"]').scrollIntoViewIfNeeded()
    await shot(page, '70-dmgr-import-errors')

    // 下载错误报告: the same rows, 错误说明 added, the bad cell (A3) commented
    const report = await downloadOf(page, () => page.locator('[data-test="import-report"]').click())
    assert.equal(report.name, '错误报告-本部门培训.xlsx')
    assert.ok(isZip(report.bytes))
    const strings = zipEntry(report.bytes, 'xl/sharedStrings.xml') ?? zipEntry(report.bytes, 'xl/worksheets/sheet1.xml')
    assert.match(strings, /错误说明/)
    assert.match(strings, /E2E 别的部门/)
    const comments = report.bytes.includes(Buffer.from('xl/comments')) ? zipEntry(report.bytes, 'xl/comments/comment1.xml') : null
    assert.ok(comments, 'the report has comments')
    assert.match(comments, /ref="A3"/)
    assert.doesNotMatch(comments, /ref="[B-Z]\d+"|ref="A2"/)
    assert.match(comments, /不是本部门人员/)

    // without the other department's row the file is stored for the manager's own person
    writeFileSync(join(dir, '本部门培训-改.csv'), csv.split('\n').slice(0, 2).join('\n') + '\n')
    await page.locator('[data-test="import-upload"] input[type=file]').setInputFiles(join(dir, '本部门培训-改.csv'))
    await page.locator('[data-test="import-check"]').click()
    await page.getByText(/校验通过/).waitFor()
    await page.locator('[data-test="import-commit"]').click()
    await page.getByText(/导入完成/).waitFor()
    await settled(page)
    const ledger = await api('u1_d1_mgr', 'GET', `/api/training/staff/${own.id}/ledger?year=${YEAR}`)
    const stored = ledger.records.find((r) => r.external_id === `e2e-imp-${stamp}-1`)
    assert.deepEqual(stored?.themes, ['law', 'safety'])
    assert.deepEqual(errors, [])
    await context.close()
  })
})
