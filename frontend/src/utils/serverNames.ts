/**
 * Names the server provides, in the user's language (issue #17; docs/decisions.md "Names from the server"):
 * the server's `name` is Chinese (the primary language) and built-in things carry `name_en`; stored default
 * indicators are named by their code in the locales (`indicatorNames.*`) while their name is still the default.
 */
import { i18n } from '@/i18n'

const english = () => !String(i18n.global.locale.value).startsWith('zh')

/** `{name, name_en}` → the name to show. */
export function localName(x: { name: string; name_en?: string | null } | undefined | null, fallback = ''): string {
  if (!x) return fallback
  return english() && x.name_en ? x.name_en : x.name
}

/**
 * The Chinese default name of an indicator code (`indicatorNames`), from the zh-CN words i18n holds — not from an
 * import of zh-CN.ts: a production build keeps only the sign-in page's sections in that module (vite.config.ts), the
 * rest arrives with `loadAppWords`.
 */
export function defaultIndicatorName(code: string): string | undefined {
  const zh = i18n.global.getLocaleMessage('zh-CN') as { indicatorNames?: Record<string, string> }
  return zh.indicatorNames?.[code]
}

/** An assessment indicator's name: the English of a default indicator (unchanged name) to English readers. */
export function indicatorName(x: { code: string; name: string }): string {
  if (english() && defaultIndicatorName(x.code) === x.name) return i18n.global.t(`indicatorNames.${x.code}`)
  return x.name
}
