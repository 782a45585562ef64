import { describe, expect, it } from 'vitest'
import { currencyHandler } from '../../../../operators/replay/handlers/currency.rules.js'

const handle = (cell: string) => currencyHandler.handle({ cell, options: {} })

describe('the currency handler', () => {
  it('should take ISO 4217 codes, upper-case them with a warning, and refuse the rest', () => {
    expect(handle('EUR')).toEqual({ value: 'EUR' })
    expect(handle('usd')).toEqual({ value: 'USD', warning: '"usd" written as USD' })
    expect(handle('EURO')).toMatchObject({ exception: { code: 'not_currency' } })
  })
})
