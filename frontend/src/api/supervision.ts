/**
 * Supervision (督导检查) and rectification (整改), issue #19: the province and its inspector record visits and
 * findings and verify; a university answers its rectifications. Types are the generated ones (`make schema`).
 */
import type { In, Out } from './generated'
import { http } from './http'
import type { Page } from './types'

export type Visit = Out<'VisitOut'>
export type VisitDetail = Out<'VisitDetail'>
export type VisitCreate = In<'VisitCreate'>
export type Finding = Out<'FindingOut'>
export type FindingCreate = In<'FindingCreate'>
export type Rectification = Out<'RectificationOut'>
export type RectificationStatus = Rectification['status']
export type FindingCategory = Finding['category']
export type Severity = Finding['severity']

export const CATEGORIES: FindingCategory[] = ['plan', 'service', 'safety', 'education', 'funding', 'other']
export const SEVERITIES: Severity[] = ['minor', 'major', 'critical']
export const RECTIFICATION_STATUSES: RectificationStatus[] = ['assigned', 'responded', 'returned', 'closed']

export interface RectificationQuery {
  year?: number
  university_id?: number
  status?: RectificationStatus
  overdue?: boolean
  visit_id?: number
  limit?: number
  offset?: number
}

const B = '/api/plans'

export const supervisionApi = {
  visits: (q: { year?: number; university_id?: number; limit?: number; offset?: number } = {}) =>
    http.get<Page<Visit>>(`${B}/supervision-visits`, { limit: 50, ...q }),
  visit: (id: number) => http.get<VisitDetail>(`${B}/supervision-visits/${id}`),
  createVisit: (body: VisitCreate) => http.post<VisitDetail>(`${B}/supervision-visits`, body),
  addFinding: (visitId: number, body: FindingCreate) => http.post<Finding>(`${B}/supervision-visits/${visitId}/findings`, body),
  rectifications: (q: RectificationQuery = {}) => http.get<Page<Rectification>>(`${B}/rectifications`, { limit: 50, ...q }),
  rectification: (id: number) => http.get<Rectification>(`${B}/rectifications/${id}`),
  respond: (r: Rectification, measures: string) =>
    http.post<Rectification>(`${B}/rectifications/${r.id}/response`, { measures }, { ifMatch: r.version }),
  close: (r: Rectification, note: string) => http.post<Rectification>(`${B}/rectifications/${r.id}/close`, { note }, { ifMatch: r.version }),
  sendBack: (r: Rectification, reason: string) =>
    http.post<Rectification>(`${B}/rectifications/${r.id}/return`, { reason }, { ifMatch: r.version }),
  exportUrl: `${B}/rectifications/export`,
}
