import { describe, expect, it } from 'vitest'
import { enumHandler } from '../../../../operators/replay/handlers/enum.rules.js'

const options = { values: ['visit', 'sale'] }
const handle = (cell: string) => enumHandler.handle({ cell, options })

describe('the enum handler', () => {
  it('should take an allowed value, another case with a warning, and refuse the rest', () => {
    expect(handle('sale')).toEqual({ value: 'sale' })
    expect(handle('SALE')).toEqual({ value: 'sale', warning: '"SALE" read as "sale"' })
    expect(handle('refund')).toEqual({
      exception: { code: 'not_allowed', message: '"refund" is not one of visit, sale' },
    })
  })

  it('should need its values when a client is saved', () => {
    expect(enumHandler.optionsProblem?.({})).toBe('values must list the allowed texts')
    expect(enumHandler.optionsProblem?.(options)).toBeUndefined()
  })
})
