/**
 * Files (issue #16): the uploader's pre-check with the server's limits, its per-file progress from the upload's
 * own progress events, the server's refusals translated (zh-CN and en, the limit named), retry; the list's
 * thumbnails, downloads under the original name and delete.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { i18n, setLocale } from '@/i18n'
import { ApiError } from '@/api/http'
import { setToken } from '@/api/session'
import { precheck, problemOf, uploadAttachment, type Attachment } from '@/api/attachments'
import { fileProblemText } from '@/utils/fileProblems'
import FileUploader from '@/components/files/FileUploader.vue'
import AttachmentList from '@/components/files/AttachmentList.vue'
import AttachmentsPanel from '@/components/files/AttachmentsPanel.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const MB = 1024 * 1024

/** An XMLHttpRequest the test answers: records what was sent, fires upload progress and the answer on demand. */
class FakeXHR {
  static sent: FakeXHR[] = []
  method = ''
  url = ''
  body: unknown = null
  headers: Record<string, string> = {}
  status = 0
  statusText = ''
  responseText = ''
  responseHeaders: Record<string, string> = {}
  upload: { onprogress: ((ev: ProgressEvent) => void) | null } = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  open(method: string, url: string): void {
    this.method = method
    this.url = url
  }
  setRequestHeader(k: string, v: string): void {
    this.headers[k] = v
  }
  getResponseHeader(k: string): string | null {
    return this.responseHeaders[k.toLowerCase()] ?? null
  }
  send(body: unknown): void {
    this.body = body
    FakeXHR.sent.push(this)
  }
  abort(): void {
    this.onabort?.()
  }
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent)
  }
  respond(status: number, body: unknown): void {
    this.status = status
    this.responseText = JSON.stringify(body)
    this.responseHeaders['content-type'] = status >= 400 ? 'application/problem+json' : 'application/json'
    this.onload?.()
  }
}

const stored = (over: Partial<Attachment> = {}): Attachment => ({
  id: 11, name: '结业证书.pdf', size: 2048, media_type: 'application/pdf', sha256: 'a'.repeat(64), kind: 'pdf',
  created_at: '2026-11-30T08:00:00Z', content_url: '/api/training/attachments/11/content', thumbnail_url: null, owner: null, purpose: null, ...over,
})

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 10))
    await flushPromises()
  }
}

function pick(w: ReturnType<typeof mount>, files: File[]): Promise<void> {
  const input = w.find('input[type="file"]')
  Object.defineProperty(input.element, 'files', { value: files, configurable: true })
  return input.trigger('change')
}

describe('pre-check with the server limits', () => {
  it('refuses an empty file, a kind not accepted, a file over its kind’s limit and a renamed program', async () => {
    expect(await precheck(new File([], 'cert.pdf'))).toMatchObject({ code: 'file_empty' })
    expect(await precheck(new File(['x'], 'tool.exe'))).toMatchObject({ code: 'file_type_not_accepted' })
    expect(await precheck(new File(['x'], 'notes.docx'), ['pdf', 'jpeg'])).toMatchObject({ code: 'file_type_not_accepted' })
    const big = new File(['x'], 'photo.jpg')
    Object.defineProperty(big, 'size', { value: 20 * MB + 1 })
    expect(await precheck(big)).toMatchObject({ code: 'file_too_large', params: { limit: '20 MB' } })
    const pdfOk = new File(['x'], 'scan.pdf')
    Object.defineProperty(pdfOk, 'size', { value: 20 * MB + 1 }) // documents may be 50 MB
    expect(await precheck(pdfOk)).toBeNull()
    expect(await precheck(new File(['MZ\x90\x00rest'], 'certificate.pdf'))).toMatchObject({ code: 'file_type_not_accepted' })
    expect(await precheck(new File(['%PDF-1.7'], '证书.PDF'))).toBeNull()
  })
})

