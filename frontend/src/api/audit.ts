import { http } from './http'
import type { AuditEntry, Page } from './types'

export const auditApi = {
  list: (q: { action?: string; limit?: number; offset?: number } = {}) => http.get<Page<AuditEntry>>('/api/audit', { ...q }),
}
