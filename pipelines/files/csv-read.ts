import { PassThrough, type Readable, type Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, parse } from 'csv-parse'
import { raggedMessage, type CsvRow } from '../../operators/csv-row.rules.js'
import { csvLimits, MAX_CSV_ROW_BYTES } from './csv-limits.js'
import { FileProblem } from './file-problem.js'
import { utf8Only } from './utf8-only.js'

/** Header names as compared: trimmed, lower case. */
const compared = (name: string) => name.trim().toLowerCase()

/**
 * The column names of a header row, trimmed and kept as written, except that a name in
 * `canonical` (the columns the job reads itself, in lower case) is matched ignoring case and
 * given as listed there; an empty name becomes its position (`column_3`) so that its cells are
 * kept. Two columns of one name (ignoring case) would leave one's cells unread, so they make the
 * file unusable.
 */
export function headerNames(row: string[], canonical: readonly string[] = []): string[] {
  const first = new Map<string, number>()
  return row.map((cell, i) => {
    const key = compared(cell)
    const name = key === '' ? `column_${i + 1}` : canonical.includes(key) ? key : cell.trim()
    const earlier = first.get(compared(name))
    if (earlier !== undefined) {
      throw new FileProblem(
        'duplicate_column',
        `The header has two columns named ${JSON.stringify(compared(name))} (columns ${earlier + 1} and ${i + 1}; names are compared ignoring case and spaces around them)`,
        1,
      )
    }
    first.set(compared(name), i)
    return name
  })
}

/** One data row as read, before it is numbered: a {@link CsvRow} without its `row`. */
export type CsvRecord = Omit<CsvRow, 'row'>

/**
 * Reads a CSV file once, as a stream, and checks what would make every row unusable: not UTF-8,
 * unbalanced quotes, no `required` column, no data row. Returns the data rows.
 */
export async function checkCsv(source: Readable, required: string): Promise<number> {
  let rows = 0
  await readCsv(source, { canonical: [required] }, async (records) => {
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

/** How a CSV is read. */
export interface CsvOptions {
  /** A byte limit, say, applied before anything else. */
  limit?: Transform | undefined
  /** Columns the job reads itself, in lower case: matched in the header ignoring case. */
  canonical?: readonly string[] | undefined
  /** Told the header's names (as {@link headerNames}) before the first record. */
  onHeader?: ((names: string[]) => void) | undefined
}

/**
 * Streams a CSV through `options.limit`, a UTF-8 check, the row limits ({@link csvLimits}) and
 * csv-parse into `consume`: header names as {@link headerNames}; blank lines (nothing but
 * spaces and commas) skipped; a row with more or fewer cells than the header, or holding a
 * character storage cannot keep (NUL), comes with its `problem` rather than failing the file.
 * Each record carries the file's line it starts on. A {@link FileProblem} thrown by `consume`,
 * or any CSV error, comes out as a FileProblem; stream.pipeline's own teardown error never hides
 * it.
 */
export async function readCsv(
  source: Readable,
  options: CsvOptions,
  consume: (records: AsyncIterable<CsvRecord>) => Promise<void>,
): Promise<void> {
  let raised: unknown
  try {
    await pipeline(
      source,
      options.limit ?? new PassThrough(),
      utf8Only(),
      csvLimits(),
      // Rows come as arrays and are named here, so a ragged row is told by its length for free
      // (csv-parse's per-record context for on_record costs ~3 µs a row).
      parse({
        bom: true,
        relax_column_count: true,
        max_record_size: MAX_CSV_ROW_BYTES,
      }),
      async (rows: AsyncIterable<string[]>) => {
        try {
          await consume(named(rows, options.canonical ?? [], options.onHeader))
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

/** True for a row of nothing but spaces and separators. */
const blank = (row: string[]) => row.every((cell) => cell.trim() === '')

/** Line breaks inside a row's cells (quoted cells may hold some). */
function breaksIn(row: string[]): number {
  let n = 0
  for (const cell of row)
    for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) n++
  return n
}

/** The first cell holding a character storage cannot keep, by column index. */
function unstorable(row: string[]): number {
  for (let i = 0; i < row.length; i++) if ((row[i] as string).includes('\u0000')) return i
  return -1
}

/**
 * Rows after the header (names as {@link headerNames}) as records by header name, each with the
 * line it starts on; blank rows, before the header too, are skipped.
 */
async function* named(
  rows: AsyncIterable<string[]>,
  canonical: readonly string[],
  onHeader?: (names: string[]) => void,
): AsyncGenerator<CsvRecord> {
  let header: string[] | undefined
  let line = 1
  for await (const row of rows) {
    const at = line
    line += 1 + breaksIn(row)
    if (blank(row)) continue
    if (header === undefined) {
      header = headerNames(row, canonical)
      onHeader?.(header)
      continue
    }
    const cells: Record<string, string> = {}
    const n = Math.min(row.length, header.length)
    for (let i = 0; i < n; i++) cells[header[i] as string] = row[i] as string
    if (row.length !== header.length) {
      const message = raggedMessage({ cells: row.length, columns: header.length })
      yield { line: at, cells, problem: { code: 'ragged_row', column: '', message } }
      continue
    }
    const bad = unstorable(row)
    if (bad === -1) yield { line: at, cells }
    else {
      const column = header[bad] as string
      const message = `${column} holds a NUL character, which cannot be stored`
      yield { line: at, cells, problem: { code: 'invalid_character', column, message } }
    }
  }
}
