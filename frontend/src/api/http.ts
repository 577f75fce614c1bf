/**
 * The one HTTP wrapper: bearer token, single-flight silent refresh (on 401 and shortly before expiry),
 * X-Request-ID on every request, problem+json errors turned into ApiError with field errors for forms.
 */
import { fieldErrorText } from './problems'
import { getAccessToken, newRequestId, refreshAccessToken, tokenNeedsRefresh } from './session'

export interface FieldError {
  loc: (string | number)[]
  msg: string
  /** stable code (pydantic's error type or the domain's), translated by the SPA */
  code?: string
  /** the code's parameters (min_length, ge ...) */
  params?: Record<string, unknown>
  /** the field the entry belongs to (the last named part of loc) */
  field?: string | null
  message?: string
}

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  errors?: FieldError[]
  [key: string]: unknown
}

const LOC_PREFIXES = new Set(['body', 'query', 'path', 'header', 'form'])

/** `["body","items",0,"title"]` → `items.0.title`; the form field a 422 error belongs to. */
export function fieldOf(loc: (string | number)[]): string {
  const parts = [...loc]
  if (typeof parts[0] === 'string' && LOC_PREFIXES.has(parts[0])) parts.shift()
  return parts.join('.')
}

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem
  readonly requestId: string | null
  /** field name → first message, for 422 answers, in the user's language (translated from the entry's code) */
  readonly fieldErrors: Record<string, string>
  /** field name → the first entry itself (code and params) */
  readonly fieldProblems: Record<string, FieldError>

  constructor(status: number, problem: Problem, requestId: string | null) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
    this.requestId = requestId
    this.fieldErrors = {}
    this.fieldProblems = {}
    for (const e of problem.errors ?? []) {
      const f = fieldOf(e.loc ?? [])
      if (f in this.fieldErrors) continue
      this.fieldErrors[f] = fieldErrorText(e)
      this.fieldProblems[f] = e
    }
  }

  get hasFieldErrors(): boolean {
    return Object.keys(this.fieldErrors).length > 0
  }
}

type QueryValue = string | number | boolean | null | undefined
/** An array repeats its key (`ids=1&ids=2`), as FastAPI reads a list parameter. */
export type Query = Record<string, QueryValue | readonly (string | number)[]>

export interface RequestOptions {
  query?: Query
  body?: unknown
  form?: FormData | URLSearchParams
  headers?: Record<string, string>
  /** version for If-Match (rendered as a weak ETag) */
  ifMatch?: number | string
  signal?: AbortSignal
  /** do not attach the token or try to refresh (sign-in itself) */
  anonymous?: boolean
  /** answer with the raw Response (downloads) */
  raw?: boolean
}

/** Called when a request fails with 401 even after a refresh: the session is over. */
let onUnauthorized: (() => void) | null = null
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item))
    else params.append(k, String(v))
  }
  const qs = params.toString()
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path
}

async function toProblem(res: Response): Promise<Problem> {
  const type = res.headers.get('content-type') ?? ''
  try {
    if (type.includes('json')) {
      const body = (await res.json()) as Problem & { error?: string; error_description?: string; detail?: unknown }
      // FastAPI's default {"detail": [...]} validation shape, in case a route bypasses the problem handler.
      if (Array.isArray(body.detail)) {
        return { status: res.status, title: res.statusText, errors: body.detail as FieldError[] }
      }
      // RFC 6749 token endpoint errors.
      if (body.error && !body.detail) return { ...body, status: res.status, detail: body.error_description ?? body.error }
      return body
    }
    const text = await res.text()
    return { status: res.status, title: res.statusText, detail: text.slice(0, 300) || undefined }
  } catch {
    return { status: res.status, title: res.statusText }
  }
}

function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json;q=0.9, */*;q=0.5',
    'X-Request-ID': newRequestId(),
    ...opts.headers,
  }
  const token = opts.anonymous ? null : getAccessToken()
  if (token) headers.Authorization = `Bearer ${token}`
  if (opts.ifMatch !== undefined) headers['If-Match'] = `W/"${opts.ifMatch}"`
  let body: BodyInit | undefined
  if (opts.form) body = opts.form
  else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  return fetch(buildUrl(path, opts.query), { method, headers, body, signal: opts.signal, credentials: 'same-origin' })
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  if (!opts.anonymous && tokenNeedsRefresh()) await refreshAccessToken()
  let res = await send(method, path, opts)
  if (res.status === 401 && !opts.anonymous) {
    const ok = await refreshAccessToken()
    if (ok) res = await send(method, path, opts)
    if (res.status === 401) onUnauthorized?.()
  }
  if (!res.ok) throw new ApiError(res.status, await toProblem(res), res.headers.get('x-request-id'))
  if (opts.raw) return res as unknown as T
  if (res.status === 204 || res.headers.get('content-length') === '0') return undefined as T
  const type = res.headers.get('content-type') ?? ''
  if (type.includes('json')) return (await res.json()) as T
  return (await res.text()) as unknown as T
}

export const http = {
  get: <T>(path: string, query?: Query, opts: RequestOptions = {}) => request<T>('GET', path, { ...opts, query }),
  post: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('POST', path, { ...opts, body }),
  put: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('PUT', path, { ...opts, body }),
  patch: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('PATCH', path, { ...opts, body }),
  delete: <T = void>(path: string, opts: RequestOptions = {}) => request<T>('DELETE', path, opts),
  upload: <T>(path: string, form: FormData, query?: Query) => request<T>('POST', path, { form, query }),
}

/** Fetch a file with the bearer token and hand it to the browser as a download. */
export async function download(path: string, query?: Query, fallbackName = 'export.xlsx'): Promise<void> {
  const res = await request<Response>('GET', path, { query, raw: true })
  const blob = await res.blob()
  const cd = res.headers.get('content-disposition') ?? ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd)
  const plain = /filename="?([^";]+)"?/i.exec(cd)
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : fallbackName
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
