import { describe, expect, it } from 'vitest'
import { dateHandler } from '../../../../operators/replay/handlers/date.rules.js'

const handle = (cell: string, options = {}) => dateHandler.handle({ cell, options })

describe('the date handler', () => {
  it('should read ISO dates and the formats of its options, and refuse the rest', () => {
    expect(handle('2026-12-03')).toEqual({ value: '2026-12-03' })
    expect(handle('03/12/2026', { formats: ['dd/MM/yyyy'] })).toEqual({ value: '2026-12-03' })
    expect(handle('03/12/2026')).toMatchObject({ exception: { code: 'not_date' } })
    expect(handle('2026-02-30')).toMatchObject({ exception: { code: 'not_date' } })
  })
})
