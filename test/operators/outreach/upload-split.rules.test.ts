import { describe, expect, it } from 'vitest'
import { parseScheduledTime, uploadSplit } from '../../../operators/outreach/upload-split.rules.js'

const rule = { zone: 'Asia/Kolkata', endMs: Date.parse('2026-12-22T00:00:00+05:30') }

describe('parseScheduledTime', () => {
  it('should read ISO 8601 and SQL-like times, with an offset or else in the zone', () => {
    const at = (raw: string) => parseScheduledTime(raw, 'Asia/Kolkata')
    const tenInKolkata = Date.parse('2026-11-22T04:30:00Z')
    expect(at('2026-11-22T10:00:00+05:30')).toBe(tenInKolkata)
    expect(at('2026-11-22T04:30:00Z')).toBe(tenInKolkata)
    expect(at('2026-11-22T10:00')).toBe(tenInKolkata)
    expect(at('2026-11-22 10:00:00')).toBe(tenInKolkata)
    expect(at('2026-11-22 10:00')).toBe(tenInKolkata)
    expect(at('2026-11-22 04:30:00 Z')).toBe(tenInKolkata)
  })

  it('should refuse a date without a time, and what is no time at all', () => {
    for (const bad of ['2026-11-22', 'tomorrow', '10:00', '2026-13-01T10:00', '22/11/2026 10:00'])
      expect(parseScheduledTime(bad, 'Asia/Kolkata')).toBeUndefined()
  })
})

describe('uploadSplit', () => {
  it('should keep good rows as records with their other columns as data and report bad cells', () => {
    const split = uploadSplit({ scheduledTime: rule })([
      {
        row: 1,
        line: 2,
        cells: { phone: '98765 43210', name: 'Asha', scheduled_time: '2026-11-22T10:00:00+05:30' },
      },
      { row: 2, line: 3, cells: { phone: '', name: 'Ravi' } },
      { row: 3, line: 4, cells: { phone: 'call me', scheduled_time: 'tomorrow' } },
      { row: 4, line: 5, cells: { phone: '1234567' } },
    ])
    expect(split).toEqual({
      rows: 4,
      invalid: 2,
      records: [
        {
          row: 1,
          line: 2,
          phone: '9876543210',
          scheduledTime: new Date('2026-11-22T04:30:00Z'),
          data: { name: 'Asha' },
        },
        { row: 4, line: 5, phone: '1234567', scheduledTime: null, data: {} },
      ],
      errors: [
        { row: 2, line: 3, column: 'phone', code: 'missing', message: 'phone is empty' },
        {
          row: 3,
          line: 4,
          column: 'phone',
          code: 'invalid_phone',
          message: '"call me" is not 7 to 15 digits with an optional +',
        },
        {
          row: 3,
          line: 4,
          column: 'scheduled_time',
          code: 'invalid_time',
          message:
            '"tomorrow" is not a date and time such as 2026-11-22T10:00:00+05:30 or 2026-11-22 10:00 (in the campaign\'s zone)',
        },
      ],
    })
  })

  it('should refuse a scheduled time at or after the campaign end', () => {
    const split = uploadSplit({ scheduledTime: rule })([
      { row: 1, line: 2, cells: { phone: '1234567', scheduled_time: '2026-12-21 23:59' } },
      { row: 2, line: 3, cells: { phone: '1234568', scheduled_time: '2026-12-22 00:00' } },
    ])
    expect(split.records.map((r) => r.row)).toEqual([1])
    expect(split.errors).toEqual([
      {
        row: 2,
        line: 3,
        column: 'scheduled_time',
        code: 'after_campaign_end',
        message: '"2026-12-22 00:00" is at or after the campaign\'s end (2026-12-21T18:30:00.000Z)',
        phone: '1234568', // valid: the contact view shows why the number was left out
      },
    ])
  })

  it('should ignore scheduled_time when the campaign has slots', () => {
    const split = uploadSplit({})([
      { row: 1, line: 2, cells: { phone: '1234567', scheduled_time: 'whenever' } },
    ])
    expect(split.records).toEqual([
      { row: 1, line: 2, phone: '1234567', scheduledTime: null, data: {} },
    ])
  })
})
