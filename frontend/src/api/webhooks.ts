/**
 * Webhooks for campus systems (issue #18, docs/webhooks.md): a university administrator's endpoints on the
 * university's integration clients, their secrets (shown once), rotation and deliveries with replay.
 */
import { http } from './http'
import type { Page } from './types'

export const WEBHOOK_EVENT_TYPES = [
  'plan.submitted', 'plan.returned', 'plan.approved', 'change_request.decided', 'letter.to_sign',
  'milestone.due_soon', 'milestone.overdue', 'milestone.escalated', 'plan.not_submitted', 'deadline.soon',
  'self_report.submitted', 'self_report.decided', 'record.accepted', 'record.rejected', 'import.finished',
  'nomination.phase_opened', 'nomination.phase_closing', 'expert.assigned', 'objection.received',
  'results.published', 'notice.issued', 'webhook.endpoint_disabled', 'rectification.assigned', 'rectification.overdue',
  'annual_summary.submitted', 'annual_summary.returned', 'annual_summary.accepted',
  // the service hall (#20): sent without the requester (docs/webhooks.md)
  'hall.request.created', 'hall.request.answered', 'hall.request.closed', 'hall.request.escalated',
  // events (E4, #19)
  'event.scheduled', 'event.held', 'event.cancelled', 'event.training_declared',
] as const

export interface WebhookEndpoint {
  id: number
  university_id: number
  client_pk: number
  client_id: string
  url: string
  description: string
  event_types: string[]
  active: boolean
  disabled_reason: 'failing' | 'manual' | null
  disabled_at: string | null
  consecutive_failures: number
  previous_secret_until: string | null
  version: number
  created_at: string
}

export interface WebhookEndpointCreated extends WebhookEndpoint {
  secret: string
}

export interface WebhookDelivery {
  id: number
  endpoint_id: number
  event_id: string
  event_type: string
  subject: string
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  next_attempt_at: string
  last_attempt_at: string | null
  response_status: number | null
  last_error: string | null
  delivered_at: string | null
  replay_of: number | null
  created_at: string
}

const ifMatch = (version: number) => ({ headers: { 'If-Match': `"${version}"` } })

export const webhooksApi = {
  list: (q: { limit?: number; offset?: number } = {}) => http.get<Page<WebhookEndpoint>>('/api/webhooks/endpoints', { ...q }),
  create: (body: { client_pk: number; url: string; event_types: string[]; description?: string }) =>
    http.post<WebhookEndpointCreated>('/api/webhooks/endpoints', body),
  update: (e: WebhookEndpoint, body: { url?: string; event_types?: string[]; description?: string; active?: boolean }) =>
    http.patch<WebhookEndpoint>(`/api/webhooks/endpoints/${e.id}`, body, ifMatch(e.version)),
  rotate: (e: WebhookEndpoint) =>
    http.post<{ secret: string; previous_secret_until: string | null }>(`/api/webhooks/endpoints/${e.id}/rotate-secret`, undefined, ifMatch(e.version)),
  deliveries: (id: number, q: { limit?: number; offset?: number; status?: string } = {}) =>
    http.get<Page<WebhookDelivery>>(`/api/webhooks/endpoints/${id}/deliveries`, { ...q }),
  replay: (deliveryId: number) => http.post<WebhookDelivery>(`/api/webhooks/deliveries/${deliveryId}/replay`),
}
