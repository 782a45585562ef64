import { describe, expect, it } from 'vitest'
import { COLUMN_HANDLERS } from '../../../operators/replay/column-handlers.rules.js'

describe('the column handler registry', () => {
  it('should hold each handler under its own name', () => {
    expect([...COLUMN_HANDLERS.keys()].sort()).toEqual(
      [
        'boolean',
        'constant',
        'country',
        'currency',
        'date',
        'datetime',
        'decimal',
        'email',
        'enum',
        'integer',
        'money',
        'phone',
        'sha256',
        'string',
        'url',
      ].sort(),
    )
    for (const [name, handler] of COLUMN_HANDLERS) expect(handler.name).toBe(name)
  })
})
