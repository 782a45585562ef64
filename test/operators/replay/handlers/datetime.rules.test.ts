import { describe, expect, it } from 'vitest'
import { datetimeHandler } from '../../../../operators/replay/handlers/datetime.rules.js'

const handle = (cell: string, options = {}) => datetimeHandler.handle({ cell, options })

describe('the datetime handler', () => {
  it('should give instants in UTC, reading times without an offset in its zone', () => {
    expect(handle('2026-12-03T10:00:00Z')).toEqual({ value: '2026-12-03T10:00:00.000Z' })
    expect(handle('2026-12-03T10:00:00', { zone: 'Asia/Kolkata' })).toEqual({
      value: '2026-12-03T04:30:00.000Z',
    })
    expect(
      handle('03/12/2026 10:00', { formats: ['dd/MM/yyyy HH:mm'], zone: 'Europe/London' }),
    ).toEqual({ value: '2026-12-03T10:00:00.000Z' })
    expect(handle('yesterday')).toMatchObject({ exception: { code: 'not_datetime' } })
  })

  it('should refuse a zone that does not exist when a client is saved', () => {
    expect(datetimeHandler.optionsProblem?.({ zone: 'Mars/Olympus' })).toContain('IANA')
    expect(datetimeHandler.optionsProblem?.({ zone: 'Asia/Kolkata' })).toBeUndefined()
  })
})

describe('the datetime handler on UTC text', () => {
  it('should read ISO 8601 in UTC as it is, and refuse a day the month does not have', () => {
    expect(datetimeHandler.handle({ cell: '2026-12-03T10:00', options: {} })).toEqual({
      value: '2026-12-03T10:00:00.000Z',
    })
    expect(datetimeHandler.handle({ cell: '2026-02-30T10:00:00Z', options: {} })).toMatchObject({
      exception: { code: 'not_datetime' },
    })
  })
})

describe('the datetime handler in a named zone', () => {
  const at = (cell: string, zone: string) => datetimeHandler.handle({ cell, options: { zone } })
  it('should give the instants luxon gives across both DST changes, and refuse a bad day', () => {
    expect(at('2026-03-29T00:30:00', 'Europe/London')).toEqual({
      value: '2026-03-29T00:30:00.000Z',
    })
    expect(at('2026-03-29T02:30:00', 'Europe/London')).toEqual({
      value: '2026-03-29T01:30:00.000Z',
    })
    // 01:30 does not exist that day: luxon's own path moves it forward.
    expect(at('2026-03-29T01:30:00', 'Europe/London')).toEqual({
      value: '2026-03-29T01:30:00.000Z',
    })
    // 01:30 happens twice that day: read as luxon reads it (the second, in GMT).
    expect(at('2026-10-25T01:30:00', 'Europe/London')).toEqual({
      value: '2026-10-25T01:30:00.000Z',
    })
    expect(at('2026-12-03T10:00:00.5', 'Asia/Kolkata')).toEqual({
      value: '2026-12-03T04:30:00.500Z',
    })
    expect(at('2026-02-30T10:00:00', 'Asia/Kolkata')).toMatchObject({
      exception: { code: 'not_datetime' },
    })
  })
})
