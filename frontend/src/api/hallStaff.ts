/**
 * The service hall's staff side (S1, issue #20): the logistics side's work on requests, the figures, the university
 * administrator's configuration and its students' and teachers' identities. Apart from `hall.ts` so that the student
 * pages never download it (their JavaScript budget, scripts/measure-hall-bundle.mjs).
 */
import type { In, Out } from './generated'
import type { HallIdentity, HallRequestDetail, HallStats, Place, PlaceIn, PromiseRule, ResetCode, RoutingRule, Versioned } from './hall'
import { http } from './http'

export type { HallIdentity, ResetCode }

export const hallStaffApi = {
  // ---- logistics staff ----
  accept: (r: Versioned) => http.post<HallRequestDetail>(`/api/hall/requests/${r.id}/accept`, undefined, { ifMatch: r.version }),
  assign: (r: Versioned, user_id: number) => http.post<HallRequestDetail>(`/api/hall/requests/${r.id}/assign`, { user_id }, { ifMatch: r.version }),
  transfer: (r: Versioned, department_id: number, reason: string) => http.post<HallRequestDetail>(`/api/hall/requests/${r.id}/transfer`, { department_id, reason }, { ifMatch: r.version }),
  answer: (r: Versioned, text: string, attachment_ids: number[] = []) => http.post<HallRequestDetail>(`/api/hall/requests/${r.id}/answer`, { text, attachment_ids }, { ifMatch: r.version }),
  close: (r: Versioned) => http.post<HallRequestDetail>(`/api/hall/requests/${r.id}/close`, undefined, { ifMatch: r.version }),
  stats: (q: { from?: string; to?: string; university_id?: number } = {}) => http.get<HallStats>(`/api/hall/stats`, q),
  // ---- the university's administrator: its students' and teachers' identities (the gateway) ----
  identities: (q: { q?: string; limit?: number; offset?: number } = {}) => http.get<Out<'Page_HallIdentityOut_'>>('/api/auth/hall-identities', { limit: 20, ...q }),
  /** A roster identity that forgot its password: a new one-time code (shown once), its sign-ins ended. */
  resetIdentity: (id: number) => http.post<ResetCode>(`/api/auth/hall-identities/${id}/reset`),

  // ---- the university administrator's configuration ----
  createPlace: (body: PlaceIn) => http.post<Place>(`/api/hall/places`, body),
  updatePlace: (p: Place, body: In<'PlacePatch'>) => http.patch<Place>(`/api/hall/places/${p.id}`, body, { ifMatch: p.version }),
  deletePlace: (p: Place) => http.delete(`/api/hall/places/${p.id}`, { ifMatch: p.version }),
  routing: () => http.get<Out<'RoutingOut'>>(`/api/hall/routing`).then((r) => r.rules as RoutingRule[]),
  saveRouting: (rules: RoutingRule[]) => http.put<Out<'RoutingOut'>>(`/api/hall/routing`, { rules }).then((r) => r.rules as RoutingRule[]),
  promises: () => http.get<Out<'PromisesOut'>>(`/api/hall/promises`).then((r) => r.promises as PromiseRule[]),
  savePromises: (promises: PromiseRule[]) => http.put<Out<'PromisesOut'>>(`/api/hall/promises`, { promises }).then((r) => r.promises as PromiseRule[]),
}
