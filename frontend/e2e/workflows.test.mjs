/**
 * Workflows across roles against the real stack (E2E_BASE_URL, demo data), after journeys.test.mjs:
 * the administration tables' XLSX exports; a plan returned with a comment per task, revised and approved; a
 * responsibility letter to one person who signs it; change requests (all three kinds) decided from the province's
 * queue; a campaign with manual expert assignment and an objection during publicity; the pilots list.
 * Set-up that is not the point of a journey goes through the API (`api`); outcomes are checked in the UI and the API.
 * Every journey can run again on the same stack (its records carry a time stamp, or it skips what is already done).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  SKIP_REASON, answerPrompt, api, choose, downloadOf, expectMessage, field, go, isZip, launch, settled, shot, signIn,
} from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('browser workflows', { skip: SKIP_REASON }, () => {})
}

const YEAR = new Date().getFullYear()
const NEXT = YEAR + 1
const STAMP = Date.now()

/** Type a date into an Element Plus date picker's input and confirm it. */
async function setDate(input, value) {
  await input.click()
  await input.fill(value)
  await input.press('Enter')
}

/** The table row (Element Plus) inside `table` that contains `text`. */
const rowWith = (table, text) => table.locator('.el-table__body-wrapper .el-table__row').filter({ hasText: text }).first()

