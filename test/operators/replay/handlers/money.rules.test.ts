import { describe, expect, it } from 'vitest'
import { moneyHandler } from '../../../../operators/replay/handlers/money.rules.js'

const handle = (cell: string, options = {}) => moneyHandler.handle({ cell, options })

describe('the money handler', () => {
  it('should read an amount and its currency, from the cell or the option', () => {
    expect(handle('12.50 EUR')).toEqual({ value: { amount: '12.50', currency: 'EUR' } })
    expect(handle('12.5', { currency: 'usd' })).toEqual({
      value: { amount: '12.50', currency: 'USD' },
      warning: 'amount written with 2 decimals',
    })
    expect(handle('500 JPY')).toEqual({ value: { amount: '500', currency: 'JPY' } })
  })

  it('should refuse a bad currency or amount, and a bad currency option when saved', () => {
    expect(handle('12.50 EURO')).toMatchObject({ exception: { code: 'bad_currency' } })
    expect(handle('12.505 EUR')).toMatchObject({ exception: { code: 'bad_amount' } })
    expect(handle('12.50')).toMatchObject({ exception: { code: 'bad_currency' } })
    expect(moneyHandler.optionsProblem?.({ currency: 'XX' })).toContain('ISO 4217')
    expect(moneyHandler.optionsProblem?.({ currency: 'EUR' })).toBeUndefined()
  })
})
