import { PassThrough, Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, parse } from 'csv-parse'
import type { Ragged } from '../../operators/outreach/upload-split.rules.js'
import type { FileStore } from '../../storage/filestore.js'

/** Why a file cannot be taken at all. */
export type FileProblemCode =
  | 'empty_file'
  | 'missing_column'
  | 'malformed_csv'
  | 'not_utf8'
  | 'file_too_large'
  | 'row_too_large'
  | 'duplicate_column'

/**
 * The longest row a CSV may hold, in bytes. Contact rows are short; past this, the parser would
 * hold one row in memory up to the whole file (a quote left open makes the rest one cell).
 */
export const MAX_CSV_ROW_BYTES = 1024 * 1024

/** A file-level problem, answered as problem+json. */
export class FileProblem extends Error {
  override name = 'FileProblem'

  constructor(
    readonly code: FileProblemCode,
    message: string,
    readonly line?: number,
  ) {
    super(message)
  }
}

/** Passes bytes through, failing once more than `maxBytes` went by. */
export function byteLimit(maxBytes: number): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length
      if (seen > maxBytes)
        callback(new FileProblem('file_too_large', `The file is larger than ${maxBytes} bytes`))
      else callback(null, chunk)
    },
  })
}

/**
 * Where the first sequence that is not UTF-8 starts in `bytes`, or -1 when there is none (an
 * incomplete sequence at the very end is not judged). With `midCharacter`, leading continuation
 * bytes (at most three: the end of a character that began before `bytes`) are skipped.
 */
export function firstInvalidUtf8(bytes: Uint8Array, midCharacter = false): number {
  let i = 0
  while (midCharacter && i < 3 && i < bytes.length && ((bytes[i] ?? 0) & 0xc0) === 0x80) i++
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0
    const need =
      lead < 0x80 ? 0 : lead < 0xc2 ? -1 : lead < 0xe0 ? 1 : lead < 0xf0 ? 2 : lead < 0xf5 ? 3 : -1
    if (need < 0) return i
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return -1
      const next = bytes[i + k] ?? 0
      // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
      const low = k === 1 && lead === 0xe0 ? 0xa0 : k === 1 && lead === 0xf0 ? 0x90 : 0x80
      const high = k === 1 && lead === 0xed ? 0x9f : k === 1 && lead === 0xf4 ? 0x8f : 0xbf
      if (next < low || next > high) return i
    }
    i += need + 1
  }
  return -1
}

/** Newlines (`\n`) in `bytes`. */
function newlines(bytes: Uint8Array): number {
  let n = 0
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) n++
  return n
}

/**
 * Passes bytes through, failing at the first byte sequence that is not UTF-8 with its line
 * (1-based, the header being line 1) and byte offset, so a file saved in another encoding (a
 * spreadsheet's Windows-1252 export, say) is told where.
 */
export function utf8Only(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let offset = 0 // bytes passed
  let lines = 0 // newlines passed
  let recent = Buffer.alloc(0) // the last bytes passed: a character may continue in the next chunk
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.decode(chunk, { stream: true })
      } catch {
        const bytes = Buffer.concat([recent, chunk])
        const found = firstInvalidUtf8(bytes, true)
        const at = (found === -1 ? recent.length : found) - recent.length
        const line = lines + newlines(chunk.subarray(0, Math.max(at, 0))) + 1
        const byte = (bytes[at + recent.length] ?? 0).toString(16).toUpperCase().padStart(2, '0')
        callback(
          new FileProblem(
            'not_utf8',
            `The file is not UTF-8 text: byte 0x${byte} at line ${line} (byte ${offset + at} of the file); save it as UTF-8`,
            line,
          ),
        )
        return
      }
      offset += chunk.length
      lines += newlines(chunk)
      recent = Buffer.from(
        chunk.length >= 3 ? chunk.subarray(-3) : Buffer.concat([recent, chunk]).subarray(-3),
      )
      callback(null, chunk)
    },
    flush(callback) {
      try {
        decoder.decode()
        callback()
      } catch {
        callback(new FileProblem('not_utf8', 'The file ends inside a UTF-8 character', lines + 1))
      }
    },
  })
}

/**
 * Streams an uploaded CSV into the file store at `key` (refusing more than `maxBytes`) and checks
 * it as a whole (UTF-8, well-formed, a `phone` column, at least one row); returns its size. A
 * file refused is removed.
 */
export async function storeCheckedCsv(
  files: FileStore,
  key: string,
  source: Readable,
  maxBytes: number,
): Promise<number> {
  try {
    const bytes = await files.write(key, source, byteLimit(maxBytes))
    await checkCsv(files.read(key), 'phone')
    return bytes
  } catch (error) {
    await files.remove(key)
    throw error
  }
}

/**
 * Queues an accepted file's entry; when that fails (Redis unreachable, say), `undo` removes its
 * record and the file is removed, so that the caller's retry is the only copy.
 */
export async function queueOrUndo(
  files: FileStore,
  key: string,
  queue: () => Promise<unknown>,
  undo: () => Promise<void>,
): Promise<void> {
  try {
    await queue()
  } catch (error) {
    await undo()
    await files.remove(key)
    throw error
  }
}

/** Header names as compared: trimmed, lower case. */
const headerName = (name: string) => name.trim().toLowerCase()

