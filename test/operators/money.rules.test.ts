import { describe, expect, it } from 'vitest'
import {
  convertToMinor,
  formatMinor,
  isCurrencyCode,
  toMinor,
} from '../../operators/money.rules.js'

describe('money', () => {
  it('should parse amounts to minor units exactly, by the currency minor unit', () => {
    expect(toMinor('12.5', 'EUR')).toBe(1250n)
    expect(toMinor('100', 'JPY')).toBe(100n)
    expect(toMinor('1.234', 'KWD')).toBe(1234n)
    expect(toMinor('1.001', 'USD')).toBeUndefined()
    expect(toMinor('-1', 'USD')).toBeUndefined()
  })

  it('should format minor units back', () => {
    expect(formatMinor(1250n, 'EUR')).toBe('12.50')
    expect(formatMinor(5n, 'USD')).toBe('0.05')
    expect(formatMinor(100n, 'JPY')).toBe('100')
  })

  it('should convert without floating point error', () => {
    expect(convertToMinor('0.1', '3', 'USD')).toBe(30n)
    expect(convertToMinor('1.005', '1', 'USD')).toBe(101n)
    expect(convertToMinor('99999999999.99', '1.0000001', 'USD')).toBe(10000000999999n)
    expect(convertToMinor('10', '1.5', 'JPY')).toBe(15n)
  })
})

describe('isCurrencyCode', () => {
  it('should take ISO 4217 codes in use and nothing else', () => {
    for (const code of ['USD', 'EUR', 'JPY', 'KWD', 'INR']) expect(isCurrencyCode(code)).toBe(true)
    for (const code of ['XXZ', 'usd', 'US', '', 'USDD', "US'; DROP TABLE campaign;--"])
      expect(isCurrencyCode(code)).toBe(false)
  })
})
