import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import type { RankingItem } from '@/api/evaluation-types'
import ObjectionsPanel from '@/views/evaluation/ObjectionsPanel.vue'
import { jsonResponse, mockFetch } from './setup-fetch'

const item = { rank: 1, nomination_id: 5, title: 'Model canteen team', university_id: 3, awarded: true } as unknown as RankingItem

describe('objections during publicity', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
    document.body.innerHTML = ''
  })

  it('lodges an objection against a published result', async () => {
    setLocale('en')
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    const f = mockFetch((url, init) => {
      if (init.method === 'POST') {
        return jsonResponse({
          status: 201,
          body: { id: 1, campaign_id: 9, university_id: 3, lodged_by: 'u', lodged_at: '2026-11-26T00:00:00Z', status: 'open', answer: null, answered_by: null, answered_at: null, version: 1, ...JSON.parse(String(init.body)) },
        })
      }
      return jsonResponse({ body: { items: [], total: 0, limit: 500, offset: 0 } })
    })
    const w = mount(ObjectionsPanel, {
      props: { campaignId: 9, items: [item], canLodge: true },
      global: { plugins: [i18n], directives: { perm: {} } },
      attachTo: document.body,
    })
    await flushPromises()
    expect(f.mock.calls[0][0]).toBe('/api/evaluation/campaigns/9/objections?limit=500')
    w.findComponent({ name: 'ElSelect' }).vm.$emit('update:modelValue', 5)
    const text = document.querySelector<HTMLTextAreaElement>('textarea[data-test="objection-text"]')!
    text.value = 'The team was nominated twice'
    text.dispatchEvent(new Event('input'))
    await flushPromises()
    document.querySelector<HTMLButtonElement>('[data-test="objection-lodge"]')!.click()
    await flushPromises()
    const post = f.mock.calls.find(([, init]) => init?.method === 'POST')
    expect(post?.[0]).toBe('/api/evaluation/campaigns/9/objections')
    expect(JSON.parse(String(post![1]!.body))).toEqual({ nomination_id: 5, text: 'The team was nominated twice' })
  })
})
