/**
 * Admin conventions still missing from issue #17: breadcrumbs and a tags view of visited pages (close, right-click
 * 关闭其他, kept across a reload, not shown on phones), and row selection with 批量导出 / 批量删除 on 培训记录 (one
 * confirmation, Chinese file name, all or nothing). zh-CN and en, desktop and 390×844 (nothing wider than the
 * screen, the primary action on screen), axe-core: no serious or critical violation.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { api, axeSerious, downloadOf, go, isZip, launch, PHONE, settled, signInAt, SKIP_REASON, WIDE } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('admin conventions journeys', { skip: SKIP_REASON }, () => {})
}


async function assertFits(page, where) {
  const m = await page.evaluate(() => {
    const main = document.querySelector('.main')
    return { doc: document.documentElement.scrollWidth, inner: window.innerWidth, main: main ? main.scrollWidth - main.clientWidth : 0 }
  })
  assert.ok(m.doc <= m.inner, `${where}: the page is ${m.doc} px wide on a ${m.inner} px screen`)
  assert.ok(m.main <= 1, `${where}: the main area scrolls ${m.main} px sideways`)
}

async function assertOnScreen(page, locator, what) {
  await locator.waitFor({ state: 'visible' })
  await locator.scrollIntoViewIfNeeded()
  const box = await locator.boundingBox()
  const width = await page.evaluate(() => window.innerWidth)
  assert.ok(box && box.x >= 0 && box.x + box.width <= width + 0.5, `${what} lies within the ${width} px screen`)
}

const tagNames = (page) => page.locator('[data-test="tags-view"] .tag .tag-link').allInnerTexts()
const crumbs = async (page) => (await page.locator('[data-test="breadcrumb"] .el-breadcrumb__inner').allInnerTexts()).map((s) => s.trim())

/** A person of our own in the department of u1_d1_mgr, with `n` records this year (the journey's rows only). */
async function personWithRecords(n) {
  const no = `E2EB${Date.now() % 1_000_000}`
  const dept = (await api('u1_d1_mgr', 'GET', '/api/auth/me')).department_id
  const person = await api('u1_admin', 'PUT', `/api/training/staff/by-employee-no/${no}`, { name: `批量${no.slice(-4)}`, department_id: dept, employment_type: 'contract', active: true })
  const day = `${new Date().getFullYear()}-01-10`
  const records = []
  for (let i = 0; i < n; i++) {
    records.push(await api('u1_admin', 'POST', '/api/training/records', { staff_id: person.id, title: `批量培训${i + 1}`, taken_on: day, hours: 2 + i, days: 0, themes: ['safety'], organizer_level: 'university' }))
  }
  return { person, records }
}

