/**
 * The admin conventions (issue #17 parts 4 and 5): the workbench's 待办 and their links, English loaded on demand
 * with the sign-in page's messages precompiled, and axe-core over every page of every role (desktop and 390×844):
 * no serious or critical violation (that part in axe.mjs, run by axe-desktop.test.mjs and axe-phone.test.mjs).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { BASE_URL, SKIP_REASON, api, choose, field, go, launch, settled, shot, signIn } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('conventions journeys', { skip: SKIP_REASON }, () => {})
}

// axe-core over every page of every role: axe.mjs (axe-desktop.test.mjs, axe-phone.test.mjs, run at the same time)

describe('admin conventions', { skip: Boolean(SKIP_REASON), concurrency: 1 }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('sign-in page: Chinese first, English loaded on demand (its own chunk), messages with parameters filled', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: BASE_URL })
    const page = await context.newPage()
    const scripts = []
    page.on('request', (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname))
    await page.goto('/login')
    await settled(page)
    const zh = await page.locator('[data-test="login-submit"]').innerText()
    assert.match(zh, /登\s*录/)
    const before = scripts.length
    await page.locator('.el-radio-button', { hasText: 'EN' }).first().click()
    await page.waitForFunction(() => /sign in|log in/i.test(document.querySelector('[data-test="login-submit"]')?.textContent ?? ''))
    assert.ok(scripts.length > before, 'English is fetched when chosen, not with the first load')
    // a message with a parameter, compiled at build time, renders with its value (not the key, not "{...}")
    await field(page, 'username').fill('nobody-here')
    await field(page, 'password').fill('wrong-password-1')
    await page.locator('[data-test="login-submit"]').click()
    await page.locator('.el-alert, .el-form-item__error').first().waitFor()
    const text = await page.locator('.el-alert, .el-form-item__error').first().innerText()
    assert.doesNotMatch(text, /[{}]|errors\.|login\./, text)
    await context.close()
  })

  test('workbench: university admin lands on 工作台; every 待办 links to the page where it is done', async () => {
    // make sure there is something to do: a milestone due in 3 days in u1's plan (through the API, as the admin)
    const year = new Date().getFullYear()
    const plans = await api('u1_admin', 'GET', `/api/plans/plans?year=${year}`)
    const plan = plans.items[0]
    assert.ok(plan, 'u1 has a plan this year in the demo')
    const tasks = await api('u1_admin', 'GET', `/api/plans/plans/${plan.id}/tasks?limit=1`)
    const due = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10)
    const title = `e2e-工作台-${Date.now() % 100000}`
    await api('u1_admin', 'POST', `/api/plans/tasks/${tasks.items[0].id}/milestones`, { title, due_on: due }).catch(() => null)

    const { context, page } = await signIn(browser, 'u1_admin')
    assert.equal(new URL(page.url()).pathname, '/workbench')
    await page.locator('[data-test="workbench"]').waitFor()
    await settled(page)
    const links = page.locator('.todo-link')
    const n = await links.count()
    assert.ok(n > 0, 'the university admin has 待办 in the demo')
    const dueSoon = page.locator('[data-test="todo-dueSoon"]', { hasText: title })
    if (await dueSoon.count()) assert.match(await dueSoon.first().innerText(), /将于 \d{4}/)
    await shot(page, '17-conventions-workbench')
    const targets = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))
    for (const href of [...new Set(targets.map((h) => h.split('?')[0]))]) {
      await go(page, '/workbench')
      await page.locator(`.todo-link[href^="${href}"]`).first().click()
      await page.waitForURL((u) => u.pathname === href)
      await settled(page)
      assert.notEqual(new URL(page.url()).pathname, '/forbidden', href)
    }
    await context.close()
  })

  test('workbench: department manager sees their own 待办 page (scoped; no nomination to submit)', async () => {
    const { context, page } = await signIn(browser, 'u1_d1_mgr')
    assert.equal(new URL(page.url()).pathname, '/workbench')
    await page.locator('[data-test="workbench"]').waitFor()
    await settled(page)
    assert.equal(await page.locator('[data-test="todo-nominations"]').count(), 0)
    await context.close()
  })

  test('培训记录: search by person, and the search survives leaving the page and coming back (query string and menu)', async () => {
    const { context, page } = await signIn(browser, 'u1_admin')
    await go(page, '/training/records')
    const staff = await api('u1_admin', 'GET', '/api/training/staff?limit=1')
    const person = staff.items[0]
    await choose(page, 'records-person', person.employee_no, { type: true })
    await settled(page)
    assert.equal(new URL(page.url()).searchParams.get('staff_id'), String(person.id))
    // the first column is the row selection (批量导出 / 批量删除), the second the 工号
    const nos = await page.locator('[data-test="records-table"] .el-table__body tr td:nth-child(2)').allInnerTexts()
    assert.ok(nos.length > 0, 'the demo person has records')
    assert.deepEqual([...new Set(nos.map((x) => x.trim()))], [person.employee_no])
    // away through the menu and back through the menu: the same search, the same rows
    await page.locator('[data-test="menu-training-staff"]').click()
    await page.waitForURL((u) => u.pathname === '/training/staff')
    await settled(page)
    await page.locator('[data-test="menu-training-records"]').click()
    await page.waitForURL((u) => u.pathname === '/training/records')
    await settled(page)
    assert.equal(new URL(page.url()).searchParams.get('staff_id'), String(person.id))
    const again = await page.locator('[data-test="records-table"] .el-table__body tr td:nth-child(2)').allInnerTexts()
    assert.deepEqual([...new Set(again.map((x) => x.trim()))], [person.employee_no])
    // a reload keeps it (query string); 重置 clears it
    await page.reload()
    await settled(page)
    assert.equal(new URL(page.url()).searchParams.get('staff_id'), String(person.id))
    await page.locator('[data-test="records-reset"]').click()
    await settled(page)
    assert.equal(new URL(page.url()).searchParams.get('staff_id'), null)
    const all = await page.locator('[data-test="records-table"] .el-table__body tr td:nth-child(2)').allInnerTexts()
    assert.ok(new Set(all.map((x) => x.trim())).size > 1, 'after 重置 the records of several people show')
    await context.close()
  })

  test('批准 and 通过 ask first: cancelling a self-report approval leaves it pending, confirming approves it', async () => {
    const title = `e2e-确认通过-${Date.now() % 100000}`
    const day = `${new Date().getFullYear()}-01-15`
    const sr = await api('u1_d1_staff1', 'POST', '/api/training/self-reports', { title, taken_on: day, hours: 2, days: 0, themes: ['safety'], organizer_level: 'external' })
    const { context, page } = await signIn(browser, 'u1_d1_mgr')
    await go(page, '/training/approvals')
    const row = page.locator('[data-test="approve"]').locator('xpath=ancestor::tr').filter({ hasText: title })
    await row.locator('[data-test="approve"]').click()
    const box = page.locator('.el-message-box:visible')
    await box.waitFor()
    assert.match(await box.innerText(), /确认通过/)
    await box.locator('.el-message-box__btns .el-button:not(.el-button--primary)').click()
    await settled(page)
    assert.equal((await api('u1_d1_mgr', 'GET', `/api/training/self-reports?status=pending&limit=200`)).items.some((x) => x.id === sr.id), true, 'cancelled: still pending')
    await row.locator('[data-test="approve"]').click()
    await page.locator('.el-message-box:visible .el-message-box__btns .el-button--primary').click()
    await page.locator('.el-message').first().waitFor()
    await settled(page)
    const approved = await api('u1_d1_mgr', 'GET', `/api/training/self-reports?status=approved&limit=200`)
    assert.ok(approved.items.some((x) => x.id === sr.id), 'confirmed: approved')
    await context.close()
  })

})
