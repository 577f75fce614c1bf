import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '@/i18n/locales/en'
import zhCN from '@/i18n/locales/zh-CN'

function keys(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) return f === 'locales' ? [] : sourceFiles(p)
    return /\.(vue|ts)$/.test(f) && !f.endsWith('.d.ts') ? [p] : []
  })
}

describe('i18n', () => {
  const zh = new Set(keys(zhCN))
  const enKeys = new Set(keys(en))

  it('every zh-CN key exists in en', () => {
    expect([...zh].filter((k) => !enKeys.has(k))).toEqual([])
  })

  it('every en key exists in zh-CN', () => {
    expect([...enKeys].filter((k) => !zh.has(k))).toEqual([])
  })

  it('no message is empty', () => {
    const empty = (m: Record<string, unknown>) => keys(m).filter((k) => String(k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], m)).trim() === '')
    expect(empty(zhCN)).toEqual([])
    expect(empty(en)).toEqual([])
  })

  it('every literal key used in the source exists in the locales', () => {
    const used = new Set<string>()
    const src = join(__dirname, '../../src')
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z][\w.]*)'/g)) used.add(m[1])
      for (const m of text.matchAll(/title: '((?:menu|errors|login)\.[\w.]+)'/g)) used.add(m[1])
    }
    expect(used.size).toBeGreaterThan(50)
    expect([...used].filter((k) => !zh.has(k) && !k.startsWith('el.'))).toEqual([])
  })

  it('placeholders match between languages', () => {
    const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',')
    const get = (m: Record<string, unknown>, k: string) => String(k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], m))
    const mismatched = [...zh].filter((k) => enKeys.has(k) && ph(get(zhCN, k)) !== ph(get(en, k)))
    expect(mismatched).toEqual([])
  })
})
