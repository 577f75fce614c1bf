import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { SESSION_HINT_KEY, getAccessToken, setToken } from '@/api/session'
import { useAuthStore } from '@/stores/auth'
import { jsonResponse, mockFetch } from './setup-fetch'

const ME = {
  id: 7, username: 'u1_admin', display_name: 'Admin', role: 'university_admin', org_id: 10, university_id: 10,
  department_id: null, scopes: [], permissions: ['training:record:import'],
}

describe('auth store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    // this browser signed in before (the refresh probe is only sent then: session-probe.spec.ts)
    localStorage.setItem(SESSION_HINT_KEY, '1')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
  })

  it('shares one refresh request among concurrent callers (single flight)', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const f = mockFetch(async (url) => {
      if (url === '/api/auth/web/refresh') {
        await gate
        return jsonResponse({ body: { access_token: 'A', token_type: 'bearer', expires_in: 900 } })
      }
      return jsonResponse({ body: ME })
    })
    const auth = useAuthStore()
    const all = Promise.all([auth.refresh(), auth.refresh(), auth.refresh()])
    release()
    expect(await all).toEqual([true, true, true])
    expect(f.mock.calls.filter((c) => c[0] === '/api/auth/web/refresh')).toHaveLength(1)
    expect(getAccessToken()).toBe('A')
    auth.clear()
  })

  it('restores the session from the refresh cookie on start', async () => {
    mockFetch((url) =>
      url === '/api/auth/web/refresh'
        ? jsonResponse({ body: { access_token: 'B', token_type: 'bearer', expires_in: 900 } })
        : jsonResponse({ body: ME }),
    )
    const auth = useAuthStore()
    expect(await auth.restore()).toBe(true)
    expect(auth.ready).toBe(true)
    expect(auth.me?.username).toBe('u1_admin')
    expect(auth.can('training:record:import')).toBe(true)
    expect(auth.can('gateway:org:write')).toBe(false)
    auth.clear()
  })

  it('stays signed out when there is no valid cookie', async () => {
    mockFetch(() => jsonResponse({ status: 401, body: { status: 401, title: 'Unauthorized' } }))
    const auth = useAuthStore()
    expect(await auth.restore()).toBe(false)
    expect(auth.signedIn).toBe(false)
    expect(auth.ready).toBe(true)
  })

  it('keeps the access token out of web storage', async () => {
    mockFetch((url) =>
      url === '/api/auth/web/login'
        ? jsonResponse({ body: { access_token: 'SECRET-TOKEN', token_type: 'bearer', expires_in: 900 } })
        : jsonResponse({ body: ME }),
    )
    const auth = useAuthStore()
    await auth.login('u1_admin', 'pw')
    const stored = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie
    expect(stored).not.toContain('SECRET-TOKEN')
    expect(getAccessToken()).toBe('SECRET-TOKEN')
    auth.clear()
  })

  it('falls back to role permissions when the backend sends none', async () => {
    mockFetch((url) =>
      url === '/api/auth/web/login'
        ? jsonResponse({ body: { access_token: 'C', token_type: 'bearer', expires_in: 900 } })
        : jsonResponse({ body: { ...ME, role: 'staff', permissions: [] } }),
    )
    const auth = useAuthStore()
    await auth.login('s', 'pw')
    expect(auth.can('training:selfreport:submit')).toBe(true)
    expect(auth.can('training:record:import')).toBe(false)
    auth.clear()
  })
})