describe('server refusals translated', () => {
  const tooLarge = new ApiError(413, { status: 413, detail: 'The file is larger than the limit of 50 MB', code: 'file_too_large', limit: 50 * MB }, null)
  afterEach(() => setLocale('zh-CN'))

  it('names the limit in both languages', () => {
    setLocale('zh-CN')
    expect(fileProblemText(problemOf(tooLarge))).toBe('文件超过 50 MB 的上限')
    setLocale('en')
    expect(fileProblemText(problemOf(tooLarge))).toBe('The file is larger than the limit of 50 MB')
  })

  it('translates each intake code, and falls back to the status and the server’s words for an unknown one', () => {
    setLocale('zh-CN')
    const t = (code: string, status = 422) => fileProblemText(problemOf(new ApiError(status, { status, code, detail: `server words ${code}` }, null)))
    expect(t('polyglot', 415)).toBe('文件同时是两种格式（伪装文件），已拒绝')
    expect(t('pdf_active_content')).toBe('PDF 包含脚本或其他可执行内容，已拒绝')
    expect(t('file_empty')).toBe('文件为空（0 字节）')
    expect(t('file_type_not_accepted', 415)).toContain('此处不接受该类文件')
    for (const code of ['damaged', 'damaged_or_bomb', 'encrypted', 'macros', 'external_content', 'malware', 'upload_incomplete', 'size_mismatch', 'bad_size']) {
      expect(t(code)).not.toContain('server words')
    }
    expect(t('image_too_large', 413)).toContain('像素')
    expect(t('something_new')).toBe('文件未通过检查') // the server's English words never reach the zh-CN UI (#17)
    setLocale('en')
    expect(t('something_new', 418)).toBe('The request failed (418): server words something_new')
    expect(fileProblemText(problemOf(new TypeError('Failed to fetch')))).toBe('Network error; try again')
  })
})

describe('FileUploader', () => {
  beforeEach(() => {
    FakeXHR.sent = []
    vi.stubGlobal('XMLHttpRequest', FakeXHR)
    setToken({ access_token: 'tok-9', token_type: 'bearer', expires_in: 900 })
    setLocale('en')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    setLocale('zh-CN')
  })

  it('uploads several files at once, each with its own progress bar, and emits each stored file', async () => {
    const w = mount(FileUploader, { props: { service: 'training' }, global: { plugins: [i18n] }, attachTo: document.body })
    await pick(w, [new File(['%PDF-1.7 a'], '结业证书.pdf', { type: 'application/pdf' }), new File(['\x89PNG'], 'photo.png', { type: 'image/png' })])
    await until(() => FakeXHR.sent.length === 2)
    const [a, b] = FakeXHR.sent
    expect(a.method).toBe('POST')
    expect(a.url).toBe(`/api/training/attachments?filename=${encodeURIComponent('结业证书.pdf')}`)
    expect(a.headers.Authorization).toBe('Bearer tok-9')
    expect(a.headers['Content-Type']).toBe('application/pdf')
    expect(a.body).toBeInstanceOf(File)

    a.progress(40, 100)
    b.progress(90, 100)
    await flushPromises()
    const entries = w.findAll('[data-test="upload-entry"]')
    expect(entries).toHaveLength(2)
    expect(entries[0].text()).toContain('Uploading 40%')
    expect(entries[1].text()).toContain('Uploading 90%')
    expect(entries[0].find('.el-progress-bar__inner').attributes('style')).toContain('width: 40%')

    a.respond(201, stored())
    b.respond(201, stored({ id: 12, name: 'photo.png', kind: 'png', media_type: 'image/png' }))
    await until(() => (w.emitted('uploaded')?.length ?? 0) === 2)
    expect(w.emitted('uploaded')!.map((e) => (e[0] as Attachment).id)).toEqual([11, 12])
    expect(w.findAll('[data-test="upload-entry"]').map((e) => e.attributes('data-status'))).toEqual(['done', 'done'])
    w.unmount()
  })

  it('refuses a file over the limit before sending a byte, naming the limit', async () => {
    const w = mount(FileUploader, { props: { service: 'plans', limits: { jpeg: 5 * MB } }, global: { plugins: [i18n] }, attachTo: document.body })
    const photo = new File(['\xff\xd8\xff'], 'canteen.jpg', { type: 'image/jpeg' })
    Object.defineProperty(photo, 'size', { value: 6 * MB })
    await pick(w, [photo])
    await until(() => w.find('[data-test="upload-error"]').exists())
    expect(w.find('[data-test="upload-error"]').text()).toBe('The file is larger than the limit of 5 MB')
    expect(FakeXHR.sent).toHaveLength(0)
    w.unmount()
  })

  it('shows the server’s refusal translated, and retry sends the file again', async () => {
    setLocale('zh-CN')
    const w = mount(FileUploader, { props: { service: 'evaluation' }, global: { plugins: [i18n] }, attachTo: document.body })
    await pick(w, [new File(['%PDF-1.7 /JavaScript'], '申报书.pdf', { type: 'application/pdf' })])
    await until(() => FakeXHR.sent.length === 1)
    FakeXHR.sent[0].respond(422, { status: 422, code: 'pdf_active_content', detail: 'The PDF holds JavaScript' })
    await until(() => w.find('[data-test="upload-error"]').exists())
    expect(w.find('[data-test="upload-error"]').text()).toBe('PDF 包含脚本或其他可执行内容，已拒绝')
    expect(w.emitted('uploaded')).toBeUndefined()

    await w.find('[data-test="upload-retry"]').trigger('click')
    await until(() => FakeXHR.sent.length === 2)
    FakeXHR.sent[1].respond(201, stored({ id: 21, name: '申报书.pdf' }))
    await until(() => w.find('[data-test="upload-entry"]').attributes('data-status') === 'done')
    expect(w.find('[data-test="upload-error"]').exists()).toBe(false)
    expect((w.emitted('uploaded')![0][0] as Attachment).id).toBe(21)
    w.unmount()
  })

  it('runs `after` once stored; its failure shows on the file and retry runs it again without a second upload', async () => {
    let calls = 0
    const after = vi.fn(async () => {
      calls++
      if (calls === 1) throw new ApiError(409, { status: 409, detail: 'approved' }, null)
    })
    const w = mount(FileUploader, { props: { service: 'training', after, clearDone: true }, global: { plugins: [i18n] }, attachTo: document.body })
    await pick(w, [new File(['%PDF-1.7'], 'cert.pdf', { type: 'application/pdf' })])
    await until(() => FakeXHR.sent.length === 1)
    FakeXHR.sent[0].respond(201, stored())
    await until(() => w.find('[data-test="upload-error"]').exists())
    expect(w.find('[data-test="upload-error"]').text()).toContain('Conflicts with the current state')
    await w.find('[data-test="upload-retry"]').trigger('click')
    await until(() => !w.find('[data-test="upload-entry"]').exists())
    expect(after).toHaveBeenCalledTimes(2)
    expect(FakeXHR.sent).toHaveLength(1)
    w.unmount()
  })

  it('retries once with a refreshed token when the upload is answered 401', async () => {
    const f = mockFetch((url) =>
      url === '/api/auth/web/refresh' ? jsonResponse({ body: { access_token: 'tok-10', token_type: 'bearer', expires_in: 900 } }) : jsonResponse({ status: 404, body: {} }),
    )
    localStorage.setItem('sq.session', '1')
    const p = uploadAttachment('training', new File(['%PDF-1.7'], 'c.pdf'))
    await until(() => FakeXHR.sent.length === 1)
    FakeXHR.sent[0].respond(401, { status: 401 })
    await until(() => FakeXHR.sent.length === 2)
    expect(f).toHaveBeenCalledTimes(1)
    expect(FakeXHR.sent[1].headers.Authorization).toBe('Bearer tok-10')
    FakeXHR.sent[1].respond(201, stored())
    expect((await p).id).toBe(11)
  })
})

