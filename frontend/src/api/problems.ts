/**
 * Problems in the user's language (issue #17). The server sends a stable `code` on every problem and on every
 * `errors[]` entry (pydantic's error type with its `params`: `string_too_short` {min_length: 1}, `too_short`,
 * `greater_than_equal` {ge: 0} ...). Codes are translated under `validation.*` (field errors) and `problems.*`
 * (the problem as a whole); the field an entry belongs to is named by its label (`fieldLabels.*`).
 * The English `msg` / `detail` reach the screen only in English, or when they are Chinese already (the domain's
 * own words): a code this SPA does not know falls back to a Chinese message of its family, never to English.
 */
import { i18n } from '@/i18n'

export interface CodedFieldError {
  loc?: (string | number)[]
  msg?: string
  message?: string
  code?: string
  field?: string | null
  params?: Record<string, unknown>
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/

/** Text holds Chinese characters (the server's own words that may be shown as they are). */
export const isChineseText = (s: string | null | undefined): boolean => !!s && CJK.test(s)

function english(): boolean {
  return !String(i18n.global.locale.value).startsWith('zh')
}

function has(key: string): boolean {
  return i18n.global.te(key)
}

function tr(key: string, params: Record<string, unknown> = {}): string {
  return i18n.global.t(key, params)
}

/** Families of codes, for a code without its own message: the family's words (in Chinese), never the English. */
const FAMILIES: [RegExp, string][] = [
  [/^(missing|.*_required)$/, 'required'],
  [/^string_/, 'text'],
  [/^(too_short|too_long|list_|set_|tuple_)/, 'list'],
  [/^(greater_than|less_than|multiple_of|finite_number|decimal_)/, 'number'],
  [/^(date|datetime|time|timedelta)_/, 'date'],
  [/^(enum|literal_error|.*_choice)/, 'choice'],
  [/(_type|_parsing)$/, 'type'],
  [/^(json_invalid|model_|dict_|extra_forbidden|url_|uuid_)/, 'format'],
]

export function familyOf(code: string): string {
  return FAMILIES.find(([re]) => re.test(code))?.[1] ?? 'invalid'
}

/** Params as message arguments: numbers as they are, lists joined, anything else as text. */
function args(params: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(params ?? {})) out[k] = Array.isArray(v) ? v.join('、') : v
  return out
}

/** One `errors[]` entry in the user's language (without the field's name: it is shown next to the field). */
export function fieldErrorText(e: CodedFieldError): string {
  const code = e.code
  const raw = e.message ?? e.msg ?? ''
  if (code && has(`validation.${code}`)) return tr(`validation.${code}`, args(e.params))
  if (isChineseText(raw) || (english() && raw)) return raw
  return tr(`validation.family.${familyOf(code ?? '')}`)
}

/** The label of a field in the user's language (`items.0.title` → 任务名称's word for `title`). */
export function fieldLabel(field: string, labels: Record<string, string> = {}): string {
  if (labels[field]) return labels[field]
  const last = field.split('.').filter((p) => !/^\d+$/.test(p)).pop() ?? ''
  if (labels[last]) return labels[last]
  if (last && has(`fieldLabels.${last}`)) return tr(`fieldLabels.${last}`)
  if (english()) return last || tr('fieldLabels.body')
  return tr('fieldLabels.body')
}

/** A problem as a whole: its code's words, or null when this SPA has none for it. */
export function problemCodeText(problem: { code?: unknown; [k: string]: unknown }): string | null {
  const code = typeof problem.code === 'string' ? problem.code : ''
  if (code && has(`problems.${code}`)) return tr(`problems.${code}`)
  if (code && has(`files.errors.${code}`)) return tr(`files.errors.${code}`, problem)
  return null
}

/** The server's `detail` when it may be shown in the current language (English in en; Chinese words anywhere). */
export function shownDetail(detail: unknown): string | null {
  if (typeof detail !== 'string' || !detail) return null
  return english() || isChineseText(detail) ? detail : null
}
