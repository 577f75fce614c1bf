/**
 * The pages issue #17 still lacked, against the real stack (E2E_BASE_URL, demo data):
 * - a department manager proposes a nomination (部门拟推荐) for their own department; staff cannot open campaigns;
 * - a staff member on a 390 px phone reads the published results and their university's pilot years (评选结果);
 * - the task dialog saves its milestones with the task in one save, and a milestone changed meanwhile saves nothing
 *   and says so in Chinese;
 * - 导入出勤: a course's attendance from a file, a row that is not an enrolment refused at its Excel row;
 * - the province filters universities by city and imports a staff register into the university it chooses;
 * - the inspector (督导) opens the province's big screen from the dashboard.
 * Screenshots: e2e-screenshots/r1-awards-phone.png, r2-task-dialog-roadmap.png.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { api, axeSerious, BASE_URL, choose, downloadOf, field, go, isZip, launch, PHONE, settled, shot, signInAt, SKIP_REASON, tokenFor } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('role pages journeys', { skip: SKIP_REASON }, () => {})
}

const YEAR = new Date().getFullYear()

async function assertFits(page, where) {
  const m = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, inner: window.innerWidth }))
  assert.ok(m.doc <= m.inner, `${where}: the page is ${m.doc} px wide on a ${m.inner} px screen`)
}

function csvFiles(prefix, files) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

describe('The remaining pages of #17', { skip: Boolean(SKIP_REASON), concurrency: 1 }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('部门拟推荐: a department manager proposes for their department; the university sees it proposed; staff have no campaigns page', async () => {
    const campaign = await api('admin', 'POST', '/api/evaluation/campaigns', {
      type: 'excellent_case', year: YEAR, title: `E2E 优秀案例评选 ${Date.now() % 100000}`, description: '', quota_per_university: 2,
      awards_count: 3, aggregation: 'mean', experts_per_nomination: 1, blind: false,
    })
    await api('admin', 'PUT', `/api/evaluation/campaigns/${campaign.id}/rubric`, {
      criteria: [{ code: 'effect', name: '育人成效', weight: 100, max_score: 10, levels: [{ score: 10, description: '成效显著' }] }],
    })
    await api('admin', 'POST', `/api/evaluation/campaigns/${campaign.id}/advance`, { to: 'nomination' })
    const me = await api('u1_d1_mgr', 'GET', '/api/auth/me')

    const { context, page, errors } = await signInAt(browser, 'u1_d1_mgr')
    await go(page, `/evaluation/campaigns/${campaign.id}`)
    await page.locator('.el-tabs__item', { hasText: '推荐对象' }).click()
    assert.match(await page.locator('[data-test="propose-hint"]').innerText(), /本部门/)
    await page.locator('[data-test="nominate"]').click()
    const dialog = page.locator('.el-dialog', { hasText: '部门拟推荐' })
    await dialog.waitFor()
    await dialog.locator('[data-test="nom-save"]').click()
    await dialog.locator('.el-form-item__error', { hasText: '请' }).first().waitFor() // the Chinese rule, nothing sent
    const title = `饮食服务中心“光盘行动”案例 ${Date.now() % 10000}`
    await field(dialog, 'nom-title').fill(title)
    await dialog.locator('[data-test="nom-save"]').click()
    await page.locator('[data-test="nominations-table"]').getByText(title).waitFor()
    assert.match(await page.locator('[data-test="nominations-table"] tr', { hasText: title }).innerText(), /拟推荐/)
    assert.deepEqual(await axeSerious(page), [], 'axe-core on the manager\'s campaign page')
    assert.deepEqual(errors, [])
    await context.close()

    const seen = await api('u1_admin', 'GET', `/api/evaluation/campaigns/${campaign.id}/nominations`)
    const mine = seen.items.find((n) => n.title === title)
    assert.ok(mine, 'the university admin sees the proposal')
    assert.equal(mine.status, 'proposed')
    assert.equal(mine.department_id, me.department_id)

    const staff = await signInAt(browser, 'u1_d1_staff1')
    await staff.page.goto(`/evaluation/campaigns/${campaign.id}`)
    await staff.page.waitForURL(/\/forbidden$/)
    await staff.context.close()
  })

  test('评选结果 on a 390 px phone: the published campaigns, the university\'s entries and pilot years; English too', async () => {
    const me = await api('u1_d1_staff1', 'GET', '/api/auth/me')
    const pilots = await api('u1_d1_staff1', 'GET', `/api/evaluation/pilots?university_id=${me.university_id}`)
    const campaigns = await api('u1_d1_staff1', 'GET', '/api/evaluation/campaigns?limit=200')
    const published = campaigns.items.filter((c) => c.phase === 'publicity' || c.phase === 'final')
    assert.ok(published.length > 0, 'the demo has a published campaign')

    const { context, page, errors } = await signInAt(browser, 'u1_d1_staff1', { viewport: PHONE })
    await go(page, '/evaluation/awards')
    await page.locator('[data-test="awards-campaign"]').first().waitFor()
    assert.equal(await page.locator('[data-test="awards-campaign"]').count(), published.length)
    assert.equal(await page.locator('[data-test="awards-pilot"]').count(), pilots.total)
    assert.match(await page.locator('[data-test="awards-count"]').innerText(), /本校获奖 \d+ 项/)
    const items = page.locator('[data-test="awards-item"]')
    const own = await items.count()
    // all of the province's awarded entries, not only the university's
    await page.locator('[data-test="awards-only-mine"]').click()
    await page.waitForFunction((n) => document.querySelectorAll('[data-test="awards-item"]').length >= n, own)
    await assertFits(page, '评选结果 at 390 px')
    assert.deepEqual(await axeSerious(page), [], 'axe-core on 评选结果 at 390 px')
    await shot(page, 'r1-awards-phone')
    assert.deepEqual(errors, [])
    await context.close()

    const en = await signInAt(browser, 'u1_d1_staff1', { viewport: PHONE, locale: 'en' })
    await go(en.page, '/evaluation/awards')
    await en.page.locator('[data-test="awards-campaign"]').first().waitFor()
    assert.match(await en.page.locator('[data-test="awards-count"]').innerText(), /award\(s\) for your university/)
    assert.doesNotMatch(await en.page.locator('.awards-page').innerText(), /本校|评选结果/)
    await assertFits(en.page, 'Results at 390 px')
    await en.context.close()
  })

  test('任务对话框: milestones are saved with the task in one save; a milestone changed meanwhile saves nothing and says so in Chinese', async () => {
    const plans = await api('u3_admin', 'GET', `/api/plans/plans?year=${YEAR}&limit=1`)
    const plan = plans.items[0]
    assert.ok(plan && ['draft', 'returned'].includes(plan.status), `u3's plan is editable (${plan?.status})`)
    const tasks = await api('u3_admin', 'GET', `/api/plans/plans/${plan.id}/tasks?limit=200`)
    const details = await Promise.all(tasks.items.map((x) => api('u3_admin', 'GET', `/api/plans/tasks/${x.id}`)))
    const index = details.findIndex((d) => d.milestones.length >= 2)
    assert.ok(index >= 0, 'a task with two milestones')
    const task = details[index]

    const { context, page, errors } = await signInAt(browser, 'u3_admin')
    await go(page, '/plans/mine')
    const saves = []
    page.on('request', (r) => {
      if (r.method() !== 'GET' && /\/api\/plans\/(tasks|milestones)\//.test(r.url())) saves.push(`${r.method()} ${new URL(r.url()).pathname}`)
    })
    const openTask = async () => {
      await page.locator('tr, .task-row, [data-test="task-row"]', { hasText: task.title }).locator('[data-test="task-edit"]').first().click()
      const d = page.locator('.el-dialog', { has: page.locator('[data-test="task-form"]') })
      await d.waitFor()
      return d
    }
    let dialog = await openTask()
    const rows = dialog.locator('[data-test="task-milestone"]')
    assert.equal(await rows.count(), task.milestones.length)
    await field(rows.nth(0), 'milestone-title').fill(`${task.milestones[0].title}（已调整）`)
    await rows.nth(1).locator('[data-test="milestone-remove"]').click()
    await dialog.locator('[data-test="task-add-milestone"]').click()
    const added = dialog.locator('[data-test="task-milestone"]').last()
    await dialog.locator('[data-test="task-save"]').click()
    assert.match(await added.locator('[data-test="milestone-error"]').innerText(), /请填写里程碑名称/) // checked before sending
    await field(added, 'milestone-title').fill('阶段总结')
    await shot(page, 'r2-task-dialog-roadmap')
    await dialog.locator('[data-test="task-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    assert.deepEqual(saves, [`PATCH /api/plans/tasks/${task.id}`], 'one request saves the task and its roadmap')
    const saved = await api('u3_admin', 'GET', `/api/plans/tasks/${task.id}`)
    const titles = saved.milestones.map((m) => m.title)
    assert.equal(titles[0], `${task.milestones[0].title}（已调整）`)
    assert.ok(!titles.includes(task.milestones[1].title), 'the removed milestone is gone')
    assert.equal(titles.at(-1), '阶段总结')
    assert.equal(saved.milestones.length, task.milestones.length)

    // someone renames the first milestone meanwhile; this dialog still shows the old one
    await settled(page)
    dialog = await openTask()
    const first = saved.milestones[0]
    const res = await fetch(`${BASE_URL}/api/plans/milestones/${first.id}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${await tokenFor('u3_admin')}`, 'Content-Type': 'application/json', 'If-Match': `W/"${first.version}"` },
      body: JSON.stringify({ title: '他人改过的里程碑' }),
    })
    assert.equal(res.status, 200)
    await field(dialog, 'task-title').fill(`${task.title}（不应保存）`)
    await field(dialog.locator('[data-test="task-milestone"]').nth(0), 'milestone-title').fill('本人改的')
    await dialog.locator('[data-test="task-save"]').click()
    const rowError = dialog.locator('[data-test="task-milestone"]').nth(0).locator('[data-test="milestone-error"]')
    await rowError.waitFor()
    assert.match(await rowError.innerText(), /已被他人修改/)
    await page.locator('.el-message', { hasText: /他人修改/ }).first().waitFor()
    assert.ok(await dialog.isVisible(), 'the dialog stays open')
    const after = await api('u3_admin', 'GET', `/api/plans/tasks/${task.id}`)
    assert.equal(after.title, task.title, 'the task was not saved either')
    assert.equal(after.milestones[0].title, '他人改过的里程碑')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('导入出勤: a row that is not an enrolment is refused at its Excel row in Chinese; the fixed file marks the attendance', async () => {
    const courses = await api('u1_d1_mgr', 'GET', '/api/training/courses?limit=100')
    const course = courses.items.find((c) => /专题培训班/.test(c.title))
    assert.ok(course, 'the demo course')
    const enrolments = await api('u1_d1_mgr', 'GET', `/api/training/courses/${course.id}/enrolments`)
    const absent = enrolments.find((e) => !e.attended)
    assert.ok(absent, 'an enrolled person not marked yet')
    const header = '工号,姓名,出勤'
    const good = `${absent.employee_no},${absent.staff_name},是`
    const bad = `NOPE${Date.now() % 100000},查无此人,是`
    const dir = csvFiles('attendance-', { '出勤.csv': `${header}\n${good}\n${bad}\n`, '出勤-改.csv': `${header}\n${good}\n` })

    const { context, page, errors } = await signInAt(browser, 'u1_d1_mgr')
    await go(page, '/training/courses')
    await page.locator('[data-test="course-open"]').first().waitFor()
    await page.locator('tr', { hasText: course.title }).locator('[data-test="course-open"]').first().click()
    await page.locator('[data-test="attendance-import"]').click()
    const dialog = page.locator('[data-test="import-dialog"]')
    await dialog.waitFor()
    assert.match(await dialog.locator('.el-dialog__title').innerText(), new RegExp(`导入出勤：${course.title.replace(/[“”]/g, '.')}`))
    const template = await downloadOf(page, () => dialog.locator('[data-test="import-dialog-template"]').click())
    assert.ok(isZip(template.bytes), 'the template is an XLSX')
    await dialog.locator('[data-test="import-dialog-upload"] input[type=file]').setInputFiles(join(dir, '出勤.csv'))
    await dialog.locator('[data-test="import-dialog-check"]').click()
    const list = dialog.locator('[data-test="import-dialog-errors"] li')
    await list.first().waitFor()
    assert.equal(await list.count(), 1)
    const line = await list.first().innerText()
    assert.match(line, /第\s*3\s*行/, line)
    assert.match(line, /工号/, line)
    assert.match(line, /[\u4e00-\u9fff]{4}/, `a Chinese reason: ${line}`)
    assert.ok(await dialog.locator('[data-test="import-dialog-commit"]').isDisabled(), 'nothing to import while a row is wrong')
    const report = await downloadOf(page, () => dialog.locator('[data-test="import-dialog-report"]').click())
    assert.ok(isZip(report.bytes), 'the error report is a workbook')
    assert.deepEqual(await axeSerious(page), [], 'axe-core on the attendance import with its errors')
    const before = await api('u1_d1_mgr', 'GET', `/api/training/courses/${course.id}/enrolments`)
    assert.equal(before.find((e) => e.staff_id === absent.staff_id).attended, false, 'the check stored nothing')

    await dialog.locator('[data-test="import-dialog-remove"]').click()
    await dialog.locator('[data-test="import-dialog-upload"] input[type=file]').setInputFiles(join(dir, '出勤-改.csv'))
    await dialog.locator('[data-test="import-dialog-check"]').click()
    await page.waitForFunction(() => !document.querySelector('[data-test="import-dialog-errors"]') && document.querySelector('[data-test="import-dialog-result"]'))
    await dialog.locator('[data-test="import-dialog-commit"]:not([disabled])').click()
    await dialog.locator('.el-alert--success').first().waitFor()
    const now = await api('u1_d1_mgr', 'GET', `/api/training/courses/${course.id}/enrolments`)
    const marked = now.find((e) => e.staff_id === absent.staff_id)
    assert.equal(marked.attended, true)
    assert.ok(marked.record_id, 'a ledger record was made')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('高校管理: the province filters by city and imports a staff register into the university it chooses', async () => {
    const unis = await api('admin', 'GET', '/api/orgs?level=university&limit=100')
    const zhengzhou = unis.items.filter((u) => u.city === '410100')
    const target = unis.items.find((u) => u.name === '嵩山师范学院')
    assert.ok(zhengzhou.length > 0 && target)
    const depts = await api('admin', 'GET', `/api/orgs?level=department&parent_id=${target.id}&limit=100`)
    const dept = depts.items[0]

    const { context, page, errors } = await signInAt(browser, 'admin')
    await go(page, '/universities')
    await choose(page, 'org-city-filter', '郑州市')
    await settled(page)
    const names = await page.locator('[data-test="org-table"] tbody tr td:first-child').allInnerTexts()
    assert.deepEqual(names.map((s) => s.trim()).sort(), zhengzhou.map((u) => u.name).sort())

    const stamp = Date.now() % 1_000_000
    const header = '工号,姓名,部门,用工类型,岗位,在岗,入职日期,离职日期'
    const dir = csvFiles('province-staff-', { '名册.csv': `${header}\nE2EP${stamp},省导入${stamp % 1000},${dept.name},外包,保洁,是,2024-03-01,\n` })
    await page.locator('[data-test="province-staff-import"]').click()
    const dialog = page.locator('[data-test="import-dialog"]')
    await dialog.waitFor()
    await dialog.locator('[data-test="import-dialog-upload"] input[type=file]').setInputFiles(join(dir, '名册.csv'))
    assert.ok(await dialog.locator('[data-test="import-dialog-check"]').isDisabled(), 'no check before a university is chosen')
    assert.ok(await dialog.locator('[data-test="import-dialog-template"]').isDisabled(), 'no template before a university is chosen')
    await choose(page, 'province-import-university', target.name)
    const template = await downloadOf(page, () => dialog.locator('[data-test="import-dialog-template"]').click())
    assert.ok(isZip(template.bytes))
    await dialog.locator('[data-test="import-dialog-check"]').click()
    await page.waitForFunction(() => document.querySelector('[data-test="import-dialog-result"]'))
    assert.equal(await dialog.locator('[data-test="import-dialog-errors"]').count(), 0, await dialog.innerText())
    await dialog.locator('[data-test="import-dialog-commit"]:not([disabled])').click()
    await dialog.locator('.el-alert--success').first().waitFor()
    const found = await api('admin', 'GET', `/api/training/staff?q=E2EP${stamp}`)
    assert.equal(found.total, 1)
    assert.equal(found.items[0].university_id, target.id)
    assert.equal(found.items[0].department_id, dept.id)
    assert.deepEqual(await axeSerious(page), [], 'axe-core on the province import dialog')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('督导: the inspector opens the province big screen from the dashboard', async () => {
    const { context, page, errors } = await signInAt(browser, 'inspector1')
    await go(page, '/dashboard')
    await page.locator('[data-test="open-big-screen"]').click()
    await page.waitForURL(/\/province\/screen$/)
    await page.locator('[data-test="big-screen"]').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-test="rank-compliance"] li, [data-test="rank-completion"] li').length > 0)
    assert.match((await page.locator('[data-test="rank-compliance"], [data-test="rank-completion"]').allTextContents()).join(' '), /中原理工大学/)
    assert.equal(await page.locator('[data-test="big-screen"] [role="alert"]').count(), 0, 'every part of the screen loaded')
    await page.locator('[data-test="screen-back"]').click()
    await page.waitForURL(/\/dashboard$/)
    assert.deepEqual(errors, [])
    await context.close()
  })
})
