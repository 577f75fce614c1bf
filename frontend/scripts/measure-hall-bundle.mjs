#!/usr/bin/env node
/**
 * The JavaScript a student's phone downloads for the service hall's pages (issue #20): the entry chunk, the hall's
 * layout and every student page (sign-in, my requests, new request, a request) with their static imports
 * (transitively), and the hall's zh-CN words (`virtual:zh-CN-hall`) — read from Vite's manifest, gzipped at level 9
 * as a server would (scripts/bundle-manifest.mjs); the budget is 120 kB gz. It also fails when the student pages pull
 * in admin code: the admin layout, any page outside src/views/hall/ (but the staff pages there), or an Element Plus
 * component that the sign-in page's chunks do not already carry.
 * Usage: node scripts/measure-hall-bundle.mjs [--json] [--budget=120] [--dist=dist]
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { closure, keyOf, openBuild, printSizes, sizes, withinBudget } from './bundle-manifest.mjs'

export const STUDENT_PAGES = ['layouts/HallLayout.vue', 'views/hall/HallSignInView.vue', 'views/hall/MyRequestsView.vue', 'views/hall/NewRequestView.vue', 'views/hall/RequestView.vue', 'views/hall/HallNotificationsView.vue']
const build = openBuild(120)
const { dist, manifest, budgetKb } = build
const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const pageKeys = STUDENT_PAGES.map((p) => keyOf(manifest, `src/${p}`))
const wordsKey = Object.keys(manifest).find((k) => k.includes('zh-CN-hall'))
const loginKey = keyOf(manifest, 'views/LoginView.vue')
if (!entryKey || pageKeys.some((k) => !k) || !wordsKey) {
  console.error('Entry, a student page or the hall words not found in the manifest', { entryKey, pageKeys, wordsKey })
  process.exit(2)
}
const keys = closure(manifest, [entryKey, ...pageKeys, wordsKey])

// admin code in the student pages' closure: another page, the admin layout, an Element Plus component of their own
const admin = [...keys].filter((k) => /src\/(views|layouts)\//.test(k) && !/src\/views\/hall\/(?!staff\/)/.test(k) && !k.endsWith('src/layouts/HallLayout.vue'))
const signInChunks = closure(manifest, [entryKey, loginKey].filter(Boolean))
const elementPlus = []
for (const k of keys) {
  if (signInChunks.has(k)) continue
  const text = readFileSync(join(dist, manifest[k].file), 'utf8')
  for (const m of text.matchAll(/name:\s*["'`](El[A-Z]\w+)["'`]/g)) elementPlus.push(`${manifest[k].file}: ${m[1]}`)
}

const measured = sizes(build, keys)
const budget = withinBudget(measured.total, budgetKb)
const ok = budget.ok && admin.length === 0 && elementPlus.length === 0

if (build.json) {
  console.log(JSON.stringify({ studentJs: measured.total, css: measured.css, chunks: measured.rows, admin, elementPlus, budgetKb, ok }, null, 2))
} else {
  printSizes('JavaScript for the service hall\'s student pages (entry + HallLayout + 5 pages + hall words + their static imports):', 'the student pages', measured, 52)
  console.log(`Admin pages or layout in the student pages: ${admin.length ? admin.join(', ') : 'none'}`)
  console.log(`Element Plus components beyond the sign-in page's: ${elementPlus.length ? elementPlus.join(', ') : 'none'}`)
  console.log(budget.line)
}
process.exit(ok ? 0 : 1)
