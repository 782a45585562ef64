import { describe, expect, it } from 'vitest'
import {
  isRelativeDate,
  resolveRelativeDate,
} from '../../../operators/reports/relative-dates.rules.js'

// 2026-03-01 01:30 in Kolkata is still February 28th in UTC.
const at = Date.parse('2026-02-28T20:00:00Z')
const zone = 'Asia/Kolkata'

describe('resolveRelativeDate', () => {
  it("should resolve each name in the schedule's zone at the run's instant", () => {
    expect(resolveRelativeDate('today', zone, at)).toEqual({ from: '2026-03-01', to: '2026-03-01' })
    expect(resolveRelativeDate('yesterday', zone, at)).toEqual({
      from: '2026-02-28',
      to: '2026-02-28',
    })
    expect(resolveRelativeDate('last_7_days', zone, at)).toEqual({
      from: '2026-02-22',
      to: '2026-02-28',
    })
    expect(resolveRelativeDate('this_month', zone, at)).toEqual({
      from: '2026-03-01',
      to: '2026-03-01',
    })
    expect(resolveRelativeDate('last_month', zone, at)).toEqual({
      from: '2026-02-01',
      to: '2026-02-28',
    })
    expect(resolveRelativeDate('today', 'UTC', at)).toEqual({
      from: '2026-02-28',
      to: '2026-02-28',
    })
  })

  it('should tell relative names from other values', () => {
    expect(isRelativeDate('last_month')).toBe(true)
    expect(isRelativeDate('2026-03-01')).toBe(false)
  })
})
