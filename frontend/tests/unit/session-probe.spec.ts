/** A fresh visit has no session: the start-up probe is not sent (no 401 in the console); a signed-in browser still restores. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { SESSION_HINT_KEY, setToken } from '@/api/session'
import { useAuthStore } from '@/stores/auth'
import { jsonResponse, mockFetch } from './setup-fetch'

const ME = { id: 9, username: 'u1_d1_staff1', display_name: '员工', role: 'staff', org_id: 3, university_id: 2, department_id: 3, scopes: [], permissions: [] }
const TOKEN = { access_token: 'A', token_type: 'bearer', expires_in: 900 }

describe('the start-up session probe', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    localStorage.clear()
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    localStorage.clear()
  })

  it('is not sent on a fresh visit: no session is a normal outcome, not a 401', async () => {
    const f = mockFetch(() => jsonResponse({ status: 401, body: { status: 401, title: 'Unauthorized' } }))
    const auth = useAuthStore()
    expect(await auth.restore()).toBe(false)
    expect(auth.ready).toBe(true)
    expect(auth.signedIn).toBe(false)
    expect(f).not.toHaveBeenCalled()
  })

  it('is remembered by a sign-in in this browser; the hint holds no token', async () => {
    mockFetch((url) => (url === '/api/auth/web/login' ? jsonResponse({ body: TOKEN }) : jsonResponse({ body: ME })))
    const auth = useAuthStore()
    await auth.login('u1_d1_staff1', 'Demo@2026')
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBe('1')
    expect(JSON.stringify({ ...localStorage })).not.toContain('"A"')
  })

  it('is sent on a later visit of a browser that signed in, and restores the session', async () => {
    localStorage.setItem(SESSION_HINT_KEY, '1')
    const f = mockFetch((url) => (url === '/api/auth/web/refresh' ? jsonResponse({ body: TOKEN }) : jsonResponse({ body: ME })))
    const auth = useAuthStore()
    expect(await auth.restore()).toBe(true)
    expect(auth.me?.username).toBe('u1_d1_staff1')
    expect(f.mock.calls.map((c) => c[0])).toContain('/api/auth/web/refresh')
  })

  it('forgets the hint on sign-out and when the cookie is refused', async () => {
    localStorage.setItem(SESSION_HINT_KEY, '1')
    mockFetch(() => jsonResponse({ status: 401, body: { status: 401, title: 'Unauthorized' } }))
    const auth = useAuthStore()
    expect(await auth.restore()).toBe(false)
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBeNull()
    setToken(TOKEN)
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBe('1')
    mockFetch(() => new Response(null, { status: 204 }))
    await auth.logout()
    expect(localStorage.getItem(SESSION_HINT_KEY)).toBeNull()
  })
})
