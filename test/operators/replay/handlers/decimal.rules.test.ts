import { describe, expect, it } from 'vitest'
import { decimalHandler } from '../../../../operators/replay/handlers/decimal.rules.js'

const handle = (cell: string) => decimalHandler.handle({ cell, options: {} })

describe('the decimal handler', () => {
  it('should keep exact decimal text, read a decimal comma with a warning, and refuse the rest', () => {
    expect(handle('12.50')).toEqual({ value: '12.50' })
    expect(handle('12,5')).toEqual({
      value: '12.5',
      warning: 'a comma was read as the decimal mark',
    })
    for (const bad of ['1e3', 'abc', '', '1.2.3'])
      expect(handle(bad)).toMatchObject({ exception: { code: 'not_decimal' } })
  })
})

describe('the decimal handler with negatives', () => {
  it('should keep a negative amount (a refund)', () => {
    expect(decimalHandler.handle({ cell: '-3.25', options: {} })).toEqual({ value: '-3.25' })
  })
})
