import { describe, expect, it } from 'vitest'
import { constantHandler } from '../../../../operators/replay/handlers/constant.rules.js'

describe('the constant handler', () => {
  it('should give its value whatever the cell holds, and need one', () => {
    expect(constantHandler.handle({ cell: 'anything', options: { value: 'purchase' } })).toEqual({
      value: 'purchase',
    })
    expect(constantHandler.optionsProblem?.({})).toBe('value must be given')
  })
})
