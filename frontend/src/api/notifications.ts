/**
 * The notification centre (issue #18): the signed-in person's own notifications. The server stores the kind
 * (an event type such as `plan.returned`), its parameters and the link; the words are the SPA's (zh-CN and en).
 */
import { ApiError, http } from './http'
import type { Page } from './types'

export interface Notification {
  id: number
  kind: string
  params: Record<string, unknown>
  link: string
  created_at: string
  read_at: string | null
}

let etag: string | null = null
let lastCount = 0

export const notificationsApi = {
  list: (q: { limit?: number; offset?: number; unread?: boolean } = {}) =>
    http.get<Page<Notification>>('/api/notifications', { limit: 20, ...q }),
  /** The bell's poll: a conditional request, answered 304 while nothing changed (the last count stands). */
  async unreadCount(): Promise<number> {
    try {
      const res = await http.get<Response>('/api/notifications/unread-count', undefined, {
        raw: true,
        headers: etag ? { 'If-None-Match': etag } : {},
      })
      etag = res.headers.get('etag')
      lastCount = ((await res.json()) as { unread: number }).unread
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 304)) throw e
    }
    return lastCount
  },
  markRead: (id: number) => http.post<void>(`/api/notifications/${id}/read`),
  markAllRead: () => http.post<{ marked: number }>('/api/notifications/read-all'),
  /** Forget the cached count (sign-out: the next person starts afresh). */
  reset(): void {
    etag = null
    lastCount = 0
  },
}

/** The locale key of a kind: `plan.returned` → `notifications.kinds.plan_returned`. */
export function kindKey(kind: string): string {
  return `notifications.kinds.${kind.replace(/\./g, '_')}`
}
