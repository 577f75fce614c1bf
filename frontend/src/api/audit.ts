import { download, http } from './http'
import type { AuditEntry, Page } from './types'

export const auditApi = {
  list: (q: { action?: string; limit?: number; offset?: number } = {}) => http.get<Page<AuditEntry>>('/api/audit', { ...q }),
  exportXlsx: (q: { action?: string } = {}) => download('/api/audit/export', { ...q, format: 'xlsx' }, '审计日志.xlsx'),
}