/**
 * The column names of a header row: {@link headerName}s, an empty one named after its position
 * (`column_3`) so that its cells are kept. Two columns of one name would leave one's cells
 * unread, so they make the file unusable.
 */
export function headerNames(row: string[]): string[] {
  const names = row.map((cell, i) => headerName(cell) || `column_${i + 1}`)
  const first = new Map<string, number>()
  names.forEach((name, i) => {
    const earlier = first.get(name)
    if (earlier !== undefined) {
      throw new FileProblem(
        'duplicate_column',
        `The header has two columns named ${JSON.stringify(name)} (columns ${earlier + 1} and ${i + 1}; names are compared ignoring case and spaces around them)`,
        1,
      )
    }
    first.set(name, i)
  })
  return names
}

/**
 * One data row: its cells by header name and, when it has more or fewer cells than the header
 * has columns, both counts (its cells cannot be trusted to sit under the right names).
 */
export interface CsvRecord {
  cells: Record<string, string>
  ragged?: Ragged
}

/**
 * Reads a CSV file once, as a stream, and checks what would make every row unusable: not UTF-8,
 * unbalanced quotes, no `required` column, no data row. Returns the data rows.
 */
export async function checkCsv(source: Readable, required: string): Promise<number> {
  let rows = 0
  await readCsv(source, undefined, async (records) => {
    for await (const { cells } of records) {
      if (rows === 0 && !(required in cells)) {
        throw new FileProblem('missing_column', missingColumn(required, Object.keys(cells)), 1)
      }
      rows++
    }
  })
  if (rows === 0) throw new FileProblem('empty_file', 'The file has no data rows')
  return rows
}

/**
 * Why the header lacks `required`, naming what it has, and the likely cause when the whole
 * header is one column holding another separator (spreadsheets save `;`-separated CSV in many
 * locales).
 */
export function missingColumn(required: string, names: string[]): string {
  const shown = names
    .slice(0, 10)
    .map((n) => JSON.stringify(n.length > 40 ? `${n.slice(0, 40)}…` : n))
  const more = names.length > 10 ? `, and ${names.length - 10} more` : ''
  const separator = names.length === 1 ? /[;\t|]/.exec(names[0] ?? '')?.[0] : undefined
  const hint =
    separator === undefined
      ? ''
      : `; columns must be separated by commas, and this header seems separated by ${JSON.stringify(separator)}`
  return `The header has no ${required} column (its columns: ${shown.join(', ')}${more})${hint}`
}

/** csv-parse errors as a {@link FileProblem}; others unchanged. */
export function asFileProblem(error: unknown): unknown {
  if (error instanceof FileProblem) return error
  // stream.pipeline reports a failure of its last step as an AbortError caused by it
  const cause = (error as { cause?: unknown }).cause
  if (cause instanceof FileProblem) return cause
  // Every parse error of csv-parse, whatever its code (`INVALID_OPENING_QUOTE` has no `CSV_`).
  const parsing = error instanceof CsvError ? error : cause instanceof CsvError ? cause : undefined
  if (parsing === undefined) return error
  const line = (parsing as { lines?: number }).lines
  if (parsing.code === 'CSV_MAX_RECORD_SIZE') {
    return new FileProblem(
      'row_too_large',
      `A row is longer than ${MAX_CSV_ROW_BYTES} bytes (at line ${line}); is a quote left open?`,
      line,
    )
  }
  return new FileProblem('malformed_csv', `The file is not valid CSV: ${parsing.message}`, line)
}

/**
 * Streams a CSV through `limit` (a byte limit, say), a UTF-8 check and csv-parse (header names
 * trimmed and lower-cased; empty lines skipped; a row with more or fewer cells than the header
 * marked `ragged` rather than failing the file) into `consume`. A {@link FileProblem} thrown by
 * `consume`, or any CSV error, comes out as a FileProblem; stream.pipeline's own teardown error
 * never hides it.
 */
export async function readCsv(
  source: Readable,
  limit: Transform | undefined,
  consume: (records: AsyncIterable<CsvRecord>) => Promise<void>,
): Promise<void> {
  let raised: unknown
  try {
    await pipeline(
      source,
      limit ?? new PassThrough(),
      utf8Only(),
      // Rows come as arrays and are named here, so a ragged row is told by its length for free
      // (csv-parse's per-record context for on_record costs ~3 µs a row).
      parse({
        bom: true,
        skip_empty_lines: true,
        relax_column_count: true,
        max_record_size: MAX_CSV_ROW_BYTES,
      }),
      async (rows: AsyncIterable<string[]>) => {
        try {
          await consume(named(rows))
        } catch (error) {
          raised = error
          throw error
        }
      },
    )
  } catch (error) {
    throw asFileProblem(raised ?? error)
  }
}

/** Rows after the first (the header, names as {@link headerNames}) as records by header name. */
async function* named(rows: AsyncIterable<string[]>): AsyncGenerator<CsvRecord> {
  let header: string[] | undefined
  for await (const row of rows) {
    if (header === undefined) {
      header = headerNames(row)
      continue
    }
    const cells: Record<string, string> = {}
    const n = Math.min(row.length, header.length)
    for (let i = 0; i < n; i++) cells[header[i] as string] = row[i] as string
    yield row.length === header.length
      ? { cells }
      : { cells, ragged: { cells: row.length, columns: header.length } }
  }
}
