import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import LoginView from '@/views/LoginView.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const ME = {
  id: 9, username: 'fresh_a1', display_name: 'Fresh', role: 'staff', org_id: 4, university_id: 2,
  department_id: 4, scopes: [], permissions: [],
}

const CHANGE_REQUIRED = {
  type: 'urn:sanquan:problem:password-change-required', title: 'Password change required', status: 403,
  detail: 'The password was set by an administrator', code: 'password_change_required',
  error: 'invalid_grant', change_password_endpoint: '/api/auth/password/initial',
}

async function mountLogin() {
  setActivePinia(createPinia())
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', component: LoginView },
      { path: '/:any(.*)', component: { template: '<div>home</div>' } },
    ],
  })
  await router.push('/login')
  await router.isReady()
  const w = mount(LoginView, { global: { plugins: [i18n, router] }, attachTo: document.body })
  return { w, router }
}

/** Element Plus puts `data-test` on the <input> itself. */
function field(w: Awaited<ReturnType<typeof mountLogin>>['w'], name: string) {
  const own = w.find(`input[data-test="${name}"]`)
  return own.exists() ? own : w.find(`[data-test="${name}"] input`)
}

async function signIn(w: Awaited<ReturnType<typeof mountLogin>>['w'], username: string, password: string) {
  await field(w, 'username').setValue(username)
  await field(w, 'password').setValue(password)
  await w.find('form').trigger('submit')
  await flushPromises()
  await new Promise((r) => setTimeout(r, 50))
  await flushPromises()
}

describe('first sign-in of an account an administrator created', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    document.body.innerHTML = ''
  })

  it('asks for the person’s own password, sets it with the old one, then signs in with the new one', async () => {
    setLocale('en')
    const logins: unknown[] = []
    const f = mockFetch((url, init) => {
      const body = init.body ? JSON.parse(String(init.body)) : null
      if (url === '/api/auth/web/login') {
        logins.push(body)
        return body.password === 'Given-by-admin1'
          ? jsonResponse({ status: 403, body: CHANGE_REQUIRED })
          : jsonResponse({ body: { access_token: 'A', token_type: 'bearer', expires_in: 900 } })
      }
      if (url === '/api/auth/password/initial') {
        return body.new_password === '12345678a'
          ? jsonResponse({
              status: 422,
              body: { status: 422, title: 'Unprocessable Content', errors: [{ loc: ['body', 'new_password'], msg: 'the password needs not to be one of the most common passwords' }] },
            })
          : jsonResponse({ status: 204 })
      }
      return jsonResponse({ body: ME })
    })
    const { w, router } = await mountLogin()
    await signIn(w, 'fresh_a1', 'Given-by-admin1')
    const step = w.find('[data-test="initial-password-form"]')
    expect(step.exists()).toBe(true)
    expect(w.text()).toContain(i18n.global.t('login.changeTitle'))

    // The confirmation is checked here, without asking the server.
    await field(w, 'new-password').setValue('Own-choice-77')
    await field(w, 'confirm-password').setValue('Own-choice-78')
    await step.trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 250)) // Element Plus debounces a form item's error
    expect(f.mock.calls.filter((c) => c[0] === '/api/auth/password/initial')).toHaveLength(0)
    expect(w.text()).toContain(i18n.global.t('login.mismatch'))

    // The server's policy message shows next to the field.
    await field(w, 'new-password').setValue('12345678a')
    await field(w, 'confirm-password').setValue('12345678a')
    await step.trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 250))
    expect(w.text()).toContain('most common passwords')

    await field(w, 'new-password').setValue('Own-choice-77')
    await field(w, 'confirm-password').setValue('Own-choice-77')
    await step.trigger('submit')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 50))
    await flushPromises()
    const change = f.mock.calls.filter((c) => c[0] === '/api/auth/password/initial').at(-1)!
    expect(JSON.parse(String((change[1] as RequestInit).body))).toEqual({
      username: 'fresh_a1', current_password: 'Given-by-admin1', new_password: 'Own-choice-77',
    })
    expect(logins.at(-1)).toEqual({ username: 'fresh_a1', password: 'Own-choice-77' })
    expect(router.currentRoute.value.path).not.toBe('/login')
    w.unmount()
  })

  it('shows a wrong password as before, in Chinese too', async () => {
    setLocale('zh-CN')
    mockFetch(() => jsonResponse({ status: 400, body: { error: 'invalid_grant', error_description: 'wrong' } }))
    const { w } = await mountLogin()
    await signIn(w, 'someone', 'wrong-pass1')
    expect(w.find('[data-test="initial-password-form"]').exists()).toBe(false)
    expect(w.find('[data-test="login-error"]').text()).toContain('用户名或密码错误')
    w.unmount()
  })
})
