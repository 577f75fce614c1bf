import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import ImportView from '@/views/training/ImportView.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const job = (over: Record<string, unknown>) => ({
  id: 7, status: 'queued', dry_run: true, filename: 'ledger.csv', total: 3, processed: 0, progress: 0, result: null, error: null,
  url: '/api/training/records/import-jobs/7', created_at: '2026-11-26T00:00:00Z', updated_at: '2026-11-26T00:00:00Z', ...over,
})

const until = async (cond: () => boolean, ms = 4000) => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50))
    await flushPromises()
  }
}

describe('Excel import', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
  })

  it('runs the dry run as a job, shows its progress, then every wrong row, and keeps Import disabled', async () => {
    setLocale('en')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    let polls = 0
    const f = mockFetch((url, init) => {
      if (url.startsWith('/api/training/records/import-jobs?') && init.method === 'POST') return jsonResponse({ status: 202, body: job({}) })
      if (url === '/api/training/records/import-jobs/7') {
        polls++
        if (polls < 2) return jsonResponse({ body: job({ status: 'running', processed: 1, progress: 0.33 }) })
        return jsonResponse({
          body: job({
            status: 'done', processed: 3, progress: 1,
            result: { total: 3, accepted: 2, rejected: 1, dry_run: true, errors: [{ row: 2, column: 'employee_no', message: 'no staff member with this employee number' }] },
          }),
        })
      }
      return jsonResponse({ status: 404, body: { status: 404, title: 'Not Found' } })
    })
    const w = mount(ImportView, { global: { plugins: [i18n], directives: { perm: {} } }, attachTo: document.body })
    const input = w.find('input[type="file"]')
    const file = new File(['employee_no,title\n'], 'ledger.csv', { type: 'text/csv' })
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await flushPromises()

    await w.find('[data-test="import-check"]').trigger('click')
    await until(() => w.find('[data-test="import-progress"]').exists())
    expect(w.find('[data-test="import-progress"]').exists()).toBe(true)

    await until(() => w.find('[data-test="import-errors"]').exists())
    const [, init] = f.mock.calls[0]
    expect(f.mock.calls[0][0]).toBe('/api/training/records/import-jobs?dry_run=true')
    expect((init as RequestInit).body).toBeInstanceOf(FormData)
    expect(w.find('[data-test="import-rejected"]').text()).toBe('1')
    expect(w.find('[data-test="import-errors"]').text()).toContain('no staff member with this employee number')
    expect(w.find('[data-test="import-commit"]').attributes('disabled')).toBeDefined()
    w.unmount()
  })
  it('names the Excel row and the header in Chinese and downloads the error report (#17)', async () => {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const error = {
      row: 2, column: 'taken_on', message: 'not a date (YYYY-MM-DD)', sheet_row: 4, header: '培训日期', code: 'not_date', params: {},
      message_zh: '不是有效日期，请按 2026-03-15 的格式填写',
    }
    const f = mockFetch((url, init) => {
      if (url.startsWith('/api/training/records/import-jobs?') && init.method === 'POST') {
        return jsonResponse({ status: 202, body: job({ status: 'done', processed: 3, progress: 1, result: { total: 3, accepted: 2, rejected: 1, dry_run: true, errors: [error] } }) })
      }
      if (url.startsWith('/api/training/records/import-report?')) {
        return new Response(new Blob(['xlsx']), { status: 200, headers: { 'content-disposition': "attachment; filename*=UTF-8''%E9%94%99%E8%AF%AF%E6%8A%A5%E5%91%8A-a.xlsx" } })
      }
      return jsonResponse({ status: 404, body: { status: 404, title: 'Not Found' } })
    })
    const createObjectURL = vi.fn(() => 'blob:report')
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }))
    const w = mount(ImportView, { global: { plugins: [i18n], directives: { perm: {} } }, attachTo: document.body })
    expect(w.text()).not.toContain('英文分号')
    expect(w.text()).toContain('“；”“、”或“，”')
    const input = w.find('input[type="file"]')
    Object.defineProperty(input.element, 'files', { value: [new File(['x'], 'a.xlsx')] })
    await input.trigger('change')
    await flushPromises()
    await w.find('[data-test="import-check"]').trigger('click')
    await until(() => w.find('[data-test="import-errors"]').exists())
    const cells = w.findAll('[data-test="import-errors"] tbody td').map((td) => td.text())
    expect(cells).toEqual(['4', '培训日期', '不是有效日期，请按 2026-03-15 的格式填写'])
    await w.find('[data-test="import-report"]').trigger('click')
    await until(() => createObjectURL.mock.calls.length > 0)
    const call = f.mock.calls.find(([u]) => String(u).startsWith('/api/training/records/import-report'))
    expect(call?.[0]).toBe('/api/training/records/import-report?lang=zh')
    expect((call?.[1] as RequestInit).method).toBe('POST')
    expect(createObjectURL).toHaveBeenCalled()
    w.unmount()
    setLocale('en')
  })
})
