/**
 * Element Plus form rules with messages in the user's language (issue #17): forms check what they can before
 * sending (请输入任务名称, 请至少选择一个培训主题 …); the server's 422 answers are still shown next to the fields
 * (useFormErrors), translated from their codes.
 *
 * Usage: `const rules = computed<FormRules>(() => ({ title: [required('rules.taskTitle')] }))`,
 * `<el-form ref="formRef" :model="form" :rules="rules">`, `<el-form-item prop="title">`, and in the save
 * handler `if (!(await validForm(formRef.value))) return`.
 */
import type { FormInstance, FormItemRule } from 'element-plus'
import { i18n } from '@/i18n'

const t = (key: string, params: Record<string, unknown> = {}) => i18n.global.t(key, params)

/** A value must be given (text not blank, a choice made, a number entered); `key` names the message. */
export function required(key: string, trigger: 'blur' | 'change' = 'blur'): FormItemRule {
  return {
    required: true,
    trigger,
    validator: (_rule, value, callback) => {
      const empty = value === null || value === undefined || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0)
      callback(empty ? new Error(t(key)) : undefined)
    },
  }
}

/** A choice that must be made: an id other than null/undefined/0. */
export function chosen(key: string): FormItemRule {
  return {
    required: true,
    trigger: 'change',
    validator: (_rule, value, callback) => callback(value === null || value === undefined || value === 0 || value === '' ? new Error(t(key)) : undefined),
  }
}

/** At least `min` items chosen (a list of themes, of scopes …). */
export function atLeast(key: string, min = 1): FormItemRule {
  return {
    required: true,
    trigger: 'change',
    validator: (_rule, value, callback) => callback(!Array.isArray(value) || value.length < min ? new Error(t(key, { n: min })) : undefined),
  }
}

/** A number within [min, max]. */
export function between(min: number, max: number, trigger: 'blur' | 'change' = 'change'): FormItemRule {
  return {
    trigger,
    validator: (_rule, value, callback) => {
      const n = typeof value === 'number' ? value : Number(value)
      callback(value === null || value === undefined || value === '' || Number.isNaN(n) || n < min || n > max ? new Error(t('rules.between', { min, max })) : undefined)
    },
  }
}

/** Text of at most `max` characters. */
export function maxLength(max: number): FormItemRule {
  return {
    trigger: 'blur',
    validator: (_rule, value, callback) => callback(typeof value === 'string' && value.length > max ? new Error(t('rules.maxLength', { max })) : undefined),
  }
}

/** Validate a form before sending: true when every rule passes (the failing fields show their messages). */
export async function validForm(form: FormInstance | null | undefined): Promise<boolean> {
  if (!form) return true
  try {
    await form.validate()
    return true
  } catch {
    return false
  }
}

/** The fields of a training record (RecordFieldsForm: records and self-reports). */
export function recordRules(): Record<string, FormItemRule[]> {
  return {
    title: [required('rules.recordTitle'), maxLength(200)],
    taken_on: [required('rules.takenOn', 'change')],
    themes: [atLeast('rules.themes')],
    organizer_level: [chosen('rules.organizer')],
  }
}