describe('admin conventions: breadcrumbs, tags view, batch actions', { skip: Boolean(SKIP_REASON), concurrency: 1 }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('面包屑 and 标签页: visited pages as tags, close, 关闭其他 by right-click, kept across a reload (zh-CN)', async () => {
    const { context, page, errors } = await signInAt(browser, 'u1_admin')
    assert.deepEqual(await crumbs(page), ['概览', '工作台'])
    await page.locator('[data-test="menu-training-records"]').click()
    await page.waitForURL((u) => u.pathname === '/training/records')
    await settled(page)
    assert.deepEqual(await crumbs(page), ['培训台账', '培训记录'])
    await page.locator('[data-test="menu-training-staff"]').click()
    await page.waitForURL((u) => u.pathname === '/training/staff')
    await page.locator('[data-test="menu-training-courses"]').click()
    await page.waitForURL((u) => u.pathname === '/training/courses')
    await settled(page)
    assert.deepEqual(await tagNames(page), ['工作台', '培训记录', '人员名册', '培训课程与考勤'])
    // the home tag cannot be closed; the page on screen closed: its left neighbour opens
    assert.equal(await page.locator('[data-test="tag-close-workbench"]').count(), 0)
    await page.locator('[data-test="tag-close-training-courses"]').click()
    await page.waitForURL((u) => u.pathname === '/training/staff')
    assert.deepEqual(await tagNames(page), ['工作台', '培训记录', '人员名册'])
    // a reload keeps the tags (sessionStorage)
    await page.reload()
    await page.locator('[data-test="tags-view"]').waitFor()
    await settled(page)
    assert.deepEqual(await tagNames(page), ['工作台', '培训记录', '人员名册'])
    // right-click 培训记录 → 关闭其他: the home tag and 培训记录 stay, and 培训记录 opens (the page on screen closed)
    await page.locator('[data-test="tag-training-records"]').click({ button: 'right' })
    await page.locator('[data-test="tags-menu"]').waitFor()
    assert.deepEqual((await page.locator('[data-test="tags-menu"] button').allInnerTexts()).map((s) => s.trim()), ['关闭', '关闭其他', '关闭左侧', '关闭右侧', '全部关闭'])
    await page.locator('[data-test="tags-menu-others"]').click()
    await page.waitForURL((u) => u.pathname === '/training/records')
    assert.deepEqual(await tagNames(page), ['工作台', '培训记录'])
    // a detail page: the breadcrumb links back to its list
    const staff = (await api('u1_admin', 'GET', '/api/training/staff?limit=1')).items[0]
    await go(page, `/training/staff/${staff.id}/ledger`)
    assert.deepEqual(await crumbs(page), ['培训台账', '达标统计', '个人台账'])
    await page.locator('[data-test="breadcrumb"] a', { hasText: '达标统计' }).click()
    await page.waitForURL((u) => u.pathname === '/training/compliance')
    assert.deepEqual(await axeSerious(page), [], 'axe-core: tags view and breadcrumb')
    // signing out forgets the tags: the next person in this tab starts with the home tag only
    await page.locator('[data-test="user-menu"]').click()
    await page.locator('[data-test="logout"]').click()
    await page.waitForURL((u) => u.pathname.startsWith('/login'))
    assert.equal(await page.evaluate(() => sessionStorage.getItem('sq.tags')), null)
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('breadcrumb and tags in English; on a 390 px phone neither is shown and nothing overflows', async () => {
    const { context, page } = await signInAt(browser, 'u1_d1_mgr', { locale: 'en' })
    await go(page, '/training/records')
    const c = await crumbs(page)
    assert.equal(c.length, 2)
    assert.doesNotMatch(c.join(' '), /[\u4e00-\u9fff]|menu\./, c.join(' / '))
    assert.match((await tagNames(page)).join(' '), /Workbench/)
    await page.locator('[data-test="tags-more"]').click()
    assert.match(await page.locator('[data-test="tags-more-others"]').innerText(), /Close others/)
    await context.close()

    for (const locale of ['zh-CN', 'en']) {
      const phone = await signInAt(browser, 'u1_admin', { viewport: PHONE, locale })
      await go(phone.page, '/training/records')
      assert.equal(await phone.page.locator('[data-test="tags-view"]').count(), 0, 'no tags bar on a phone')
      assert.equal(await phone.page.locator('[data-test="breadcrumb"]').count(), 0, 'the title alone on a phone')
      await phone.page.locator('[data-test="page-title"]').waitFor()
      await assertFits(phone.page, `records at 390 px (${locale})`)
      await phone.context.close()
    }
  })

  test('培训记录: tick rows → 批量导出 (the ticked rows, Chinese file name) and 批量删除 (one confirmation; the rows are gone)', async () => {
    const { person, records } = await personWithRecords(3)
    const { context, page, errors } = await signInAt(browser, 'u1_admin')
    await go(page, `/training/records?staff_id=${person.id}`)
    const rows = page.locator('[data-test="records-table"] .el-table__body tr.el-table__row')
    assert.equal(await rows.count(), 3)
    assert.equal(await page.locator('[data-test="records-batch"]').count(), 0, 'no batch bar before a row is ticked')
    await rows.nth(0).locator('.el-checkbox').click()
    await rows.nth(1).locator('.el-checkbox').click()
    assert.match(await page.locator('[data-test="records-selected"]').innerText(), /已选 2 条/)
    assert.deepEqual(await axeSerious(page), [], 'axe-core: the table with its selection and the batch bar')
    const file = await downloadOf(page, () => page.locator('[data-test="records-batch-export"]').click())
    assert.ok(isZip(file.bytes), 'an xlsx')
    assert.match(file.name, /^培训台账-.*已选2条\.xlsx$/)
    // 批量删除: one confirmation; cancelling deletes nothing
    await page.locator('[data-test="records-batch-delete"]').click()
    const box = page.locator('.el-message-box:visible')
    await box.waitFor()
    assert.match(await box.innerText(), /删除选中的 2 条培训记录/)
    await box.locator('.el-message-box__btns .el-button:not(.el-button--primary)').click()
    await settled(page)
    assert.equal((await api('u1_admin', 'GET', `/api/training/records?staff_id=${person.id}`)).total, 3)
    await page.locator('[data-test="records-batch-delete"]').click()
    await box.waitFor()
    await box.locator('.el-message-box__btns .el-button--primary').click()
    await page.locator('.el-message').filter({ hasText: '已删除 2 条记录' }).first().waitFor()
    await settled(page)
    assert.equal(await rows.count(), 1)
    const left = await api('u1_admin', 'GET', `/api/training/records?staff_id=${person.id}`)
    assert.equal(left.total, 1)
    assert.ok(records.some((r) => r.id === left.items[0].id))
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('批量删除 of a row changed meanwhile deletes nothing and says so; English labels; a 390 px phone keeps the bar on screen', async () => {
    const { person, records } = await personWithRecords(2)
    const { context, page } = await signInAt(browser, 'u1_d1_mgr', { locale: 'en' })
    await go(page, `/training/records?staff_id=${person.id}`)
    const rows = page.locator('[data-test="records-table"] .el-table__body tr.el-table__row')
    {
      assert.equal(await rows.count(), 2)
      await page.locator('[data-test="records-table"] .el-table__header .el-checkbox').click()
      assert.match(await page.locator('[data-test="records-selected"]').innerText(), /2 selected/)
      assert.match(await page.locator('[data-test="records-batch-delete"]').innerText(), /Delete selected/)
      // someone corrects one of them after the list was shown
      await api('u1_admin', 'PATCH', `/api/training/records/${records[0].id}`, { hours: 9 })
      await page.locator('[data-test="records-batch-delete"]').click()
      const box = page.locator('.el-message-box:visible')
      await box.waitFor()
      await box.locator('.el-message-box__btns .el-button--primary').click()
      await page.locator('.el-message').filter({ hasText: /nothing was deleted/ }).first().waitFor()
      assert.equal((await api('u1_admin', 'GET', `/api/training/records?staff_id=${person.id}`)).total, 2)
      await context.close()
    }

    for (const locale of ['zh-CN', 'en']) {
      const phone = await signInAt(browser, 'u1_admin', { viewport: PHONE, locale })
      await go(phone.page, `/training/records?staff_id=${person.id}`)
      await phone.page.locator('[data-test="records-table"] .el-table__body tr.el-table__row .el-checkbox').first().click()
      await assertOnScreen(phone.page, phone.page.locator('[data-test="records-batch-delete"]'), `批量删除 at 390 px (${locale})`)
      await assertOnScreen(phone.page, phone.page.locator('[data-test="records-batch-export"]'), `批量导出 at 390 px (${locale})`)
      await assertFits(phone.page, `records with a ticked row at 390 px (${locale})`)
      assert.deepEqual(await axeSerious(phone.page), [], `axe-core at 390 px (${locale})`)
      await phone.context.close()
    }
  })

  test('评审任务: each assigned nomination shows who and where (or, blind, its number and first words), not a list of identical titles', async () => {
    for (const [locale, viewport] of [['zh-CN', WIDE], ['en', PHONE]]) {
      const { context, page } = await signInAt(browser, 'expert1', { viewport, locale })
      await go(page, '/evaluation/reviews')
      const items = page.locator('[data-test="assignment"]')
      const n = await items.count()
      assert.ok(n >= 2, `expert1 has assignments in the demo (${n})`)
      const lines = []
      for (let i = 0; i < n; i++) {
        const title = (await items.nth(i).locator('.item-title').innerText()).trim()
        const who = (await items.nth(i).locator('[data-test="assignment-who"]').innerText()).trim()
        assert.ok(who.length > 0, `assignment ${i} says who or which`)
        lines.push(`${title} | ${who}`)
      }
      assert.equal(new Set(lines).size, n, `every assignment reads differently: ${lines.join(' ; ')}`)
      if (viewport === PHONE) await assertFits(page, 'reviews at 390 px')
      assert.deepEqual(await axeSerious(page), [], `axe-core on 评审任务 (${locale})`)
      await context.close()
    }
  })

  test('导入名册 (ImportDialog): a department manager checks a file, a row of another department is refused at its Excel row, the fixed file imports', async () => {
    const me = await api('u1_d1_mgr', 'GET', '/api/auth/me')
    const all = await api('u1_admin', 'GET', '/api/training/staff?limit=200')
    const sibling = all.items.map((x) => x.department_id).find((d) => d !== me.department_id)
    assert.ok(sibling, 'university 1 has a second department')
    const stamp = Date.now() % 1_000_000
    const header = '工号,姓名,部门,用工类型,岗位,在岗,入职日期,离职日期'
    const mine = `E2EI${stamp},导入甲${stamp % 1000},${me.department_id},合同制,保洁,是,2024-03-01,`
    const theirs = `E2EJ${stamp},导入乙${stamp % 1000},${sibling},外包,保安,是,2024-03-01,`
    const dir = mkdtempSync(join(tmpdir(), 'staff-import-'))
    writeFileSync(join(dir, '名册.csv'), `${header}\n${mine}\n${theirs}\n`)
    writeFileSync(join(dir, '名册-改.csv'), `${header}\n${mine}\n`)

    const { context, page, errors } = await signInAt(browser, 'u1_d1_mgr')
    await go(page, '/training/staff')
    await page.locator('[data-test="staff-import"]').click()
    const dialog = page.locator('[data-test="import-dialog"]')
    await dialog.waitFor()
    const template = await downloadOf(page, () => dialog.locator('[data-test="import-dialog-template"]').click())
    assert.ok(isZip(template.bytes))
    assert.match(template.name, /人员名册导入模板\.xlsx$/)
    await dialog.locator('[data-test="import-dialog-upload"] input[type=file]').setInputFiles(join(dir, '名册.csv'))
    await dialog.locator('[data-test="import-dialog-check"]').click()
    const list = dialog.locator('[data-test="import-dialog-errors"] li')
    await list.first().waitFor()
    assert.equal(await list.count(), 1)
    const line = await list.first().innerText()
    assert.match(line, /第\s*3\s*行/, line)
    assert.match(line, /[\u4e00-\u9fff]{4}/, `a Chinese reason: ${line}`)
    assert.doesNotMatch(line, /other_department|undefined|\{/, line)
    assert.ok(await dialog.locator('[data-test="import-dialog-commit"]').isDisabled(), 'nothing to import while a row is wrong')
    assert.deepEqual(await axeSerious(page), [], 'axe-core on the import dialog with its errors')
    // the fixed file: checked, then imported; the person is in the register, the other department's is not
    assert.match(await dialog.locator('[data-test="import-dialog-file"]').innerText(), /名册\.csv/)
    await dialog.locator('[data-test="import-dialog-remove"]').click()
    assert.equal(await dialog.locator('[data-test="import-dialog-result"]').count(), 0, 'removing the file clears its check')
    await dialog.locator('[data-test="import-dialog-upload"] input[type=file]').setInputFiles(join(dir, '名册-改.csv'))
    await dialog.locator('[data-test="import-dialog-check"]').click()
    await page.waitForFunction(() => !document.querySelector('[data-test="import-dialog-errors"]'))
    await dialog.locator('[data-test="import-dialog-commit"]:not([disabled])').click()
    await page.locator('.el-alert--success').filter({ hasText: /1/ }).first().waitFor()
    const found = await api('u1_admin', 'GET', `/api/training/staff?q=E2EI${stamp}`)
    assert.equal(found.total, 1)
    assert.equal((await api('u1_admin', 'GET', `/api/training/staff?q=E2EJ${stamp}`)).total, 0)
    assert.deepEqual(errors, [])
    await context.close()

    // English, on a 390 px phone: the dialog fits and its buttons are on screen
    const phone = await signInAt(browser, 'u1_admin', { viewport: PHONE, locale: 'en' })
    await go(phone.page, '/training/staff')
    await phone.page.locator('[data-test="staff-import"]').click()
    const d = phone.page.locator('[data-test="import-dialog"]')
    await d.waitFor()
    // English words (the template's sheet 填写说明 is named as it is in the file)
    assert.match(await d.locator('.el-dialog__title').innerText(), /^Import the staff register/)
    assert.match(await d.locator('[data-test="import-dialog-check"]').innerText(), /^[\x20-\x7e]+$/)
    await assertOnScreen(phone.page, d.locator('[data-test="import-dialog-check"]'), 'Check at 390 px')
    await assertFits(phone.page, 'the import dialog at 390 px')
    await phone.context.close()
  })
})
