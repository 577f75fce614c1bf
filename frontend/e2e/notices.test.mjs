/**
 * The year's notice (issue #18) against the real stack (E2E_BASE_URL, demo data): the province writes the notice on
 * 年度通知 and issues it; a university admin sees it on the workbench (at 390 px, no sideways scrolling), opens it and
 * acknowledges it; the province then sees that university acknowledged and the others not yet.
 * Screenshots: e2e-screenshots/80-notice-issued.png, 81-notice-acknowledged-phone.png, 82-notice-standings.png.
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, describe, test } from 'node:test'
import { api, field, go, launch, settled, shot, signIn, signInPhone, SKIP_REASON } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('notice journeys', { skip: SKIP_REASON }, () => {})
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/** axe-core's serious and critical violations on the page as it is now (the context bypasses the CSP to inject it). */
async function axeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE })
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))
  })
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) ${v.nodes.join(' | ')}`)
}

async function pickDate(page, testId, value) {
  const input = field(page, testId)
  await input.click()
  await input.fill(value)
  await input.press('Enter')
}

describe('The year\'s notice (#18)', { skip: SKIP_REASON }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('the province issues the notice, a university acknowledges it, the province sees the acknowledgement', async () => {
    // a year no journey uses (a notice per year): after the newest one
    const taken = (await api('admin', 'GET', '/api/plans/notices?limit=100')).items.map((n) => n.year)
    const year = Math.max(new Date().getFullYear() + 3, ...taken.map((y) => y + 1))
    const title = `关于做好${year}年高校后勤三全育人工作的通知`
    const due = `${year}-03-31`

    // 1. the province writes and issues it
    const province = await signIn(browser, 'admin')
    await go(province.page, '/plans/notices')
    await province.page.locator('[data-test="notice-new"]').click()
    const yearInput = field(province.page, 'notice-year')
    await yearInput.fill(String(year))
    await yearInput.press('Tab')
    await field(province.page, 'notice-form-title').fill(title)
    await field(province.page, 'notice-form-body').fill('各高校：请按通知要求按时报送实施方案。')
    await pickDate(province.page, 'notice-form-due', due)
    await province.page.locator('[data-test="notice-save"]').click()
    await province.page.locator('[data-test="notice-detail"]').filter({ hasText: title }).waitFor()
    await province.page.locator('[data-test="notice-issue"]').click()
    await province.page.locator('.el-message-box__btns .el-button--primary').click()
    await province.page.locator('[data-test="notice-correct"]').waitFor()
    const notice = (await api('admin', 'GET', `/api/plans/notices?year=${year}`)).items[0]
    assert.equal(notice.status, 'issued')
    assert.equal(notice.title, title)
    assert.equal(notice.plan_due_on, due)
    await shot(province.page, '80-notice-issued')

    // 2. a university admin, on a phone: the workbench shows it, the notice page acknowledges it
    const uni = await signInPhone(browser, 'u1_admin', { bypassCSP: true })
    await go(uni.page, '/workbench')
    const card = uni.page.locator('[data-test="workbench-notice"]')
    await card.waitFor()
    assert.match(await card.textContent(), new RegExp(title))
    await uni.page.locator('[data-test="todo-notice"]').first().click()
    await uni.page.waitForURL(/\/plans\/notices\?id=/)
    await settled(uni.page)
    await uni.page.locator('[data-test="notice-detail"]').filter({ hasText: title }).waitFor()
    await uni.page.locator('[data-test="notice-acknowledge"]').click()
    await uni.page.locator('[data-test="notice-acked"]').waitFor()
    const overflow = await uni.page.evaluate(() =>
      Math.max(...[document.documentElement, document.querySelector('.el-main')].filter(Boolean).map((e) => e.scrollWidth - e.clientWidth)),
    )
    assert.ok(overflow <= 1, `the notice page scrolls sideways at 390 px by ${overflow} px`)
    await shot(uni.page, '81-notice-acknowledged-phone')
    assert.deepEqual(await axeViolations(uni.page), [], 'the notice page on a phone (axe-core)')
    const me = await api('u1_admin', 'GET', '/api/auth/me')
    const mine = await api('u1_admin', 'GET', `/api/plans/notices/${notice.id}`)
    assert.equal(mine.my_acknowledgement?.university_id, me.university_id)

    // 3. the province sees who acknowledged (university 1) and who has not
    await go(province.page, `/plans/notices?id=${notice.id}`)
    const table = province.page.locator('[data-test="notice-standings"]')
    await table.waitFor()
    const standings = await api('admin', 'GET', `/api/plans/notices/${notice.id}/acknowledgements`)
    assert.equal(standings.acknowledged, 1)
    const acked = standings.items.find((s) => s.acknowledged)
    assert.equal(acked.university_id, me.university_id)
    const row = table.locator('.el-table__row').filter({ hasText: acked.university_name })
    await row.locator('[data-test="standing-acked"]').waitFor()
    assert.equal(await table.locator('[data-test="standing-not-acked"]').count(), standings.total - 1)
    assert.match(await province.page.locator('[data-test="notice-ack-count"]').textContent(), new RegExp(`1 / ${standings.total}`))
    await shot(province.page, '82-notice-standings')

    assert.deepEqual([...province.errors, ...uni.errors], [])
    await province.context.close()
    await uni.context.close()
  })
})
