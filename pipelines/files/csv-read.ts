import { PassThrough, type Readable, type Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, parse } from 'csv-parse'
import type { CsvRow } from '../../operators/csv-row.rules.js'
import { FileProblem } from './file-problem.js'
import { utf8Only } from './utf8-only.js'

/**
 * The longest row a CSV may hold, in bytes. Contact rows are short; past this, the parser would
 * hold one row in memory up to the whole file (a quote left open makes the rest one cell).
 */
export const MAX_CSV_ROW_BYTES = 1024 * 1024

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

/** One data row as read, before it is numbered: a {@link CsvRow} without its `row`. */
export type CsvRecord = Omit<CsvRow, 'row'>

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
