import { describe, expect, it } from 'vitest'
import { exception, numberOption } from '../../../operators/replay/column-handler.rules.js'

describe('column handler helpers', () => {
  it('should make an exception and read number options', () => {
    expect(exception('x', 'why')).toEqual({ exception: { code: 'x', message: 'why' } })
    expect(numberOption({ max: 3 }, 'max', 9)).toBe(3)
    expect(numberOption({ max: '3' }, 'max', 9)).toBe(9)
    expect(numberOption({}, 'max', 9)).toBe(9)
  })
})
