import { describe, expect, it } from 'vitest'
import { COLUMN_HANDLERS } from '../../../operators/replay/column-handlers.rules.js'

describe('the column handler registry', () => {
  it('should hold each handler under its own name', () => {
    expect([...COLUMN_HANDLERS.keys()].sort()).toEqual(
      ['boolean', 'constant', 'decimal', 'enum', 'integer', 'money', 'sha256', 'string'].sort(),
    )
    for (const [name, handler] of COLUMN_HANDLERS) expect(handler.name).toBe(name)
  })
})
