import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, reactive, ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { ElForm, type FormInstance } from 'element-plus'
import type { RecordFields } from '@/api/types'
import { setToken } from '@/api/session'
import RecordFieldsForm from '@/components/RecordFieldsForm.vue'
import TaskDialog from '@/components/plans/TaskDialog.vue'
import CoursesView from '@/views/training/CoursesView.vue'
import { i18n, setLocale } from '@/i18n'
import { recordRules, validForm } from '@/utils/formRules'
import { jsonResponse, mockFetch } from './setup-fetch'

/** Element Plus debounces the error state of a form item (~100 ms). */
const settle = async () => {
  await new Promise((r) => setTimeout(r, 250))
  await flushPromises()
}
const errorsOf = (w: { findAll: (s: string) => { text: () => string }[] }) => w.findAll('.el-form-item__error').map((e) => e.text())

describe('form rules in the user language (#17)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    setLocale('zh-CN')
  })

  it('a training record without a name or a theme is not sent, and says so in Chinese', async () => {
    setLocale('zh-CN')
    let result: boolean | null = null
    const Host = defineComponent({
      setup() {
        const form = reactive<RecordFields>({ title: ' ', taken_on: '2026-03-01', hours: 4, days: 0, themes: [], organizer_level: 'university', evidence: '' })
        const formRef = ref<FormInstance>()
        const check = async () => {
          result = await validForm(formRef.value)
        }
        return () =>
          h(ElForm, { ref: formRef, model: form, rules: recordRules(), onSubmit: (e: Event) => { e.preventDefault(); void check() } }, () => [
            h(RecordFieldsForm, { modelValue: form, errors: {} }),
            h('button', { type: 'submit', id: 'go' }),
          ])
      },
    })
    const w = mount(Host, { global: { plugins: [i18n] }, attachTo: document.body })
    await w.find('form').trigger('submit')
    await flushPromises()
    await settle()
    expect(result).toBe(false)
    const shown = errorsOf(w)
    expect(shown).toEqual(['请输入培训名称', '请至少选择一个培训主题'])
    expect(shown.join('')).not.toMatch(/[A-Za-z]{3,}/)
    setLocale('en')
    await w.find('form').trigger('submit')
    await settle()
    expect(errorsOf(w)).toEqual(['Enter the training name', 'Choose at least one training theme'])
    w.unmount()
  })

  it('the task dialog checks its fields before sending anything', async () => {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const f = mockFetch(() => jsonResponse({ body: { items: [], total: 0, limit: 500, offset: 0 } }))
    const w = mount(TaskDialog, {
      props: { planId: 1, year: 2026, task: null, modelValue: true },
      global: { plugins: [i18n], directives: { perm: {} } },
      attachTo: document.body,
    })
    await flushPromises()
    const save = document.querySelector('[data-test="task-save"]') as HTMLButtonElement
    save.click()
    await flushPromises()
    await settle()
    const shown = [...document.querySelectorAll('[data-test="task-form"] .el-form-item__error')].map((e) => e.textContent?.trim())
    expect(shown).toEqual(['请输入任务名称', '请选择责任部门', '请输入主要责任人'])
    expect(f.mock.calls.filter(([url, init]) => String(url).includes('/tasks') && (init as RequestInit | undefined)?.method === 'POST')).toEqual([])
    w.unmount()
  })
  it('a course without a name or a theme is not sent, and says so in Chinese', async () => {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const f = mockFetch(() => jsonResponse({ body: { items: [], total: 0, limit: 20, offset: 0 } }))
    const w = mount(CoursesView, { global: { plugins: [i18n], directives: { perm: {}, pageSizeLabel: {} } }, attachTo: document.body })
    await flushPromises()
    await w.find('[data-test="course-create"]').trigger('click')
    await flushPromises()
    ;(document.querySelector('[data-test="course-save"]') as HTMLButtonElement).click()
    await flushPromises()
    await settle()
    const shown = [...document.querySelectorAll('.el-dialog .el-form-item__error')].map((e) => e.textContent?.trim())
    expect(shown).toEqual(['请输入课程名称', '请至少选择一个培训主题'])
    expect(f.mock.calls.filter(([url, init]) => String(url).includes('/courses') && (init as RequestInit | undefined)?.method === 'POST')).toEqual([])
    w.unmount()
  })
})
