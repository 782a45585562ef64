import { PassThrough, type Readable } from 'node:stream'
import type ExcelJS from 'exceljs'
import { excel } from './excel.js'
import { raggedMessage } from '../../operators/csv-row.rules.js'
import { headerNames, type CsvOptions, type CsvRecord } from './csv-read.js'
import { MAX_CSV_CELLS, MAX_CSV_ROW_BYTES } from './csv-limits.js'
import { FileProblem } from './file-problem.js'

/** Distinct texts a workbook may share between its cells (Excel's own limit is far above). */
export const MAX_SHARED_STRINGS = 2_000_000
/** Characters all shared texts may hold together. */
export const MAX_SHARED_CHARS = 256 * 1024 * 1024

/** How a workbook is read: its sheet, and the columns the job reads itself. */
export interface XlsxOptions extends Pick<CsvOptions, 'canonical' | 'onHeader'> {
  /** The sheet to read, by name (ignoring case). */
  sheet?: string | undefined
  /** Read the workbook's first sheet when none is named `sheet`. @defaultValue false */
  firstOtherwise?: boolean
}

/** A cell's value as text: numbers as written, dates as ISO 8601, formulas by their result. */
export function cellText(
  value: ExcelJS.CellValue | { sharedString: number },
  shared: string[],
): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) {
    const iso = value.toISOString()
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso
  }
  if ('sharedString' in value) return shared[value.sharedString] ?? ''
  if ('richText' in value) return value.richText.map((r) => r.text).join('')
  if ('error' in value) return value.error
  if ('result' in value) return cellText(value.result, shared)
  if ('text' in value) return cellText(value.text, shared)
  return ''
}

/** A row's cells as text, by 1-based column; holes are empty. */
function rowCells(row: ExcelJS.Row, shared: string[], line: number, header: boolean): string[] {
  const values = row.values as unknown[]
  const width = values.length - 1
  if (width > MAX_CSV_CELLS)
    throw header
      ? new FileProblem(
          'too_many_columns',
          `The header has more than ${MAX_CSV_CELLS} columns`,
          line,
        )
      : new FileProblem(
          'too_many_cells',
          `A row has more than ${MAX_CSV_CELLS} cells (at row ${line})`,
          line,
        )
  const cells: string[] = []
  let bytes = 0
  for (let i = 1; i <= width; i++) {
    const text = cellText(values[i] as ExcelJS.CellValue, shared)
    bytes += text.length + 1
    if (bytes > MAX_CSV_ROW_BYTES)
      throw new FileProblem(
        'row_too_large',
        `A row is longer than ${MAX_CSV_ROW_BYTES} bytes (at row ${line})`,
        line,
      )
    cells.push(text)
  }
  return cells
}

/** csv-read's blank rule: nothing but spaces. */
const blank = (cells: string[]) => cells.every((c) => c.trim() === '')

/**
 * Streams one sheet of an XLSX workbook into `consume` as records like {@link readCsv}'s: the
 * first non-blank row is the header, each record carries the sheet's row number as its `line`,
 * and the same limits hold (cells per row, columns, bytes per row), with the texts a workbook
 * shares between cells capped too. Sheets are spooled to temporary files by exceljs' streaming
 * reader, never held in memory. A file that is not a workbook is `malformed_xlsx`; a workbook
 * without the sheet is `missing_sheet`.
 */
