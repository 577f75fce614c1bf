/** The user's words for any error, without Element Plus's message services (the sign-in page needs only this). */
import { ApiError } from '@/api/http'
import { fieldLabel, problemCodeText, shownDetail } from '@/api/problems'
import { i18n } from '@/i18n'

const t = (k: string, p?: Record<string, unknown>) => (p ? i18n.global.t(k, p) : i18n.global.t(k))

/**
 * A clear message for any error, in the user's language: the problem's code translated (or its status's words),
 * each 422 field error under its field's label; the server's English `detail` only in English (issue #17).
 */
export function errorMessage(e: unknown, labels: Record<string, string> = {}): string {
  if (e instanceof ApiError) {
    const known: Record<number, string> = {
      401: 'errors.unauthorized',
      403: 'errors.forbidden',
      404: 'errors.notFound',
      409: 'errors.conflict',
      412: 'errors.stale',
      413: 'errors.tooLarge',
      415: 'errors.unsupported',
      429: 'errors.tooMany',
      502: 'errors.unavailable',
      503: 'errors.unavailable',
      504: 'errors.unavailable',
    }
    const status = e.status === 422 ? t('errors.invalid') : known[e.status] ? t(known[e.status]) : t('errors.generic', { status: e.status })
    const base = problemCodeText(e.problem) ?? status
    if (e.status === 422 && e.hasFieldErrors) {
      const fields = Object.entries(e.fieldErrors).map(([f, m]) => `${fieldLabel(f, labels)}：${m}`)
      return `${base}：${fields.join('；')}`
    }
    const detail = shownDetail(e.problem.detail)
    return detail && detail !== base ? `${base}：${detail}` : base
  }
  if (e instanceof TypeError) return t('errors.network')
  return e instanceof Error ? e.message : String(e)
}
