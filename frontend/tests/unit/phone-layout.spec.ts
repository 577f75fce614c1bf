/**
 * Phones (< 768 px): the staff ledger says in one line what is left, keeps every chart label and lists records as
 * cards; the province has a name. The media query is answered "phone" for this whole file (before any mount).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, setLocale } from '@/i18n'
import { setToken } from '@/api/session'
import type { Ledger } from '@/api/types'
import LedgerPanel from '@/components/LedgerPanel.vue'
import { useOrgStore } from '@/stores/orgs'
import { ledgerLeft, monthlyChartOption, themeChartOption } from '@/utils/ledgerCharts'
import { jsonResponse, mockFetch } from './setup-fetch'

function phoneScreen(): void {
  Object.defineProperty(window, 'matchMedia', {
    configurable: true,
    value: (q: string) => ({ matches: q.includes('max-width: 767px'), media: q, addEventListener: () => undefined, removeEventListener: () => undefined }),
  })
}

const t = (k: string) => k

function ledger(hours: number, days: number, compliant: boolean): Ledger {
  return {
    staff: { id: 1, name: '张三', employee_no: 'E001', department_name: '饮食服务中心', employment_type: 'permanent', position: null } as unknown as Ledger['staff'],
    year: 2026,
    rule: { min_hours: 90, min_days: 12 },
    hours,
    days,
    compliant,
    by_theme: { safety: { hours, days, count: 1 } },
    records: [
      {
        id: 5, staff_id: 1, employee_no: 'E001', staff_name: '张三', title: '消防安全培训', taken_on: '2026-03-02', hours, days,
        themes: ['safety'], organizer_level: 'university', source: 'manual',
      } as unknown as Ledger['records'][number],
    ],
  }
}

describe('what is left for the year (hours OR days)', () => {
  it('gives both remainders while neither target is reached', () => {
    expect(ledgerLeft(ledger(72, 9, false))).toEqual({ compliant: false, hours: 18, days: 3 })
  })

  it('never goes below zero and follows the platform on compliance', () => {
    expect(ledgerLeft(ledger(40, 12.5, true))).toEqual({ compliant: true, hours: 50, days: 0 })
    expect(ledgerLeft(ledger(89.95, 0, false)).hours).toBe(0.1)
  })
})

describe('charts at 390 px', () => {
  it('keep all six theme labels and all twelve months on a phone (no automatic skipping)', () => {
    const theme = themeChartOption(ledger(1, 1, false), t, true) as { xAxis: { data: string[]; axisLabel: Record<string, unknown> } }
    expect(theme.xAxis.data).toHaveLength(6)
    expect(theme.xAxis.axisLabel).toMatchObject({ interval: 0, hideOverlap: false })
    const months = monthlyChartOption(ledger(1, 1, false), t, true) as { xAxis: { data: string[]; axisLabel: Record<string, unknown> } }
    expect(months.xAxis.data).toHaveLength(12)
    expect(months.xAxis.axisLabel).toMatchObject({ interval: 0 })
  })

  it('leave the desktop chart as it was', () => {
    const theme = themeChartOption(ledger(1, 1, false), t, false) as { xAxis: { axisLabel: Record<string, unknown> }; grid: Record<string, unknown> }
    expect(theme.xAxis.axisLabel).toEqual({})
    expect(theme.grid).toEqual({ left: 40, right: 40, bottom: 36, top: 40, containLabel: true })
  })
})

describe('the ledger on a phone', () => {
  beforeAll(phoneScreen)
  afterEach(() => setLocale('zh-CN'))

  it('says in one line how many hours or days are still missing, in Chinese and in English', async () => {
    setLocale('zh-CN')
    const w = mount(LedgerPanel, { props: { ledger: ledger(72, 9, false) }, global: { plugins: [i18n] } })
    expect(w.find('[data-test="ledger-left"]').text()).toBe('还差 18 学时或 3 天')
    setLocale('en')
    await flushPromises()
    expect(w.find('[data-test="ledger-left"]').text()).toBe('18 more hours or 3 more days to go')
    w.unmount()
  })

  it('says so when the person is compliant', () => {
    setLocale('zh-CN')
    const w = mount(LedgerPanel, { props: { ledger: ledger(96, 13, true) }, global: { plugins: [i18n] } })
    expect(w.find('[data-test="ledger-left"]').text()).toBe('已达标：本年度培训要求已满足')
    w.unmount()
  })

  it('lists the records as cards instead of a wide table, and draws smaller rings', () => {
    const w = mount(LedgerPanel, { props: { ledger: ledger(72, 9, false) }, global: { plugins: [i18n] } })
    expect(w.find('[data-test="ledger-table"]').exists()).toBe(false)
    const cards = w.findAll('[data-test="ledger-card"]')
    expect(cards).toHaveLength(1)
    expect(cards[0].text()).toContain('消防安全培训')
    expect(w.find('.el-progress-circle').attributes('style')).toContain('120px')
    w.unmount()
  })
})

describe('organisation names', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    setToken(null)
  })

  it('names the province (an account of the province is not labelled "#1")', async () => {
    setActivePinia(createPinia())
    setToken({ access_token: 't', token_type: 'bearer', expires_in: 900 })
    mockFetch((url) => {
      const level = new URL(url, 'http://x').searchParams.get('level')
      const items = level === 'province' ? [{ id: 1, name: '某省教育厅', level: 'province', parent_id: null }] : level === 'university' ? [{ id: 2, name: '甲大学', level: 'university', parent_id: 1 }] : []
      return jsonResponse({ body: { items, total: items.length } })
    })
    const orgs = useOrgStore()
    await orgs.load()
    expect(orgs.name(1)).toBe('某省教育厅')
    expect(orgs.name(2)).toBe('甲大学')
    expect(orgs.universities.map((u) => u.id)).toEqual([2])
  })
})
