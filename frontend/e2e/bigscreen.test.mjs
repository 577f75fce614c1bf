// e2e: shares its platform — it changes nothing another journey could see (tests/e2e/run_e2e.py)
/**
 * The province's big screen (数据大屏, issue #17) against the real stack (E2E_BASE_URL, demo data): the province opens it
 * from the dashboard; it fills the window without the app's chrome, the map of Henan draws its cities on a canvas,
 * the rankings list a demo university, the totals and the last-updated time show; it fits 1920×1080 and 1440×900
 * without scrolling sideways; the button goes back to the app. A university admin is refused (the page and the API).
 * Screenshots: e2e-screenshots/b1-big-screen-1920.png, b2-big-screen-1440.png.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { BASE_URL, SKIP_REASON, launch, settled, shot, signIn, tokenFor } from './helpers.mjs'

if (SKIP_REASON) {
  console.log(`e2e skipped: ${SKIP_REASON}`)
  test('big screen journeys', { skip: SKIP_REASON }, () => {})
}

const FULL_HD = { width: 1920, height: 1080 }
const LAPTOP = { width: 1440, height: 900 }

/** Share of the map canvas's pixels that are drawn (the background is transparent). */
async function paintedShare(page) {
  return page.locator('[data-test="screen-map"] canvas').first().evaluate((c) => {
    const ctx = c.getContext('2d')
    const { data } = ctx.getImageData(0, 0, c.width, c.height)
    let painted = 0
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++
    return painted / (c.width * c.height)
  })
}

describe('The province big screen (#17)', { skip: SKIP_REASON }, () => {
  let browser
  before(async () => {
    browser = await launch()
  })
  after(async () => {
    await browser?.close()
  })

  test('the province opens the screen: the map draws the cities, the rankings list a demo university', async () => {
    const { context, page, errors } = await signIn(browser, 'admin', { viewport: FULL_HD })
    try {
      const mapChunks = []
      page.on('request', (r) => {
        if (/\/assets\/(henan|echarts-map)-[\w-]+\.js$/.test(r.url())) mapChunks.push(r.url())
      })
      await page.goto('/dashboard')
      await settled(page)
      assert.deepEqual(mapChunks, [], 'the layout and the dashboard load neither the map nor its GeoJSON')
      await page.locator('[data-test="open-big-screen"]').click()
      await page.waitForURL(/\/province\/screen$/)
      const screen = page.locator('[data-test="big-screen"]')
      await screen.waitFor()
      // No app chrome: neither the menu nor the header of the layout.
      assert.equal(await page.locator('[data-test="menu"]').count(), 0)

      // The map: a canvas whose chart names the cities (its aria-label) and that has drawn them.
      const canvas = page.locator('[data-test="screen-map"] canvas').first()
      await canvas.waitFor()
      await page.waitForFunction(() => /郑州市/.test(document.querySelector('[data-test="screen-map"] [aria-label]')?.getAttribute('aria-label') ?? ''))
      const label = await page.locator('[data-test="screen-map"] [aria-label]').first().getAttribute('aria-label')
      for (const city of ['郑州市', '洛阳市', '开封市', '南阳市', '济源市']) assert.match(label, new RegExp(city), `the map names ${city}`)
      await page.waitForTimeout(1200) // the map's entry animation
      const share = await paintedShare(page)
      assert.ok(share > 0.15, `the map covers its canvas (painted ${Math.round(share * 100)}%)`)
      assert.ok(mapChunks.some((u) => /henan-/.test(u)), 'the GeoJSON came as its own chunk when the screen opened')

      // The rankings are lists a person (and the test) can read; the demo's first university is in one of them.
      const ranks = page.locator('[data-test="rank-compliance"], [data-test="rank-completion"]')
      await page.waitForFunction(() => document.querySelectorAll('[data-test="rank-compliance"] li, [data-test="rank-completion"] li').length > 0)
      assert.match((await ranks.allTextContents()).join(' '), /中原理工大学/)
      assert.match(await page.locator('[data-test="screen-totals"]').textContent(), /高校/)
      assert.match(await page.locator('[data-test="screen-updated"]').textContent(), /更新于 \d{1,2}:\d{2}:\d{2}/)
      await page.locator('[data-test="screen-alerts"]').waitFor()

      const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)
      assert.ok(await fits(), 'no sideways scrolling at 1920×1080')
      await shot(page, 'b1-big-screen-1920')
      await page.setViewportSize(LAPTOP)
      await page.waitForTimeout(600)
      assert.ok(await fits(), 'no sideways scrolling at 1440×900')
      const box = await page.locator('[data-test="screen-map"]').boundingBox()
      assert.ok(box && box.height > 300 && box.y + box.height <= LAPTOP.height + 1, `the map stays on the screen at 1440×900 (${JSON.stringify(box)})`)
      await shot(page, 'b2-big-screen-1440')

      await page.locator('[data-test="screen-back"]').click()
      await page.waitForURL(/\/dashboard$/)
      await page.locator('[data-test="menu"]').waitFor()
      assert.deepEqual(errors, [])
    } finally {
      await context.close()
    }
  })

  test('a university admin is refused the screen and its data', async () => {
    const { context, page } = await signIn(browser, 'u1_admin')
    try {
      await page.goto('/province/screen')
      await page.waitForURL(/\/forbidden$/)
      assert.equal(await page.locator('[data-test="big-screen"]').count(), 0)
      const year = new Date().getFullYear()
      const r = await fetch(`${BASE_URL}/api/plans/screen?year=${year}`, { headers: { Authorization: `Bearer ${await tokenFor('u1_admin')}` } })
      assert.equal(r.status, 403)
      assert.equal((await r.json()).code, 'forbidden')
    } finally {
      await context.close()
    }
  })
})
