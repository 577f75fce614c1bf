/**
 * axe-core over every page of every role (issue #17 part 5; part of the admin conventions journeys): no serious or
 * critical violation, on a desktop (axe-desktop.test.mjs) and at 390×844 (axe-phone.test.mjs). Two files so that
 * tests/e2e/run_e2e.py runs the two viewports at the same time, each on a platform of its own.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { axeSerious as axeViolations, BASE_URL, SKIP_REASON, field, go, launch, PASSWORD, settled } from './helpers.mjs'

export const PHONE = { width: 390, height: 844 }
export const WIDE = { width: 1440, height: 900 }

/** The pages each role opens from its menu (and the pages behind a list's row). */
const PAGES = {
  admin: ['/dashboard', '/universities', '/accounts', '/clients', '/audit', '/training/rule', '/training/compliance', '/training/courses', '/plans/review', '/plans/change-requests', '/plans/progress', '/evaluation/campaigns', '/evaluation/assessment', '/evaluation/pilots', '/profile'],
  expert1: ['/evaluation/reviews', '/evaluation/pilots', '/profile'],
  u1_admin: ['/workbench', '/departments', '/accounts', '/training/compliance', '/training/staff', '/training/records', '/training/import', '/training/courses', '/training/approvals', '/plans/mine', '/plans/change-requests', '/plans/progress', '/evaluation/campaigns', '/evaluation/assessment', '/profile'],
  u1_d1_mgr: ['/workbench', '/training/compliance', '/training/staff', '/training/records', '/training/approvals', '/plans/progress', '/evaluation/campaigns', '/profile'],
  u1_d1_staff1: ['/my/ledger', '/plans/letters', '/evaluation/awards', '/evaluation/pilots', '/profile'],
}

/**
 * Open `path` in the running app through its router, as the menu does, instead of loading the document again: the
 * SPA's scripts are not parsed again and axe-core stays injected (a full load per page was most of this journey's
 * time). Then wait as `go` does after a load: until no request has been in flight for 500 ms (what `networkidle`
 * means; Playwright's own state was reached at the first load), then `settled` (loading masks gone, 300 ms).
 */
async function visit(page, requests, path) {
  requests.since = Date.now()
  await page.evaluate((p) => document.querySelector('#app').__vue_app__.config.globalProperties.$router.push(p), path)
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline && (requests.inflight > 0 || Date.now() - requests.since < 500)) await page.waitForTimeout(50)
  await settled(page)
  assert.equal(new URL(page.url()).pathname, path, `${path} opened`)
}

/** Requests in flight on `page` and when the last one started or ended. */
function countRequests(page) {
  const requests = { inflight: 0, since: Date.now() }
  const ended = () => {
    requests.inflight = Math.max(0, requests.inflight - 1)
    requests.since = Date.now()
  }
  page.on('request', () => {
    requests.inflight += 1
    requests.since = Date.now()
  })
  page.on('requestfinished', ended)
  page.on('requestfailed', ended)
  return requests
}

async function signInAt(browser, username, viewport) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', baseURL: BASE_URL, bypassCSP: true, ...(viewport === PHONE ? { isMobile: true, hasTouch: true } : {}) })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  await page.goto('/login')
  await field(page, 'username').fill(username)
  await field(page, 'password').fill(PASSWORD)
  await page.locator('[data-test="login-submit"]').click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  await page.locator('.el-header').waitFor()
  return { context, page }
}

/** The journey at `viewport`, named `(label)` as before the split. */
export function axeJourney(label, viewport) {
  if (SKIP_REASON) {
    console.log(`e2e skipped: ${SKIP_REASON}`)
    test(`axe-core journeys (${label})`, { skip: SKIP_REASON }, () => {})
  }
  describe('admin conventions', { skip: Boolean(SKIP_REASON), concurrency: 1 }, () => {
    let browser
    before(async () => {
      browser = await launch()
    })
    after(async () => {
      await browser?.close()
    })

    test(`axe-core: no serious or critical violation on any page of any role (${label})`, async () => {
      const problems = []
      for (const [user, pages] of Object.entries(PAGES)) {
        const { context, page } = await signInAt(browser, user, viewport)
        const requests = countRequests(page)
        for (const path of pages) {
          await visit(page, requests, path)
          for (const v of await axeViolations(page)) problems.push(`${user} ${path}: ${v.id} (${v.impact}) ${v.nodes.join(' | ')}`)
        }
        await context.close()
      }
      const context = await browser.newContext({ viewport, baseURL: BASE_URL, bypassCSP: true })
      const page = await context.newPage()
      await go(page, '/login')
      for (const v of await axeViolations(page)) problems.push(`login: ${v.id} (${v.impact}) ${v.nodes.join(' | ')}`)
      await context.close()
      assert.deepEqual(problems, [], problems.join('\n'))
    })
  })
}
