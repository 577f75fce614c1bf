/**
 * The service hall's broken promises and its indicators (S1, issue #20) against the real stack (demo data):
 * 1. A controlled clock — the hall service's `run-due-jobs --at` runs the promise-timer job as of a later instant —
 *    breaks a new request's promise: not accepted in time, the job escalates it to the department's manager (level
 *    1), who finds it in the bell's list on a 390 px phone, opens it and sees it marked; not resolved in time, and
 *    again after the same time, to the university's administrator (level 2), who finds it in the bell's list too and
 *    sees the queue's card marked on the phone. The university admin was not told at level 1.
 * 2. The assessment shows the hall's indicators: the province adds 服务大厅承诺兑现率 and 服务大厅满意度 to the
 *    year's draft framework in the SPA and computes; university 1 (closed and rated requests in the demo) sees its
 *    figures on its scorecard in Chinese, university 2 (no hall requests) sees them "Not applicable" in English.
 * Screenshots: e2e-screenshots/hall-escalation-*.png.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { api, axeSerious, BASE_URL, choose, go, launch, PASSWORD, settled, shot, signInAt, signInPhone, SKIP_REASON } from './helpers.mjs'

const NO_STACK = process.env.E2E_STACK_ENV ? false : 'E2E_STACK_ENV is not set: run it through tests/e2e/run_e2e.py'
const SKIP = SKIP_REASON || NO_STACK
if (SKIP) {
  console.log(`e2e skipped: ${SKIP}`)
  test('service hall escalation journeys', { skip: SKIP }, () => {})
}

const STUDENT = 'S2026003'
const MINUTE = 60_000
const DAY = 86_400_000

/** The hall service's promise-timer job, run as of `at` (the clock frozen there in that process). */
function runDueJobs(at) {
  const env = { ...process.env, ...JSON.parse(process.env.E2E_STACK_ENV) }
  const out = spawnSync(process.env.E2E_PYTHON, ['-m', 'sanquan_kernel.cli', '--service', 'hall', 'run-due-jobs', '--at', at], {
    cwd: process.env.E2E_ROOT,
    env,
    encoding: 'utf-8',
  })
  assert.equal(out.status, 0, out.stderr)
  return out.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
}

/** A demo roster student's access token (number and password, as the hall's sign-in page does it). */
async function studentToken(universityId) {
  const res = await fetch(`${BASE_URL}/api/auth/hall/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest' },
    body: JSON.stringify({ university_id: universityId, number: STUDENT, password: PASSWORD }),
  })
  return res.ok ? (await res.json()).access_token : null
}

async function asStudent(token, method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} as ${STUDENT}: ${res.status} ${text.slice(0, 300)}`)
  return text ? JSON.parse(text) : null
}

async function escalations(who, requestId) {
  const page = await api(who, 'GET', '/api/notifications?limit=200')
  return page.items.filter((n) => n.kind === 'hall.request.escalated' && n.params.request_id === requestId)
}

/** Poll until `check()` answers something truthy (the outbox relays to the gateway asynchronously). */
async function until(check, what, seconds = 40) {
  for (let i = 0; i < seconds; i++) {
    const got = await check().catch(() => null) // a kept-alive connection the gateway closed: ask again
    if (got) return got
    await new Promise((r) => setTimeout(r, 1000))
  }
  throw new Error(`timed out: ${what}`)
}

async function noSideways(page, what) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(wide <= 0, `${what} scrolls sideways by ${wide}px at 390 px`)
}

