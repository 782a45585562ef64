import { describe, expect, it } from 'vitest'
import { COLUMN_HANDLERS } from '../../../operators/replay/column-handlers.rules.js'
import {
  mapRow,
  requestOf,
  requiredColumns,
  type ColumnRule,
} from '../../../operators/replay/row-map.rules.js'

const mapping: Record<string, ColumnRule> = {
  Date: { field: 'date', handler: 'date', required: true, options: {} },
  Amount: { field: 'amount', handler: 'decimal', required: false, options: {} },
  Country: { field: 'cc', handler: 'country', required: true, default: 'GB', options: {} },
  Event: { field: 'ev', handler: 'constant', required: false, options: { value: 'sale' } },
}
const map = (cells: Record<string, string>) => mapRow(mapping, COLUMN_HANDLERS, cells)

describe('mapRow', () => {
  it('should run each column through its handler into the fields, in the mapping order', () => {
    expect(map({ Date: '2026-12-03', Amount: '12.50', Country: 'in' })).toEqual({
      payload: { date: '2026-12-03', amount: '12.50', cc: 'IN', ev: 'sale' },
      warnings: [{ column: 'Country', handler: 'country', message: '"in" written as IN' }],
      exceptions: [],
    })
  })

  it('should take defaults, leave optional empty cells out, and not fire a row with an exception', () => {
    expect(map({ Date: '2026-12-03', Amount: '' })).toMatchObject({
      payload: { date: '2026-12-03', cc: 'GB', ev: 'sale' },
    })
    const bad = map({ Date: '', Amount: 'ten' })
    expect(bad.payload).toBeUndefined()
    expect(bad.exceptions).toEqual([
      { column: 'Date', handler: 'date', code: 'required', message: 'is empty' },
      {
        column: 'Amount',
        handler: 'decimal',
        code: 'not_decimal',
        message: '"ten" is not a decimal number',
      },
    ])
  })

  it('should need the required columns without a default in the header', () => {
    expect(requiredColumns(mapping)).toEqual(['Date'])
  })
})

describe('requestOf', () => {
  const client = { targetUrl: 'https://t.example/c?v=1', tokenField: 'tid', accountToken: 'T' }
  it('should put the token first and the fields in order, in the query or a JSON body', () => {
    expect(requestOf({ ...client, method: 'GET' }, { ev: 'sale', amount: '1.00' })).toEqual({
      method: 'GET',
      url: 'https://t.example/c?v=1&tid=T&ev=sale&amount=1.00',
    })
    expect(requestOf({ ...client, method: 'POST' }, { ev: 'sale', m: { a: 1 } })).toEqual({
      method: 'POST',
      url: 'https://t.example/c?v=1',
      body: '{"tid":"T","ev":"sale","m":{"a":1}}',
    })
  })

  it('should give the URL that URL.searchParams gives, the target parsed once', () => {
    const targetUrl = 'https://t.example/c%20d?a=b c&x=%7E#frag'
    const payload = { s: "a b!'()~*+&=é", n: 12, o: { k: [1, 'x y'] }, '1': 'first' }
    const expected = new URL(targetUrl)
    expected.searchParams.append('tid', 'T&T')
    for (const [k, v] of Object.entries(payload))
      expected.searchParams.append(k, typeof v === 'string' ? v : JSON.stringify(v))
    for (let i = 0; i < 2; i++) {
      const { url } = requestOf(
        { targetUrl, method: 'GET', tokenField: 'tid', accountToken: 'T&T' },
        payload,
      )
      expect(url).toBe(expected.href)
    }
    const bare = new URL(targetUrl)
    bare.searchParams.append('tid', 'T&T')
    expect(
      requestOf({ targetUrl, method: 'GET', tokenField: 'tid', accountToken: 'T&T' }, {}).url,
    ).toBe(bare.href)
  })
})