export async function readXlsx(
  source: Readable,
  options: XlsxOptions,
  consume: (records: AsyncIterable<CsvRecord>) => Promise<void>,
): Promise<void> {
  // exceljs pipes its input and never hears of the input's errors: a source that fails ends the
  // feed instead (the reader then ends), and its error is thrown after.
  let failure: Error | undefined
  const feed = new PassThrough()
  source.once('error', (error) => {
    failure = error
    feed.end()
  })
  const reader = new (excel().stream.xlsx.WorkbookReader)(source.pipe(feed), {
    sharedStrings: 'emit',
    hyperlinks: 'ignore',
    styles: 'cache', // tells dates from numbers
    worksheets: 'emit',
    entries: 'ignore',
  })
  const shared: string[] = []
  let sharedChars = 0
  let read = false
  const wanted = options.sheet?.toLowerCase()
  let target: string | undefined
  try {
    // exceljs yields a shared text as `{ index, text }`, everything else as `{ eventType, value }`.
    const events = reader.parse() as AsyncIterator<
      { eventType: string; value: unknown } | { index: number; text: ExcelJS.CellValue }
    >
    for await (const event of { [Symbol.asyncIterator]: () => events }) {
      if ('index' in event) {
        const { index, text } = event
        const value = cellText(text, [])
        sharedChars += value.length
        if (index >= MAX_SHARED_STRINGS || sharedChars > MAX_SHARED_CHARS)
          throw new FileProblem(
            'too_many_cells',
            `The workbook shares more than ${MAX_SHARED_STRINGS} texts or ${MAX_SHARED_CHARS} characters between its cells`,
          )
        shared[index] = value
        continue
      }
      if (event.eventType !== 'worksheet' || read) continue
      const sheet = event.value as ExcelJS.stream.xlsx.WorksheetReader & { name: string }
      // The workbook's list of sheets is read before any sheet (exceljs spools sheets first).
      target ??= targetSheet(reader, wanted, options.firstOtherwise === true)
      if (sheet.name.toLowerCase() !== target) continue
      read = true
      await consume(sheetRecords(sheet, shared, options.canonical ?? [], options.onHeader))
    }
    if (failure !== undefined) throw failure
  } catch (error) {
    if (error instanceof FileProblem) throw error
    const cause = (error as { cause?: unknown }).cause
    if (cause instanceof FileProblem) throw cause
    const why = failure ?? (error as Error) // the source's own error says more than exceljs'
    throw new FileProblem(
      'malformed_xlsx',
      `The file is not a readable XLSX workbook: ${why.message}`,
      undefined,
      { cause: why },
    )
  }
  if (!read)
    throw new FileProblem(
      'missing_sheet',
      `The workbook has no sheet named ${JSON.stringify(options.sheet ?? '')}`,
    )
}

/** The name (lower case) of the sheet to read: `wanted` if the workbook has it, else its first when asked. */
function targetSheet(
  reader: ExcelJS.stream.xlsx.WorkbookReader,
  wanted: string | undefined,
  firstOtherwise: boolean,
): string | undefined {
  const names = ((reader as { model?: { sheets?: { name: string }[] } }).model?.sheets ?? []).map(
    (s) => s.name.toLowerCase(),
  )
  if (wanted !== undefined && names.includes(wanted)) return wanted
  return firstOtherwise ? names[0] : undefined
}

/** A sheet's rows after its header as records by header name, numbered by their sheet row. */
async function* sheetRecords(
  sheet: ExcelJS.stream.xlsx.WorksheetReader,
  shared: string[],
  canonical: readonly string[],
  onHeader?: (names: string[]) => void,
): AsyncGenerator<CsvRecord> {
  let header: string[] | undefined
  for await (const row of sheet) {
    const line = row.number
    const cells = rowCells(row, shared, line, header === undefined)
    if (blank(cells)) continue
    if (header === undefined) {
      header = headerNames(cells, canonical)
      onHeader?.(header)
      continue
    }
    const named: Record<string, string> = {}
    for (let i = 0; i < header.length; i++) named[header[i] as string] = cells[i] ?? ''
    const beyond = cells.slice(header.length).some((c) => c.trim() !== '')
    if (beyond) {
      const message = raggedMessage({ cells: cells.length, columns: header.length })
      yield { line, cells: named, problem: { code: 'ragged_row', column: '', message } }
      continue
    }
    // XML cannot carry a NUL: no cell of a workbook holds one.
    yield { line, cells: named }
  }
}