describe('service hall: broken promises and the assessment (#20)', { skip: Boolean(SKIP), concurrency: 1 }, () => {
  let browser
  let universityId
  before(async () => {
    browser = await launch()
    universityId = (await api('u1_admin', 'GET', '/api/auth/me')).university_id
  })
  after(async () => {
    await browser?.close()
  })

  test('a request not accepted in time escalates to the manager, then to the university (controlled clock), on a phone', async (t) => {
    const token = await studentToken(universityId)
    if (!token) {
      t.skip(`no demo student ${STUDENT}: the demo seeds no hall area`)
      return
    }
    const places = await asStudent(token, 'GET', '/api/hall/places')
    const room = (places.items ?? places).find((p) => p.kind === 'room')
    assert.ok(room, 'the university has rooms')
    const created = await asStudent(token, 'POST', '/api/hall/requests', {
      category: 'repair_dorm',
      place_id: room.id,
      description: '宿舍走廊的灯坏了，晚上一片漆黑',
      anonymous: false,
      attachment_ids: [],
    })
    const { id, number } = created
    const stored = await api('u1_admin', 'GET', `/api/hall/requests/${id}`)
    assert.ok(stored.department_id, 'routed to a department')
    assert.equal(stored.escalation_level, 0)
    const managers = await api('u1_admin', 'GET', `/api/users?org_id=${stored.department_id}&role=department_manager`)
    const manager = managers.items[0].username

    // ---- not accepted within its promise: the job, a minute after the accept promise ----
    const acceptDue = new Date(stored.accept_due_at).getTime()
    const [first] = runDueJobs(new Date(acceptDue + MINUTE).toISOString())
    assert.ok(first.ran && first.result.accept >= 1, JSON.stringify(first))
    const told = await until(async () => {
      const got = await escalations(manager, id)
      return got.length ? got : null
    }, 'the manager is told')
    assert.equal(told.length, 1)
    assert.equal(told[0].params.level, 1)
    assert.equal(told[0].params.breach, 'accept')
    assert.deepEqual(await escalations('u1_admin', id), [], 'level 1 is the manager’s, not the university’s')
    // the same instant again: nothing twice
    runDueJobs(new Date(acceptDue + MINUTE).toISOString())

    const m = await signInPhone(browser, manager, { bypassCSP: true })
    await m.page.locator('[data-test="notification-bell"]').click()
    const drawer = m.page.locator('[data-test="notification-drawer"]')
    await drawer.waitFor()
    const item = drawer.locator('[data-test="notification-item"]', { hasText: number }).first()
    await item.waitFor()
    assert.match(await item.innerText(), /超过承诺时限/)
    await noSideways(m.page, 'the manager’s notifications')
    await shot(m.page, 'hall-escalation-1-manager-bell-phone')
    await item.click()
    await m.page.waitForURL((url) => url.pathname === `/service-hall/requests/${id}`)
    const mark = m.page.locator('[data-test="hall-escalated"]')
    await mark.waitFor()
    assert.match(await mark.innerText(), /超时已督办（部门负责人）/)
    await settled(m.page)
    assert.ok((await m.page.locator('.el-timeline-item', { hasText: '超时督办' }).count()) >= 1, 'the timeline shows the escalation')
    await noSideways(m.page, 'the escalated request')
    assert.deepEqual(await axeSerious(m.page), [], 'the escalated request: axe-core')
    await shot(m.page, 'hall-escalation-2-manager-request-phone')
    assert.deepEqual(m.errors, [])
    await m.context.close()

    // ---- not resolved within its promise, and not after the same time again: the university ----
    const later = new Date(new Date(stored.resolve_due_at).getTime() + 45 * DAY).toISOString()
    const [second] = runDueJobs(later)
    assert.ok(second.ran && second.result.resolve >= 1 && second.result.university >= 1, JSON.stringify(second))
    const toUniversity = await until(async () => {
      const got = await escalations('u1_admin', id)
      return got.length ? got : null
    }, 'the university admin is told')
    assert.deepEqual(toUniversity.map((n) => n.params.level), [2])
    assert.equal((await api('u1_admin', 'GET', `/api/hall/requests/${id}`)).escalation_level, 2)

    const a = await signInPhone(browser, 'u1_admin', { bypassCSP: true })
    await a.page.locator('[data-test="notification-bell"]').click()
    const adminDrawer = a.page.locator('[data-test="notification-drawer"]')
    await adminDrawer.waitFor()
    await adminDrawer.locator('[data-test="notification-item"]', { hasText: number }).first().waitFor()
    await noSideways(a.page, 'the university admin’s notifications')
    await shot(a.page, 'hall-escalation-3-admin-bell-phone')
    await a.page.keyboard.press('Escape')
    await go(a.page, '/service-hall/queue')
    await a.page.locator('.q input').fill(number)
    await a.page.locator('.q input').press('Enter')
    await settled(a.page)
    const card = a.page.locator('[data-test="hall-queue-row"]', { hasText: number })
    await card.waitFor()
    assert.equal(await a.page.locator('[data-test="hall-queue-row"]').count(), 1)
    assert.match(await card.locator('[data-test="hall-escalated"]').innerText(), /超时已督办（学校）/)
    await noSideways(a.page, 'the queue')
    assert.deepEqual(await axeSerious(a.page), [], 'the queue with an escalated card: axe-core')
    await shot(a.page, 'hall-escalation-4-admin-queue-phone')
    assert.deepEqual(a.errors, [])
    await a.context.close()
  })

  test('the assessment shows the hall’s indicators: figures for a university with requests, not applicable without (zh-CN, en)', async () => {
    const year = new Date().getFullYear()
    const framework = await api('admin', 'GET', `/api/evaluation/assessment/frameworks/${year}`)
    assert.equal(framework.status, 'draft', `the demo has the ${year} framework as a draft`)

    // the province adds both indicators in the SPA and computes
    const p = await signInAt(browser, 'admin')
    await go(p.page, '/evaluation/assessment')
    await p.page.locator('.el-tabs__item', { hasText: '考核指标' }).click()
    await p.page.locator('[data-test="add-indicator-metric"]').waitFor()
    await settled(p.page)
    for (const name of ['服务大厅承诺兑现率（S1）', '服务大厅满意度（S1）']) {
      await choose(p.page, 'add-indicator-metric', name)
      await p.page.locator('[data-test="add-indicator"]').click()
    }
    await p.page.locator('[data-test="save-framework"]').click()
    await settled(p.page)
    const saved = await api('admin', 'GET', `/api/evaluation/assessment/frameworks/${year}`)
    const hall = saved.indicators.filter((i) => i.source === 'hall').map((i) => [i.code, i.metric])
    assert.deepEqual(hall, [['hall_promise_kept_rate', 'hall_promise_kept_rate'], ['hall_satisfaction', 'hall_satisfaction']])
    await p.page.locator('[data-test="compute"]').click()
    await settled(p.page)
    await shot(p.page, 'hall-escalation-5-province-framework')
    assert.deepEqual(p.errors, [])
    await p.context.close()

    // university 1: closed and rated requests — its figures, in Chinese
    const u1 = await signInAt(browser, 'u1_admin')
    await go(u1.page, '/evaluation/assessment')
    await u1.page.locator('button', { hasText: '评分卡' }).first().click()
    const rows = u1.page.locator('[data-test="scorecard"] .el-table__row')
    await rows.first().waitFor()
    for (const name of ['服务大厅承诺兑现率（S1）', '服务大厅满意度（S1）']) {
      const row = rows.filter({ has: u1.page.locator('[data-test="scorecard-indicator"]', { hasText: name }) })
      assert.equal(await row.count(), 1, name)
      assert.equal((await row.locator('[data-test="scorecard-status"]').innerText()).trim(), '✓', `${name}: a figure`)
    }
    await shot(u1.page, 'hall-escalation-6-u1-scorecard')
    assert.deepEqual(u1.errors, [])
    await u1.context.close()

    // university 2: no hall requests — not applicable (never 0), in English
    const u2 = await signInAt(browser, 'u2_admin', { locale: 'en' })
    await go(u2.page, '/evaluation/assessment')
    await u2.page.locator('button', { hasText: 'Scorecard' }).first().click()
    const rows2 = u2.page.locator('[data-test="scorecard"] .el-table__row')
    await rows2.first().waitFor()
    for (const name of ['Service hall: promises kept (S1)', 'Service hall: satisfaction (S1)']) {
      const row = rows2.filter({ has: u2.page.locator('[data-test="scorecard-indicator"]', { hasText: name }) })
      assert.equal(await row.count(), 1, name)
      assert.equal((await row.locator('[data-test="scorecard-status"]').innerText()).trim(), 'Not applicable', name)
      assert.equal((await row.locator('td').nth(1).innerText()).trim(), '—', `${name}: no value, not 0`)
    }
    await shot(u2.page, 'hall-escalation-7-u2-scorecard-en')
    assert.deepEqual(await axeSerious(u2.page), [], 'the scorecard: axe-core')
    assert.deepEqual(u2.errors, [])
    await u2.context.close()
  })
})
