/**
 * The online logistics service hall (网上后勤服务大厅, S1, issue #20): the hall service's API (`/api/hall`) and the
 * gateway's hall identity (`/api/auth/sso/*`, `/api/auth/hall/*`), as docs/hall.md describes them.
 *
 * The student pages import this module: it must stay free of Element Plus and of the admin pages' code (the student
 * pages' JavaScript budget, frontend/scripts/measure-hall-bundle.mjs). The types are the generated ones (`make schema`).
 */
import type { In, Narrow, Out, Query } from './generated'
import { http, request } from './http'
import { uploadAttachment, type AttachmentService } from './attachments'
import { newRequestId, setToken, SESSION_HINT_KEY, type TokenResponse } from './session'

export const CATEGORIES = ['repair_dorm', 'repair_classroom', 'canteen', 'utilities', 'environment', 'property', 'suggestion', 'complaint', 'praise'] as const
export type Category = (typeof CATEGORIES)[number]
/** S1: only suggestions and complaints may be sent anonymously (a repair needs someone to open the door). */
export const ANONYMOUS_CATEGORIES: readonly Category[] = ['suggestion', 'complaint']
export const STATUSES = ['new', 'accepted', 'answered', 'closed', 'withdrawn'] as const
export type Status = (typeof STATUSES)[number]
export const EVENT_KINDS = ['created', 'accepted', 'assigned', 'transferred', 'answered', 'closed', 'info_added', 'rated', 'reopened', 'withdrawn', 'escalated'] as const
export type EventKind = (typeof EVENT_KINDS)[number]
export type PlaceKind = 'building' | 'room' | 'area'
export const PLACE_KINDS: PlaceKind[] = ['building', 'room', 'area']

/** S1: a closed request may be reopened within 7 days of its closing. */
export const REOPEN_DAYS = 7
/** S1: at most 9 photos per request. */
export const MAX_PHOTOS = 9
export const DESCRIPTION_MIN = 5
export const DESCRIPTION_MAX = 2000

/** The hall's models as the server declares them (generated schema.d.ts); enum fields declared `str` narrowed. */
export type Place = Narrow<Out<'PlaceOut'>, { kind: PlaceKind }>
export type PlaceIn = In<'PlaceIn'>
export type HallAttachment = Out<'AttachmentOut'>
export type HallEvent = Narrow<Out<'EventOut'>, { kind: EventKind }>
/** `requester` is null in every staff-facing answer of an anonymous request (docs/hall.md). */
export type HallRequest = Narrow<Out<'RequestOut'>, { category: Category; status: Status }>
export type HallRequestDetail = Narrow<Out<'RequestDetail'>, { category: Category; status: Status; events: HallEvent[] }>
export type RequestCreate = In<'RequestIn'>
export type RequestQuery = Omit<Query<'list_requests_api_hall_requests_get'>, 'status'> & { status?: Status | Status[] }
export type RequestPage = Narrow<Out<'RequestPage'>, { items: HallRequest[] }>
export type RoutingRule = In<'RoutingRuleIn'>
export type WorkingHours = Out<'WorkingHours'>
export type PromiseRule = In<'PromiseIn'>
export type UniversityFigures = Out<'UniversityFigures'>
/** The figures; the lists are declared as plain objects by the server (hall/stats/service.py writes these). */
export type HallStats = Narrow<
  Out<'Stats'>,
  {
    by_category: { category: Category; count: number }[]
    by_place: { place_id: number; name: string; count: number }[]
    recurring_places: { place_id: number; name: string; category: Category; count: number }[]
  }
>
/** The universities whose students sign in with their campus SSO (public). */
export type SsoProvider = Out<'SsoProvider'>
/** A student's or teacher's identity as their university's administrator sees it (a password reset, issue #20). */
export type HallIdentity = Out<'HallIdentityOut'>
export type ResetCode = Out<'ActivationCode'>

const B = '/api/hall'
const JSON_AUTH = { 'X-Requested-With': 'XMLHttpRequest' }

export const hallApi = {
  // ---- students and teachers ----
  places: () => http.get<Out<'PlaceList'>>(`${B}/places`).then((p) => p.items as Place[]),
  requests: (q: RequestQuery = {}) => http.get<RequestPage>(`${B}/requests`, { limit: 20, ...q }),
  request: (id: number) => http.get<HallRequestDetail>(`${B}/requests/${id}`),
  create: (body: RequestCreate, idempotencyKey: string) => http.post<HallRequestDetail>(`${B}/requests`, body, { headers: { 'Idempotency-Key': idempotencyKey } }),
  addInfo: (r: Versioned, text: string, attachment_ids: number[] = []) => http.post<HallRequestDetail>(`${B}/requests/${r.id}/info`, { text, attachment_ids }, { ifMatch: r.version }),
  rate: (r: Versioned, score: number, comment: string) => http.post<HallRequestDetail>(`${B}/requests/${r.id}/rate`, { score, comment: comment || null }, { ifMatch: r.version }),
  reopen: (r: Versioned, reason: string) => http.post<HallRequestDetail>(`${B}/requests/${r.id}/reopen`, { reason }, { ifMatch: r.version }),
  withdraw: (r: Versioned) => http.post<HallRequestDetail>(`${B}/requests/${r.id}/withdraw`, undefined, { ifMatch: r.version }),
}

