import { describe, expect, it } from 'vitest'
import { isPhoneRegion, normalizePhone } from '../../operators/phone.rules.js'

describe('normalizePhone', () => {
  it('should strip spaces and dashes and keep a leading +', () => {
    expect(normalizePhone('+91 98765-43210')).toBe('+919876543210')
    expect(normalizePhone('1234567')).toBe('1234567')
  })

  it('should refuse fewer than 7 or more than 15 digits, letters and inner +', () => {
    for (const bad of ['123456', '1234567890123456', '12345a7', '12+34567', ''])
      expect(normalizePhone(bad)).toBeUndefined()
  })

  it('should write every form of a number of the region, or with its country code, in E.164', () => {
    for (const written of [
      '9876543210',
      '098765 43210',
      '91 98765 43210',
      '0091 98765 43210',
      '+91 (98765) 43210',
      '+91.98765.43210',
    ])
      expect(normalizePhone(written, 'IN')).toBe('+919876543210')
    expect(normalizePhone('+44 20 7946 0958', 'IN')).toBe('+442079460958')
    expect(normalizePhone('(415) 555-2671', 'US')).toBe('+14155552671')
  })

  it('should refuse a number of impossible length for its country, letters and inner +', () => {
    for (const bad of [
      '98765432',
      '987654321012',
      '1-800-FLOWERS',
      '98765+43210',
      '+999 1234567',
      '',
    ])
      expect(normalizePhone(bad, 'IN')).toBeUndefined()
  })

  it('should know the regions it can read', () => {
    expect(isPhoneRegion('IN')).toBe(true)
    expect(isPhoneRegion('XX')).toBe(false)
    expect(isPhoneRegion('in')).toBe(false)
  })
})
