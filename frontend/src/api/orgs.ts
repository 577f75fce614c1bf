import { download, http } from './http'
import type { Org, OrgLevel, OrgNode, Page, UniversityType } from './types'

export interface OrgQuery {
  level?: OrgLevel
  parent_id?: number
  q?: string
  active?: boolean
  /** GB/T 2260 code of a city of the province */
  city?: string
  limit?: number
  offset?: number
}

export const orgsApi = {
  list: (q: OrgQuery = {}) => http.get<Page<Org>>('/api/orgs', { ...q }),
  exportXlsx: (q: Omit<OrgQuery, 'limit' | 'offset'> = {}) => download('/api/orgs/export', { ...q, format: 'xlsx' }, '组织机构.xlsx'),
  tree: () => http.get<OrgNode[] | OrgNode>('/api/orgs/tree'),
  get: (id: number) => http.get<Org>(`/api/orgs/${id}`),
  create: (body: { name: string; code: string; level: OrgLevel; parent_id: number | null; type?: UniversityType | null; city?: string | null }) =>
    http.post<Org>('/api/orgs', body),
  update: (id: number, version: number, body: Partial<Pick<Org, 'name' | 'code' | 'type' | 'city' | 'active'>>) =>
    http.patch<Org>(`/api/orgs/${id}`, body, { ifMatch: version }),
}
