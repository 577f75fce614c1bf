#!/usr/bin/env node
/**
 * The JavaScript a student's phone downloads for the service hall's pages (issue #20): the entry chunk, the hall's
 * layout and every student page (sign-in, my requests, new request, a request) with their static imports
 * (transitively), and the hall's zh-CN words (`virtual:zh-CN-hall`) — read from Vite's manifest, gzipped at level 9
 * as a server would; the budget is 120 kB gz. It also fails when the student pages pull in admin code: the admin
 * layout, any page outside src/views/hall/ (but the staff pages there), or an Element Plus component that the sign-in
 * page's chunks do not already carry. Usage: node scripts/measure-hall-bundle.mjs [--json] [--budget=120] [--dist=dist]
 */
import { readFileSync, existsSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const opt = (name, dflt) => (args.find((a) => a.startsWith(`--${name}=`)) ?? `--${name}=${dflt}`).split('=')[1]
const dist = resolve(root, opt('dist', 'dist'))
const budgetKb = Number(opt('budget', '120'))
const manifestPath = join(dist, '.vite', 'manifest.json')
if (!existsSync(manifestPath)) {
  console.error(`No ${manifestPath}: run \`npm run build\` first.`)
  process.exit(2)
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))

function closure(keys) {
  const seen = new Set()
  const stack = [...keys]
  while (stack.length) {
    const k = stack.pop()
    if (seen.has(k) || !manifest[k]) continue
    seen.add(k)
    for (const i of manifest[k].imports ?? []) stack.push(i)
  }
  return seen
}

export const STUDENT_PAGES = ['layouts/HallLayout.vue', 'views/hall/HallSignInView.vue', 'views/hall/MyRequestsView.vue', 'views/hall/NewRequestView.vue', 'views/hall/RequestView.vue']
const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const pageKeys = STUDENT_PAGES.map((p) => Object.keys(manifest).find((k) => k.endsWith(`src/${p}`)))
const wordsKey = Object.keys(manifest).find((k) => k.includes('zh-CN-hall'))
const loginKey = Object.keys(manifest).find((k) => k.endsWith('views/LoginView.vue'))
if (!entryKey || pageKeys.some((k) => !k) || !wordsKey) {
  console.error('Entry, a student page or the hall words not found in the manifest', { entryKey, pageKeys, wordsKey })
  process.exit(2)
}
const keys = closure([entryKey, ...pageKeys, wordsKey])

// admin code in the student pages' closure: another page, the admin layout, an Element Plus component of their own
const admin = [...keys].filter((k) => /src\/(views|layouts)\//.test(k) && !/src\/views\/hall\/(?!staff\/)/.test(k) && !k.endsWith('src/layouts/HallLayout.vue'))
const signInChunks = closure([entryKey, loginKey].filter(Boolean))
const elementPlus = []
for (const k of keys) {
  if (signInChunks.has(k)) continue
  const text = readFileSync(join(dist, manifest[k].file), 'utf8')
  for (const m of text.matchAll(/name:\s*["'`](El[A-Z]\w+)["'`]/g)) elementPlus.push(`${manifest[k].file}: ${m[1]}`)
}

const rows = []
const cssRows = []
for (const k of keys) {
  const m = manifest[k]
  const buf = readFileSync(join(dist, m.file))
  rows.push({ file: m.file, raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length })
  for (const c of m.css ?? []) {
    const cb = readFileSync(join(dist, c))
    cssRows.push({ file: c, raw: cb.length, gzip: gzipSync(cb, { level: 9 }).length })
  }
}
rows.sort((a, b) => b.gzip - a.gzip)
const sum = (rs, f) => rs.reduce((s, r) => s + r[f], 0)
const kb = (n) => (n / 1024).toFixed(1)
const total = { raw: sum(rows, 'raw'), gzip: sum(rows, 'gzip') }
const ok = total.gzip / 1024 <= budgetKb && admin.length === 0 && elementPlus.length === 0

if (args.includes('--json')) {
  console.log(JSON.stringify({ studentJs: total, css: { raw: sum(cssRows, 'raw'), gzip: sum(cssRows, 'gzip') }, chunks: rows, admin, elementPlus, budgetKb, ok }, null, 2))
} else {
  console.log('JavaScript for the service hall\'s student pages (entry + HallLayout + 4 pages + hall words + their static imports):')
  for (const r of rows) console.log(`  ${r.file.padEnd(52)} ${kb(r.raw).padStart(8)} kB  ${kb(r.gzip).padStart(7)} kB gz`)
  console.log(`  ${'TOTAL'.padEnd(52)} ${kb(total.raw).padStart(8)} kB  ${kb(total.gzip).padStart(7)} kB gz`)
  console.log(`CSS for the student pages: ${kb(sum(cssRows, 'raw'))} kB, ${kb(sum(cssRows, 'gzip'))} kB gz`)
  console.log(`Admin pages or layout in the student pages: ${admin.length ? admin.join(', ') : 'none'}`)
  console.log(`Element Plus components beyond the sign-in page's: ${elementPlus.length ? elementPlus.join(', ') : 'none'}`)
  console.log(`Budget ${budgetKb} kB gz: ${total.gzip / 1024 <= budgetKb ? 'OK' : 'OVER'} (ratio ${(total.gzip / 1024 / budgetKb).toFixed(2)})`)
}
process.exit(ok ? 0 : 1)
