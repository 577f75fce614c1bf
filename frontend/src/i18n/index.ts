import { compile, type MessageCompiler } from '@intlify/core-base'
import { createI18n } from 'vue-i18n'
import type { Language } from 'element-plus/es/locale'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import zhCN from './locales/zh-CN'

export type AppLocale = 'zh-CN' | 'en'
export const LOCALES: AppLocale[] = ['zh-CN', 'en']
export const LOCALE_KEY = 'sq.locale'

/**
 * Element Plus's own strings, merged with the app's under `el` (and given to ElConfigProvider). Chinese is in the
 * first load; English (the app's and Element Plus's) is a chunk of its own, loaded by loadLocale before it is shown
 * (issue #17: the sign-in page's JavaScript stays within 150 kB gzipped).
 */
export const elementLocales: Record<AppLocale, Language> = { 'zh-CN': elZhCn, en: elZhCn }
const loaded = new Set<AppLocale>(['zh-CN'])

export type MessageSchema = typeof zhCN

function initialLocale(): AppLocale {
  try {
    const saved = globalThis.localStorage?.getItem(LOCALE_KEY)
    if (saved === 'en' || saved === 'zh-CN') return saved
  } catch {
    /* storage unavailable */
  }
  return 'zh-CN'
}

const datetimeFormats = {
  'zh-CN': {
    date: { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' },
    month: { year: 'numeric', month: 'short', timeZone: 'UTC' },
    datetime: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false },
  },
  en: {
    date: { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' },
    month: { year: 'numeric', month: 'short', timeZone: 'UTC' },
    datetime: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false },
  },
} as const

const numberFormats = {
  'zh-CN': {
    decimal: { maximumFractionDigits: 2, minimumFractionDigits: 0 },
    integer: { maximumFractionDigits: 0 },
    percent: { style: 'percent', maximumFractionDigits: 1 },
    currency: { style: 'currency', currency: 'CNY', maximumFractionDigits: 2 },
  },
  en: {
    decimal: { maximumFractionDigits: 2, minimumFractionDigits: 0 },
    integer: { maximumFractionDigits: 0 },
    percent: { style: 'percent', maximumFractionDigits: 1 },
    currency: { style: 'currency', currency: 'CNY', maximumFractionDigits: 2 },
  },
} as const

/**
 * A message without vue-i18n syntax is shown as it is; the others go to vue-i18n's compile, which in the built app
 * reads the AST the build made of them (vite.config.ts, the message compiler is not shipped) and in development
 * compiles the string.
 */
const PLAIN = /[{}@|%]/
const messageCompiler = ((message: unknown, context: Parameters<MessageCompiler>[1]) =>
  typeof message === 'string' && !PLAIN.test(message) ? () => message : compile(message as string, context)) as MessageCompiler

export const i18n = createI18n({
  messageCompiler,
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: {
    'zh-CN': { ...zhCN, el: elZhCn.el },
  },
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  datetimeFormats: datetimeFormats as any,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  numberFormats: numberFormats as any,
  missingWarn: false,
  fallbackWarn: false,
})

let appWords: Promise<void> | null = null
/**
 * zh-CN's sections for the signed-in pages: in a build they are a chunk of their own (vite.config.ts, ZH_FIRST_LOAD
 * lists what the sign-in page gets), merged here once before the app's layout shows; in development and tests
 * zh-CN.ts is loaded whole and this merges nothing.
 */
export function loadAppWords(): Promise<void> {
  appWords ??= import('virtual:zh-CN-later').then(({ default: later }) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    if (Object.keys(later).length) i18n.global.mergeLocaleMessage('zh-CN', later as any)
  })
  return appWords
}

let hallWords: Promise<void> | null = null
/** zh-CN's words of the service hall (issue #20): a chunk of their own, merged once before a hall page shows. */
export function loadHallWords(): Promise<void> {
  hallWords ??= import('virtual:zh-CN-hall').then(({ default: hall }) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    if (Object.keys(hall).length) i18n.global.mergeLocaleMessage('zh-CN', hall as any)
  })
  return hallWords
}

/** Loads a locale's messages (once) so that setLocale can show it. */
export async function loadLocale(locale: AppLocale): Promise<void> {
  if (loaded.has(locale)) return
  const [{ default: messages }, { default: el }] = await Promise.all([import('./locales/en'), import('element-plus/es/locale/lang/en')])
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  i18n.global.setLocaleMessage('en', { ...messages, el: el.el } as any)
  elementLocales.en = el
  loaded.add(locale)
}

/** Shows a locale whose messages loadLocale has loaded. */
export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    localStorage.setItem(LOCALE_KEY, locale)
  } catch {
    /* ignore */
  }
}
