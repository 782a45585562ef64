import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DateTime } from 'luxon'
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

describe('the datetime handler against luxon', () => {
  const zones = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe']
  const two = (n: number) => String(n).padStart(2, '0')
  it('should read any ISO 8601 text, with or without an offset, as luxon reads it', () => {
    const text = fc
      .record({
        y: fc.integer({ min: 1, max: 2100 }),
        mo: fc.integer({ min: 1, max: 12 }),
        d: fc.integer({ min: 1, max: 31 }),
        h: fc.integer({ min: 0, max: 24 }),
        mi: fc.integer({ min: 0, max: 61 }),
        s: fc.option(fc.integer({ min: 0, max: 60 })),
        ms: fc.option(fc.integer({ min: 0, max: 999 })),
        offset: fc.option(
          fc.oneof(
            fc.constant('Z'),
            fc
              .tuple(
                fc.constantFrom('+', '-'),
                fc.integer({ min: 0, max: 14 }),
                fc.constantFrom(0, 30, 45),
              )
              .map(([sign, h, m]) => `${sign}${two(h)}:${two(m)}`),
          ),
        ),
      })
      .map(
        ({ y, mo, d, h, mi, s, ms, offset }) =>
          `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}${s === null ? '' : `:${two(s)}${ms === null ? '' : `.${String(ms).padStart(3, '0')}`}`}${offset ?? ''}`,
      )
    fc.assert(
      fc.property(text, fc.constantFrom(...zones), (cell, zone) => {
        const luxon = DateTime.fromISO(cell, { zone })
        const expected = luxon.isValid
          ? { value: luxon.toUTC().toISO() }
          : { exception: { code: 'not_datetime' } }
        expect(datetimeHandler.handle({ cell, options: { zone } })).toMatchObject(expected)
      }),
      { numRuns: 3000 },
    )
  })

  it('should agree with luxon on every quarter hour around the DST changes of three zones', () => {
    const changes = [
      ['Europe/London', '2026-03-29'],
      ['Europe/London', '2026-10-25'],
      ['America/New_York', '2026-03-08'],
      ['America/New_York', '2026-11-01'],
      ['Australia/Lord_Howe', '2026-04-05'],
      ['Australia/Lord_Howe', '2026-10-04'],
    ] as const
    for (const [zone, day] of changes)
      for (let q = 0; q < 16; q++) {
        const cell = `${day}T${two(Math.floor(q / 4))}:${two((q % 4) * 15)}:00`
        const luxon = DateTime.fromISO(cell, { zone })
        expect(datetimeHandler.handle({ cell, options: { zone } })).toEqual({
          value: luxon.toUTC().toISO(),
        })
      }
  })
})
