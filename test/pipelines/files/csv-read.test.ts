import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  checkCsv,
  headerNames,
  readCsv,
  type CsvRecord,
} from '../../../pipelines/files/csv-read.js'
import { MAX_CSV_CELLS, MAX_CSV_ROW_BYTES } from '../../../pipelines/files/csv-limits.js'
import { FileProblem } from '../../../pipelines/files/file-problem.js'
import { firstInvalidUtf8 } from '../../../pipelines/files/utf8-only.js'

const check = (content: string | Buffer) => checkCsv(Readable.from([Buffer.from(content)]), 'phone')
const code = async (content: string | Buffer) =>
  ((await check(content).catch((e: unknown) => e)) as FileProblem).code

describe('checkCsv', () => {
  it('should count the data rows of a good file, with a BOM and CRLF', async () => {
    expect(await check('\uFEFFname,Phone\r\na,+91 98765 43210\r\nb,123-4567\r\n')).toBe(2)
  })

  it('should say what the header has when it lacks the column, and spot another separator', async () => {
    const message = async (content: string) =>
      ((await check(content).catch((e: unknown) => e)) as FileProblem).message
    expect(await message('name,mobile\na,1234567\n')).toBe(
      'The header has no phone column (its columns: "name", "mobile")',
    )
    expect(await message('phone;name\n1234567;a\n')).toBe(
      'The header has no phone column (its columns: "phone;name"); columns must be separated by commas, and this header seems separated by ";"',
    )
    expect(await message('Phone\tName\n1234567\ta\n')).toMatch(/seems separated by "\\t"$/)
  })

  it('should count ragged rows as rows: they become row errors later, not a file problem', async () => {
    expect(await check('phone,name\n1234567,a,b\n7654321\n1111111,c\n')).toBe(3)
  })

  it('should name each kind of unusable file', async () => {
    expect(await code('')).toBe('empty_file')
    expect(await code('phone\n')).toBe('empty_file')
    expect(await code('name,mobile\na,1234567\n')).toBe('missing_column')
    expect(await code('phone,name\n1234567,"open quote\n')).toBe('malformed_csv')
    expect(await code('phone,name\n1234567,a"b\n')).toBe('malformed_csv') // a quote inside a cell
    expect(await code('{"phone": "1234567"}\n')).toBe('malformed_csv')
    expect(await code(Buffer.from([0x70, 0x68, 0x6f, 0x6e, 0x65, 0x0a, 0xff, 0xfe, 0x0a]))).toBe(
      'not_utf8',
    )
  })

  it('should refuse a header naming one column twice, and name unnamed columns by position', async () => {
    const problem = (await check('phone,Name,x, name \n1234567,a,b,c\n').catch(
      (e: unknown) => e,
    )) as FileProblem
    expect(problem).toMatchObject({ code: 'duplicate_column', line: 1 })
    expect(problem.message).toBe(
      'The header has two columns named "name" (columns 2 and 4; names are compared ignoring case and spaces around them)',
    )
    expect(await code('Phone,name,PHONE\n1234567,a,7654321\n')).toBe('duplicate_column')
    // Names the job reads are matched ignoring case; the others are kept as written.
    expect(headerNames([' Phone', '', 'Agent Id', ' '], ['phone'])).toEqual([
      'phone',
      'column_2',
      'Agent Id',
      'column_4',
    ])
    expect(await check('phone,,\n1234567,a,\n')).toBe(1)
  })

  it('should refuse a row longer than the limit as soon as it is read, naming the line', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x')
    async function* openQuote() {
      yield Buffer.from('phone,note\n1234567,ok\n7654321,"')
      // Far more than the limit: the parser must stop long before the end.
      for (let i = 0; i < (MAX_CSV_ROW_BYTES / chunk.length) * 64; i++) yield chunk
    }
    const problem = (await checkCsv(Readable.from(openQuote()), 'phone').catch(
      (e: unknown) => e,
    )) as FileProblem
    expect(problem).toMatchObject({ code: 'row_too_large', line: 3 })
    expect(problem.message).toBe(
      `A row is longer than ${MAX_CSV_ROW_BYTES} bytes (at line 3); is a quote left open?`,
    )
    const wide = `phone,${'c,'.repeat(10)}note\n1234567,${'v,'.repeat(10)}${'y'.repeat(MAX_CSV_ROW_BYTES)}\n`
    expect(await code(wide)).toBe('row_too_large')
    const justUnder = `phone,note\n1234567,${'y'.repeat(MAX_CSV_ROW_BYTES - 20)}\n`
    expect(await check(justUnder)).toBe(1)
  })

  it('should say on which line and at which byte a file stops being UTF-8, across chunks', async () => {
    const latin1 = Buffer.from('phone,name\n1234567,José\n7654321,Zoë\n', 'latin1')
    const problem = (await check(latin1).catch((e: unknown) => e)) as FileProblem
    expect(problem.message).toBe(
      'The file is not UTF-8 text: byte 0xE9 at line 2 (byte 22 of the file); save it as UTF-8',
    )
    expect(problem.line).toBe(2)
    // A good two-byte character split over two chunks, then a bad one in a later chunk.
    const good = Buffer.from('phone,name\n1234567,Zoë\n', 'utf8')
    const bad = Buffer.from('7654321,Zoë\n', 'latin1')
    const split = good.indexOf(0xc3) + 1
    const chunks = [good.subarray(0, split), good.subarray(split), bad]
    const late = (await checkCsv(Readable.from(chunks), 'phone').catch(
      (e: unknown) => e,
    )) as FileProblem
    expect(late.message).toBe(
      `The file is not UTF-8 text: byte 0xEB at line 3 (byte ${good.length + 10} of the file); save it as UTF-8`,
    )
  })

  it('should find the first bad UTF-8 sequence where the platform decoder fails', () => {
    const decodes = (bytes: Uint8Array) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true })
        return true
      } catch {
        return false
      }
    }
    let seed = 42
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const pieces = [[0x41], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0x0a]]
    for (let run = 0; run < 2000; run++) {
      const bytes: number[] = []
      while (bytes.length < 12) bytes.push(...(pieces[Math.floor(random() * pieces.length)] ?? []))
      // Corrupt one byte in two runs of three.
      if (random() < 0.67) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
      const input = Uint8Array.from(bytes)
      const at = firstInvalidUtf8(input)
      expect(at === -1, input.join(',')).toBe(decodes(input))
      if (at !== -1) {
        expect(decodes(input.subarray(0, at))).toBe(true)
        expect(decodes(input.subarray(0, at + 4))).toBe(false)
      }
    }
  })
})

