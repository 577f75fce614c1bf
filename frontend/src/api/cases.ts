/** The typical-case library (#19): the province's CRUD at /api/evaluation/cases; photos are the case's attachments. */
import { http } from './http'
import type { In, Out } from './generated'

export type TypicalCase = Out<'CaseOut'>
export type TypicalCaseIn = In<'CaseIn'>

const B = '/api/evaluation/cases'

export const casesApi = {
  list: () => http.get<{ items: TypicalCase[]; total: number }>(B, { limit: 500 }),
  create: (body: TypicalCaseIn) => http.post<TypicalCase>(B, body),
  update: (id: number, body: TypicalCaseIn, version: number) => http.put<TypicalCase>(`${B}/${id}`, body, { ifMatch: version }),
  remove: (id: number, version: number) => http.delete(`${B}/${id}`, { ifMatch: version }),
}
