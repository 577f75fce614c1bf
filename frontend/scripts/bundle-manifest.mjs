/**
 * What the bundle measurements share (scripts/measure-bundle.mjs: the sign-in page; scripts/measure-hall-bundle.mjs:
 * the service hall's student pages): the options (`--json`, `--budget=<kB>`, `--dist=<folder>`), Vite's manifest,
 * the chunks a page needs (its static imports, transitively) and their sizes gzipped at level 9 as a server would.
 */
import { readFileSync, existsSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The build to measure: its folder, its manifest, the budget (kB gz, `defaultBudgetKb` unless `--budget=`) and
 * whether to answer JSON. Exits 2 when there is no build. */
export function openBuild(defaultBudgetKb) {
  const args = process.argv.slice(2)
  const opt = (name, dflt) => (args.find((a) => a.startsWith(`--${name}=`)) ?? `--${name}=${dflt}`).split('=')[1]
  const dist = resolve(root, opt('dist', 'dist'))
  const manifestPath = join(dist, '.vite', 'manifest.json')
  if (!existsSync(manifestPath)) {
    console.error(`No ${manifestPath}: run \`npm run build\` first.`)
    process.exit(2)
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  return { dist, manifest, budgetKb: Number(opt('budget', String(defaultBudgetKb))), json: args.includes('--json') }
}

/** The manifest's key of the module whose source path ends with `suffix`. */
export function keyOf(manifest, suffix) {
  return Object.keys(manifest).find((k) => k.endsWith(suffix))
}

/** `keys` and every chunk they import statically, transitively. */
export function closure(manifest, keys) {
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

const gz = (buf) => gzipSync(buf, { level: 9 }).length
const sum = (rs, f) => rs.reduce((s, r) => s + r[f], 0)
export const kb = (n) => (n / 1024).toFixed(1)

/** The JavaScript and CSS of `keys`: a row per file (largest gzipped first) and their totals. */
export function sizes({ dist, manifest }, keys) {
  const rows = []
  const cssRows = []
  for (const k of keys) {
    const m = manifest[k]
    const buf = readFileSync(join(dist, m.file))
    rows.push({ file: m.file, raw: buf.length, gzip: gz(buf) })
    for (const c of m.css ?? []) {
      const cb = readFileSync(join(dist, c))
      cssRows.push({ file: c, raw: cb.length, gzip: gz(cb) })
    }
  }
  rows.sort((a, b) => b.gzip - a.gzip)
  return { rows, total: { raw: sum(rows, 'raw'), gzip: sum(rows, 'gzip') }, css: { raw: sum(cssRows, 'raw'), gzip: sum(cssRows, 'gzip') } }
}

/** Every JavaScript chunk of the build, gzipped: the total and how many. */
export function allJavaScript({ dist, manifest }) {
  const js = Object.values(manifest).filter((m) => m.file.endsWith('.js'))
  return { gzip: js.reduce((s, m) => s + gz(readFileSync(join(dist, m.file))), 0), chunks: js.length }
}

/** The rows, their total and the CSS as the measurements print them, `what` the page(s) measured. */
export function printSizes(title, what, { rows, total, css }, width) {
  console.log(title)
  for (const r of rows) console.log(`  ${r.file.padEnd(width)} ${kb(r.raw).padStart(8)} kB  ${kb(r.gzip).padStart(7)} kB gz`)
  console.log(`  ${'TOTAL'.padEnd(width)} ${kb(total.raw).padStart(8)} kB  ${kb(total.gzip).padStart(7)} kB gz`)
  console.log(`CSS for ${what}: ${kb(css.raw)} kB, ${kb(css.gzip)} kB gz`)
}

/** Whether `total` is within the budget, and the line that says so. */
export function withinBudget(total, budgetKb) {
  const ok = total.gzip / 1024 <= budgetKb
  return { ok, line: `Budget ${budgetKb} kB gz: ${ok ? 'OK' : 'OVER'} (ratio ${(total.gzip / 1024 / budgetKb).toFixed(2)})` }
}
