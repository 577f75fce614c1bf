/**
 * Responsibility letters (#16): "下载 PDF" beside the Word download asks the plans service for format=pdf and saves
 * the file under the Chinese name the server gives (RFC 6266 filename*); both labels exist in zh-CN and en.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import LettersPanel from '@/views/plans/LettersPanel.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const letter = {
  id: 7, plan_id: 3, university_id: 10, target: 'department', department_id: 11, department_name: '饮食服务中心',
  responsible_user_id: null, responsible_name: '', current_version: 2, content_hash: 'ab', status: 'unsigned',
}

describe('letters as PDF', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    setLocale('zh-CN')
  })

  it('downloads the PDF beside the Word file, named as the server names it', async () => {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const name = '任务责任书-2026-7-v2.pdf'
    const f = mockFetch((url) => {
      if (url.startsWith('/api/plans/letters?')) return jsonResponse({ body: { items: [letter], total: 1, limit: 500, offset: 0 } })
      if (url.startsWith('/api/plans/letters/7/document')) {
        return new Response('%PDF-1.4', {
          headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="file.pdf"; filename*=UTF-8''${encodeURIComponent(name)}` },
        })
      }
      return jsonResponse({ status: 404, body: { status: 404, title: 'Not Found' } })
    })
    const saved: string[] = []
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:x', revokeObjectURL: () => undefined }))
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download)
    })
    const w = mount(LettersPanel, { global: { plugins: [i18n], directives: { perm: {} } }, attachTo: document.body })
    await flushPromises()
    const pdf = w.find('[data-test="letter-download-pdf"]')
    expect(pdf.text()).toBe('下载 PDF')
    expect(w.find('[data-test="letter-download"]').text()).toBe('下载 Word')
    await pdf.trigger('click')
    await flushPromises()
    const asked = f.mock.calls.map(([u]) => String(u)).filter((u) => u.startsWith('/api/plans/letters/7/document'))
    expect(asked).toEqual(['/api/plans/letters/7/document?format=pdf'])
    expect(saved).toEqual([name])

    setLocale('en')
    await flushPromises()
    expect(w.find('[data-test="letter-download-pdf"]').text()).toBe('Download PDF')
    click.mockRestore()
    w.unmount()
  })
})
