/**
 * Events (E4, issue #19): promotion meetings (推进会), seminars (研讨会), commendation conferences (表彰大会) and the
 * logistics association's theory study sessions (理论学习). The province organises its own and the association's, a
 * university's administrator their own university's; the inspector reads. Types are the generated ones.
 */
import type { In, Out } from './generated'
import { http } from './http'
import type { Page } from './types'

export type LogisticsEvent = Out<'LogisticsEventOut'>
export type EventCreate = In<'LogisticsEventIn'>
export type EventUpdate = In<'LogisticsEventUpdate'>
export type EventKind = LogisticsEvent['kind']
export type EventStatus = LogisticsEvent['status']
export type EventOrganiser = LogisticsEvent['organiser']
export type TrainingDeclaration = In<'TrainingIn'>
export type Conference = Out<'ConferenceRef'>

export const EVENT_KINDS: EventKind[] = ['promotion_meeting', 'seminar', 'commendation_conference', 'theory_study']
export const EVENT_STATUSES: EventStatus[] = ['planned', 'held', 'cancelled']

export interface EventQuery {
  year?: number
  kind?: EventKind
  status?: EventStatus
  campaign_id?: number
  limit?: number
  offset?: number
}

const B = '/api/evaluation/events'

export const eventsApi = {
  list: (q: EventQuery = {}) => http.get<Page<LogisticsEvent>>(B, { limit: 50, ...q }),
  get: (id: number) => http.get<LogisticsEvent>(`${B}/${id}`),
  create: (body: EventCreate) => http.post<LogisticsEvent>(B, body),
  update: (e: LogisticsEvent, body: EventUpdate) => http.patch<LogisticsEvent>(`${B}/${e.id}`, body, { ifMatch: e.version }),
  hold: (e: LogisticsEvent, participants: number | null) =>
    http.post<LogisticsEvent>(`${B}/${e.id}/hold`, { participants }, { ifMatch: e.version }),
  cancel: (e: LogisticsEvent, reason: string) => http.post<LogisticsEvent>(`${B}/${e.id}/cancel`, { reason }, { ifMatch: e.version }),
  declareTraining: (e: LogisticsEvent, body: TrainingDeclaration) =>
    http.post<LogisticsEvent>(`${B}/${e.id}/training`, body, { ifMatch: e.version }),
}
