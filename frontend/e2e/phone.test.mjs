/**
 * Staff and experts on their phones (390×844): every page they open fits the screen (no horizontal scroll of the
 * document nor of the main area), its primary action is on screen, the menu is a drawer, the header is one line,
 * dialogs fit. Screenshots of the phone ledger are kept in frontend/e2e-screenshots/ (git-ignored). The same
 * pages at 1440×900 keep the sidebar and the tables.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { api, BASE_URL, field, go, launch, PASSWORD, PHONE, settled, shot, SHOTS, signInPhone, SKIP_REASON } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('phone journeys', { skip: SKIP_REASON }, () => {})
}

const WIDE = { width: 1440, height: 900 }

/**
 * Nothing wider than the screen: neither the document nor the scrolling main area scrolls sideways, and no shown
 * element reaches past the right edge (a card's overflow: hidden would otherwise clip it unseen, as the days ring
 * was). Only a table's own scroll area may be wider.
 */
async function assertFits(page, where) {
  const m = await page.evaluate(() => {
    const main = document.querySelector('.main')
    const wide = [...document.querySelectorAll('#app *')]
      .filter((el) => el.getClientRects().length > 0 && el.getBoundingClientRect().right > window.innerWidth + 1)
      .filter((el) => !el.closest('.el-table__body-wrapper, .el-table__header-wrapper, .el-scrollbar__wrap'))
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(el.getBoundingClientRect().right)}`)
    return { doc: document.documentElement.scrollWidth, inner: window.innerWidth, main: main ? main.scrollWidth - main.clientWidth : 0, wide }
  })
  assert.ok(m.doc <= m.inner, `${where}: the page is ${m.doc} px wide on a ${m.inner} px screen`)
  assert.ok(m.main <= 1, `${where}: the main area scrolls ${m.main} px sideways`)
  assert.deepEqual(m.wide.slice(0, 5), [], `${where}: elements past the right edge of the ${m.inner} px screen`)
}

/** The element is shown and lies within the screen's width (reachable without horizontal scroll). */
async function assertOnScreen(page, locator, what) {
  await locator.waitFor({ state: 'visible' })
  await locator.scrollIntoViewIfNeeded()
  const box = await locator.boundingBox()
  const width = await page.evaluate(() => window.innerWidth)
  assert.ok(box, `${what} has a box`)
  assert.ok(box.x >= 0 && box.x + box.width <= width + 0.5, `${what} lies within the screen (x ${box.x}..${box.x + box.width} of ${width})`)
  const height = await page.evaluate(() => window.innerHeight)
  assert.ok(box.y >= 0 && box.y + box.height <= height + 0.5, `${what} is in view after scrolling to it (y ${box.y})`)
}

/** The header shows the page title on one line (ellipsis when long), not one character per line. */
async function assertOneLineHeader(page) {
  const h = await page.evaluate(() => {
    const header = document.querySelector('.el-header')
    const title = document.querySelector('.el-header .title')
    const lh = title ? parseFloat(getComputedStyle(title).lineHeight) || 24 : 0
    return { header: header?.getBoundingClientRect().height ?? 0, title: title?.getBoundingClientRect().height ?? 0, lh, text: title?.textContent ?? '' }
  })
  assert.ok(h.header <= 57, `the header is ${h.header} px high`)
  assert.ok(h.title <= h.lh * 1.5, `the title "${h.text}" is on one line (${h.title} px for a ${h.lh} px line)`)
}

async function openDrawerAndGo(page, key) {
  await page.locator('[data-test="menu-toggle"]').click()
  const item = page.locator(`.menu-drawer [data-test="menu-${key}"]`)
  await item.waitFor({ state: 'visible' })
  await item.click()
  await page.locator('.menu-drawer').waitFor({ state: 'hidden' })
  await settled(page)
}

describe('phone journeys (390×844)', { skip: Boolean(SKIP_REASON), concurrency: 1 }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('sign-in page on a phone: fits, and a fresh visit logs no 401 (no session is not an error)', async () => {
    const context = await browser.newContext({ viewport: PHONE, baseURL: BASE_URL, isMobile: true, hasTouch: true })
    const page = await context.newPage()
    const consoleErrors = []
    const refused = []
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()))
    page.on('response', (r) => r.status() === 401 && refused.push(r.url()))
    await page.goto('/login')
    await field(page, 'username').waitFor()
    await settled(page)
    assert.deepEqual(refused, [], 'no request of a fresh visit is refused')
    assert.deepEqual(consoleErrors, [], 'nothing in the console')
    const doc = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth])
    assert.ok(doc[0] <= doc[1], `the sign-in page is ${doc[0]} px wide on a ${doc[1]} px screen`)
    await assertOnScreen(page, page.locator('[data-test="login-submit"]'), 'the sign-in button')
    await shot(page, 'p00-phone-login')
    await context.close()
  })

  test('staff: ledger says what is left, rings and charts fit, records as cards, report dialog fits, drawer menu', async () => {
    const { context, page, errors } = await signInPhone(browser, 'u1_d1_staff1', { deviceScaleFactor: 2 })
    assert.match(page.url(), /\/my\/ledger/)
    await page.locator('.rings .ring').first().waitFor()
    await settled(page)
    await page.waitForTimeout(600) // the charts draw after their chunk arrives
    await assertFits(page, 'my ledger')
    await assertOneLineHeader(page)
    // no sidebar on a phone; the menu is a closed drawer
    assert.equal(await page.locator('.aside').count(), 0)
    assert.equal(await page.locator('.menu-drawer').isVisible(), false)

    // the one line that says what is left matches the platform's own figures (hours OR days)
    const staffId = (await api('u1_d1_staff1', 'GET', '/api/training/staff?limit=1')).items[0].id
    const year = new Date().getFullYear()
    const ledger = await api('u1_d1_staff1', 'GET', `/api/training/staff/${staffId}/ledger?year=${year}`)
    const left = (await page.locator('[data-test="ledger-left"]').textContent()).trim()
    if (ledger.compliant) assert.equal(left, '已达标：本年度培训要求已满足')
    else {
      const up = (n) => (n <= 0 ? 0 : Math.ceil(n * 10 - 1e-9) / 10)
      const hours = up(ledger.rule.min_hours - ledger.hours)
      const days = up(ledger.rule.min_days - ledger.days)
      assert.equal(left.replace(/,/g, ''), `还差 ${hours} 学时或 ${days} 天`)
    }
    // both rings are whole on screen (the days ring was clipped)
    for (const ring of await page.locator('.rings .ring').all()) await assertOnScreen(page, ring, 'a progress ring')
    // the charts are as wide as the screen allows, not wider
    for (const c of await page.locator('.chart').all()) {
      const b = await c.boundingBox()
      assert.ok(b && b.x >= 0 && b.x + b.width <= PHONE.width, 'a chart fits the screen')
    }
    // records and own reports as cards, not wide tables
    assert.equal(await page.locator('[data-test="ledger-table"]').count(), 0)
    await page.locator('[data-test="ledger-cards"]').waitFor()
    await page.locator('[data-test="my-reports-cards"]').waitFor()
    assert.equal(await page.locator('[data-test="my-reports"]').count(), 0)
    await page.evaluate(() => document.querySelector('.main')?.scrollTo(0, 0))
    await page.screenshot({ path: join(SHOTS, 'p10-phone-staff-ledger.png') })
    await page.screenshot({ path: join(SHOTS, 'p11-phone-staff-ledger-full.png'), fullPage: true })
    await page.locator('.two-col').first().screenshot({ path: join(SHOTS, 'p12-phone-staff-ledger-charts.png') })

    // the report dialog takes ~92 % of the width and its submit button is on screen
    await page.evaluate(() => document.querySelector('.main')?.scrollTo(0, 0))
    await assertOnScreen(page, page.locator('[data-test="report-training"]'), 'the report button')
    await page.locator('[data-test="report-training"]').click()
    const dialog = page.locator('.el-dialog:visible')
    await dialog.waitFor()
    const d = await dialog.boundingBox()
    assert.ok(d.x >= 0 && d.x + d.width <= PHONE.width && d.width >= PHONE.width * 0.85, `the dialog is ${d.width} px wide at x ${d.x}`)
    await assertOnScreen(page, page.locator('[data-test="self-report-submit"]'), 'the dialog\'s submit button')
    const formRight = await page.locator('[data-test="self-report-form"]').evaluate((f) => Math.max(...[...f.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right)))
    assert.ok(formRight <= PHONE.width, `the form's fields end at ${formRight} px`)
    await shot(page, 'p13-phone-report-dialog')
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true)
    await dialog.locator('.el-dialog__footer .el-button').first().click()
    await dialog.waitFor({ state: 'hidden' })

    // the drawer menu: letters to sign, the pilots list, the profile
    await openDrawerAndGo(page, 'plan-my-letters')
    assert.match(page.url(), /\/plans\/letters/)
    await page.locator('[data-test="letters-cards"]').waitFor()
    await assertFits(page, 'my letters')
    await assertOneLineHeader(page)
    await shot(page, 'p14-phone-staff-letters')

    await openDrawerAndGo(page, 'pilots')
    await page.locator('[data-test="pilots-cards"]').waitFor()
    await settled(page)
    await assertFits(page, 'pilots')
    await shot(page, 'p15-phone-staff-pilots')

    await go(page, '/profile')
    await assertFits(page, 'profile')
    await assertOnScreen(page, page.locator('[data-test="password-save"]'), 'the password save button')
    await shot(page, 'p16-phone-staff-profile')

    // English from the drawer: the same line in the other locale, still one header line
    await go(page, '/my/ledger')
    await page.locator('[data-test="menu-toggle"]').click()
    await page.locator('.menu-drawer [data-test="locale"]').click()
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item').filter({ hasText: 'English' }).click()
    await page.locator('.menu-drawer [data-test="locale"]').filter({ hasText: 'English' }).waitFor()
    await page.mouse.click(PHONE.width - 20, PHONE.height / 2) // outside the drawer: it closes
    await page.locator('.menu-drawer').waitFor({ state: 'hidden' })
    const en = (await page.locator('[data-test="ledger-left"]').textContent()).trim()
    assert.match(en, /^(\d+(\.\d)?) more hours or (\d+(\.\d)?) more days to go$|^Compliant: this year's training requirement is met$/)
    await assertFits(page, 'my ledger (English)')
    await assertOneLineHeader(page)
    await shot(page, 'p17-phone-staff-ledger-en')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('expert: review list, then the material and its score form below it, save on screen, no sideways scroll', async () => {
    const { context, page, errors } = await signInPhone(browser, 'expert1', { deviceScaleFactor: 2 })
    assert.match(page.url(), /\/evaluation\/reviews/)
    await assertFits(page, 'review list')
    await assertOneLineHeader(page)
    await shot(page, 'p20-phone-expert-reviews')
    const items = page.locator('[data-test="assignment"]')
    if ((await items.count()) === 0) {
      console.log('# expert1 has no assignment in the demo data; phone scoring not exercised')
    } else {
      await items.first().click()
      await page.locator('[data-test="score-form"]').waitFor()
      await settled(page)
      // reading order: the material comes before the form, both in one column below the list
      const order = await page.evaluate(() => {
        const text = document.querySelector('.nomination-text')?.getBoundingClientRect()
        const form = document.querySelector('[data-test="score-form"]')?.getBoundingClientRect()
        const list = document.querySelector('.list')?.getBoundingClientRect()
        return { text: text?.top ?? -1, form: form?.top ?? -1, list: list?.top ?? -1, formLeft: form?.left ?? -1, formRight: form?.right ?? 1e9 }
      })
      assert.ok(order.list < order.text && order.text < order.form, `list, material, form in that order (${JSON.stringify(order)})`)
      assert.ok(order.formLeft >= 0 && order.formRight <= PHONE.width, 'the score form fits the screen')
      // the material was brought into view when picked
      const top = await page.locator('[data-test="review-detail"]').boundingBox()
      assert.ok(top.y < PHONE.height, 'the picked nomination is in view')
      const criteria = page.locator('[data-test="score-form"] .criterion')
      const n = await criteria.count()
      for (let i = 0; i < n; i++) {
        const radios = criteria.nth(i).locator('.el-radio')
        if ((await radios.count()) > 0) await radios.first().click()
        else await criteria.nth(i).locator('.el-input-number input').fill('8')
      }
      await assertFits(page, 'scoring')
      // the save button stays visible while scrolling through the criteria (sticky), and is within the width
      const save = page.locator('[data-test="score-save"]')
      const box = await save.boundingBox()
      assert.ok(box && box.y >= 0 && box.y + box.height <= PHONE.height && box.x + box.width <= PHONE.width, `the save button is on screen (${JSON.stringify(box)})`)
      await shot(page, 'p21-phone-expert-scoring')
      await save.click()
      await page.locator('.el-message').filter({ hasText: /保存|saved/i }).first().waitFor({ timeout: 15_000 })
    }
    await go(page, '/profile')
    await assertFits(page, 'expert profile')
    await openDrawerAndGo(page, 'pilots')
    await assertFits(page, 'expert pilots')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('desktop (1440×900) keeps the sidebar, the tables and the header as before', async () => {
    const context = await browser.newContext({ viewport: WIDE, baseURL: BASE_URL })
    const page = await context.newPage()
    await page.goto('/login')
    await field(page, 'username').fill('u1_d1_staff1')
    await field(page, 'password').fill(PASSWORD)
    await page.locator('[data-test="login-submit"]').click()
    await page.locator('[data-test="menu"]').waitFor()
    await settled(page)
    assert.equal(await page.locator('.aside').isVisible(), true)
    assert.equal(await page.locator('.menu-drawer').count(), 0)
    await page.locator('[data-test="ledger-table"]').waitFor()
    await page.locator('[data-test="my-reports"]').waitFor()
    assert.equal(await page.locator('[data-test="ledger-cards"]').count(), 0)
    const aside = await page.locator('.aside').boundingBox()
    assert.equal(Math.round(aside.width), 220)
    await assertOneLineHeader(page)
    await shot(page, 'p30-desktop-staff-ledger')
    await context.close()
  })
})