describe('AttachmentList', () => {
  beforeEach(() => {
    setToken({ access_token: 'tok-9', token_type: 'bearer', expires_in: 900 })
    setLocale('en')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    setLocale('zh-CN')
  })

  it('shows image thumbnails fetched with the token and downloads under the original (Chinese) name', async () => {
    const f = mockFetch(
      (url) => new Response(new Blob([url.includes('thumbnail') ? 'thumb' : '%PDF-1.7'], { type: url.includes('thumbnail') ? 'image/jpeg' : 'application/pdf' }), { status: 200 }),
    )
    const created: Blob[] = []
    vi.stubGlobal('URL', Object.assign(Object.create(URL), { createObjectURL: (b: Blob) => (created.push(b), `blob:test/${created.length}`), revokeObjectURL: () => undefined }))
    const clicked: string[] = []
    const origClick = HTMLAnchorElement.prototype.click
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicked.push(this.download)
    }
    try {
      const photo = stored({ id: 12, name: '食堂改造.jpg', kind: 'jpeg', media_type: 'image/jpeg', thumbnail_url: '/api/plans/attachments/12/thumbnail' })
      const w = mount(AttachmentList, { props: { service: 'plans', items: [stored(), photo], deletable: false }, global: { plugins: [i18n] }, attachTo: document.body })
      await until(() => w.find('[data-test="attachment-thumb"]').exists())
      expect(w.find('[data-test="attachment-thumb"]').attributes('src')).toBe('blob:test/1')
      const thumbCall = f.mock.calls.find((c) => String(c[0]).includes('thumbnail'))!
      expect(new Headers((thumbCall[1] as RequestInit).headers as HeadersInit).get('Authorization')).toBe('Bearer tok-9')
      expect(w.findAll('[data-test="attachment-delete"]')).toHaveLength(0)

      await w.findAll('[data-test="attachment-download"]')[0].trigger('click')
      await until(() => clicked.length === 1)
      expect(clicked).toEqual(['结业证书.pdf'])
      expect(f.mock.calls.some((c) => c[0] === '/api/training/attachments/11/content')).toBe(true)
      w.unmount()
    } finally {
      HTMLAnchorElement.prototype.click = origClick
    }
  })

  it('offers delete only when allowed, and emits the deleted file after the server agreed', async () => {
    const f = mockFetch(() => new Response(null, { status: 204 }))
    const w = mount(AttachmentList, { props: { service: 'training', items: [stored()], deletable: true }, global: { plugins: [i18n] }, attachTo: document.body })
    await w.find('[data-test="attachment-delete"]').trigger('click')
    await until(() => document.querySelector('.el-message-box') !== null)
    ;(document.querySelector('.el-message-box__btns .el-button--primary') as HTMLElement).click()
    await until(() => (w.emitted('deleted')?.length ?? 0) === 1)
    expect(f.mock.calls[0][0]).toBe('/api/training/attachments/11')
    expect((f.mock.calls[0][1] as RequestInit).method).toBe('DELETE')
    w.unmount()
  })
})

