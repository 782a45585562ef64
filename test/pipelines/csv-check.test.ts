import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { checkCsv, FileProblem } from '../../pipelines/csv-check.js'

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
    expect(await code(Buffer.from([0x70, 0x68, 0x6f, 0x6e, 0x65, 0x0a, 0xff, 0xfe, 0x0a]))).toBe(
      'not_utf8',
    )
  })
})
