import { describe, expect, it } from 'vitest'
import { formatValue } from '../../../operators/reports/value-format.rules.js'

describe('formatValue', () => {
  it('should show each type as a report does', () => {
    expect(formatValue('integer', '9007199254740991')).toBe(9007199254740991)
    expect(formatValue('integer', 3)).toBe(3)
    expect(formatValue('money', '12.50')).toBe('12.50')
    expect(formatValue('decimal', '0.10000000')).toBe('0.10000000')
    expect(formatValue('date', '2026-12-03')).toBe('2026-12-03')
    expect(formatValue('datetime', new Date('2026-12-03T10:00:00Z'))).toBe(
      '2026-12-03T10:00:00.000Z',
    )
    expect(formatValue('boolean', true)).toBe(true)
    expect(formatValue('string', null)).toBeNull()
  })
})
