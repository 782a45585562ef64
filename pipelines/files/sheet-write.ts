import { PassThrough, type Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import ExcelJS from 'exceljs'
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
  /** Ends the sheet (and the workbook); `output` then ends. */
  end(): Promise<void>
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
    const csv = stringify({
      bom: options.bom ?? false,
      cast: {
        boolean: (value) => (value ? 'true' : 'false'),
        date: (value) => value.toISOString(),
      },
    })
    csv.pipe(output)
    return {
      output,
      add: async (cells) => {
        if (!csv.write(cells)) await new Promise((resolve) => csv.once('drain', resolve))
      },
      end: async () => {
        csv.end()
        await Promise.resolve()
      },
    }
  }
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true })
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
    end: async () => {
      sheet.commit()
      await book.commit()
    },
  }
}
