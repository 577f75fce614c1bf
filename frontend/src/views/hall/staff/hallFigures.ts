/** The service hall's figures as the staff pages show them (S1, issue #20): the province's comparison by school type. */
import type { UniversityFigures } from '@/api/hall'

export interface TypeRow {
  school_type: string
  universities: number
  total: number
  /** mean of the universities that have a figure; null when none has (not applicable, never zero) */
  promise_kept_rate: number | null
  satisfaction_mean: number | null
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null)
const present = (xs: (number | null | undefined)[]): number[] => xs.filter((x): x is number => typeof x === 'number')

/** One row per school type: requests summed, the rates averaged over the universities that have them. */
export function bySchoolType(rows: UniversityFigures[]): TypeRow[] {
  const groups = new Map<string, UniversityFigures[]>()
  for (const r of rows) {
    const k = r.type || 'other'
    groups.set(k, [...(groups.get(k) ?? []), r])
  }
  const order = ['undergraduate', 'higher_vocational', 'secondary_vocational', 'school']
  return [...groups.entries()]
    .sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99))
    .map(([school_type, rs]) => ({
      school_type,
      universities: rs.length,
      total: rs.reduce((s, r) => s + r.requests, 0),
      promise_kept_rate: mean(present(rs.map((r) => r.promise_kept_rate))),
      satisfaction_mean: mean(present(rs.map((r) => r.satisfaction_mean))),
    }))
}

/** 85.3 % or the words for "not applicable". */
export function rateText(v: number | null | undefined, na: string): string {
  return typeof v === 'number' ? `${(v * 100).toFixed(1)} %` : na
}

export function scoreText(v: number | null | undefined, na: string): string {
  return typeof v === 'number' ? v.toFixed(2) : na
}
