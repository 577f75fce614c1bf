import { download, http } from './http'
import type { Page, Role, User } from './types'

export interface UserQuery {
  org_id?: number
  role?: Role
  q?: string
  active?: boolean
  limit?: number
  offset?: number
}

export const usersApi = {
  list: (q: UserQuery = {}) => http.get<Page<User>>('/api/users', { ...q }),
  exportXlsx: (q: Omit<UserQuery, 'limit' | 'offset'> = {}) => download('/api/users/export', { ...q, format: 'xlsx' }, '账号.xlsx'),
  get: (id: number) => http.get<User>(`/api/users/${id}`),
  create: (body: { username: string; password: string; display_name: string; role: Role; org_id: number }) =>
    http.post<User>('/api/users', body),
  update: (id: number, version: number, body: Partial<Pick<User, 'display_name' | 'active' | 'org_id' | 'role'>>) =>
    http.patch<User>(`/api/users/${id}`, body, { ifMatch: version }),
  resetPassword: (id: number, new_password: string) => http.post<void>(`/api/users/${id}/password`, { new_password }),
}
