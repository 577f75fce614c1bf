import { i18n } from '@/i18n'
import { useOrgStore } from '@/stores/orgs'
import { fmtDate } from './format'

/** Labels and values of plan, task and milestone fields as they appear in diffs and change requests. */
const g = i18n.global

export function fieldLabel(field: string): string {
  const key = `planFields.${field}`
  return g.te(key) ? g.t(key) : field
}

export function fieldValue(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  if (field === 'category' && typeof value === 'string' && g.te(`categories.${value}`)) return g.t(`categories.${value}`)
  if (field === 'department_id' && typeof value === 'number') return useOrgStore().name(value)
  if (typeof value === 'boolean') return g.t(value ? 'common.yes' : 'common.no')
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return fmtDate(value)
  if (field === 'milestones' && Array.isArray(value)) {
    return value.map((m: { title?: string; due_on?: string }) => `${m.title ?? ''} (${fmtDate(m.due_on)})`).join(', ') || '—'
  }
  return String(value)
}

/** `changes` of a change request as "label: value; …". */
export function changesText(changes: Record<string, unknown>): string {
  return Object.entries(changes)
    .filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${fieldLabel(k)}: ${fieldValue(k, v)}`)
    .join('; ')
}

/** The tag colour of a change request's status. */
export const changeStatusType = (status: string): 'success' | 'danger' | 'warning' =>
  status === 'approved' ? 'success' : status === 'rejected' ? 'danger' : 'warning'
