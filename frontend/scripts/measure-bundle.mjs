#!/usr/bin/env node
/**
 * The JavaScript the browser must download to show the sign-in page: the entry chunk, its static imports
 * (transitively) and the lazily loaded LoginView chunk with its static imports — read from Vite's manifest,
 * gzipped at level 9 as a server would. Usage: node scripts/measure-bundle.mjs [--json] [--budget=150]
 */
import { readFileSync, existsSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const manifestPath = join(dist, '.vite', 'manifest.json')
if (!existsSync(manifestPath)) {
  console.error('No dist/.vite/manifest.json: run `npm run build` first.')
  process.exit(2)
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
const args = process.argv.slice(2)
const budgetKb = Number((args.find((a) => a.startsWith('--budget=')) ?? '--budget=150').split('=')[1])

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

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const loginKey = Object.keys(manifest).find((k) => k.endsWith('views/LoginView.vue'))
if (!entryKey || !loginKey) {
  console.error('Entry or LoginView not found in the manifest')
  process.exit(2)
}
const keys = closure([entryKey, loginKey])
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
const allJs = Object.values(manifest).filter((m) => m.file.endsWith('.js'))
const allGzip = allJs.reduce((s, m) => s + gzipSync(readFileSync(join(dist, m.file)), { level: 9 }).length, 0)

if (args.includes('--json')) {
  console.log(JSON.stringify({ signInJs: total, css: { raw: sum(cssRows, 'raw'), gzip: sum(cssRows, 'gzip') }, chunks: rows, allJsGzip: allGzip, budgetKb }, null, 2))
} else {
  console.log('JavaScript for the sign-in page (entry + LoginView + their static imports):')
  for (const r of rows) console.log(`  ${r.file.padEnd(48)} ${kb(r.raw).padStart(8)} kB  ${kb(r.gzip).padStart(7)} kB gz`)
  console.log(`  ${'TOTAL'.padEnd(48)} ${kb(total.raw).padStart(8)} kB  ${kb(total.gzip).padStart(7)} kB gz`)
  console.log(`CSS for the sign-in page: ${kb(sum(cssRows, 'raw'))} kB, ${kb(sum(cssRows, 'gzip'))} kB gz`)
  console.log(`All JavaScript in the build (every route, loaded on demand): ${kb(allGzip)} kB gz in ${allJs.length} chunks`)
  console.log(`Budget ${budgetKb} kB gz: ${total.gzip / 1024 <= budgetKb ? 'OK' : 'OVER'} (ratio ${(total.gzip / 1024 / budgetKb).toFixed(2)})`)
}
process.exit(total.gzip / 1024 <= budgetKb ? 0 : 1)
