/**
 * Files attached as evidence (issue #16): upload (raw body, XHR for the progress bar), link to an owner, list,
 * open, download, delete. Written by hand until src/api/schema.d.ts is generated with the attachments routes.
 *
 * The server decides everything (kind from the bytes, limits, polyglots, active content); `precheck` only spares
 * the user a long upload that would be refused anyway, using the server's default limits.
 */
import type { Narrow, Out } from './generated'
import { ApiError, http, type Problem } from './http'
import { getAccessToken, newRequestId, refreshAccessToken, tokenNeedsRefresh } from './session'

export type AttachmentService = 'training' | 'plans' | 'evaluation'
/** What a file can be attached to, per service (the path segment of `/api/{svc}/<owner>/{id}/attachments`). */
export type AttachmentOwner = 'records' | 'self-reports' | 'courses' | 'plans' | 'milestones' | 'progress' | 'letters' | 'notices' | 'findings' | 'rectifications' | 'nominations' | 'cases' | 'events'
/** plans only: what a plan's file is (docs/attachments-api.md) */
export type AttachmentPurpose = 'rules' | 'system' | 'letter_scan' | 'other'
export type AttachmentId = number | string
export type AttachmentKind = 'pdf' | 'jpeg' | 'png' | 'webp' | 'docx' | 'xlsx' | 'pptx'

/** The server's `AttachmentOut`; `purpose` is declared `str` there, its values are `AttachmentPurpose`. */
export type Attachment = Narrow<Out<'AttachmentOut'>, { purpose: AttachmentPurpose | null }>

export const OWNER_SERVICE: Record<AttachmentOwner, AttachmentService> = {
  records: 'training',
  'self-reports': 'training',
  courses: 'training',
  plans: 'plans',
  milestones: 'plans',
  progress: 'plans',
  letters: 'plans',
  notices: 'plans',
  findings: 'plans',
  rectifications: 'plans',
  nominations: 'evaluation',
  cases: 'evaluation',
  events: 'evaluation',
}

const MB = 1024 * 1024
/** The server's default limits (kernel StorageSettings: UPLOAD_MAX_IMAGE_BYTES / UPLOAD_MAX_DOCUMENT_BYTES). */
export const DEFAULT_LIMITS: Record<AttachmentKind, number> = {
  pdf: 50 * MB,
  jpeg: 20 * MB,
  png: 20 * MB,
  webp: 20 * MB,
  docx: 50 * MB,
  xlsx: 50 * MB,
  pptx: 50 * MB,
}
export const IMAGE_KINDS: AttachmentKind[] = ['jpeg', 'png', 'webp']
export const ALL_KINDS: AttachmentKind[] = ['pdf', 'jpeg', 'png', 'webp', 'docx', 'xlsx', 'pptx']
/** Certificates, scans and photos. */
export const EVIDENCE_KINDS: AttachmentKind[] = ['pdf', 'jpeg', 'png', 'webp']

const EXTENSIONS: Record<string, AttachmentKind> = {
  pdf: 'pdf', jpg: 'jpeg', jpeg: 'jpeg', png: 'png', webp: 'webp', docx: 'docx', xlsx: 'xlsx', pptx: 'pptx',
}
const LABELS: Record<AttachmentKind, string> = {
  pdf: 'PDF', jpeg: 'JPEG', png: 'PNG', webp: 'WebP', docx: 'Word (.docx)', xlsx: 'Excel (.xlsx)', pptx: 'PowerPoint (.pptx)',
}

export const kindLabels = (kinds: AttachmentKind[]): string => kinds.map((k) => LABELS[k]).join(', ')
/** The `accept` attribute of the file input for these kinds (a hint to the picker; the server decides). */
export const acceptAttr = (kinds: AttachmentKind[]): string =>
  Object.entries(EXTENSIONS).filter(([, k]) => kinds.includes(k)).map(([ext]) => `.${ext}`).join(',')

export function kindOfName(name: string): AttachmentKind | null {
  const m = /\.([A-Za-z0-9]+)$/.exec(name)
  return m ? (EXTENSIONS[m[1].toLowerCase()] ?? null) : null
}