/** Every record `readCsv` gives for `content`, with header names matched as for contacts. */
async function records(content: string | Buffer | Buffer[]) {
  const out: CsvRecord[] = []
  const chunks = Array.isArray(content) ? content : [Buffer.from(content)]
  await readCsv(Readable.from(chunks), { canonical: ['phone'] }, async (rows) => {
    for await (const r of rows) out.push(r)
  })
  return out
}

describe('readCsv limits and rows', () => {
  it('should refuse a row of many empty cells before the parser builds it, naming the line', async () => {
    // A row of commas passes a limit on the bytes of cells: it is refused by its cells.
    async function* commas() {
      yield Buffer.from('phone,name\n911234560011,a\n911234560012')
      const chunk = Buffer.alloc(64 * 1024, ',')
      for (let i = 0; i < 2000; i++) yield chunk // 128 MiB if it were all read
    }
    const problem = (await checkCsv(Readable.from(commas()), 'phone').catch(
      (e: unknown) => e,
    )) as FileProblem
    expect(problem).toMatchObject({ code: 'too_many_cells', line: 3 })
    expect(problem.message).toBe(`A row has more than ${MAX_CSV_CELLS} cells (at line 3)`)
    const names = Array.from({ length: MAX_CSV_CELLS - 1 }, (_, i) => `c${i}`).join(',')
    const justUnder = `phone,${names}\n1${','.repeat(MAX_CSV_CELLS - 1)}\n`
    expect(await check(justUnder)).toBe(1)
  })

  it('should refuse a header of too many columns, and a long row of short cells by its bytes', async () => {
    const header = `phone${',c'.repeat(1_000_000)}\n1\n`
    expect(await code(header)).toBe('too_many_columns')
    // Under the cell limit, each cell short, the row long: refused by its bytes.
    const long = `phone,a\n1,a\n2,${`${'x'.repeat(1100)},`.repeat(990)}\n`
    const problem = (await check(long).catch((e: unknown) => e)) as FileProblem
    expect(problem).toMatchObject({ code: 'row_too_large', line: 3 })
  })

  it('should give each row the line it starts on, skip blank and comma-only lines, and keep header names as written', async () => {
    const file = 'Phone,Agent Id\n\n1111111,a\n,\n  , \n2222222,"two\nlines"\n3333333,c\n'
    expect(await records(file)).toEqual([
      { line: 3, cells: { phone: '1111111', 'Agent Id': 'a' } },
      { line: 6, cells: { phone: '2222222', 'Agent Id': 'two\nlines' } },
      { line: 8, cells: { phone: '3333333', 'Agent Id': 'c' } },
    ])
  })

  it('should make a row holding a NUL, or ragged, a row problem and keep reading', async () => {
    const rows = await records('phone,name\n911234567891,a\0b\n911234567892,ok\n911234567893\n')
    expect(rows).toEqual([
      {
        line: 2,
        cells: { phone: '911234567891', name: 'a\0b' },
        problem: {
          code: 'invalid_character',
          column: 'name',
          message: 'name holds a NUL character, which cannot be stored',
        },
      },
      { line: 3, cells: { phone: '911234567892', name: 'ok' } },
      {
        line: 4,
        cells: { phone: '911234567893' },
        problem: {
          code: 'ragged_row',
          column: '',
          message: 'the row has 1 cell, the header 2 columns',
        },
      },
    ])
  })
})
