/**
 * Browser helpers for the journeys: Debian's Chromium driven by playwright-core (no browser download), one
 * fresh context per role, screenshots into frontend/e2e-screenshots/ (git-ignored).
 */
import { createRequire } from 'node:module'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const BASE_URL = (process.env.E2E_BASE_URL ?? '').replace(/\/$/, '')
export const PASSWORD = process.env.E2E_PASSWORD ?? process.env.DEMO_PASSWORD ?? 'Demo@2026'
export const SKIP_REASON = BASE_URL ? false : 'E2E_BASE_URL is not set: start the stack with demo data (make e2e does) and set it'
export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e-screenshots')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const DESKTOP = { width: 1280, height: 860 }
export const TABLET = { width: 820, height: 1180 }

export async function launch() {
  mkdirSync(SHOTS, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
  })
}

/** The input (or textarea) of a form field marked `data-test` (Element Plus puts the attribute on the input itself). */
export function field(scope, name) {
  const sel = ['input', 'textarea'].flatMap((tag) => [`${tag}[data-test="${name}"]`, `[data-test="${name}"] ${tag}`]).join(', ')
  return scope.locator(sel).first()
}

/** A new context (own cookies) signed in as `username` through the sign-in page. */
export async function signIn(browser, username, { viewport = DESKTOP, locale = 'zh-CN', timezoneId } = {}) {
  const context = await browser.newContext({ viewport, locale, baseURL: BASE_URL, ...(timezoneId ? { timezoneId } : {}) })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  await page.goto('/login')
  await field(page, 'username').fill(username)
  await field(page, 'password').fill(PASSWORD)
  await page.locator('[data-test="login-submit"]').click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  await page.locator('[data-test="menu"]').waitFor()
  return { context, page, errors }
}

export const PHONE = { width: 390, height: 844 }

/**
 * A new context signed in as `username` at phone size (390×844, touch; the menu is a closed drawer there, so it
 * waits for the header), settled. `options` go to the context (locale, bypassCSP, deviceScaleFactor, …).
 */
export async function signInPhone(browser, username, { locale = 'zh-CN', ...options } = {}) {
  const context = await browser.newContext({ viewport: PHONE, locale, baseURL: BASE_URL, isMobile: true, hasTouch: true, ...options })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  await page.goto('/login')
  await field(page, 'username').fill(username)
  await field(page, 'password').fill(PASSWORD)
  await page.locator('[data-test="login-submit"]').click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  await page.locator('.el-header').waitFor()
  await settled(page)
  return { context, page, errors }
}

/** Wait until no Element Plus loading mask is shown (tables and pages fetch on mount). */
export async function settled(page) {
  await page.waitForLoadState('networkidle').catch(() => undefined)
  await page.waitForFunction(() => !document.querySelector('.el-loading-mask:not([style*="display: none"])'), undefined, { timeout: 20_000 }).catch(() => undefined)
  await page.waitForTimeout(300)
}

export async function shot(page, name) {
  await settled(page)
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false })
}

export async function go(page, path) {
  await page.goto(path)
  await settled(page)
}

/** Wait for an Element Plus message toast whose text matches `pattern` (fails after 15 s). */
export async function expectMessage(page, pattern) {
  await page.locator('.el-message').filter({ hasText: pattern }).first().waitFor({ timeout: 15_000 })
}

/** The text of the last Element Plus message toast. */
export async function lastMessage(page) {
  const m = page.locator('.el-message').last()
  await m.waitFor({ timeout: 15_000 })
  return (await m.textContent())?.trim() ?? ''
}

/** Click `trigger` and wait for the file it downloads: its suggested name and bytes. */
export async function downloadOf(page, trigger) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), trigger()])
  const failure = await download.failure()
  if (failure) throw new Error(`download failed: ${failure}`)
  return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) }
}

/** An XLSX (or DOCX) file is a ZIP archive: it starts with "PK". */
export function isZip(bytes) {
  return bytes.length > 100 && bytes[0] === 0x50 && bytes[1] === 0x4b
}

const tokens = new Map()
/** An access token for `username` (password grant), cached per user for the run. */
export async function tokenFor(username) {
  if (tokens.has(username)) return tokens.get(username)
  const res = await fetch(`${BASE_URL}/api/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password: PASSWORD }),
  })
  if (!res.ok) throw new Error(`token for ${username}: ${res.status} ${await res.text()}`)
  const token = (await res.json()).access_token
  tokens.set(username, token)
  return token
}

/** Call the API as `username` (what the journeys check the UI against, and how they set up what is not the point). */
export async function api(username, method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${await tokenFor(username)}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} as ${username}: ${res.status} ${text.slice(0, 400)}`)
  return text ? JSON.parse(text) : null
}

/** Pick `text` in the Element Plus select marked `data-test` (typing it first when the select is filterable). */
export async function choose(page, testId, text, { type = false } = {}) {
  const select = page.locator(`[data-test="${testId}"]`).first()
  await select.click()
  if (type) {
    const inner = select.locator('input')
    await ((await inner.count()) > 0 ? inner.first() : select).fill(String(text))
  }
  const option = page.locator('.el-select-dropdown:visible .el-select-dropdown__item').filter({ hasText: text }).first()
  await option.waitFor()
  await option.click()
}

/** Answer an Element Plus prompt (ElMessageBox.prompt) with `text` and confirm it. */
export async function answerPrompt(page, text) {
  const box = page.locator('.el-message-box:visible')
  await box.waitFor()
  await box.locator('input, textarea').first().fill(text)
  await box.locator('.el-message-box__btns .el-button--primary').click()
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/** A wide screen (1440×900) for the admin conventions' pages. */
export const WIDE = { width: 1440, height: 900 }

/**
 * A new context signed in as `username` at `viewport` (touch when it is PHONE) in `locale` — 'en' is chosen on the
 * sign-in page itself, as a user does — with CSP bypassed for axe, waited for the header and settled.
 */
export async function signInAt(browser, username, { viewport = WIDE, locale = 'zh-CN' } = {}) {
  const phone = viewport === PHONE
  const context = await browser.newContext({ viewport, locale, baseURL: BASE_URL, bypassCSP: true, ...(phone ? { isMobile: true, hasTouch: true } : {}) })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const errors = []
  page.on('pageerror', (e) => errors.push(String(e)))
  await page.goto('/login')
  if (locale === 'en') {
    await page.locator('.el-radio-button', { hasText: 'EN' }).first().click()
    await page.waitForFunction(() => /sign in|log in/i.test(document.querySelector('[data-test="login-submit"]')?.textContent ?? ''))
  }
  await field(page, 'username').fill(username)
  await field(page, 'password').fill(PASSWORD)
  await page.locator('[data-test="login-submit"]').click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  await page.locator('.el-header').waitFor()
  await settled(page)
  return { context, page, errors }
}

/** The serious and critical axe-core violations of the page as it is (axe injected once per page). */
export async function axeSerious(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE })
  // A toast or dialog fading in is measured at its passing opacity (color-contrast on .el-message__content): wait
  // for the finite animations and transitions running now to end (a spinner's endless one is not waited for).
  await page
    .waitForFunction(
      () => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
      undefined,
      { timeout: 5_000 },
    )
    .catch(() => undefined)
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))
  })
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}
