/**
 * Reminders and escalation (issue #18) against the real stack (E2E_BASE_URL, demo data): with a controlled clock —
 * the plans service's `run-due-jobs --at` runs the reminder job as of a later day — a milestone of u1's approved
 * plan becomes overdue by more than 7 days: escalated. The outbox relays milestone.escalated to the gateway, which
 * notifies the university's administrators: u1_admin, on a 390 px phone, finds it in the bell's list. Then the
 * province opens 逾期预警 on a phone and sees the university's escalated milestones with their days overdue, filters
 * by the university, and nothing scrolls sideways. Run twice: no second event.
 * Screenshots: e2e-screenshots/95-reminder-bell-phone.png, 96-alerts-province-phone.png.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { api, go, launch, settled, shot, signInPhone, SKIP_REASON } from './helpers.mjs'

const NO_STACK = process.env.E2E_STACK_ENV ? false : 'E2E_STACK_ENV is not set: run it through tests/e2e/run_e2e.py'
const SKIP = SKIP_REASON || NO_STACK
if (SKIP) {
  console.log(`e2e skipped: ${SKIP}`)
  test('reminder journeys', { skip: SKIP }, () => {})
}

const YEAR = new Date().getFullYear()

/** The plans service's reminder job, run as of `at` (the clock frozen there in that process). */
function runDueJobs(at) {
  const env = { ...process.env, ...JSON.parse(process.env.E2E_STACK_ENV) }
  const out = spawnSync(process.env.E2E_PYTHON, ['-m', 'sanquan_kernel.cli', '--service', 'plans', 'run-due-jobs', '--at', at], {
    cwd: process.env.E2E_ROOT,
    env,
    encoding: 'utf-8',
  })
  assert.equal(out.status, 0, out.stderr)
  return out.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
}

/** An open milestone of an approved plan of the year, due later than today (u1 first). */
async function futureMilestone() {
  for (let n = 1; n <= 8; n++) {
    const who = `u${n}_admin`
    const plan = (await api(who, 'GET', `/api/plans/plans?year=${YEAR}`).catch(() => ({ items: [] }))).items[0]
    if (plan?.status !== 'approved') continue
    const tasks = (await api(who, 'GET', `/api/plans/plans/${plan.id}/tasks?limit=100`)).items
    const today = new Date().toISOString().slice(0, 10)
    const milestones = []
    for (const t of tasks) milestones.push(...(await api(who, 'GET', `/api/plans/tasks/${t.id}/milestones?limit=100`)).items)
    const open = milestones.filter((m) => m.status !== 'done' && m.due_on > today)
    open.sort((a, b) => a.due_on.localeCompare(b.due_on))
    if (open.length) return { who, plan, milestone: open[0] }
  }
  throw new Error(`no approved plan of ${YEAR} has a milestone due later`)
}

async function escalatedNotices(who, milestoneId) {
  const page = await api(who, 'GET', '/api/notifications?limit=200')
  return page.items.filter((n) => n.kind === 'milestone.escalated' && n.params.milestone_id === milestoneId)
}

async function noSideways(page, what) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(wide <= 0, `${what} scrolls sideways by ${wide}px at 390 px`)
}

describe('Reminders and escalation (#18)', { skip: SKIP }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('a milestone overdue more than 7 days (controlled clock): the university admin is told, then the province sees the alert', async () => {
    const { who, milestone } = await futureMilestone()
    assert.deepEqual(await escalatedNotices(who, milestone.id), [])
    // 9 days after its due date, noon in the province
    const due = new Date(`${milestone.due_on}T04:00:00Z`)
    const at = new Date(due.getTime() + 9 * 86400_000).toISOString()
    const [job] = runDueJobs(at)
    assert.ok(job.ran && job.result['milestone.escalated'] >= 1, JSON.stringify(job))
    // relayed by the plans service's outbox to the gateway's notification centre (asynchronous: poll)
    let told = []
    for (let i = 0; i < 40 && told.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 1000))
      told = await escalatedNotices(who, milestone.id)
    }
    assert.equal(told.length, 1, 'the university admin is told once')
    assert.equal(told[0].params.title, milestone.title)
    // the job again at the same instant and a day later: nothing new for this milestone
    runDueJobs(at)
    runDueJobs(new Date(due.getTime() + 10 * 86400_000).toISOString())
    await new Promise((r) => setTimeout(r, 6000))
    assert.equal((await escalatedNotices(who, milestone.id)).length, 1, 'no duplicate after runs twice')

    // the university admin on a phone: the bell's list has it
    const admin = await signInPhone(browser, who)
    await admin.page.locator('[data-test="notification-bell"]').click()
    const drawer = admin.page.locator('[data-test="notification-drawer"]')
    await drawer.waitFor()
    await drawer.locator('[data-test="notification-item"]', { hasText: '逾期里程碑已升级督办' }).first().waitFor()
    await noSideways(admin.page, 'the notification list')
    await shot(admin.page, '95-reminder-bell-phone')
    await admin.context.close()

    // then the province: 逾期预警 lists the university's escalated milestones (already overdue in the demo data)
    const province = await signInPhone(browser, 'admin')
    await go(province.page, '/plans/alerts')
    const cards = province.page.locator('[data-test="alert-milestone"]')
    await cards.first().waitFor()
    const days = await province.page.locator('[data-test="alert-days"]').allTextContents()
    assert.ok(days.every((d) => /逾期 (\d+) 天/.test(d) && Number(/(\d+)/.exec(d)[1]) > 7), days.join(' / '))
    await noSideways(province.page, 'the alert list')
    await shot(province.page, '96-alerts-province-phone')
    const mine = await api(who, 'GET', '/api/plans/alerts/milestones?limit=1')
    assert.ok(mine.total >= 1, 'the university has escalated milestones of its own')
    const uniName = (await api('admin', 'GET', `/api/plans/alerts/milestones?limit=500`)).items.find(
      (m) => m.university_id === mine.items[0].university_id,
    ).university_name
    await province.page.locator('[data-test="alerts-university"]').click()
    await province.page.keyboard.type(uniName)
    await province.page.locator('.el-select-dropdown__item:visible', { hasText: uniName }).first().click()
    let texts = []
    for (let i = 0; i < 20; i++) {
      await settled(province.page)
      texts = await cards.allTextContents()
      if (texts.length && texts.every((t) => t.includes(uniName))) break
      await province.page.waitForTimeout(500)
    }
    assert.ok(texts.length >= 1 && texts.every((t) => t.includes(uniName)), `filtered to ${uniName}: ${texts.length} cards`)
    await province.context.close()
  })
})
