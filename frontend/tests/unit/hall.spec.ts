/**
 * The service hall's SPA (S1, issue #20): the rules its student pages show (the server decides), the new request
 * form (category, place, description, anonymity only for suggestions and complaints, one Idempotency-Key), the
 * sign-in (SSO buttons, SSO errors in the user's words, number + password), a closed request's rating and reopening.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Component } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import { canRate, canReopen, dueState, mayBeAnonymous, placeLabel, type HallRequestDetail, type Place } from '@/api/hall'
import { homeFor } from '@/router'
import type { Role } from '@/api/types'
import { bySchoolType } from '@/views/hall/staff/hallFigures'
import HallSignInView from '@/views/hall/HallSignInView.vue'
import NewRequestView from '@/views/hall/NewRequestView.vue'
import RequestView from '@/views/hall/RequestView.vue'
import HallNotificationsView from '@/views/hall/HallNotificationsView.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const DAY = 86_400_000
const NOW = Date.parse('2026-12-04T10:00:00Z')

const PLACES: Place[] = [
  { id: 1, university_id: 2, kind: 'building', name: '学生公寓 5 号楼', code: 'D5', parent_id: null, version: 1 },
  { id: 2, university_id: 2, kind: 'room', name: '302', code: null, parent_id: 1, version: 1 },
  { id: 3, university_id: 2, kind: 'area', name: '第一食堂', code: null, parent_id: null, version: 1 },
]

function request(over: Partial<HallRequestDetail> = {}): HallRequestDetail {
  return {
    id: 7, number: 'BX2026-000007', university_id: 2, department_id: 5, category: 'repair_dorm', place_id: 2, place_name: '学生公寓 5 号楼 · 302',
    description: '卫生间水龙头漏水', anonymous: false, requester: null, mine: true, status: 'closed', assignee_id: null, answer: '已更换水龙头',
    accept_due_at: '2026-12-01T10:00:00Z', resolve_due_at: '2026-12-03T10:00:00Z', accepted_at: '2026-12-01T09:00:00Z', resolved_at: '2026-12-02T09:00:00Z',
    closed_at: new Date(Date.now() - DAY).toISOString(), breached: false, escalation_level: 0, score: null, rating_comment: null,
    created_at: '2026-12-01T08:00:00Z', version: 3,
    events: [
      { id: 1, kind: 'created', at: '2026-12-01T08:00:00Z', actor: 'requester', actor_id: null, actor_role: 'student', text: null, data: {} },
      { id: 2, kind: 'closed', at: '2026-12-02T09:00:00Z', actor: '12', actor_id: 12, actor_role: 'staff', text: null, data: {} },
    ],
    attachments: [],
    ...over,
  }
}

async function mountAt(component: Component, path: string, routePath: string) {
  setActivePinia(createPinia())
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: routePath, name: 'here', component },
      { path: '/hall', name: 'hall-mine', component: { template: '<div>mine</div>' } },
      { path: '/hall/new', name: 'hall-new', component: { template: '<div>new</div>' } },
      { path: '/hall/requests/:id', name: 'hall-request', component: { template: '<div>request</div>' } },
      { path: '/:any(.*)', component: { template: '<div>other</div>' } },
    ],
  })
  await router.push(path)
  await router.isReady()
  const w = mount(component, { global: { plugins: [i18n, router] }, attachTo: document.body })
  await flushPromises()
  return { w, router }
}

const settle = async () => {
  await flushPromises()
  await new Promise((r) => setTimeout(r, 20))
  await flushPromises()
}

afterEach(() => {
  vi.unstubAllGlobals()
  setToken(null)
  document.body.innerHTML = ''
  setLocale('zh-CN')
})

describe('the rules the hall pages show', () => {
  it('reopens a closed request within 7 days of its closing, not after', () => {
    expect(canReopen({ status: 'closed', closed_at: new Date(NOW - 6.9 * DAY).toISOString() }, NOW)).toBe(true)
    expect(canReopen({ status: 'closed', closed_at: new Date(NOW - 7.1 * DAY).toISOString() }, NOW)).toBe(false)
    expect(canReopen({ status: 'answered', closed_at: null }, NOW)).toBe(false)
  })

  it('rates a closed request once', () => {
    expect(canRate({ status: 'closed', score: null })).toBe(true)
    expect(canRate({ status: 'closed', score: 4 })).toBe(false)
    expect(canRate({ status: 'answered', score: null })).toBe(false)
  })

  it('lets only suggestions and complaints be anonymous', () => {
    expect(mayBeAnonymous('suggestion')).toBe(true)
    expect(mayBeAnonymous('complaint')).toBe(true)
    expect(mayBeAnonymous('repair_dorm')).toBe(false)
    expect(mayBeAnonymous('praise')).toBe(false)
  })

  it('tags a new request by its accept promise and an accepted one by its resolve promise', () => {
    const r = { accept_due_at: new Date(NOW - 60_000).toISOString(), resolve_due_at: new Date(NOW + 3_600_000).toISOString(), breached: false }
    expect(dueState({ ...r, status: 'new' }, NOW)).toBe('breached')
    expect(dueState({ ...r, status: 'accepted' }, NOW)).toBe('soon')
    expect(dueState({ ...r, resolve_due_at: new Date(NOW + 5 * 3_600_000).toISOString(), status: 'accepted' }, NOW)).toBe('ok')
    expect(dueState({ ...r, status: 'closed' }, NOW)).toBe('none')
    expect(dueState({ ...r, status: 'closed', breached: true }, NOW)).toBe('breached')
  })

  it('names a room with its building', () => {
    const byId = new Map(PLACES.map((p) => [p.id, p]))
    expect(placeLabel(PLACES[1], byId)).toBe('学生公寓 5 号楼 · 302')
  })

  it('sends students and teachers to the hall after sign-in', () => {
    expect(homeFor('student' as Role)).toBe('/hall')
    expect(homeFor('teacher' as Role)).toBe('/hall')
    expect(homeFor('staff')).toBe('/my/ledger')
  })

  it('compares school types over the universities that have a figure (none: not applicable, never zero)', () => {
    const rows = bySchoolType([
      { university_id: 1, name: 'A', type: 'undergraduate', requests: 10, closed: 8, promise_kept_rate: 0.5, rated: 4, satisfaction_mean: 4 },
      { university_id: 2, name: 'B', type: 'undergraduate', requests: 4, closed: 0, promise_kept_rate: null, rated: 0, satisfaction_mean: null },
      { university_id: 3, name: 'C', type: 'higher_vocational', requests: 0, closed: 0, promise_kept_rate: null, rated: 0, satisfaction_mean: null },
      { university_id: 4, name: 'D', type: 'undergraduate', requests: 6, closed: 6, promise_kept_rate: 1, rated: 2, satisfaction_mean: 5 },
    ])
    expect(rows).toEqual([
      { school_type: 'undergraduate', universities: 3, total: 20, promise_kept_rate: 0.75, satisfaction_mean: 4.5 },
      { school_type: 'higher_vocational', universities: 1, total: 0, promise_kept_rate: null, satisfaction_mean: null },
    ])
  })
})

describe('reporting a problem', () => {
  it('offers anonymity only for a suggestion or complaint, checks the description, and posts once with an Idempotency-Key', async () => {
    const posts: { body: Record<string, unknown>; key: string | null }[] = []
    mockFetch((url, init) => {
      if (url.startsWith('/api/hall/places')) return jsonResponse({ body: { items: PLACES, total: PLACES.length } })
      if (url === '/api/hall/requests' && init.method === 'POST') {
        posts.push({ body: JSON.parse(String(init.body)), key: new Headers(init.headers).get('Idempotency-Key') })
        return jsonResponse({ status: 201, body: request({ id: 42, number: 'BX2026-000042', status: 'new' }) })
      }
      return jsonResponse({ status: 404, body: { status: 404, title: 'Not Found' } })
    })
    const { w, router } = await mountAt(NewRequestView, '/hall/new', '/hall/new')

    await w.find('[data-test="hall-category-complaint"]').setValue(true)
    expect(w.find('[data-test="hall-anonymous"]').exists()).toBe(true)
    await w.find('[data-test="hall-anonymous"]').setValue(true)
    await w.find('[data-test="hall-category-repair_dorm"]').setValue(true)
    expect(w.find('[data-test="hall-anonymous"]').exists()).toBe(false)

    await w.find('[data-test="hall-building"]').setValue('1')
    await w.find('[data-test="hall-room"]').setValue('2')
    await w.find('[data-test="hall-description"]').setValue('漏水')
    await w.find('form').trigger('submit')
    await settle()
    expect(posts).toHaveLength(0)
    expect(w.text()).toContain(i18n.global.t('hall.form.descriptionLength', { min: 5, max: 2000 }))

    await w.find('[data-test="hall-description"]').setValue('卫生间水龙头一直漏水，关不紧')
    await w.find('form').trigger('submit')
    await settle()
    expect(posts).toHaveLength(1)
    expect(posts[0].body).toEqual({ category: 'repair_dorm', place_id: 2, description: '卫生间水龙头一直漏水，关不紧', anonymous: false, attachment_ids: [] })
    expect(posts[0].key).toMatch(/^[0-9a-f-]{16,}$/)
    expect(router.currentRoute.value.path).toBe('/hall/requests/42')
    w.unmount()
  })

  it('keeps the photo picker to the camera and pictures', async () => {
    mockFetch(() => jsonResponse({ body: { items: [], total: 0 } }))
    const { w } = await mountAt(NewRequestView, '/hall/new', '/hall/new')
    const input = w.find('[data-test="hall-photo-input"]')
    expect(input.attributes('accept')).toBe('image/*')
    expect(input.attributes('capture')).toBeDefined()
    expect(w.text()).toContain(i18n.global.t('hall.form.noPlaces'))
    w.unmount()
  })
})

describe('signing in to the hall', () => {
  it('shows one button per university with SSO and the SSO’s error in Chinese', async () => {
    mockFetch((url) => (url === '/api/auth/sso/providers' ? jsonResponse({ body: [{ university_id: 2, name: '中原理工大学' }, { university_id: 3, name: '嵩山师范学院' }] }) : jsonResponse({ status: 404, body: {} })))
    const { w } = await mountAt(HallSignInView, '/hall/sign-in?error=sso_wrong_issuer', '/hall/sign-in')
    await settle()
    expect(w.find('[data-test="hall-sso-2"]').text()).toContain('中原理工大学')
    expect(w.find('[data-test="hall-sso-3"]').exists()).toBe(true)
    expect(w.find('[data-test="hall-sso-error"]').text()).toBe(i18n.global.t('hall.signIn.errors.sso_wrong_issuer'))
    w.unmount()
  })

  it('signs in with number and password, then reads who it is and opens the hall', async () => {
    const calls: string[] = []
    mockFetch((url, init) => {
      calls.push(`${init.method ?? 'GET'} ${url}`)
      if (url === '/api/auth/sso/providers') return jsonResponse({ body: [{ university_id: 2, name: '中原理工大学' }] })
      if (url === '/api/auth/hall/login') {
        const body = JSON.parse(String(init.body))
        return body.password === 'Right-pass-1'
          ? jsonResponse({ body: { access_token: 'A', token_type: 'bearer', expires_in: 900 } })
          : jsonResponse({ status: 400, body: { status: 400, title: 'Bad Request', code: 'hall_sign_in_failed' } })
      }
      if (url === '/api/auth/me') return jsonResponse({ body: { id: 'hall:9', username: '2026001', display_name: '张同学', role: 'student', org_id: 2, university_id: 2, department_id: null, scopes: [], permissions: [] } })
      return jsonResponse({ status: 404, body: {} })
    })
    const { w, router } = await mountAt(HallSignInView, '/hall/sign-in', '/hall/sign-in')
    await settle()
    await w.find('[data-test="hall-number"]').setValue('2026001')
    await w.find('[data-test="hall-password"]').setValue('wrong')
    await w.find('form').trigger('submit')
    await settle()
    expect(w.find('[data-test="hall-sign-in-error"]').text()).toBe(i18n.global.t('hall.signIn.failed'))
    expect(router.currentRoute.value.path).toBe('/hall/sign-in')

    await w.find('[data-test="hall-password"]').setValue('Right-pass-1')
    await w.find('form').trigger('submit')
    await settle()
    expect(calls).toContain('GET /api/auth/me')
    expect(router.currentRoute.value.path).toBe('/hall')
    w.unmount()
  })
})

describe('a closed request', () => {
  it('is rated with the version read (If-Match) and can be reopened within 7 days', async () => {
    let current = request()
    const rates: { body: unknown; ifMatch: string | null }[] = []
    mockFetch((url, init) => {
      if (url === '/api/hall/requests/7' && (init.method ?? 'GET') === 'GET') return jsonResponse({ body: current })
      if (url === '/api/hall/requests/7/rate') {
        rates.push({ body: JSON.parse(String(init.body)), ifMatch: new Headers(init.headers).get('If-Match') })
        current = request({ score: 5, rating_comment: '很快', version: 4 })
        return jsonResponse({ body: current })
      }
      return jsonResponse({ status: 404, body: {} })
    })
    const { w } = await mountAt(RequestView, '/hall/requests/7', '/hall/requests/:id')
    await settle()
    expect(w.find('[data-test="hall-reopen-form"]').exists()).toBe(true)
    expect(w.find('[data-test="hall-info-form"]').exists()).toBe(false)
    expect(w.findAll('[data-test="hall-timeline"] li')).toHaveLength(2)

    await w.find('[data-test="hall-rate-form"]').trigger('submit')
    await settle()
    expect(rates).toHaveLength(0)
    expect(w.text()).toContain(i18n.global.t('hall.detail.scoreRequired'))

    await w.find('[data-test="hall-score-5"]').setValue(true)
    await w.find('[data-test="hall-rate-comment"]').setValue('很快')
    await w.find('[data-test="hall-rate-form"]').trigger('submit')
    await settle()
    expect(rates).toEqual([{ body: { score: 5, comment: '很快' }, ifMatch: 'W/"3"' }])
    expect(w.find('[data-test="hall-rate-form"]').exists()).toBe(false)
    expect(w.find('[data-test="hall-rated"]').text()).toContain('很快')
    w.unmount()
  })

  it('offers no reopening eight days after closing', async () => {
    mockFetch(() => jsonResponse({ body: request({ closed_at: new Date(Date.now() - 8 * DAY).toISOString(), score: 3 }) }))
    const { w } = await mountAt(RequestView, '/hall/requests/7', '/hall/requests/:id')
    await settle()
    expect(w.find('[data-test="hall-reopen-form"]').exists()).toBe(false)
    expect(w.find('[data-test="hall-rate-form"]').exists()).toBe(false)
    w.unmount()
  })
})

describe('the requester’s notifications (issue #20)', () => {
  it('words each change of their request, newest first, and a tap marks it read and opens the request', async () => {
    const n = (id: number, kind: string, params: Record<string, unknown>, read = false) => ({
      id, kind, params: { request_id: 41, number: 'BX2026-000041', category: 'repair_dorm', ...params }, link: '/hall/requests/41',
      created_at: '2026-12-04T08:00:00Z', read_at: read ? '2026-12-04T09:00:00Z' : null,
    })
    const items = [
      n(9, 'hall.request.closed', {}),
      n(8, 'hall.request.escalated', { audience: 'university_admin', level: 2 }),
      n(7, 'hall.request.created', { transferred_from: 5 }, true),
      n(6, 'hall.request.accepted', {}, true),
    ]
    const read: string[] = []
    mockFetch((url, init) => {
      if (url.startsWith('/api/notifications?')) return jsonResponse({ body: { items, total: items.length, limit: 30, offset: 0 } })
      if (init.method === 'POST' && url.endsWith('/read')) {
        read.push(url)
        return new Response(null, { status: 204 })
      }
      return jsonResponse({ status: 404, body: {} })
    })
    const { w, router } = await mountAt(HallNotificationsView, '/hall/notifications', '/hall/notifications')
    await settle()
    const rows = w.findAll('[data-test="hall-notification"]').map((x) => x.text())
    expect(rows[0]).toContain('你的诉求 BX2026-000041（宿舍报修）已办结，请评价')
    expect(rows[1]).toContain('已超时，已提交学校督办')
    expect(rows[2]).toContain('已转给其他部门办理')
    expect(rows[3]).toContain('已受理')
    expect(rows[0]).toContain('未读')
    expect(rows[3]).not.toContain('未读')
    await w.findAll('[data-test="hall-notification"]')[0].trigger('click')
    await settle()
    expect(read).toEqual(['/api/notifications/9/read'])
    expect(router.currentRoute.value.path).toBe('/hall/requests/41')
    w.unmount()
  })
})
