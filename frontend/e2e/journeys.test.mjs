/**
 * One journey per role against the real stack (E2E_BASE_URL, demo data). Run: `npm run test:e2e`.
 * The journeys run in order: the staff member reports a training the manager then approves; the university
 * admin submits next year's plan that the province admin then approves; the import journey fixes a wrong row.
 */
import assert from 'node:assert/strict'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BASE_URL, SKIP_REASON, TABLET, expectMessage, field, go, launch, settled, shot, signIn } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('browser journeys', { skip: SKIP_REASON }, () => {})
}

const YEAR = new Date().getFullYear()
const NEXT = YEAR + 1

describe('browser journeys', { skip: Boolean(SKIP_REASON), concurrency: 1 }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('sign-in page: wrong password is refused, tokens stay out of storage', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE_URL })
    const page = await context.newPage()
    await page.goto('/login')
    await shot(page, '00-login')
    await field(page, 'username').fill('admin')
    await field(page, 'password').fill('wrong-password-1')
    await page.locator('[data-test="login-submit"]').click()
    await page.locator('[data-test="login-error"]').waitFor()
    await field(page, 'password').fill(process.env.E2E_PASSWORD ?? 'Demo@2026')
    await page.locator('[data-test="login-submit"]').click()
    await page.waitForURL('**/dashboard')
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie)
    assert.ok(!/eyJ[\w-]+\.[\w-]+\./.test(storage), 'no JWT in web storage or readable cookies')
    // a reload restores the session from the HttpOnly refresh cookie
    await page.reload()
    await page.locator('[data-test="menu"]').waitFor()
    assert.match(page.url(), /\/dashboard/)
    await context.close()
  })

  test('staff: own ledger with the progress rings, report an outside training', async () => {
    const { context, page, errors } = await signIn(browser, 'u1_d1_staff1')
    assert.match(page.url(), /\/my\/ledger/)
    await settled(page)
    await page.locator('[data-test="ring-学时"], [data-test^="ring-"]').first().waitFor()
    await shot(page, '10-staff-ledger')
    await page.locator('[data-test="report-training"]').click()
    const form = page.locator('[data-test="self-report-form"]')
    await field(form, 'rec-title').fill(`E2E 校外消防安全培训 ${Date.now()}`)
    await field(form, 'rec-hours').fill('6')
    await field(form, 'rec-days').fill('1')
    await form.locator('[data-test="rec-themes"] .el-checkbox').nth(5).click()
    await shot(page, '11-staff-report-dialog')
    await page.locator('[data-test="self-report-submit"]').click()
    await expectMessage(page, /提交|Submitted/)
    await settled(page)
    assert.ok((await page.locator('[data-test="my-reports"] .el-table__row').count()) >= 1)
    // the staff member sees no administrative menu
    assert.equal(await page.locator('[data-test="menu-training-import"]').count(), 0)
    await page.setViewportSize(TABLET)
    await shot(page, '12-staff-ledger-tablet')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('department manager: staff ledgers, courses, approve the self-report', async () => {
    const { context, page, errors } = await signIn(browser, 'u1_d1_mgr')
    await go(page, '/training/staff')
    await shot(page, '20-manager-staff')
    await page.locator('[data-test="staff-ledger"]').first().click()
    await page.waitForURL('**/ledger')
    await page.locator('[data-test="ledger-table"]').waitFor()
    await shot(page, '21-manager-ledger')
    await go(page, '/training/courses')
    await shot(page, '22-manager-courses')
    if ((await page.locator('[data-test="course-open"]').count()) > 0) {
      await page.locator('[data-test="course-open"]').first().click()
      await page.locator('[data-test="enrolments"]').waitFor()
      await shot(page, '23-manager-attendance')
      // tick the first person not yet marked and record the attendance (it makes their ledger record)
      const open = page.locator('[data-test="enrolments"] .el-table__row .el-checkbox:not(.is-disabled)')
      if ((await open.count()) > 0) {
        await open.first().click()
        await page.locator('[data-test="mark-attended"]').click()
        await expectMessage(page, /出勤|attended/)
      }
      await page.keyboard.press('Escape')
    }
    await go(page, '/training/approvals')
    await shot(page, '24-manager-approvals')
    const approve = page.locator('[data-test="approve"]')
    assert.ok((await approve.count()) >= 1, 'the staff member\'s report waits for approval')
    await approve.first().click()
    await page.locator('.el-message-box:visible .el-message-box__btns .el-button--primary').click()
    await expectMessage(page, /通过|Approved/)
    await go(page, '/plans/progress')
    await shot(page, '25-manager-progress')
    const report = page.locator('[data-test="report-progress"]:visible')
    if ((await report.count()) > 0) {
      await report.first().click()
      await field(page, 'progress-evidence').fill('现场照片与签到表（E2E）')
      await shot(page, '26-manager-progress-report')
      await page.locator('[data-test="progress-save"]').click()
      await expectMessage(page, /上报|reported/i)
    }
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('university admin: compliance drill-down, Excel import with a wrong row fixed, plan submitted', async () => {
    const { context, page, errors } = await signIn(browser, 'u1_admin')
    await go(page, '/training/compliance')
    await page.locator('[data-test="compliance-table"]').waitFor()
    await shot(page, '30-uadmin-compliance')
    await page.locator('[data-test="compliance-table"] .el-table__row').first().click()
    await settled(page)
    await shot(page, '31-uadmin-compliance-department')
    await page.getByRole('tab', { name: /未达标人员|People at risk/ }).click()
    await shot(page, '32-uadmin-at-risk')

    // an employee number from the register
    await go(page, '/training/staff')
    const employeeNo = (await page.locator('[data-test="staff-table"] .el-table__row').first().locator('td').first().textContent()).trim()
    await shot(page, '33-uadmin-staff')
    assert.ok(employeeNo.length > 0)

    const dir = mkdtempSync(join(tmpdir(), 'sq-e2e-'))
    const header = 'employee_no,title,taken_on,hours,days,themes,organizer_level,external_id\n'
    const stamp = Date.now()
    const good = `${employeeNo},E2E 法治讲座,${YEAR}-03-05,4,0.5,law;ethics,university,e2e-${stamp}-1\n`
    const wrong = `NO-SUCH-${stamp},E2E 安全培训,${YEAR}-03-06,8,1,safety,university,e2e-${stamp}-2\n`
    const fixed = `${employeeNo},E2E 安全培训,${YEAR}-03-06,8,1,safety,university,e2e-${stamp}-2\n`
    writeFileSync(join(dir, 'wrong.csv'), header + good + wrong)
    writeFileSync(join(dir, 'fixed.csv'), header + good + fixed)

    await go(page, '/training/import')
    await page.locator('[data-test="import-upload"] input[type=file]').setInputFiles(join(dir, 'wrong.csv'))
    await page.locator('[data-test="import-check"]').click()
    await page.locator('[data-test="import-errors"]').waitFor()
    assert.equal((await page.locator('[data-test="import-rejected"]').textContent()).trim(), '1')
    // the wrong row is the file's third (the header is row 1 in Excel), named by its header 工号 (#17)
    const firstError = await page.locator('[data-test="import-errors"] tbody tr').first().locator('td').allTextContents()
    assert.deepEqual(firstError.slice(0, 2).map((t) => t.trim()), ['3', 'employee_no'])
    await shot(page, '34-uadmin-import-errors')
    assert.ok(await page.locator('[data-test="import-commit"]').isDisabled())

    await page.locator('[data-test="import-upload"] input[type=file]').setInputFiles(join(dir, 'fixed.csv'))
    await page.locator('[data-test="import-check"]').click()
    await page.getByText(/校验通过|All rows are valid/).waitFor()
    await page.locator('[data-test="import-commit"]').click()
    await page.getByText(/导入完成|Import finished/).waitFor()
    await shot(page, '35-uadmin-import-done')

    // next year's plan: create it (if absent), add a task with a milestone, submit
    await go(page, '/plans/mine')
    await page.locator('[data-test="year"]').click()
    await page.locator('.el-select-dropdown__item').filter({ hasText: String(NEXT) }).click()
    await settled(page)
    if ((await page.locator('[data-test="plan-create"]').count()) > 0) {
      await page.locator('[data-test="plan-create"]').click()
      await page.locator('[data-test="plan-save"]').click()
      await settled(page)
    }
    const status = (await page.locator('[data-test="plan-status"]').textContent()).trim()
    if (/草稿|退回|Draft|Returned/.test(status)) {
      await page.locator('[data-test="task-create"]').click()
      const tf = page.locator('[data-test="task-form"]')
      await field(tf, 'task-title').fill(`E2E 食堂“光盘行动”育人项目 ${stamp}`)
      await tf.locator('[data-test="task-department"]').click()
      await page.locator('.el-select-dropdown:visible .el-select-dropdown__item').first().click()
      await field(tf, 'task-responsible').fill('张主任')
      await tf.locator('[data-test="task-add-milestone"]').click()
      await tf.locator('.ms-row input').first().fill('完成宣传发动')
      await page.locator('[data-test="task-save"]').click()
      await settled(page)
      await shot(page, '36-uadmin-plan-tasks')
      await page.getByRole('tab', { name: /路线图|Roadmap/ }).click()
      await page.locator('[data-test="gantt"]').waitFor()
      await shot(page, '37-uadmin-plan-roadmap')
      await page.locator('[data-test="plan-submit"]').click()
      await page.locator('.el-message-box__btns .el-button--primary').click()
      await expectMessage(page, /提交|Submitted/)
    }
    await settled(page)
    assert.match((await page.locator('[data-test="plan-status"]').textContent()).trim(), /待审核|已批准|Submitted|Approved/)
    await page.setViewportSize(TABLET)
    await shot(page, '38-uadmin-plan-tablet')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('province admin: dashboard, drill-down to a person, approve the submitted plan, manage accounts', async () => {
    const { context, page, errors } = await signIn(browser, 'admin')
    assert.match(page.url(), /\/dashboard/)
    await page.locator('[data-test="dashboard-table"]').waitFor()
    await page.locator('canvas').first().waitFor()
    await shot(page, '40-province-dashboard')

    await go(page, '/training/compliance')
    await page.locator('[data-test="compliance-table"] .el-table__row').first().click()
    await settled(page)
    await page.locator('[data-test="compliance-table"] .el-table__row').first().click()
    await settled(page)
    await shot(page, '41-province-compliance-staff')
    await page.locator('[data-test="compliance-table"] .el-table__row').first().click()
    await page.waitForURL('**/ledger')
    await page.locator('[data-test="ledger-table"]').waitFor()
    await shot(page, '42-province-person-ledger')

    await go(page, '/plans/review')
    await page.locator('[data-test="year"]').click()
    await page.locator('.el-select-dropdown__item').filter({ hasText: String(NEXT) }).click()
    await settled(page)
    await shot(page, '43-province-plan-review-list')
    if ((await page.locator('[data-test="review-open"]').count()) > 0) {
      await page.locator('[data-test="review-open"]').first().click()
      await page.locator('[data-test="decision"]').waitFor()
      await page.getByRole('tab', { name: /差异|Changes/ }).click()
      await shot(page, '44-province-plan-diff')
      await field(page, 'overall-comment').fill('方案内容完整，同意实施。')
      await page.locator('[data-test="plan-approve"]').click()
      await page.locator('.el-message-box:visible .el-message-box__btns .el-button--primary').click()
      await expectMessage(page, /批准|approved/i)
    }

    for (const [path, name] of [
      ['/universities', '45-province-universities'],
      ['/accounts', '46-province-accounts'],
      ['/clients', '47-province-clients'],
      ['/audit', '48-province-audit'],
      ['/training/rule', '49-province-rule'],
      ['/evaluation/campaigns', '50-province-campaigns'],
      ['/evaluation/assessment', '51-province-assessment'],
      ['/plans/progress', '52-province-progress'],
    ]) {
      await go(page, path)
      await shot(page, name)
    }
    await go(page, '/evaluation/campaigns')
    if ((await page.locator('[data-test="campaigns-table"] .el-table__row').count()) > 0) {
      await page.locator('[data-test="campaigns-table"] .el-table__row').first().click()
      await page.locator('[data-test="phases"]').waitFor()
      await shot(page, '53-province-campaign')
    }
    // English works everywhere
    await page.locator('[data-test="locale"]').click()
    await page.locator('.el-select-dropdown__item').filter({ hasText: 'English' }).click()
    await go(page, '/dashboard')
    await shot(page, '54-province-dashboard-en')
    await page.setViewportSize(TABLET)
    await shot(page, '55-province-dashboard-tablet')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('expert: assigned nominations, rubric with levels, scoring', async () => {
    const { context, page, errors } = await signIn(browser, 'expert1')
    assert.match(page.url(), /\/evaluation\/reviews/)
    await settled(page)
    await shot(page, '60-expert-reviews')
    const items = page.locator('[data-test="assignment"]')
    if ((await items.count()) > 0) {
      await items.first().click()
      await page.locator('[data-test="score-form"]').waitFor()
      await settled(page)
      const levels = page.locator('[data-test="score-form"] .criterion')
      const n = await levels.count()
      for (let i = 0; i < n; i++) {
        const radios = levels.nth(i).locator('.el-radio')
        if ((await radios.count()) > 0) await radios.first().click()
        else await levels.nth(i).locator('.el-input-number input').fill('8')
      }
      await shot(page, '61-expert-scoring')
      await page.locator('[data-test="score-save"]').click()
      await expectMessage(page, /保存|saved/i)
    } else {
      console.log('# expert1 has no assignment in the demo data; scoring not exercised')
    }
    assert.deepEqual(errors, [])
    await context.close()
  })
})
