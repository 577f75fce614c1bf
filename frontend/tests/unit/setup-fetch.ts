import { vi } from 'vitest'

export interface FakeResponseInit {
  status?: number
  body?: unknown
  headers?: Record<string, string>
}

export function jsonResponse({ status = 200, body, headers = {} }: FakeResponseInit): Response {
  const isProblem = status >= 400
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': isProblem ? 'application/problem+json' : 'application/json', ...headers },
  })
}

/** Replace global fetch with a router of (method path) → handler. */
export function mockFetch(handler: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => handler(String(input), init))
  vi.stubGlobal('fetch', fn)
  return fn
}
