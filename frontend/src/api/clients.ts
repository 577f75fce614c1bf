import { http } from './http'
import type { Client, ClientCreated, Page } from './types'

export const clientsApi = {
  list: (q: { limit?: number; offset?: number } = {}) => http.get<Page<Client>>('/api/clients', { ...q }),
  create: (body: { name: string; org_id: number; scopes: string[] }) => http.post<ClientCreated>('/api/clients', body),
  update: (id: number, body: { active?: boolean; name?: string }) => http.patch<Client>(`/api/clients/${id}`, body),
}