export const isImage = (a: Pick<Attachment, 'kind' | 'media_type'>): boolean =>
  (IMAGE_KINDS as string[]).includes(a.kind) || a.media_type.startsWith('image/')
export const isPdf = (a: Pick<Attachment, 'kind' | 'media_type'>): boolean => a.kind === 'pdf' || a.media_type === 'application/pdf'

/** A problem found before or during an upload: a code (translated under `files.errors`) and its parameters. */
export interface FileProblem {
  code: string
  params: Record<string, string | number>
  /** the server's own words, when it gave them */
  detail?: string
  /** the HTTP status, when the server answered */
  status?: number
}

/** `21 MB`, `1.5 MB`, `800 KB`: a size for people. */
export function fmtSize(n: number): string {
  if (n >= MB) return `${Number((n / MB).toFixed(1))} MB`
  if (n >= 1024) return `${Math.round(n / 1024)} KB`
  return `${n} B`
}

/** The first bytes of kinds that are never accepted (the server says the same, after the whole upload). */
const REFUSED_MAGIC: [number[], string][] = [
  [[0x4d, 0x5a], 'exe'], // MZ: a Windows program
  [[0x7f, 0x45, 0x4c, 0x46], 'exe'], // ELF
]

async function head(file: Blob, n: number): Promise<Uint8Array | null> {
  const part = file.slice(0, n)
  try {
    if (typeof part.arrayBuffer === 'function') return new Uint8Array(await part.arrayBuffer())
    return await new Promise((resolve) => {
      const r = new FileReader()
      r.onload = () => resolve(new Uint8Array(r.result as ArrayBuffer))
      r.onerror = () => resolve(null)
      r.readAsArrayBuffer(part)
    })
  } catch {
    return null
  }
}

/**
 * What the server would refuse at once, told before the upload: an empty file, a kind not accepted here (by the
 * name, or a program whatever its name), a file over its kind's limit. `null`: send it (the server still checks).
 */
export async function precheck(
  file: File,
  kinds: AttachmentKind[] = ALL_KINDS,
  limits: Partial<Record<AttachmentKind, number>> = DEFAULT_LIMITS,
): Promise<FileProblem | null> {
  if (file.size === 0) return { code: 'file_empty', params: {} }
  const kind = kindOfName(file.name)
  if (!kind || !kinds.includes(kind)) return { code: 'file_type_not_accepted', params: { accepted: kindLabels(kinds) } }
  const limit = limits[kind] ?? DEFAULT_LIMITS[kind]
  if (file.size > limit) return { code: 'file_too_large', params: { limit: fmtSize(limit), size: fmtSize(file.size) } }
  const bytes = await head(file, 8)
  if (bytes && REFUSED_MAGIC.some(([magic]) => magic.every((b, i) => bytes[i] === b))) {
    return { code: 'file_type_not_accepted', params: { accepted: kindLabels(kinds) } }
  }
  return null
}

/** The problem of a failed upload or call, as a code with its parameters (unknown codes keep the server's words). */
export function problemOf(e: unknown): FileProblem {
  if (e instanceof ApiError) {
    const p = e.problem
    const code = typeof p.code === 'string' ? p.code : `http_${e.status}`
    const params: Record<string, string | number> = {}
    if (typeof p.limit === 'number') params.limit = code === 'image_too_large' ? p.limit.toLocaleString() : fmtSize(p.limit)
    if (Array.isArray(p.accepted)) params.accepted = (p.accepted as string[]).join(', ')
    return { code, params, detail: p.detail, status: e.status }
  }
  if (e instanceof DOMException && e.name === 'AbortError') return { code: 'aborted', params: {} }
  return { code: 'network', params: {}, detail: e instanceof Error ? e.message : String(e) }
}

export interface UploadOptions {
  /** called with 0..1 as the body goes out */
  onProgress?: (fraction: number, loaded: number, total: number) => void
  signal?: AbortSignal
}

