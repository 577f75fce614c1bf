import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import { useAuthStore } from '@/stores/auth'
import StaffView from '@/views/training/StaffView.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const until = async (cond: () => boolean, ms = 4000) => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50))
    await flushPromises()
  }
}

describe('staff register import (#17)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    setLocale('en')
  })

  it('a department manager checks a file, reads the Chinese error at its Excel row and downloads the error report', async () => {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const auth = useAuthStore()
    auth.me = { id: 311, role: 'department_manager', university_id: 10, department_id: 11 } as never
    const error = {
      row: 2, column: 'department', message: "'学生公寓管理中心' is not your department", sheet_row: 3, header: '部门',
      code: 'other_department', params: { value: '学生公寓管理中心' }, message_zh: '“学生公寓管理中心”不是本部门，部门负责人只能导入本部门人员',
    }
    const f = mockFetch((url) => {
      if (url.startsWith('/api/training/staff/import?')) {
        return jsonResponse({ body: { total: 2, accepted: 0, rejected: 1, created: 0, updated: 0, unchanged: 0, dry_run: true, errors: [error] } })
      }
      if (url.startsWith('/api/training/staff/import-report?')) {
        return new Response(new Blob(['xlsx']), { status: 200, headers: { 'content-disposition': "attachment; filename*=UTF-8''%E9%94%99%E8%AF%AF%E6%8A%A5%E5%91%8A-a.xlsx" } })
      }
      if (url.startsWith('/api/training/staff')) return jsonResponse({ body: { items: [], total: 0, limit: 20, offset: 0 } })
      return jsonResponse({ status: 404, body: { status: 404, title: 'Not Found' } })
    })
    const createObjectURL = vi.fn(() => 'blob:report')
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }))
    const w = mount(StaffView, { global: { plugins: [i18n], directives: { perm: {}, pageSizeLabel: {} } }, attachTo: document.body })
    await flushPromises()
    await w.find('[data-test="staff-import"]').trigger('click')
    await until(() => document.querySelector('[data-test="import-dialog-upload"] input[type="file"]') !== null)
    expect(document.body.textContent).toContain('部门负责人只能导入本部门人员')
    const input = document.querySelector('[data-test="import-dialog-upload"] input[type="file"]') as HTMLInputElement
    Object.defineProperty(input, 'files', { value: [new File(['x'], 'a.xlsx')] })
    input.dispatchEvent(new Event('change'))
    await flushPromises()
    ;(document.querySelector('[data-test="import-dialog-check"]') as HTMLButtonElement).click()
    await until(() => document.querySelector('[data-test="import-dialog-errors"]') !== null)
    expect(f.mock.calls.some(([u]) => String(u) === '/api/training/staff/import?dry_run=true')).toBe(true)
    expect(document.querySelector('[data-test="import-dialog-errors"]')?.textContent).toContain(
      '第 3 行 · 部门：“学生公寓管理中心”不是本部门，部门负责人只能导入本部门人员',
    )
    expect((document.querySelector('[data-test="import-dialog-commit"]') as HTMLButtonElement).disabled).toBe(true)
    ;(document.querySelector('[data-test="import-dialog-report"]') as HTMLButtonElement).click()
    await until(() => createObjectURL.mock.calls.length > 0)
    const call = f.mock.calls.find(([u]) => String(u).startsWith('/api/training/staff/import-report'))
    expect(call?.[0]).toBe('/api/training/staff/import-report?lang=zh')
    w.unmount()
  })
})
