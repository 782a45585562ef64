import { describe, expect, it } from 'vitest'
import { booleanHandler } from '../../../../operators/replay/handlers/boolean.rules.js'

const handle = (cell: string) => booleanHandler.handle({ cell, options: {} })

describe('the boolean handler', () => {
  it('should read true and false, other spellings with a warning, and refuse the rest', () => {
    expect(handle('true')).toEqual({ value: true })
    expect(handle('false')).toEqual({ value: false })
    expect(handle('Yes')).toEqual({ value: true, warning: '"Yes" read as true' })
    expect(handle('0')).toEqual({ value: false, warning: '"0" read as false' })
    expect(handle('maybe')).toMatchObject({ exception: { code: 'not_boolean' } })
  })
})
