import { i18n } from '@/i18n'
import { problemOf, type FileProblem } from '@/api/attachments'
import { shownDetail } from '@/api/problems'

/**
 * A file problem in the user's language: the server's `code` (or the pre-check's) translated under `files.errors`
 * with its parameters (the limit named); a code without a translation falls back to the HTTP status's words.
 */
export function fileProblemText(p: FileProblem): string {
  const g = i18n.global
  const key = `files.errors.${p.code}`
  if (g.te(key)) return g.t(key, p.params)
  // no code, or one this SPA does not know yet (a newer server): the status's words, then the server's own
  const status = p.status ?? Number(/^http_(\d+)$/.exec(p.code)?.[1] ?? 0)
  const base = g.te(`files.errors.http_${status}`) ? g.t(`files.errors.http_${status}`) : g.t('files.errors.unknown', { status: status || p.code })
  const detail = shownDetail(p.detail) // the server's English words only to English readers
  return detail && detail !== base ? `${base}: ${detail}` : base
}

/** Any error of an attachments call, translated. */
export const fileErrorText = (e: unknown): string => fileProblemText(problemOf(e))
