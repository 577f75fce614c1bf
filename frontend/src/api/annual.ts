/**
 * Annual summaries (年度总结) and the province's annual report (issue #19, Y3) of the evaluation service. The
 * summary's figures are a document the server pre-fills from plans, training and the awards (typed here).
 */
import type { Out } from './generated'
import { download, http } from './http'
import type { Page } from './types'

export type SummaryBrief = Out<'SummaryBrief'>
export type Summary = Out<'SummaryOut'>
export type SummaryStatus = Summary['status']
export const SUMMARY_STATUSES: SummaryStatus[] = ['draft', 'submitted', 'returned', 'accepted']
export const SECTIONS = [
  'overall',
  'service',
  'management',
  'environment',
  'culture',
  'collaboration',
  'organisation',
  'publicity',
  'funding_incentive',
  'accountability',
] as const
export type Section = (typeof SECTIONS)[number]

export interface CategoryFigures {
  category: string
  tasks: number
  tasks_done: number
  milestones: number
  milestones_done: number
  completion: number | null
}
export interface SummaryFigures {
  unavailable?: Record<string, string>
  plan?: { plan_status: string | null; categories: CategoryFigures[]; milestones: number; milestones_done: number; milestones_overdue: number; completion: number | null }
  rectifications?: { total: number; closed: number; open: number }
  work_study?: { total_posts: number; work_study_posts: number; ratio: number; ok: boolean }
  funding?: { planned: number; spent: number; spent_rate: number }
  training?: { staff_total: number; compliant: number; compliance_rate: number; hours: number; days: number; themes: { theme: string; label: string; covered: number; coverage: number }[] }
  awards?: { count: number; items: { campaign: string; rank: number; title: string }[] }
}

const B = '/api/evaluation'

export const annualApi = {
  list: (q: { year?: number; status?: SummaryStatus; university_id?: number; limit?: number } = {}) =>
    http.get<Page<SummaryBrief>>(`${B}/annual-summaries`, { limit: 500, ...q }),
  get: (id: number) => http.get<Summary>(`${B}/annual-summaries/${id}`),
  create: (year: number) => http.post<Summary>(`${B}/annual-summaries`, { year }),
  write: (s: Summary, narrative: Partial<Record<Section, string>>) =>
    http.patch<Summary>(`${B}/annual-summaries/${s.id}`, { narrative }, { ifMatch: s.version }),
  refresh: (s: Summary) => http.post<Summary>(`${B}/annual-summaries/${s.id}/refresh`, undefined, { ifMatch: s.version }),
  submit: (s: Summary) => http.post<Summary>(`${B}/annual-summaries/${s.id}/submit`, undefined, { ifMatch: s.version }),
  accept: (s: Summary, comment: string) => http.post<Summary>(`${B}/annual-summaries/${s.id}/accept`, { comment }, { ifMatch: s.version }),
  sendBack: (s: Summary, comment: string) => http.post<Summary>(`${B}/annual-summaries/${s.id}/return`, { comment }, { ifMatch: s.version }),
  report: (year: number, format: 'docx' | 'pdf') => download(`${B}/annual-report`, { year, format }, `${year}年度报告.${format}`),
}