describe('AttachmentsPanel', () => {
  beforeEach(() => {
    FakeXHR.sent = []
    vi.stubGlobal('XMLHttpRequest', FakeXHR)
    setToken({ access_token: 'tok-9', token_type: 'bearer', expires_in: 900 })
    setLocale('en')
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    setLocale('zh-CN')
  })

  it('lists the owner’s files, uploads to the owner’s service and attaches each stored file to the owner', async () => {
    const attached: unknown[] = []
    let items = [stored({ id: 5, name: '改造前.png', kind: 'png', media_type: 'image/png', content_url: '/api/plans/attachments/5/content' })]
    const f = mockFetch(async (url, init) => {
      if (url === '/api/plans/progress/9/attachments' && init.method === 'POST') {
        attached.push(JSON.parse(String(init.body)))
        items = [...items, stored({ id: 6, name: '改造后.png', kind: 'png', media_type: 'image/png' })]
        return jsonResponse({ body: { items } })
      }
      if (url === '/api/plans/progress/9/attachments') return jsonResponse({ body: { items } })
      return new Response(new Blob(['x'], { type: 'image/jpeg' }), { status: 200 })
    })
    const w = mount(AttachmentsPanel, { props: { owner: 'progress', ownerId: 9, editable: true }, global: { plugins: [i18n] }, attachTo: document.body })
    await until(() => w.findAll('[data-test="attachment"]').length === 1)
    await pick(w, [new File(['\x89PNG'], '改造后.png', { type: 'image/png' })])
    await until(() => FakeXHR.sent.length === 1)
    expect(FakeXHR.sent[0].url).toBe(`/api/plans/attachments?filename=${encodeURIComponent('改造后.png')}`)
    FakeXHR.sent[0].respond(201, stored({ id: 6, name: '改造后.png', kind: 'png', media_type: 'image/png' }))
    await until(() => w.findAll('[data-test="attachment"]').length === 2)
    expect(attached).toEqual([{ attachment_ids: [6] }])
    expect(w.findAll('[data-test="attachment-name"]').map((n) => n.text())).toEqual(['改造前.png', '改造后.png'])
    expect(w.find('[data-test="upload-entry"]').exists()).toBe(false) // shown in the list now, not twice
    expect(f.mock.calls.filter((c) => c[0] === '/api/plans/progress/9/attachments').length).toBe(3)
    w.unmount()
  })

  it('read-only: no uploader and no delete, and a refusal to list is shown translated', async () => {
    mockFetch(() => jsonResponse({ status: 404, body: { status: 404, title: 'Not Found', detail: 'No such nomination' } }))
    const w = mount(AttachmentsPanel, { props: { owner: 'nominations', ownerId: 3 }, global: { plugins: [i18n] }, attachTo: document.body })
    await until(() => w.find('.el-alert').exists())
    expect(w.find('.el-alert').text()).toContain('Not found (or outside what you may see)')
    expect(w.find('[data-test="file-uploader"]').exists()).toBe(false)
    expect(w.find('[data-test="attachment-delete"]').exists()).toBe(false)
    w.unmount()
  })
})
