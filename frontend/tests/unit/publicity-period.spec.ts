import { describe, expect, it } from 'vitest'

import { endAfterWorkingDays, PUBLICITY_MIN_WORKING_DAYS } from '@/utils/format'

describe('the default publicity period holds the minimum of working days', () => {
  it('counts Monday to Friday with both ends included', () => {
    expect(PUBLICITY_MIN_WORKING_DAYS).toBe(5)
    expect(endAfterWorkingDays('2026-12-07', 5)).toBe('2026-12-11') // Monday → Friday
    expect(endAfterWorkingDays('2026-12-03', 5)).toBe('2026-12-09') // Thursday → next Wednesday
    expect(endAfterWorkingDays('2026-12-05', 5)).toBe('2026-12-11') // a Saturday start counts from Monday
    expect(endAfterWorkingDays('2026-12-31', 1)).toBe('2026-12-31')
  })
})
