import { reactive } from 'vue'
import { ApiError } from '@/api/http'
import { i18n } from '@/i18n'
import { notifyError, notifyWarning } from '@/utils/feedback'

/**
 * Server-side field errors next to the fields: bind `:error="errors.field"` on each el-form-item.
 * `run` clears them, calls the action, and on a 422 with field errors fills them in (anything else is a toast).
 */
export function useFormErrors() {
  const errors = reactive<Record<string, string>>({})

  function clear(): void {
    for (const k of Object.keys(errors)) delete errors[k]
  }

  function apply(e: unknown, aliases: Record<string, string> = {}): boolean {
    if (e instanceof ApiError && e.status === 422 && e.hasFieldErrors) {
      for (const [field, msg] of Object.entries(e.fieldErrors)) errors[aliases[field] ?? field] = msg
      return true
    }
    return false
  }

  async function run<T>(action: () => Promise<T>, aliases: Record<string, string> = {}): Promise<T | undefined> {
    clear()
    try {
      return await action()
    } catch (e) {
      if (apply(e, aliases)) notifyWarning(i18n.global.t('errors.fixFields'))
      else notifyError(e)
      return undefined
    }
  }

  return { errors, clear, apply, run }
}
