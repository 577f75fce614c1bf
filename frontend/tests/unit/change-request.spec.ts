import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import type { Task } from '@/api/plans-types'
import ChangeRequestsPanel from '@/views/plans/ChangeRequestsPanel.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const task = {
  id: 42, plan_id: 7, university_id: 3, category: 'service', title: 'Canteen service week', description: 'Weekly open kitchen',
  department_id: 11, responsible_user_id: null, responsible_name: 'Li Wei', start_on: '2026-03-01', due_on: '2026-06-30',
  expected_outputs: '', sort_order: 0,
} as unknown as Task

describe('change request form', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    document.body.innerHTML = ''
  })

  it('sends only the changed task fields with the reason', async () => {
    setLocale('en')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const f = mockFetch((url, init) => {
      if (url.startsWith('/api/plans/plans/7/change-requests') && (init.method ?? 'GET') === 'GET') {
        return jsonResponse({ body: { items: [], total: 0, limit: 200, offset: 0 } })
      }
      if (url === '/api/plans/plans/7/change-requests' && init.method === 'POST') {
        const body = JSON.parse(String(init.body))
        return jsonResponse({
          status: 201,
          body: {
            id: 1, plan_id: 7, university_id: 3, milestone_id: null, status: 'pending', requested_by: 'uni', requested_at: '2026-11-26T00:00:00Z',
            decided_by: null, decided_at: null, decision_comment: null, version: 1, ...body,
          },
        })
      }
      return jsonResponse({ status: 404, body: { status: 404, title: 'Not Found' } })
    })
    const w = mount(ChangeRequestsPanel, {
      props: { planId: 7, tasks: [task], canRequest: true },
      global: { plugins: [i18n], directives: { perm: {} } },
      attachTo: document.body,
    })
    await flushPromises()
    await w.find('[data-test="cr-create"]').trigger('click')
    await flushPromises()

    const select = w.findComponent({ name: 'ElSelect' })
    select.vm.$emit('update:modelValue', 42)
    select.vm.$emit('change', 42)
    await flushPromises()

    const title = document.querySelector<HTMLInputElement>('input[data-test="cr-title"]')!
    expect(title.value).toBe('Canteen service week')
    title.value = 'Canteen service month'
    title.dispatchEvent(new Event('input'))
    const reason = document.querySelector<HTMLTextAreaElement>('textarea[data-test="cr-reason"]')!
    reason.value = 'Students asked for a longer event'
    reason.dispatchEvent(new Event('input'))
    await flushPromises()

    document.querySelector<HTMLButtonElement>('[data-test="cr-save"]')!.click()
    await flushPromises()

    const post = f.mock.calls.find(([, init]) => init?.method === 'POST')
    expect(post).toBeDefined()
    expect(post![0]).toBe('/api/plans/plans/7/change-requests')
    expect(JSON.parse(String(post![1]!.body))).toEqual({
      kind: 'update_task',
      task_id: 42,
      changes: { title: 'Canteen service month' },
      reason: 'Students asked for a longer event',
    })
  })

  it('does not send a request without any change', async () => {
    setLocale('en')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const f = mockFetch(() => jsonResponse({ body: { items: [], total: 0, limit: 200, offset: 0 } }))
    const w = mount(ChangeRequestsPanel, {
      props: { planId: 7, tasks: [task], canRequest: true },
      global: { plugins: [i18n], directives: { perm: {} } },
      attachTo: document.body,
    })
    await flushPromises()
    await w.find('[data-test="cr-create"]').trigger('click')
    await flushPromises()
    const select = w.findComponent({ name: 'ElSelect' })
    select.vm.$emit('update:modelValue', 42)
    select.vm.$emit('change', 42)
    await flushPromises()
    document.querySelector<HTMLButtonElement>('[data-test="cr-save"]')!.click()
    await flushPromises()
    expect(f.mock.calls.some(([, init]) => init?.method === 'POST')).toBe(false)
    expect(document.querySelector('[data-test="cr-save"]')).not.toBeNull()
  })
})
