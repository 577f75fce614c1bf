#!/usr/bin/env node
/**
 * The JavaScript the browser must download to show the sign-in page: the entry chunk, its static imports
 * (transitively) and the lazily loaded LoginView chunk with its static imports — read from Vite's manifest,
 * gzipped at level 9 as a server would (scripts/bundle-manifest.mjs).
 * Usage: node scripts/measure-bundle.mjs [--json] [--budget=150] [--dist=dist]
 */
import { allJavaScript, closure, keyOf, kb, openBuild, printSizes, sizes, withinBudget } from './bundle-manifest.mjs'

const build = openBuild(150)
const { manifest, budgetKb } = build
const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const loginKey = keyOf(manifest, 'views/LoginView.vue')
if (!entryKey || !loginKey) {
  console.error('Entry or LoginView not found in the manifest')
  process.exit(2)
}
const measured = sizes(build, closure(manifest, [entryKey, loginKey]))
const all = allJavaScript(build)
const budget = withinBudget(measured.total, budgetKb)

if (build.json) {
  console.log(JSON.stringify({ signInJs: measured.total, css: measured.css, chunks: measured.rows, allJsGzip: all.gzip, budgetKb }, null, 2))
} else {
  printSizes('JavaScript for the sign-in page (entry + LoginView + their static imports):', 'the sign-in page', measured, 48)
  console.log(`All JavaScript in the build (every route, loaded on demand): ${kb(all.gzip)} kB gz in ${all.chunks} chunks`)
  console.log(budget.line)
}
process.exit(budget.ok ? 0 : 1)
