import { describe, expect, it } from 'vitest'
import { normalizePhone, uploadSplit } from '../../operators/upload-split.js'

describe('normalizePhone', () => {
  it('should strip spaces and dashes and keep a leading +', () => {
    expect(normalizePhone('+91 98765-43210')).toBe('+919876543210')
    expect(normalizePhone('1234567')).toBe('1234567')
  })

  it('should refuse fewer than 7 or more than 15 digits, letters and inner +', () => {
    for (const bad of ['123456', '1234567890123456', '12345a7', '12+34567', ''])
      expect(normalizePhone(bad)).toBeUndefined()
  })
})

describe('uploadSplit', () => {
  it('should keep good rows as records with their other columns as data and report bad cells', () => {
    const split = uploadSplit({ useScheduledTime: true })([
      {
        row: 1,
        cells: { phone: '98765 43210', name: 'Asha', scheduled_time: '2026-11-22T10:00:00+05:30' },
      },
      { row: 2, cells: { phone: '', name: 'Ravi' } },
      { row: 3, cells: { phone: 'call me', scheduled_time: 'tomorrow' } },
      { row: 4, cells: { phone: '1234567' } },
    ])
    expect(split).toEqual({
      rows: 4,
      invalid: 2,
      records: [
        {
          row: 1,
          phone: '9876543210',
          scheduledTime: new Date('2026-11-22T04:30:00Z'),
          data: { name: 'Asha' },
        },
        { row: 4, phone: '1234567', scheduledTime: null, data: {} },
      ],
      errors: [
        { row: 2, column: 'phone', code: 'missing', message: 'phone is empty' },
        {
          row: 3,
          column: 'phone',
          code: 'invalid_phone',
          message: '"call me" is not 7 to 15 digits with an optional +',
        },
        {
          row: 3,
          column: 'scheduled_time',
          code: 'invalid_time',
          message: '"tomorrow" is not an ISO 8601 time with a zone',
        },
      ],
    })
  })

  it('should ignore scheduled_time when the campaign has slots', () => {
    const split = uploadSplit({ useScheduledTime: false })([
      { row: 1, cells: { phone: '1234567', scheduled_time: 'whenever' } },
    ])
    expect(split.records).toEqual([{ row: 1, phone: '1234567', scheduledTime: null, data: {} }])
  })
})
