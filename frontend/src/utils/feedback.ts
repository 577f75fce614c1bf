/** Element Plus services imported explicitly (with their CSS) so the resolver-based build stays on demand. */
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import { errorMessage } from './errorMessage'
import { i18n } from '@/i18n'

const t = (k: string, p?: Record<string, unknown>) => (p ? i18n.global.t(k, p) : i18n.global.t(k))

export { errorMessage }

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
