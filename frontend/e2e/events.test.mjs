/**
 * Events (E4, issue #19) against the real stack (E2E_BASE_URL, demo data): the province creates a commendation
 * conference (表彰大会) linked to a decided campaign and declares it a training of N hours; 中原理工大学's administrator
 * opens the event, follows it to the course, enrols a staff member and records the attendance (on a phone, 390 px);
 * the staff member's own ledger shows the hours; the campaign's results (signed in and public) show the conference.
 * The inspector reads the events in English on a phone and changes nothing; the pages have no serious axe-core
 * violations (phone and desktop). Screenshots: e2e-screenshots/95-event-declared.png, 96-event-course-phone.png,
 * 97-event-ledger.png, 98-campaign-conference.png, 99-events-inspector-phone-en.png.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { api, axeSerious, BASE_URL, choose, field, go, launch, PHONE, settled, shot, signIn, signInAt, signInPhone, SKIP_REASON, WIDE } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('events journeys', { skip: SKIP_REASON }, () => {})
}

const HOURS = 6

describe('Events declared a training (#19, E4)', { skip: SKIP_REASON }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('a commendation conference declared a training reaches the ledger and the campaign results', async () => {
    const title = `全省高校后勤育人表彰大会（旅程 ${Date.now()}）`
    const campaigns = (await api('admin', 'GET', '/api/evaluation/campaigns?limit=200')).items
    const campaign = campaigns.find((c) => c.phase === 'final') ?? campaigns.find((c) => c.phase === 'publicity')
    assert.ok(campaign, 'the demo has a campaign with published results')
    const [me] = (await api('u1_d1_staff1', 'GET', '/api/training/staff?limit=1')).items
    const ledgerBefore = (await api('u1_d1_staff1', 'GET', `/api/training/staff/${me.id}/ledger?year=${new Date().getFullYear()}`)).hours

    // 1. the province creates the conference, linked to the campaign, and declares it a training
    const admin = await signIn(browser, 'admin')
    await go(admin.page, '/evaluation/events')
    await admin.page.locator('[data-test="new-event"]').click()
    await choose(admin.page, 'event-kind', '表彰大会')
    await field(admin.page, 'event-title').fill(title)
    await field(admin.page, 'event-place').fill('郑州国际会展中心')
    await field(admin.page, 'event-agenda').fill('一、宣读表彰决定；二、颁发证书；三、典型发言')
    await choose(admin.page, 'event-campaigns', campaign.title, { type: true })
    await admin.page.keyboard.press('Escape')
    await admin.page.locator('[data-test="save-event"]').click()
    await admin.page.waitForURL(/\/evaluation\/events\/\d+$/)
    await settled(admin.page)
    const eventId = Number(new URL(admin.page.url()).pathname.split('/').pop())
    await admin.page.locator('[data-test="event-campaigns"]').getByText(campaign.title).waitFor()
    await admin.page.locator('[data-test="declare-training"]').click()
    const hours = field(admin.page, 'training-hours')
    await hours.fill(String(HOURS))
    await hours.press('Tab')
    await admin.page.locator('[data-test="training-themes"] label').filter({ hasText: '职业道德' }).click()
    await admin.page.locator('[data-test="confirm-declare"]').click()
    await admin.page.locator('[data-test="training-counts"]').filter({ hasText: '已报名 0 人' }).waitFor()
    await shot(admin.page, '95-event-declared')
    const declared = await api('admin', 'GET', `/api/evaluation/events/${eventId}`)
    assert.equal(declared.training.hours, HOURS)
    const courseId = declared.training.course_id

    // 2. the university's administrator, on a phone, follows the event to its course, enrols and records attendance
    const uni = await signInPhone(browser, 'u1_admin')
    await go(uni.page, `/evaluation/events/${eventId}`)
    await uni.page.locator('[data-test="to-course"]').click()
    await uni.page.waitForURL(new RegExp(`/training/courses\\?course=${courseId}$`))
    await settled(uni.page)
    await choose(uni.page, 'enrol-staff', me.employee_no, { type: true })
    await uni.page.keyboard.press('Escape')
    await uni.page.locator('[data-test="enrol"]').click()
    const row = uni.page.locator('[data-test="enrolments"] .el-table__row').filter({ hasText: me.employee_no })
    await row.waitFor()
    await row.locator('.el-checkbox').click()
    await uni.page.locator('[data-test="mark-attended"]').click()
    await row.getByText('已出勤').waitFor()
    const wide = await uni.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)
    assert.equal(wide, false, 'no sideways scrolling at 390 px')
    await shot(uni.page, '96-event-course-phone')
    const shown = await api('u1_admin', 'GET', `/api/evaluation/events/${eventId}`)
    assert.deepEqual([shown.training.enrolled >= 1, shown.training.attended >= 1], [true, true])

    // 3. the staff member's own ledger shows the hours
    const staff = await signIn(browser, 'u1_d1_staff1')
    await go(staff.page, '/my/ledger')
    await staff.page.getByText(title).first().waitFor()
    await shot(staff.page, '97-event-ledger')
    const ledgerAfter = (await api('u1_d1_staff1', 'GET', `/api/training/staff/${me.id}/ledger?year=${new Date().getFullYear()}`)).hours
    assert.equal(ledgerAfter, ledgerBefore + HOURS)

    // 4. the campaign's results show the conference, signed in and on the public page
    await go(admin.page, `/evaluation/campaigns/${campaign.id}`)
    await admin.page.getByRole('tab', { name: '排名与结果' }).click()
    await admin.page.locator('[data-test="campaign-conference"]').filter({ hasText: title }).waitFor()
    await shot(admin.page, '98-campaign-conference')
    const path = campaign.phase === 'final' ? 'results' : 'publicity'
    const pub = await (await fetch(`${BASE_URL}/api/public/${path}`)).json()
    const listed = pub.items.find((c) => c.id === campaign.id)
    assert.ok(listed?.conferences.some((c) => c.title === title && !('id' in c)), 'the public page names the conference, no id')

    for (const s of [admin, uni, staff]) {
      assert.deepEqual(s.errors, [], 'no page errors')
      await s.context.close()
    }
  })

  test('the inspector reads the events in English on a phone and changes nothing; no serious axe findings', async () => {
    const inspector = await signInAt(browser, 'inspector1', { viewport: PHONE, locale: 'en' })
    await go(inspector.page, '/evaluation/events')
    await inspector.page.locator('[data-test="events-table"] .el-table__row').first().waitFor()
    assert.equal(await inspector.page.locator('[data-test="new-event"]').count(), 0, 'the inspector organises nothing')
    assert.deepEqual(await axeSerious(inspector.page), [], 'events list (phone, en)')
    const wide = () => inspector.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)
    assert.equal(await wide(), false, 'no sideways scrolling at 390 px (list)')
    await inspector.page.locator('[data-test="events-table"] .el-table__row').first().click()
    await inspector.page.waitForURL(/\/evaluation\/events\/\d+$/)
    await settled(inspector.page)
    await inspector.page.getByText('Commendation conference').first().waitFor()
    for (const action of ['edit-event', 'hold-event', 'declare-training', 'cancel-event']) {
      assert.equal(await inspector.page.locator(`[data-test="${action}"]`).count(), 0, action)
    }
    assert.deepEqual(await axeSerious(inspector.page), [], 'event detail (phone, en)')
    assert.equal(await wide(), false, 'no sideways scrolling at 390 px (detail)')
    await shot(inspector.page, '99-events-inspector-phone-en')

    const admin = await signInAt(browser, 'u1_admin', { viewport: WIDE })
    await go(admin.page, '/evaluation/events')
    await admin.page.locator('[data-test="new-event"]').click()
    await admin.page.locator('[data-test="event-form"]').waitFor()
    assert.deepEqual(await axeSerious(admin.page), [], 'the event form (desktop)')
    for (const s of [inspector, admin]) {
      assert.deepEqual(s.errors, [], 'no page errors')
      await s.context.close()
    }
  })
})
