import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import { useAuthStore } from '@/stores/auth'
import CoursesView from '@/views/training/CoursesView.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const until = async (cond: () => boolean, ms = 4000) => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50))
    await flushPromises()
  }
}

const course = {
  id: 5, title: '消防演练', organizer_level: 'university', organizer_org_id: 10, organizer_name: '甲大学', university_id: 10, department_id: null,
  themes: ['safety'], starts_on: '2025-09-01', ends_on: '2025-09-02', hours: 8, days: 1, capacity: null, enrolled: 1, created_by: '210',
  created_at: '2025-08-01T00:00:00Z', version: 1,
}

describe('course attendance import (#17)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    setLocale('en')
  })

  it('opens from the attendance drawer, checks the file and shows the Chinese error at its Excel row', async () => {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const auth = useAuthStore()
    auth.me = { id: 210, role: 'university_admin', university_id: 10, department_id: null, permissions: ['training:course:manage'] } as never
    const error = {
      row: 1, column: 'employee_no', message: "employee number 'B1' is not enrolled", sheet_row: 3, header: '工号', code: 'not_enrolled',
      params: { value: 'B1' }, message_zh: '工号“B1”不是本课程的报名人员（或不在您的管理范围内）',
    }
    const f = mockFetch((url) => {
      if (url.startsWith('/api/training/courses/5/attendance/import?')) {
        return jsonResponse({ body: { total: 2, accepted: 0, rejected: 1, attended: 0, records_created: 0, dry_run: true, errors: [error] } })
      }
      if (url.includes('/attachments')) return jsonResponse({ body: { items: [] } })
      if (url.startsWith('/api/training/courses/5/enrolments')) return jsonResponse({ body: [] })
      if (url.startsWith('/api/training/courses')) return jsonResponse({ body: { items: [course], total: 1, limit: 20, offset: 0 } })
      return jsonResponse({ body: { items: [], total: 0, limit: 20, offset: 0 } })
    })
    const w = mount(CoursesView, { global: { plugins: [i18n], directives: { perm: {}, pageSizeLabel: {} } }, attachTo: document.body })
    await until(() => w.find('[data-test="course-open"]').exists())
    await w.find('[data-test="course-open"]').trigger('click')
    await until(() => document.querySelector('[data-test="attendance-import"]') !== null)
    ;(document.querySelector('[data-test="attendance-import"]') as HTMLButtonElement).click()
    await until(() => document.querySelector('[data-test="import-dialog-upload"] input[type="file"]') !== null)
    expect(document.body.textContent).toContain('导入出勤：消防演练')
    const input = document.querySelector('[data-test="import-dialog-upload"] input[type="file"]') as HTMLInputElement
    Object.defineProperty(input, 'files', { value: [new File(['x'], 'a.xlsx')] })
    input.dispatchEvent(new Event('change'))
    await flushPromises()
    ;(document.querySelector('[data-test="import-dialog-check"]') as HTMLButtonElement).click()
    await until(() => document.querySelector('[data-test="import-dialog-errors"]') !== null)
    expect(f.mock.calls.some(([u]) => String(u) === '/api/training/courses/5/attendance/import?dry_run=true')).toBe(true)
    expect(document.querySelector('[data-test="import-dialog-errors"]')?.textContent).toContain('第 3 行 · 工号：工号“B1”不是本课程的报名人员')
    w.unmount()
  })
})
