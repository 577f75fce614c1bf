/**
 * The notification centre (issue #18) against the real stack (E2E_BASE_URL, demo data): the province returns a
 * university's submitted plan on the review page; the plans service's outbox relays plan.returned to the gateway,
 * which notifies that university's administrators. The administrator, on a 390 px phone, sees the unread count on
 * the bell, opens the notification and lands on the plan (已退回); the count goes down and nothing scrolls sideways.
 * Screenshots: e2e-screenshots/90-notification-bell-phone.png, 91-notification-list-phone.png.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { api, expectMessage, field, go, launch, settled, shot, signIn, signInPhone, SKIP_REASON } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('notification journeys', { skip: SKIP_REASON }, () => {})
}

const YEAR = new Date().getFullYear()

/** A university admin with a submitted plan of the year (the demo's second university has one); else one whose
 * draft or returned plan has tasks, submitted now through the API. */
async function submittedPlan() {
  for (let n = 1; n <= 8; n++) {
    const who = `u${n}_admin`
    const plan = (await api(who, 'GET', `/api/plans/plans?year=${YEAR}`).catch(() => ({ items: [] }))).items[0]
    if (plan?.status === 'submitted') return { who, plan }
  }
  for (let n = 1; n <= 8; n++) {
    const who = `u${n}_admin`
    const plan = (await api(who, 'GET', `/api/plans/plans?year=${YEAR}`).catch(() => ({ items: [] }))).items[0]
    if (!plan || !['draft', 'returned'].includes(plan.status)) continue
    const tasks = await api(who, 'GET', `/api/plans/plans/${plan.id}/tasks?limit=1`)
    if (!tasks.items.length) continue
    await api(who, 'POST', `/api/plans/plans/${plan.id}/submit`)
    return { who, plan }
  }
  throw new Error(`no university has a plan of ${YEAR} to submit`)
}

/** The bell's badge text ('' while hidden), read again after reloads until it shows (the relay is asynchronous). */
async function unreadBadge(page, tries = 10) {
  const badge = page.locator('[data-test="notification-count"] .el-badge__content')
  for (let i = 0; i < tries; i++) {
    if (await badge.isVisible()) return (await badge.textContent()).trim()
    await page.waitForTimeout(1000)
    await page.reload()
    await page.locator('.el-header').waitFor()
    await settled(page)
  }
  return ''
}

describe('Notifications (#18)', { skip: SKIP_REASON }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('the province returns a plan; the university admin sees the count, opens the notification, lands on the plan', async () => {
    const { who, plan } = await submittedPlan()
    const before = await api(who, 'GET', '/api/notifications/unread-count')

    // 1. the province returns it on the review page
    const prov = await signIn(browser, 'admin')
    await go(prov.page, `/plans/review/${plan.id}`)
    await prov.page.locator('[data-test="decision"]').waitFor()
    await field(prov.page, 'overall-comment').fill('请补充保障措施后重新提交。')
    await prov.page.locator('[data-test="plan-return"]').click()
    await expectMessage(prov.page, /退回|returned/i)
    assert.deepEqual(prov.errors, [])
    await prov.context.close()

    // 2. the university admin, on a phone: the bell counts it
    const uni = await signInPhone(browser, who)
    const page = uni.page
    const badge = await unreadBadge(page)
    assert.ok(badge !== '' && Number(badge.replace('+', '')) >= before.unread + 1, `unread badge: '${badge}' (before: ${before.unread})`)
    await shot(page, '90-notification-bell-phone')

    // 3. the list: the newest is the returned plan, in Chinese, with its year
    await page.locator('[data-test="notification-bell"]').click()
    const drawer = page.locator('[data-test="notification-drawer"]')
    const first = drawer.locator('[data-test="notification-item"]').first()
    await first.waitFor()
    assert.match(await first.textContent(), new RegExp(`${YEAR} 年度实施方案被退回修改`))
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(wide <= 0, `the list scrolls sideways by ${wide}px at 390 px`)
    await shot(page, '91-notification-list-phone')

    // 4. opening it marks it read and lands on the plan, returned
    await first.click()
    await page.waitForURL((url) => url.pathname === '/plans/mine')
    await settled(page)
    assert.match((await page.locator('[data-test="plan-status"]').textContent()).trim(), /已退回/)
    const afterCount = await api(who, 'GET', '/api/notifications/unread-count')
    assert.equal(afterCount.unread, Number(badge.replace('+', '')) - 1)
    assert.deepEqual(uni.errors, [])
    await uni.context.close()
  })
})