export type Versioned = Pick<HallRequest, 'id' | 'version'>

// ---- hall identity (gateway) ----

export const hallAuthApi = {
  providers: () => request<SsoProvider[]>('GET', '/api/auth/sso/providers', { anonymous: true }),
  /** The browser leaves for the campus SSO; back at `next` the refresh cookie is set (docs/hall.md). */
  ssoStartUrl: (universityId: number, next = '/hall') => `/api/auth/sso/${universityId}/start?next=${encodeURIComponent(next)}`,
  login: (university_id: number, number: string, password: string) =>
    request<TokenResponse>('POST', '/api/auth/hall/login', { anonymous: true, body: { university_id, number, password }, headers: JSON_AUTH }),
  activate: (university_id: number, number: string, code: string, password: string) =>
    request<TokenResponse>('POST', '/api/auth/hall/activate', { anonymous: true, body: { university_id, number, code, password }, headers: JSON_AUTH }),
}

/**
 * Before the browser leaves for the campus SSO: the SPA tries the refresh cookie at start-up only when this browser
 * signed in before (session.ts), and the SSO's callback sets the cookie without the SPA seeing it.
 */
export function expectSessionAfterRedirect(): void {
  try {
    localStorage.setItem(SESSION_HINT_KEY, '1')
  } catch {
    /* storage unavailable: the probe is always sent then */
  }
}

/** A token from the hall's own sign-in or activation: kept like a password sign-in's (memory + HttpOnly cookie). */
export function adoptToken(t: TokenResponse | null | undefined): void {
  if (t && typeof t.access_token === 'string') setToken(t)
}

export const newIdempotencyKey = newRequestId

// ---- rules the pages show (the server decides) ----

export const mayBeAnonymous = (c: Category | '' | null | undefined): boolean => !!c && ANONYMOUS_CATEGORIES.includes(c)

/** S1: the requester may reopen a closed request within 7 days of its closing. */
export function canReopen(r: Pick<HallRequest, 'status' | 'closed_at'>, now: number = Date.now()): boolean {
  if (r.status !== 'closed' || !r.closed_at) return false
  return now - new Date(r.closed_at).getTime() <= REOPEN_DAYS * 86_400_000
}

export const canRate = (r: Pick<HallRequest, 'status' | 'score'>): boolean => r.status === 'closed' && (r.score === null || r.score === undefined)
export const canWithdraw = (r: Pick<HallRequest, 'status'>): boolean => r.status === 'new'
export const canAddInfo = (r: Pick<HallRequest, 'status'>): boolean => r.status === 'new' || r.status === 'accepted' || r.status === 'answered'

/** The promise's state of an open request: overdue (a breach), due within 2 hours, or on time. */
export type DueState = 'breached' | 'soon' | 'ok' | 'none'
export function dueState(r: Pick<HallRequest, 'status' | 'accept_due_at' | 'resolve_due_at' | 'breached'>, now: number = Date.now()): DueState {
  if (r.status === 'closed' || r.status === 'withdrawn') return r.breached ? 'breached' : 'none'
  const due = r.status === 'new' ? r.accept_due_at : r.resolve_due_at
  if (r.breached) return 'breached'
  if (!due) return 'none'
  const left = new Date(due).getTime() - now
  if (left < 0) return 'breached'
  return left <= 2 * 3_600_000 ? 'soon' : 'ok'
}

/** Rooms under their building: "一号楼 · 302". */
export function placeLabel(p: Place, byId: Map<number, Place>): string {
  const parts = [p.name]
  let parent = p.parent_id !== null ? byId.get(p.parent_id) : undefined
  for (let i = 0; parent && i < 4; i++) {
    parts.unshift(parent.name)
    parent = parent.parent_id !== null ? byId.get(parent.parent_id) : undefined
  }
  return parts.join(' · ')
}

/** Upload one photo to the hall (the raw body; `attachments.ts`'s upload, with the hall as service). */
export async function uploadPhoto(file: File, onProgress?: (fraction: number) => void) {
  // the hall's attachments endpoint is `/api/hall/attachments` like the other services'
  return uploadAttachment('hall' as string as AttachmentService, file, { onProgress })
}
