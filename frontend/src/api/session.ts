/**
 * The access token lives in this module's memory only (never localStorage or a readable cookie); the refresh
 * token is an HttpOnly cookie scoped to /api/auth/web that JS never sees. `refreshAccessToken` is single-flight:
 * concurrent callers share one POST /api/auth/web/refresh.
 */
import type { Out } from './generated'

export type TokenResponse = Out<'WebTokenOut'>

let accessToken: string | null = null
let expiresAt = 0
let inflight: Promise<boolean> | null = null
const listeners = new Set<(token: string | null) => void>()

/** Refresh this many ms before the access token expires. */
export const REFRESH_MARGIN_MS = 60_000

export function getAccessToken(): string | null {
  return accessToken
}

export function tokenExpiresAt(): number {
  return expiresAt
}

/**
 * A hint (not a secret: no token, just "1") that this browser signed in and may hold a refresh cookie. Without it
 * the start-up probe is not sent: a fresh visit has no session, which is a normal outcome, not a 401 in the console.
 */
export const SESSION_HINT_KEY = 'sq.session'

/** true when a refresh cookie may exist (or when storage cannot tell: then the probe is sent as before). */
export function maySignInSilently(): boolean {
  try {
    return localStorage.getItem(SESSION_HINT_KEY) === '1'
  } catch {
    return true
  }
}

function rememberSession(on: boolean): void {
  try {
    if (on) localStorage.setItem(SESSION_HINT_KEY, '1')
    else localStorage.removeItem(SESSION_HINT_KEY)
  } catch {
    /* storage unavailable: the probe is simply always sent */
  }
}

export function setToken(t: TokenResponse | null, now: number = Date.now()): void {
  accessToken = t ? t.access_token : null
  expiresAt = t ? now + t.expires_in * 1000 : 0
  rememberSession(t !== null)
  listeners.forEach((fn) => fn(accessToken))
}

export function onTokenChange(fn: (token: string | null) => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

export function tokenNeedsRefresh(now: number = Date.now()): boolean {
  return accessToken !== null && expiresAt - now < REFRESH_MARGIN_MS
}

export function newRequestId(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  const bytes = new Uint8Array(16)
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes)
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

async function doRefresh(): Promise<boolean> {
  // nobody signed in from this browser (or they signed out): there is no cookie to try
  if (accessToken === null && !maySignInSilently()) return false
  try {
    const res = await fetch('/api/auth/web/refresh', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'XMLHttpRequest', 'X-Request-ID': newRequestId(), Accept: 'application/json' },
    })
    if (!res.ok) {
      setToken(null)
      return false
    }
    setToken((await res.json()) as TokenResponse)
    return true
  } catch {
    // Network failure: keep whatever token we have; the next request will tell.
    return false
  }
}

/** One refresh at a time; everyone who asks while it runs gets the same answer. */
export function refreshAccessToken(): Promise<boolean> {
  if (!inflight) {
    inflight = doRefresh().finally(() => {
      inflight = null
    })
  }
  return inflight
}
