import { THEMES, type Ledger } from '@/api/types'

type T = (key: string, values?: Record<string, unknown>) => string

/** What is still missing for the year (the rule is hours OR days: either target reached makes the person compliant). */
export function ledgerLeft(ledger: Ledger): { compliant: boolean; hours: number; days: number } {
  const rule = ledger.rule ?? { min_hours: 90, min_days: 12 }
  // rounded up to a tenth: 0.05 hours still missing is not "0 to go"
  const round = (n: number) => (n <= 0 ? 0 : Math.ceil(n * 10 - 1e-9) / 10)
  const hours = round(Number(rule.min_hours) - Number(ledger.hours))
  const days = round(Number(rule.min_days) - Number(ledger.days))
  // the platform decides compliance (its rule, its rounding); the figures only say how far each target is
  return { compliant: ledger.compliant, hours, days }
}

/**
 * Category labels on a narrow screen: ECharts would skip every other label when they do not fit side by side
 * (six themes or twelve months at 390 px); on a phone every label is kept, turned and a little smaller.
 */
function categoryLabels(phone: boolean, rotate: number): Record<string, unknown> {
  return phone ? { interval: 0, rotate, fontSize: 10, hideOverlap: false } : {}
}

export function themeChartOption(ledger: Ledger, t: T, phone: boolean): Record<string, unknown> {
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: [t('records.hours'), t('records.days')], bottom: 0 },
    grid: phone ? { left: 4, right: 4, bottom: 30, top: 36, containLabel: true } : { left: 40, right: 40, bottom: 36, top: 40, containLabel: true },
    xAxis: { type: 'category', data: THEMES.map((th) => t(`themesShort.${th}`)), axisLabel: categoryLabels(phone, 35) },
    yAxis: [
      { type: 'value', name: t('records.hours') },
      { type: 'value', name: t('records.days') },
    ],
    series: [
      { name: t('records.hours'), type: 'bar', data: THEMES.map((th) => ledger.by_theme[th]?.hours ?? 0), itemStyle: { color: '#b91c1c' } },
      { name: t('records.days'), type: 'bar', yAxisIndex: 1, data: THEMES.map((th) => ledger.by_theme[th]?.days ?? 0), itemStyle: { color: '#f59e0b' } },
    ],
  }
}

export function monthlyChartOption(ledger: Ledger, t: T, phone: boolean, now: Date = new Date()): Record<string, unknown> {
  const rule = ledger.rule ?? { min_hours: 90, min_days: 12 }
  const hours = Array<number>(12).fill(0)
  for (const r of ledger.records) {
    const m = Number(r.taken_on.slice(5, 7)) - 1
    if (m >= 0 && m < 12) hours[m] += Number(r.hours)
  }
  let acc = 0
  // months still ahead of us in the current year are left empty rather than drawn flat
  const lastMonth = ledger.year === now.getFullYear() ? now.getMonth() : 11
  const cumulative = hours.map((h, i) => (i <= lastMonth ? (acc += h) : null))
  return {
    tooltip: { trigger: 'axis' },
    grid: phone ? { left: 4, right: 12, bottom: 8, top: 30, containLabel: true } : { left: 40, right: 20, bottom: 30, top: 30, containLabel: true },
    xAxis: { type: 'category', data: Array.from({ length: 12 }, (_, i) => t('common.monthN', { n: i + 1 })), axisLabel: categoryLabels(phone, 45) },
    yAxis: { type: 'value', name: t('records.hours') },
    series: [
      {
        name: t('ledger.cumulativeHours'),
        type: 'line',
        data: cumulative,
        areaStyle: { opacity: 0.15 },
        itemStyle: { color: '#b91c1c' },
        markLine: { symbol: 'none', data: [{ yAxis: rule.min_hours, name: t('ledger.target') }], lineStyle: { color: '#15803d' } },
      },
    ],
  }
}
