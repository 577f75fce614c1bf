import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import type { Task, TaskDetail } from '@/api/plans-types'
import OrgSelect from '@/components/OrgSelect.vue'
import ChangeRequestsPanel from '@/views/plans/ChangeRequestsPanel.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const task = {
  id: 42, plan_id: 7, university_id: 3, category: 'service', title: 'Canteen service week', description: 'Weekly open kitchen',
  department_id: 11, responsible_user_id: null, responsible_name: 'Li Wei', start_on: '2026-03-01', due_on: '2026-06-30',
  expected_outputs: '', sort_order: 0,
} as unknown as Task

/** Element Plus debounces the error state of a form item (~100 ms). */
const settle = async () => {
  await new Promise((r) => setTimeout(r, 250))
  await flushPromises()
}
const type = (sel: string, value: string) => {
  const el = document.querySelector<HTMLInputElement | HTMLTextAreaElement>(sel)!
  el.value = value
  el.dispatchEvent(new Event('input'))
}
const empty = { items: [], total: 0, limit: 200, offset: 0 }
const created = (body: Record<string, unknown>) => ({
  id: 1, plan_id: 7, university_id: 3, task_id: null, milestone_id: null, status: 'pending', requested_by: 'uni', requested_at: '2026-11-26T00:00:00Z',
  decided_by: null, decided_at: null, decision_comment: null, version: 1, ...body,
})

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

  it('adds a task with its milestones, and shows a server 422 next to the milestone', async () => {
    setLocale('en')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const f = mockFetch((url, init) => {
      if (url === '/api/plans/plans/7/change-requests' && init.method === 'POST') {
        return jsonResponse({
          status: 422,
          body: { status: 422, title: 'Unprocessable Content', errors: [{ loc: ['body', 'changes', 'milestones', 0, 'title'], msg: 'Milestone title too vague' }] },
        })
      }
      return jsonResponse({ body: empty })
    })
    const w = mount(ChangeRequestsPanel, {
      props: { planId: 7, tasks: [task], universityId: 3, canRequest: true },
      global: { plugins: [i18n], directives: { perm: {} } },
      attachTo: document.body,
    })
    await flushPromises()
    await w.find('[data-test="cr-create"]').trigger('click')
    await flushPromises()
    const kind = w.findComponent({ name: 'ElRadioGroup' })
    kind.vm.$emit('update:modelValue', 'add_task')
    kind.vm.$emit('change', 'add_task')
    await flushPromises()

    type('input[data-test="cr-title"]', 'Recycling week')
    type('input[data-test="cr-responsible"]', 'Wang Fang')
    w.findComponent(OrgSelect).vm.$emit('update:modelValue', 11)
    const dates = w.findAllComponents({ name: 'ElDatePicker' })
    dates[0].vm.$emit('update:modelValue', '2026-12-02')
    dates[1].vm.$emit('update:modelValue', '2026-12-30')
    await flushPromises()
    document.querySelector<HTMLButtonElement>('[data-test="cr-add-milestone"]')!.click()
    await flushPromises()
    type('[data-test="cr-ms-row"] input', 'Kick-off')
    type('textarea[data-test="cr-reason"]', 'The students union asked for it')
    await flushPromises()
    document.querySelector<HTMLButtonElement>('[data-test="cr-save"]')!.click()
    await flushPromises()
    await settle()

    const post = f.mock.calls.find(([, init]) => init?.method === 'POST')
    expect(post).toBeDefined()
    expect(JSON.parse(String(post![1]!.body))).toEqual({
      kind: 'add_task',
      reason: 'The students union asked for it',
      changes: {
        category: 'service', title: 'Recycling week', description: '', department_id: 11, responsible_name: 'Wang Fang',
        start_on: '2026-12-02', due_on: '2026-12-30', expected_outputs: '', milestones: [{ title: 'Kick-off', due_on: '2026-12-30' }],
      },
    })
    expect(document.querySelector('[data-test="cr-ms-row"]')!.textContent).toContain('Milestone title too vague')
    w.unmount()
  })

  it('checks a new task in the browser before sending it', async () => {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const f = mockFetch(() => jsonResponse({ body: empty }))
    const w = mount(ChangeRequestsPanel, {
      props: { planId: 7, tasks: [task], canRequest: true },
      global: { plugins: [i18n], directives: { perm: {} } },
      attachTo: document.body,
    })
    await flushPromises()
    await w.find('[data-test="cr-create"]').trigger('click')
    await flushPromises()
    const kind = w.findComponent({ name: 'ElRadioGroup' })
    kind.vm.$emit('update:modelValue', 'add_task')
    kind.vm.$emit('change', 'add_task')
    await flushPromises()
    const dates = w.findAllComponents({ name: 'ElDatePicker' })
    dates[0].vm.$emit('update:modelValue', '2026-12-20')
    dates[1].vm.$emit('update:modelValue', '2026-12-10')
    await flushPromises()
    document.querySelector<HTMLButtonElement>('[data-test="cr-save"]')!.click()
    await flushPromises()
    await settle()
    expect(f.mock.calls.some(([, init]) => init?.method === 'POST')).toBe(false)
    const text = document.querySelector('[data-test="cr-form"]')!.textContent ?? ''
    for (const key of ['changes.v.title', 'changes.v.department', 'changes.v.responsible', 'changes.v.startAfterDue', 'changes.reasonRequired']) {
      expect(text).toContain(i18n.global.t(key))
    }
    w.unmount()
  })

  it('updates one milestone with only the changed fields', async () => {
    setLocale('en')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const f = mockFetch((url, init) => {
      if (init.method === 'POST') return jsonResponse({ status: 201, body: created(JSON.parse(String(init.body))) })
      return jsonResponse({ body: empty })
    })
    const detail = {
      ...task, milestones: [{ id: 5, task_id: 42, seq: 1, title: 'Kick-off', due_on: '2026-04-01', status: 'not_started', percent: 0, completed_on: null, evidence: '', overdue: false, version: 1 }],
    } as unknown as TaskDetail
    const w = mount(ChangeRequestsPanel, {
      props: { planId: 7, tasks: [task], details: [detail], canRequest: true },
      global: { plugins: [i18n], directives: { perm: {} } },
      attachTo: document.body,
    })
    await flushPromises()
    await w.find('[data-test="cr-create"]').trigger('click')
    await flushPromises()
    const kind = w.findComponent({ name: 'ElRadioGroup' })
    kind.vm.$emit('update:modelValue', 'update_milestone')
    kind.vm.$emit('change', 'update_milestone')
    await flushPromises()
    const taskSelect = w.findComponent({ name: 'ElSelect' })
    taskSelect.vm.$emit('update:modelValue', 42)
    taskSelect.vm.$emit('change', 42)
    await flushPromises()
    const msSelect = w.findAllComponents({ name: 'ElSelect' })[1]
    msSelect.vm.$emit('update:modelValue', 5)
    msSelect.vm.$emit('change', 5)
    await flushPromises()
    expect(document.querySelector<HTMLInputElement>('input[data-test="cr-ms-title"]')!.value).toBe('Kick-off')
    w.findComponent({ name: 'ElDatePicker' }).vm.$emit('update:modelValue', '2026-05-01')
    type('textarea[data-test="cr-reason"]', 'Supplier delayed')
    await flushPromises()
    document.querySelector<HTMLButtonElement>('[data-test="cr-save"]')!.click()
    await flushPromises()
    const post = f.mock.calls.find(([, init]) => init?.method === 'POST')
    expect(JSON.parse(String(post![1]!.body))).toEqual({
      kind: 'update_milestone', task_id: 42, milestone_id: 5, changes: { due_on: '2026-05-01' }, reason: 'Supplier delayed',
    })
    w.unmount()
  })
})
