#!/usr/bin/env node
/**
 * The sign-in page loaded for real in headless Chromium from a running server (the gateway in `make run`, or
 * `vite preview`): sums the bytes of JavaScript actually transferred (as encoded on the wire) before the page is
 * idle. Usage: E2E_BASE_URL=http://127.0.0.1:8000 node scripts/measure-first-load.mjs
 */
import { launch } from '../e2e/helpers.mjs'

const base = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '')
const browser = await launch()
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
const page = await context.newPage()
const rows = []
page.on('requestfinished', async (req) => {
  const res = await req.response()
  if (!res) return
  const sizes = await req.sizes().catch(() => null)
  const type = res.headers()['content-type'] ?? ''
  rows.push({ url: req.url().replace(base, ''), type, encoding: res.headers()['content-encoding'] ?? 'identity', body: sizes?.responseBodySize ?? 0 })
})
const t0 = Date.now()
await page.goto(`${base}/login`, { waitUntil: 'networkidle' })
await page.locator('input[data-test="username"], [data-test="username"] input').first().waitFor()
const ms = Date.now() - t0
await browser.close()
const js = rows.filter((r) => r.type.includes('javascript'))
const css = rows.filter((r) => r.type.includes('css'))
const kb = (n) => (n / 1024).toFixed(1)
const sum = (rs) => rs.reduce((s, r) => s + r.body, 0)
console.log(`Sign-in page from ${base}: ${js.length} JS files, ${kb(sum(js))} kB on the wire (encodings: ${[...new Set(js.map((r) => r.encoding))].join(', ')}); CSS ${kb(sum(css))} kB; ready in ${ms} ms`)