describe('browser workflows', { skip: Boolean(SKIP_REASON), concurrency: 1 }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('exports: universities, accounts, audit, dashboard and departments arrive as XLSX files', async () => {
    const { context, page, errors } = await signIn(browser, 'admin')
    for (const [path, name, index] of [
      ['/universities', '70-export-universities', 0],
      ['/accounts', '71-export-accounts', 0],
      ['/audit', '72-export-audit', 0],
      ['/dashboard', '73-export-dashboard', 0],
    ]) {
      await go(page, path)
      const file = await downloadOf(page, () => page.locator('[data-test="export"]').nth(index).click())
      assert.ok(isZip(file.bytes), `${path}: ${file.name} is an XLSX (starts with PK)`)
      assert.match(file.name, /\.xlsx$/, path)
      await shot(page, name)
    }
    assert.deepEqual(errors, [])
    await context.close()

    const uni = await signIn(browser, 'u1_admin')
    await go(uni.page, '/departments')
    const file = await downloadOf(uni.page, () => uni.page.locator('[data-test="export"]').first().click())
    assert.ok(isZip(file.bytes), `departments: ${file.name} is an XLSX`)
    assert.deepEqual(uni.errors, [])
    await uni.context.close()
  })

  let planId = null
  test('plan returned with a comment per task: the university sees it and the diff, resubmits, the province approves', async () => {
    const existing = (await api('u4_admin', 'GET', `/api/plans/plans?year=${YEAR}`)).items[0]
    if (existing && !['draft', 'returned'].includes(existing.status)) {
      console.log(`# u4's ${YEAR} plan is already ${existing.status}; the return journey ran on this stack before`)
      planId = existing.id
      return
    }
    const uni = await signIn(browser, 'u4_admin')
    let page = uni.page
    await go(page, '/plans/mine')
    if ((await page.locator('[data-test="plan-create"]').count()) > 0) {
      await page.locator('[data-test="plan-create"]').click()
      await page.locator('[data-test="plan-save"]').click()
      await settled(page)
    }
    const title = `E2E 后勤“光盘行动”育人项目 ${STAMP}`
    await page.locator('[data-test="task-create"]').click()
    const tf = page.locator('[data-test="task-form"]')
    await field(tf, 'task-title').fill(title)
    await tf.locator('[data-test="task-department"]').click()
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item').first().click()
    await choose(page, 'task-responsible-user', 'u4_d1_staff1', { type: true })
    assert.notEqual(await field(tf, 'task-responsible').inputValue(), '', 'the person\'s name is filled in from the account')
    await tf.locator('[data-test="task-add-milestone"]').click()
    await tf.locator('.ms-row input').first().fill('完成宣传发动')
    await page.locator('[data-test="task-save"]').click()
    await expectMessage(page, /保存|Saved/)
    await settled(page)
    await page.locator('[data-test="plan-submit"]').click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await expectMessage(page, /提交|Submitted/)
    planId = (await api('u4_admin', 'GET', `/api/plans/plans?year=${YEAR}`)).items[0].id
    const taskId = (await api('u4_admin', 'GET', `/api/plans/plans/${planId}/tasks`)).items.find((x) => x.title === title).id

    // the province returns it with a comment on that task
    const prov = await signIn(browser, 'admin')
    await go(prov.page, `/plans/review/${planId}`)
    await prov.page.locator('[data-test="decision"]').waitFor()
    const taskComment = `请将完成时限提前并细化措施 ${STAMP}`
    await field(prov.page, `task-comment-${taskId}`).fill(taskComment)
    await field(prov.page, 'overall-comment').fill('方案总体可行，请按任务意见修改后重新提交。')
    await shot(prov.page, '74-province-return-with-task-comment')
    await prov.page.locator('[data-test="plan-return"]').click()
    await expectMessage(prov.page, /退回|returned/i)
    const comments = (await api('u4_admin', 'GET', `/api/plans/plans/${planId}/comments`)).items
    assert.ok(comments.some((c) => c.task_id === taskId && c.body === taskComment), 'the comment is stored on the task')

    // the university sees the comment on the task, revises it and sees the diff since its submission
    page = uni.page
    await go(page, '/plans/mine')
    assert.match((await page.locator('[data-test="plan-status"]').textContent()).trim(), /已退回|Returned/)
    assert.match(await page.locator('[data-test="task-review-comment"]').first().textContent(), new RegExp(String(STAMP)))
    await shot(page, '75-uadmin-returned-plan-comments')
    await page.locator('.el-table__row [data-test="task-edit"]').first().click()
    const revised = `${title}（修订）`
    await field(page.locator('[data-test="task-form"]'), 'task-title').fill(revised)
    await page.locator('[data-test="task-save"]').click()
    await expectMessage(page, /保存|Saved/)
    await settled(page)
    await page.getByRole('tab', { name: /自上次提交以来的修改|Changes since last submission/ }).click()
    const changed = page.locator('[data-test="diff-task-changed"]').filter({ hasText: revised })
    await changed.waitFor()
    assert.match(await changed.textContent(), /名称|Title/)
    await shot(page, '76-uadmin-diff-since-submission')
    await page.locator('[data-test="plan-submit"]').click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    await expectMessage(page, /提交|Submitted/)

    // the province sees the diff between the two submissions and approves
    await go(prov.page, `/plans/review/${planId}`)
    await prov.page.getByRole('tab', { name: /与上次提交的差异|Changes since the last submission|Diff/ }).click()
    await prov.page.locator('[data-test="diff-task-changed"]').filter({ hasText: revised }).waitFor()
    assert.match(await prov.page.locator('[data-test="plan-diff"]').textContent(), /第 1 次与第 2 次|1.*2/)
    await shot(prov.page, '77-province-diff-resubmitted')
    await field(prov.page, 'overall-comment').fill('修改到位，同意实施。')
    await prov.page.locator('[data-test="plan-approve"]').click()
    await prov.page.locator('.el-message-box:visible .el-message-box__btns .el-button--primary').click()
    await expectMessage(prov.page, /批准|approved/i)
    const plan = await api('admin', 'GET', `/api/plans/plans/${planId}`)
    assert.equal(plan.status, 'approved')
    const outcomes = (await api('admin', 'GET', `/api/plans/plans/${planId}/submissions`)).items.map((x) => x.outcome)
    assert.deepEqual(outcomes.slice(-2), ['returned', 'approved'])
    assert.deepEqual(uni.errors, [])
    assert.deepEqual(prov.errors, [])
    await uni.context.close()
    await prov.context.close()
  })

  test('responsibility letter to one person: generated, downloaded as DOCX and PDF, signed by that person', async () => {
    assert.ok(planId, 'the previous journey left an approved plan')
    const uni = await signIn(browser, 'u4_admin')
    await go(uni.page, '/plans/mine')
    await uni.page.getByRole('tab', { name: /任务责任书|Responsibility letters/ }).click()
    await uni.page.locator('[data-test="letter-target"]').getByText(/按责任人|By person/).click()
    await choose(uni.page, 'letter-person', /职工1/)
    await uni.page.locator('[data-test="letter-generate"]').click()
    await expectMessage(uni.page, /生成|generated/i)
    await settled(uni.page)
    const table = uni.page.locator('[data-test="letters-table"]')
    const row = rowWith(table, /职工1/)
    await row.waitFor()
    await shot(uni.page, '78-uadmin-person-letter')
    const docx = await downloadOf(uni.page, () => row.locator('[data-test="letter-download"]').click())
    assert.ok(isZip(docx.bytes), `${docx.name} is a DOCX (starts with PK)`)
    // the same letter as PDF (#16), under its Chinese name
    const pdf = await downloadOf(uni.page, () => row.locator('[data-test="letter-download-pdf"]').click())
    assert.equal(pdf.bytes.subarray(0, 5).toString('latin1'), '%PDF-', `${pdf.name} is a PDF`)
    assert.match(pdf.name, /^任务责任书-\d{4}-\d+-v\d+\.pdf$/)
    const letters = (await api('u4_admin', 'GET', `/api/plans/letters?plan_id=${planId}`)).items.filter((l) => l.target === 'person')
    assert.equal(letters.length, 1)
    assert.deepEqual(uni.errors, [])
    await uni.context.close()
    if (letters[0].status === 'signed') {
      console.log('# the person letter was signed by an earlier run on this stack; signing not exercised again')
      return
    }

    // the named staff member finds it under "my letters" and signs it
    const staff = await signIn(browser, 'u4_d1_staff1')
    await staff.page.locator('[data-test="menu-plan-my-letters"]').click()
    await settled(staff.page)
    const mine = rowWith(staff.page.locator('[data-test="letters-table"]'), /职工1/)
    await mine.locator('[data-test="letter-sign"]').click()
    await expectMessage(staff.page, /签收|signed/i)
    await settled(staff.page)
    assert.match(await mine.locator('[data-test="letter-status"]').textContent(), /已签收|Signed/)
    await shot(staff.page, '79-staff-letter-signed')
    assert.equal((await api('u4_admin', 'GET', `/api/plans/letters/${letters[0].id}`)).status, 'signed')
    assert.deepEqual(staff.errors, [])
    await staff.context.close()
  })

  test('change requests: the university asks for all three kinds; the province decides them from its queue', async () => {
    const plan = (await api('u1_admin', 'GET', `/api/plans/plans?year=${YEAR}`)).items[0]
    assert.equal(plan?.status, 'approved', 'the demo data has an approved plan for the first university')
    const tasks = (await api('u1_admin', 'GET', `/api/plans/plans/${plan.id}/tasks?limit=500`)).items
    const details = await Promise.all(tasks.map((x) => api('u1_admin', 'GET', `/api/plans/tasks/${x.id}`)))
    const withMs = details.find((d) => d.milestones.length > 0)
    assert.ok(withMs, 'a task of the approved plan has milestones')
    const updTask = tasks[0]
    const newTitle = `E2E 新增：宿舍文化节 ${STAMP}`
    const renamed = `${updTask.title}（E2E ${STAMP}）`
    const msTitle = `E2E 调整里程碑 ${STAMP}`

    const { context, page, errors } = await signIn(browser, 'u1_admin')
    await go(page, '/plans/mine')
    await page.getByRole('tab', { name: /变更申请|Change requests/ }).click()
    await settled(page)

    // 1. update a task
    await page.locator('[data-test="cr-create"]').click()
    const form = page.locator('[data-test="cr-form"]')
    await choose(page, 'cr-task', updTask.title)
    await field(form, 'cr-title').fill(renamed)
    await field(form, 'cr-reason').fill('活动范围扩大，名称随之调整')
    await page.locator('[data-test="cr-save"]').click()
    await expectMessage(page, /变更申请已提交|sent to the province/i)

    // 2. add a task with a milestone — empty fields are refused in the browser first
    await page.locator('[data-test="cr-create"]').click()
    await form.locator('[data-test="cr-kind-add_task"]').click()
    await page.locator('[data-test="cr-save"]').click()
    await form.locator('.el-form-item__error').filter({ hasText: /请填写名称|Enter a title/ }).waitFor()
    await shot(page, '80-uadmin-change-request-validation')
    await field(form, 'cr-title').fill(newTitle)
    await choose(page, 'cr-department', /./)
    await field(form, 'cr-responsible').fill('刘老师')
    const dates = form.locator('.el-date-editor input') // the period: start, then due
    await setDate(dates.nth(0), `${YEAR}-12-01`)
    await setDate(dates.nth(1), `${YEAR}-12-31`)
    await form.locator('[data-test="cr-add-milestone"]').click()
    await form.locator('[data-test="cr-ms-row"] input').first().fill('启动宣传')
    await field(form, 'cr-reason').fill('学生会建议新增宿舍文化节')
    await shot(page, '81-uadmin-change-request-add-task')
    await page.locator('[data-test="cr-save"]').click()
    await expectMessage(page, /变更申请已提交|sent to the province/i)

    // 3. update a milestone
    await page.locator('[data-test="cr-create"]').click()
    await form.locator('[data-test="cr-kind-update_milestone"]').click()
    await choose(page, 'cr-task', withMs.title)
    await choose(page, 'cr-milestone', withMs.milestones[0].title)
    await field(form, 'cr-ms-title').fill(msTitle)
    await field(form, 'cr-reason').fill('里程碑名称更准确')
    await page.locator('[data-test="cr-save"]').click()
    await expectMessage(page, /变更申请已提交|sent to the province/i)
    await settled(page)
    for (const text of [renamed, newTitle, msTitle]) await rowWith(page.locator('[data-test="cr-table"]'), text).waitFor()
    await shot(page, '82-uadmin-change-requests')

    const mine = (await api('u1_admin', 'GET', `/api/plans/change-requests?status=pending&limit=500`)).items
    const byTitle = (s) => mine.find((c) => JSON.stringify(c.changes).includes(s))
    const [crUpdate, crAdd, crMs] = [byTitle(renamed), byTitle(newTitle), byTitle(msTitle)]
    assert.deepEqual([crUpdate?.kind, crAdd?.kind, crMs?.kind], ['update_task', 'add_task', 'update_milestone'])
    assert.equal(crAdd.changes.milestones.length, 1)
    assert.equal(crMs.milestone_id, withMs.milestones[0].id)

    // the province: the dashboard counts what waits, the queue filters, approves, rejects and exports
    const prov = await signIn(browser, 'admin')
    const card = prov.page.locator('[data-test="dashboard-pending-changes"]')
    await card.waitFor()
    assert.ok(Number((await card.locator('.value').textContent()).replace(/\D/g, '')) >= 3)
    await card.click()
    await prov.page.waitForURL('**/plans/change-requests')
    await settled(prov.page)
    await choose(prov.page, 'cr-filter-university', plan.university_name)
    await settled(prov.page)
    const queue = prov.page.locator('[data-test="cr-queue"]')
    const rows = queue.locator('.el-table__body-wrapper .el-table__row')
    assert.ok((await rows.count()) >= 3)
    for (const r of await rows.all()) assert.match(await r.textContent(), new RegExp(plan.university_name))
    await shot(prov.page, '83-province-change-request-queue')
    const xlsx = await downloadOf(prov.page, () => prov.page.locator('[data-test="export"]').click())
    assert.ok(isZip(xlsx.bytes), `${xlsx.name} is an XLSX`)

    await rowWith(queue, newTitle).locator('[data-test="cr-approve"]').click()
    await answerPrompt(prov.page, '同意新增')
    await expectMessage(prov.page, /已同意|approved/i)
    await settled(prov.page)
    await rowWith(queue, renamed).locator('[data-test="cr-reject"]').click()
    await answerPrompt(prov.page, '名称不宜改动')
    await expectMessage(prov.page, /已驳回|rejected/i)
    await settled(prov.page)
    // both left the pending list; the approved one shows under "approved"
    assert.equal(await rowWith(queue, newTitle).count(), 0)
    assert.equal(await rowWith(queue, renamed).count(), 0)
    await prov.page.locator('[data-test="cr-filter-status"]').getByText(/已同意|Approved/).click()
    await settled(prov.page)
    await rowWith(queue, newTitle).waitFor()

    // the milestone change is approved from the plan's own tab (a click on the row opens it)
    await prov.page.locator('[data-test="cr-filter-status"]').getByText(/待审核|Pending/).click()
    await settled(prov.page)
    await rowWith(queue, msTitle).click()
    await prov.page.waitForURL(`**/plans/review/${plan.id}?tab=changes`)
    await settled(prov.page)
    await rowWith(prov.page.locator('[data-test="cr-table"]'), msTitle).locator('[data-test="cr-approve"]').click()
    await answerPrompt(prov.page, '')
    await expectMessage(prov.page, /已同意|approved/i)
    await shot(prov.page, '84-province-plan-change-approved')

    // the API shows each outcome
    const after = (await api('u1_admin', 'GET', `/api/plans/plans/${plan.id}/tasks?limit=500`)).items
    assert.ok(after.some((x) => x.title === newTitle), 'the added task is in the plan')
    assert.equal(after.find((x) => x.id === updTask.id).title, updTask.title, 'the rejected rename did not apply')
    const ms = (await api('u1_admin', 'GET', `/api/plans/tasks/${withMs.id}`)).milestones.find((m) => m.id === crMs.milestone_id)
    assert.equal(ms.title, msTitle)
    assert.equal((await api('admin', 'GET', `/api/plans/change-requests/${crUpdate.id}`)).status, 'rejected')

    // the university sees the decisions in its tab
    await go(page, '/plans/mine')
    await page.getByRole('tab', { name: /变更申请|Change requests/ }).click()
    await settled(page)
    assert.match(await rowWith(page.locator('[data-test="cr-table"]'), renamed).textContent(), /已驳回|Rejected/)
    assert.match(await rowWith(page.locator('[data-test="cr-table"]'), newTitle).textContent(), /已同意|Approved/)
    assert.deepEqual(errors, [])
    assert.deepEqual(prov.errors, [])
    await context.close()
    await prov.context.close()
  })

  test('campaign: created by the province, an expert assigned by hand, decided, published, an objection answered', async () => {
    const tz = { timezoneId: 'Asia/Shanghai' } // the province's calendar decides the publicity period
    const prov = await signIn(browser, 'admin', tz)
    const page = prov.page
    await go(page, '/evaluation/campaigns')
    await page.locator('[data-test="campaign-create"]').click()
    await choose(page, 'campaign-type', /Excellent|优秀案例/)
    const title = `E2E 后勤育人优秀案例 ${STAMP}`
    await field(page, 'campaign-title').fill(title)
    const numbers = page.locator('.el-dialog:visible .el-input-number input')
    await numbers.nth(1).fill('1') // awards
    await numbers.nth(2).fill('1') // experts per nomination
    await numbers.nth(2).press('Tab')
    await page.locator('[data-test="campaign-save"]').click()
    await page.waitForURL(/\/evaluation\/campaigns\/\d+$/)
    const cid = Number(new URL(page.url()).pathname.split('/').pop())
    const created = await api('admin', 'GET', `/api/evaluation/campaigns/${cid}`)
    assert.deepEqual([created.title, created.awards_count, created.experts_per_nomination], [title, 1, 1])

    // set-up through the API: rubric, two universities nominate, the panel, review
    const E = '/api/evaluation'
    await api('admin', 'PUT', `${E}/campaigns/${cid}/rubric`, {
      criteria: [{ code: 'effect', name: '育人成效', weight: 100, max_score: 10, levels: [{ score: 10, description: '成效显著' }, { score: 4, description: '有待提高' }] }],
    })
    await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'nomination' })
    const nominate = async (user, t) => {
      const n = await api(user, 'POST', `${E}/campaigns/${cid}/nominations`, { title: t, text: '案例材料（E2E）' })
      await api(user, 'POST', `${E}/nominations/${n.id}/submit`)
      return n
    }
    const n1 = await nominate('u1_admin', `E2E 中原理工食堂案例 ${STAMP}`)
    const n2 = await nominate('u2_admin', `E2E 嵩山师院公寓案例 ${STAMP}`)
    await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'preselection' })
    const expert = (await api('admin', 'GET', '/api/users?role=expert&q=expert1')).items.find((u) => u.username === 'expert1')
    await api('admin', 'PUT', `${E}/campaigns/${cid}/experts`, { experts: [{ expert_id: expert.id, university_id: expert.university_id, name: expert.display_name }] })
    await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'review' })

    // manual assignment in the browser
    await go(page, `/evaluation/campaigns/${cid}`)
    await page.getByRole('tab', { name: /评审专家|Experts/ }).click()
    await choose(page, 'manual-nomination', n2.title)
    await choose(page, 'manual-expert', expert.display_name)
    await page.locator('[data-test="manual-assign-btn"]').click()
    await expectMessage(page, /已分配|assigned/i)
    await settled(page)
    const assignedRow = rowWith(page.locator('[data-test="assignments-table"]'), n2.title)
    await assignedRow.waitFor()
    assert.match(await assignedRow.textContent(), /manual/)
    await shot(page, '85-province-manual-assignment')
    const assignments = (await api('admin', 'GET', `${E}/campaigns/${cid}/assignments?limit=500`)).items
    const manual = assignments.find((a) => a.nomination_id === n2.id)
    assert.deepEqual([manual?.expert_id, manual?.method], [expert.id, 'manual'])

    // the rest is automatic; the expert scores (the second university's case is the better one)
    await api('admin', 'POST', `${E}/campaigns/${cid}/assignments/auto`)
    const [criterion] = (await api('admin', 'GET', `${E}/campaigns/${cid}/rubric`)).criteria
    for (const [n, score] of [[n1, 4], [n2, 10]]) {
      await api('expert1', 'PUT', `${E}/nominations/${n.id}/scores`, { items: [{ criterion_id: criterion.id, score, comment: 'E2E' }] })
    }
    await api('admin', 'POST', `${E}/campaigns/${cid}/advance`, { to: 'decision' })

    // decide and publish in the browser (publicity from today)
    await go(page, `/evaluation/campaigns/${cid}`)
    await page.getByRole('tab', { name: /排名与结果|Ranking and results|Results/ }).click()
    await page.locator('[data-test="decide"]').click()
    await expectMessage(page, /确定获奖名单|decided/i)
    await settled(page)
    await page.locator('[data-test="publish"]').click()
    await expectMessage(page, /公示|publicity/i)
    await settled(page)
    assert.equal((await api('admin', 'GET', `${E}/campaigns/${cid}`)).phase, 'publicity')
    await shot(page, '86-province-campaign-publicity')

    // the first university objects to the awarded case during publicity
    const uni = await signIn(browser, 'u1_admin', tz)
    await go(uni.page, `/evaluation/campaigns/${cid}`)
    await uni.page.getByRole('tab', { name: /异议|Objections/ }).click()
    await choose(uni.page, 'objection-nomination', n2.title)
    const objection = `E2E 异议：案例材料与实际不符 ${STAMP}`
    await field(uni.page, 'objection-text').fill(objection)
    await uni.page.locator('[data-test="objection-lodge"]').click()
    await expectMessage(uni.page, /异议已提交|lodged/i)
    await settled(uni.page)
    await rowWith(uni.page.locator('[data-test="objections-table"]'), objection).waitFor()
    await shot(uni.page, '87-uadmin-objection')

    // the province answers it
    await go(page, `/evaluation/campaigns/${cid}`)
    await page.getByRole('tab', { name: /异议|Objections/ }).click()
    await settled(page)
    await rowWith(page.locator('[data-test="objections-table"]'), objection).locator('[data-test="objection-answer"]').click()
    await answerPrompt(page, '经核查，材料属实，维持原结果。')
    await expectMessage(page, /已答复|answered/i)
    await settled(page)
    assert.match(await rowWith(page.locator('[data-test="objections-table"]'), objection).textContent(), /维持原结果/)
    const answered = (await api('u1_admin', 'GET', `${E}/campaigns/${cid}/objections`)).items.find((o) => o.text === objection)
    assert.equal(answered.answer, '经核查，材料属实，维持原结果。')
    await shot(page, '88-province-objection-answered')
    assert.deepEqual(prov.errors, [])
    assert.deepEqual(uni.errors, [])
    await prov.context.close()
    await uni.context.close()
  })

  test('pilots: every signed-in person sees the pilot universities, filtered by year', async () => {
    const { context, page, errors } = await signIn(browser, 'u1_d1_staff1')
    await page.locator('[data-test="menu-pilots"]').click()
    await page.locator('[data-test="pilots-table"]').waitFor()
    await settled(page)
    const all = await api('u1_d1_staff1', 'GET', '/api/evaluation/pilots?limit=500')
    assert.ok(all.total >= 2, 'the demo data has pilot universities')
    assert.equal(await page.locator('[data-test="pilots-table"] .el-table__body-wrapper .el-table__row').count(), Math.min(all.total, 50))
    await choose(page, 'pilots-year', String(NEXT))
    await settled(page)
    const next = await api('u1_d1_staff1', 'GET', `/api/evaluation/pilots?year=${NEXT}&limit=500`)
    const rows = page.locator('[data-test="pilots-table"] .el-table__body-wrapper .el-table__row')
    assert.equal(await rows.count(), next.total)
    for (const r of await rows.all()) assert.match(await r.textContent(), new RegExp(String(NEXT)))
    await shot(page, '89-staff-pilots')
    assert.deepEqual(errors, [])
    await context.close()
  })
})
