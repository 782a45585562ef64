import { describe, expect, it } from 'vitest'
import { stringHandler } from '../../../../operators/replay/handlers/string.rules.js'

const handle = (cell: string, options = {}) => stringHandler.handle({ cell, options })

describe('the string handler', () => {
  it('should keep text, trim it with a warning, and refuse it past maxLength', () => {
    expect(handle('Asha')).toEqual({ value: 'Asha' })
    expect(handle('  Asha ')).toEqual({
      value: 'Asha',
      warning: 'spaces around the text were removed',
    })
    expect(handle('abcd', { maxLength: 3 })).toEqual({
      exception: { code: 'too_long', message: 'is 4 characters, more than 3' },
    })
  })
})
