import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { CsvRecord } from '../../../pipelines/files/csv-read.js'
import { FileProblem } from '../../../pipelines/files/file-problem.js'
import { MAX_CSV_CELLS } from '../../../pipelines/files/csv-limits.js'
import { readXlsx, type XlsxOptions } from '../../../pipelines/files/xlsx-read.js'
import { xlsxOf } from '../../support/factory.js'

async function records(file: Buffer | Readable, options: XlsxOptions): Promise<CsvRecord[]> {
  const all: CsvRecord[] = []
  const source = file instanceof Readable ? file : Readable.from([file])
  await readXlsx(source, options, async (rows) => {
    for await (const row of rows) all.push(row)
  })
  return all
}

const problem = async (file: Buffer | Readable, options: XlsxOptions) =>
  (await records(file, options).catch((e: unknown) => e)) as FileProblem

describe('readXlsx', () => {
  it('should read the named sheet as text records numbered by their sheet row', async () => {
    const file = await xlsxOf({
      README: [['Fill the Users sheet']],
      Users: [
        [],
        ['Name', 'Phone', 'Joined', 'Active', 'Total'],
        [
          'Åsa',
          919876543210,
          new Date('2026-11-30T00:00:00Z'),
          true,
          { formula: 'D3*2', result: 2 },
        ],
        [],
        [
          { richText: [{ text: 'Bo' }, { text: 'b' }] },
          '00123',
          new Date('2026-11-30T10:15:00Z'),
          false,
          2.5,
        ],
      ],
    })
    expect(await records(file, { sheet: 'users', canonical: ['phone'] })).toEqual([
      {
        line: 3,
        cells: {
          Name: 'Åsa',
          phone: '919876543210',
          Joined: '2026-11-30',
          Active: 'true',
          Total: '2',
        },
      },
      {
        line: 5,
        cells: {
          Name: 'Bob',
          phone: '00123',
          Joined: '2026-11-30T10:15:00.000Z',
          Active: 'false',
          Total: '2.5',
        },
      },
    ])
  })

  it('should read the first sheet when asked and none has the name', async () => {
    const file = await xlsxOf({ Data: [['a'], ['1']], Other: [['b'], ['2']] })
    expect(await records(file, { sheet: 'Facilities', firstOtherwise: true })).toEqual([
      { line: 2, cells: { a: '1' } },
    ])
    expect(await problem(file, { sheet: 'Facilities' })).toMatchObject({ code: 'missing_sheet' })
  })

  it('should give a row with cells past the header a ragged_row problem, and fill short rows', async () => {
    const file = await xlsxOf({ S: [['a', 'b'], ['1'], ['1', '2', '3']] })
    const rows = await records(file, { sheet: 'S' })
    expect(rows[0]).toEqual({ line: 2, cells: { a: '1', b: '' } })
    expect(rows[1]?.problem?.code).toBe('ragged_row')
  })

  it('should refuse a header wider than the column limit', async () => {
    const wide = Array.from({ length: MAX_CSV_CELLS + 1 }, (_, i) => `c${i}`)
    expect(await problem(await xlsxOf({ S: [wide, ['1']] }), { sheet: 'S' })).toMatchObject({
      code: 'too_many_columns',
      line: 1,
    })
  })

  it('should call a file that is not a workbook malformed, and end on a file that cannot be read', async () => {
    expect(await problem(Buffer.from('name,phone\na,1\n'), { sheet: 'S' })).toMatchObject({
      code: 'malformed_xlsx',
    })
    const missing = await problem(createReadStream('/nonexistent/sheet.xlsx'), { sheet: 'S' })
    expect(missing).toBeInstanceOf(FileProblem)
    expect(missing.message).toMatch(/ENOENT/)
  })
})
