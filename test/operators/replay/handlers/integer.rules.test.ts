import { describe, expect, it } from 'vitest'
import { integerHandler } from '../../../../operators/replay/handlers/integer.rules.js'

const handle = (cell: string) => integerHandler.handle({ cell, options: {} })

describe('the integer handler', () => {
  it('should read whole numbers, separators with a warning, and refuse the rest', () => {
    expect(handle(' 42 ')).toEqual({ value: 42 })
    expect(handle('-7')).toEqual({ value: -7 })
    expect(handle('1,234,567')).toEqual({ value: 1234567, warning: 'thousands separators removed' })
    for (const bad of ['4.2', 'x', '', '12,34'])
      expect(handle(bad)).toMatchObject({ exception: { code: 'not_integer' } })
  })
})
