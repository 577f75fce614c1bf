import { i18n } from '@/i18n'

const g = i18n.global

/** `YYYY-MM-DD` (a date, no zone) or an ISO time, formatted for the current locale. */
export function fmtDate(value: string | null | undefined): string {
  if (!value) return '—'
  const d = new Date(value.length === 10 ? `${value}T00:00:00Z` : value)
  return Number.isNaN(d.getTime()) ? value : g.d(d, 'date')
}

export function fmtDateTime(value: string | null | undefined): string {
  if (!value) return '—'
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? value : g.d(d, 'datetime')
}

export function fmtNum(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  const n = typeof value === 'string' ? Number(value) : value
  return Number.isFinite(n) ? g.n(n, 'decimal') : String(value)
}

/** A rate 0..1 as a percentage. */
export function fmtPct(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return g.n(value, 'percent')
}

export function fmtMoney(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  return g.n(Number(value), 'currency')
}

/** Today as `YYYY-MM-DD` in local time. */
export function today(): string {
  return isoDate(new Date())
}

function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** The usual publicity (公示) period: at least five working days; the service decides (its minimum is configurable). */
export const PUBLICITY_MIN_WORKING_DAYS = 5

/** The last day of a period that starts on `start` (`YYYY-MM-DD`) and holds `days` working days (Monday to Friday,
 * both ends counted, as the evaluation service counts them). */
export function endAfterWorkingDays(start: string, days: number): string {
  const [y, m, d] = start.split('-').map(Number)
  const date = new Date(y, m - 1, d)
  let counted = 0
  for (;;) {
    const weekday = date.getDay()
    if (weekday !== 0 && weekday !== 6) counted += 1
    if (counted >= days) return isoDate(date)
    date.setDate(date.getDate() + 1)
  }
}
