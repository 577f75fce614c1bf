import { http, request } from './http'
import { newRequestId, type TokenResponse } from './session'
import type { Me } from './types'

export const authApi = {
  login: (username: string, password: string) =>
    request<TokenResponse>('POST', '/api/auth/web/login', {
      anonymous: true,
      body: { username, password },
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    }),
  logout: () =>
    fetch('/api/auth/web/logout', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'XMLHttpRequest', 'X-Request-ID': newRequestId() },
    }).then(() => undefined),
  me: () => http.get<Me>('/api/auth/me'),
  changePassword: (current_password: string, new_password: string) =>
    http.post<void>('/api/auth/password', { current_password, new_password }),
}
