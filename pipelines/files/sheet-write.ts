import { EventEmitter, once } from 'node:events'
import { PassThrough, type Readable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import type ExcelJS from 'exceljs'
import { excel } from './excel.js'
import type { SheetFormat } from './sheet-read.js'

/** A cell: text, a number, true or false, an instant (a date at UTC midnight), or empty. */
export type SheetCell = string | number | boolean | Date | null

/** How a sheet is written. */
export interface SheetOptions {
  /** CSV: open with a UTF-8 byte order mark (Excel then reads the file as UTF-8). */
  bom?: boolean
  /** XLSX: the number format of each column's cells (`yyyy-mm-dd`, `0.00`, …), by position. */
  numberFormats?: readonly (string | undefined)[]
}

/** Writes rows into a sheet being streamed out. */
export interface SheetWriter {
  /** The bytes, to stream into the filestore while rows are added. */
  output: Readable
  add(cells: readonly SheetCell[]): Promise<void>
  /** Adds rows in order (one wait for the output, not one per row). */
  addAll(rows: readonly (readonly SheetCell[])[]): Promise<void>
  /** Ends the sheet (and the workbook); `output` then ends. */
  end(): Promise<void>
}

/**
 * Whether the zip lags behind a streamed sheet's rows. exceljs (4.4) hands the sheet's XML to its
 * zip (archiver) through a PassThrough (readable-stream 2) that it writes into without heeding
 * its backpressure: rows added faster than they are deflated pile up there, 400 MB for a million
 * rows. The PassThrough, when it is where exceljs 4.4 keeps it, to wait on for `drain`.
 */
function laggingZip(sheet: ExcelJS.Worksheet): EventEmitter | undefined {
  const pipe = (sheet as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes?.[0]
  if (!(pipe instanceof EventEmitter)) return undefined
  const state = (pipe as { _writableState?: { needDrain?: unknown } })._writableState
  return state?.needDrain === true ? pipe : undefined
}

/**
 * A sheet written as it is filled: CSV (RFC 4180, UTF-8; `true`/`false`, instants in ISO 8601)
 * or one worksheet of an XLSX workbook through exceljs' streaming writer (rows flushed as added,
 * never the whole sheet in memory; numbers, booleans and dates as typed cells).
 */
export function sheetWriter(
  format: SheetFormat,
  sheetName: string,
  options: SheetOptions = {},
): SheetWriter {
  const output = new PassThrough()
  if (format === 'csv') {
    // Rows are turned into CSV text a batch at a time and written as one chunk: per-row writes
    // through a stream cost more than the formatting (bench/reports.ts).
    const csvOptions = {
      cast: {
        boolean: (value: boolean) => (value ? 'true' : 'false'),
        date: (value: Date) => value.toISOString(),
      },
    }
    if (options.bom === true) output.write('\ufeff')
    const addAll = async (rows: readonly (readonly SheetCell[])[]) => {
      if (rows.length === 0) return
      if (!output.write(stringify(rows as SheetCell[][], csvOptions))) await once(output, 'drain')
    }
    return {
      output,
      add: (cells) => addAll([cells]),
      addAll,
      end: async () => {
        output.end()
        await Promise.resolve()
      },
    }
  }
  const book = new (excel().stream.xlsx.WorkbookWriter)({ stream: output, useStyles: true })
  const sheet = book.addWorksheet(sheetName)
  if (options.numberFormats !== undefined)
    sheet.columns = options.numberFormats.map((numFmt) =>
      numFmt === undefined ? {} : { style: { numFmt } },
    )
  return {
    output,
    add: async (cells) => {
      sheet.addRow([...cells]).commit()
      await Promise.resolve()
    },
    addAll: async (rows) => {
      for (const cells of rows) sheet.addRow([...cells]).commit()
      for (let pipe = laggingZip(sheet); pipe !== undefined; pipe = laggingZip(sheet))
        await once(pipe, 'drain')
      while (output.writableNeedDrain) await once(output, 'drain')
    },
    end: async () => {
      sheet.commit()
      await book.commit()
    },
  }
}
