import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import ProfileView from '@/views/ProfileView.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

/** Element Plus debounces the error state of a form item (~100 ms). */
const settle = async () => {
  await new Promise((r) => setTimeout(r, 250))
  await flushPromises()
}

/** The profile page also reads the person's e-mail preference (#18): answered here, left out of the counts. */
const MAIL = '/api/mail/preference'
const mailPreference = () => jsonResponse({ body: { mode: 'off', email: '', language: 'zh-CN' } })
const passwordCalls = (f: ReturnType<typeof mockFetch>) => f.mock.calls.filter(([url]) => String(url) !== MAIL)

describe('a form with 422 field errors', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
  })

  it('shows each server message next to its field', async () => {
    setLocale('en')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const f = mockFetch((url) =>
      url === MAIL ? mailPreference() : jsonResponse({
        status: 422,
        body: {
          type: 'about:blank', title: 'Unprocessable Content', status: 422,
          errors: [{ loc: ['body', 'new_password'], msg: 'Value error, the password needs a digit' }],
        },
      }),
    )
    const w = mount(ProfileView, { global: { plugins: [i18n], directives: { perm: {} } }, attachTo: document.body })
    const inputs = w.findAll('input[type="password"]')
    expect(inputs).toHaveLength(3)
    await inputs[0].setValue('Old@password1')
    await inputs[1].setValue('nodigitsatall')
    await inputs[2].setValue('nodigitsatall')
    await w.find('form').trigger('submit')
    await flushPromises()
    await settle()

    expect(passwordCalls(f)).toHaveLength(1)
    const [url, init] = passwordCalls(f)[0]
    expect(url).toBe('/api/auth/password')
    expect(JSON.parse(String((init as RequestInit).body))).toEqual({ current_password: 'Old@password1', new_password: 'nodigitsatall' })
    const items = w.findAll('.el-form-item')
    const newPw = items.find((i) => i.text().includes('New password') && !i.text().includes('Confirm'))
    expect(newPw?.find('.el-form-item__error').text()).toBe('Value error, the password needs a digit')
    expect(items.filter((i) => i.find('.el-form-item__error').exists())).toHaveLength(1)
    w.unmount()
  })

  it('checks the confirmation locally without calling the server', async () => {
    setLocale('zh-CN')
    setActivePinia(createPinia())
    const f = mockFetch((url) => (url === MAIL ? mailPreference() : jsonResponse({ status: 204 })))
    const w = mount(ProfileView, { global: { plugins: [i18n], directives: { perm: {} } }, attachTo: document.body })
    const inputs = w.findAll('input[type="password"]')
    await inputs[1].setValue('Abcdefgh123')
    await inputs[2].setValue('Abcdefgh124')
    await w.find('form').trigger('submit')
    await flushPromises()
    await settle()
    expect(passwordCalls(f)).toHaveLength(0)
    expect(w.text()).toContain(i18n.global.t('profile.mismatch'))
    w.unmount()
  })
})
