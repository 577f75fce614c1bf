/** Element Plus services imported explicitly (with their CSS) so the resolver-based build stays on demand. */
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
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

export function notifyError(e: unknown): void {
  ElMessage({ type: 'error', message: errorMessage(e), showClose: true, duration: 6000, grouping: true })
}

export function notifySuccess(message: string): void {
  ElMessage({ type: 'success', message, grouping: true })
}

export function notifyWarning(message: string): void {
  ElMessage({ type: 'warning', message, grouping: true })
}

export function notifyInfo(message: string): void {
  ElMessage({ type: 'info', message, grouping: true })
}

export async function confirm(message: string, title?: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title ?? t('common.confirm'), {
      confirmButtonText: t('common.ok'),
      cancelButtonText: t('common.cancel'),
      type: 'warning',
    })
    return true
  } catch {
    return false
  }
}

export async function prompt(message: string, title?: string, initial = ''): Promise<string | null> {
  try {
    const r = await ElMessageBox.prompt(message, title ?? t('common.confirm'), {
      confirmButtonText: t('common.ok'),
      cancelButtonText: t('common.cancel'),
      inputValue: initial,
    })
    return (r as { value: string }).value
  } catch {
    return null
  }
}
