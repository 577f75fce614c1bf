/**
 * The year's notice (通知) of the province and its deadlines (issue #18): the province writes, issues, corrects and
 * extends; universities read and acknowledge. Types are the generated ones (`make schema`).
 */
import type { In, Out } from './generated'
import { http } from './http'
import type { Page } from './types'

export type Notice = Out<'NoticeOut'>
export type NoticeDetail = Out<'NoticeDetail'>
export type NoticeCreate = In<'NoticeCreate'>
export type NoticeUpdate = In<'NoticeUpdate'>
export type CalendarEntry = Out<'CalendarEntry'>
export type Standings = Out<'Standings'>
export type UniversityStanding = Out<'UniversityStanding'>
export type Acknowledgement = Out<'AcknowledgementOut'>

const B = '/api/plans/notices'

export const noticesApi = {
  list: (q: { year?: number; status?: 'draft' | 'issued'; limit?: number; offset?: number } = {}) =>
    http.get<Page<Notice>>(B, { limit: 50, ...q }),
  get: (id: number) => http.get<NoticeDetail>(`${B}/${id}`),
  create: (body: NoticeCreate) => http.post<NoticeDetail>(B, body),
  update: (id: number, version: number, body: NoticeUpdate) => http.patch<NoticeDetail>(`${B}/${id}`, body, { ifMatch: version }),
  remove: (id: number, version: number) => http.delete(`${B}/${id}`, { ifMatch: version }),
  issue: (id: number, version: number) => http.post<NoticeDetail>(`${B}/${id}/issue`, undefined, { ifMatch: version }),
  correct: (id: number, version: number, changes: NoticeUpdate, reason: string) =>
    http.post<NoticeDetail>(`${B}/${id}/corrections`, { changes, reason }, { ifMatch: version }),
  acknowledge: (id: number) => http.post<Acknowledgement>(`${B}/${id}/acknowledgement`),
  standings: (id: number) => http.get<Standings>(`${B}/${id}/acknowledgements`),
  extend: (id: number, body: { university_id: number; due_on: string; reason: string }) =>
    http.post<Standings>(`${B}/${id}/extensions`, body),
}