function parseProblem(xhr: XMLHttpRequest): Problem {
  const type = xhr.getResponseHeader('content-type') ?? ''
  if (type.includes('json')) {
    try {
      return JSON.parse(xhr.responseText) as Problem
    } catch {
      /* fall through */
    }
  }
  return { status: xhr.status, title: xhr.statusText, detail: xhr.responseText?.slice(0, 300) || undefined }
}

function sendOnce(url: string, file: Blob, opts: UploadOptions): Promise<{ status: number; xhr: XMLHttpRequest }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    const token = getAccessToken()
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.setRequestHeader('X-Request-ID', newRequestId())
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json;q=0.9')
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream')
    xhr.upload.onprogress = (ev: ProgressEvent) => {
      const total = ev.lengthComputable ? ev.total : file.size
      opts.onProgress?.(total ? Math.min(1, ev.loaded / total) : 0, ev.loaded, total)
    }
    xhr.onload = () => resolve({ status: xhr.status, xhr })
    xhr.onerror = () => reject(new TypeError('Network error'))
    xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'))
    if (opts.signal) {
      if (opts.signal.aborted) {
        reject(new DOMException('The upload was cancelled', 'AbortError'))
        return
      }
      opts.signal.addEventListener('abort', () => xhr.abort(), { once: true })
    }
    xhr.send(file)
  })
}

/** Upload one file (the raw body, its name in the query): 201 → the stored attachment, not yet attached. */
export async function uploadAttachment(svc: AttachmentService, file: File, opts: UploadOptions = {}): Promise<Attachment> {
  const url = `/api/${svc}/attachments?filename=${encodeURIComponent(file.name)}`
  if (tokenNeedsRefresh()) await refreshAccessToken()
  let { status, xhr } = await sendOnce(url, file, opts)
  if (status === 401 && (await refreshAccessToken())) ({ status, xhr } = await sendOnce(url, file, opts))
  if (status < 200 || status >= 300) throw new ApiError(status, parseProblem(xhr), xhr.getResponseHeader('x-request-id'))
  opts.onProgress?.(1, file.size, file.size)
  return JSON.parse(xhr.responseText) as Attachment
}

const base = (owner: AttachmentOwner, id: number | string) => `/api/${OWNER_SERVICE[owner]}/${owner}/${id}/attachments`
const contentPath = (svc: AttachmentService, a: Attachment) => a.content_url || `/api/${svc}/attachments/${a.id}/content`

export const attachmentsApi = {
  list: (owner: AttachmentOwner, id: number | string) => http.get<{ items: Attachment[] }>(base(owner, id)),
  attach: (owner: AttachmentOwner, id: number | string, ids: AttachmentId[], purpose?: AttachmentPurpose) =>
    http.post<{ items: Attachment[] }>(base(owner, id), purpose ? { attachment_ids: ids, purpose } : { attachment_ids: ids }),
  remove: (svc: AttachmentService, id: AttachmentId) => http.delete(`/api/${svc}/attachments/${id}`),
  /** The file's bytes (with the bearer token, so not a plain link): `inline` for viewing in the page. */
  async blob(svc: AttachmentService, a: Attachment, inline = false): Promise<Blob> {
    const res = await http.get<Response>(contentPath(svc, a), inline ? { disposition: 'inline' } : undefined, { raw: true })
    const blob = await res.blob()
    // keep the media type the server stated, so the browser's viewer renders a PDF instead of offering to save it
    return blob.type ? blob : new Blob([blob], { type: a.media_type })
  },
  async thumbnail(svc: AttachmentService, a: Attachment): Promise<Blob> {
    const res = await http.get<Response>(a.thumbnail_url || `/api/${svc}/attachments/${a.id}/thumbnail`, undefined, { raw: true })
    return res.blob()
  },
  /** Save the file under its original name (Chinese names intact). */
  async download(svc: AttachmentService, a: Attachment): Promise<void> {
    const blob = await attachmentsApi.blob(svc, a)
    const url = URL.createObjectURL(blob)
    const link = document.createElement('a')
    link.href = url
    link.download = a.name
    document.body.appendChild(link)
    link.click()
    link.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  },
}
