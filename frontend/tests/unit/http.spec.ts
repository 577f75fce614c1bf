import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildUrl, fieldOf, http } from '@/api/http'
import { getAccessToken, setToken } from '@/api/session'
import { jsonResponse, mockFetch } from './setup-fetch'

const headersOf = (init: RequestInit) => new Headers(init.headers as HeadersInit)

describe('http wrapper', () => {
  beforeEach(() => setToken({ access_token: 'tok-1', token_type: 'bearer', expires_in: 900 }))
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
  })

  it('attaches the bearer token and a fresh X-Request-ID to every request', async () => {
    const f = mockFetch(() => jsonResponse({ body: { ok: true } }))
    await http.get('/api/a')
    await http.get('/api/b')
    const [h1, h2] = f.mock.calls.map((c) => headersOf(c[1] as RequestInit))
    expect(h1.get('Authorization')).toBe('Bearer tok-1')
    expect(h1.get('X-Request-ID')).toBeTruthy()
    expect(h1.get('X-Request-ID')).not.toBe(h2.get('X-Request-ID'))
  })

  it('sends If-Match as a weak ETag of the version', async () => {
    const f = mockFetch(() => jsonResponse({ body: {} }))
    await http.patch('/api/users/1', { active: false }, { ifMatch: 3 })
    expect(headersOf(f.mock.calls[0][1] as RequestInit).get('If-Match')).toBe('W/"3"')
  })

  it('turns a problem+json 422 into field errors keyed by form field', async () => {
    mockFetch(() =>
      jsonResponse({
        status: 422,
        body: {
          type: 'about:blank', title: 'Unprocessable Content', status: 422,
          errors: [
            { loc: ['body', 'username'], msg: 'letters, digits only' },
            { loc: ['body', 'password'], msg: 'the password needs a digit' },
            { loc: ['body', 'username'], msg: 'second message is ignored' },
          ],
        },
        headers: { 'x-request-id': 'rid-9' },
      }),
    )
    const err = await http.post('/api/users', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    expect(e.status).toBe(422)
    expect(e.requestId).toBe('rid-9')
    // entries without a code (an older server): the English words are not shown in zh-CN, a generic message is
    expect(e.fieldErrors).toEqual({ username: '内容不符合要求', password: '内容不符合要求' })
    expect(e.fieldProblems.username.msg).toBe('letters, digits only')
  })

  it('uses the problem detail as the message of other errors', async () => {
    mockFetch(() => jsonResponse({ status: 409, body: { title: 'Conflict', status: 409, detail: 'employee number already used' } }))
    const e = (await http.post('/api/x', {}).catch((x: unknown) => x)) as ApiError
    expect(e.status).toBe(409)
    expect(e.message).toBe('employee number already used')
    expect(e.hasFieldErrors).toBe(false)
  })

  it('maps nested and model-level locations', () => {
    expect(fieldOf(['body', 'items', 0, 'title'])).toBe('items.0.title')
    expect(fieldOf(['query', 'year'])).toBe('year')
    expect(fieldOf(['body'])).toBe('')
  })

  it('drops empty query values', () => {
    expect(buildUrl('/api/x', { a: 1, b: '', c: null, d: undefined, e: false })).toBe('/api/x?a=1&e=false')
  })

  it('refreshes once on 401 and retries the request with the new token', async () => {
    let calls = 0
    const f = mockFetch((url, init) => {
      if (url === '/api/auth/web/refresh') {
        expect(headersOf(init).get('X-Requested-With')).toBe('XMLHttpRequest')
        return jsonResponse({ body: { access_token: 'tok-2', token_type: 'bearer', expires_in: 900 } })
      }
      calls++
      const auth = headersOf(init).get('Authorization')
      return auth === 'Bearer tok-2' ? jsonResponse({ body: { v: 1 } }) : jsonResponse({ status: 401, body: { status: 401, title: 'Unauthorized' } })
    })
    const res = await http.get<{ v: number }>('/api/thing')
    expect(res.v).toBe(1)
    expect(calls).toBe(2)
    expect(getAccessToken()).toBe('tok-2')
    expect(f.mock.calls.filter((c) => c[0] === '/api/auth/web/refresh')).toHaveLength(1)
  })

  it('refreshes before sending when the token is about to expire', async () => {
    setToken({ access_token: 'old', token_type: 'bearer', expires_in: 10 })
    const f = mockFetch((url) =>
      url === '/api/auth/web/refresh'
        ? jsonResponse({ body: { access_token: 'fresh', token_type: 'bearer', expires_in: 900 } })
        : jsonResponse({ body: {} }),
    )
    await http.get('/api/a')
    expect(f.mock.calls[0][0]).toBe('/api/auth/web/refresh')
    expect(headersOf(f.mock.calls[1][1] as RequestInit).get('Authorization')).toBe('Bearer fresh')
  })
})
