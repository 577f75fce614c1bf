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
  /** First sign-in of an account an administrator created or reset: no token yet, the current password proves it. */
  changeInitialPassword: (username: string, current_password: string, new_password: string) =>
    request<void>('POST', '/api/auth/password/initial', {
      anonymous: true,
      body: { username, current_password, new_password },
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    }),
}
