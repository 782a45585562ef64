import { PassThrough, type Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import ExcelJS from 'exceljs'
import type { SheetFormat } from './sheet-read.js'

/** Writes rows of text into a sheet being streamed out. */
export interface SheetWriter {
  /** The bytes, to stream into the filestore while rows are added. */
  output: Readable
  add(cells: readonly string[]): Promise<void>
  /** Ends the sheet (and the workbook); `output` then ends. */
  end(): Promise<void>
}

/**
 * A sheet written as it is filled: CSV (RFC 4180, UTF-8) or one worksheet of an XLSX workbook
 * through exceljs' streaming writer (rows flushed as added, never the whole sheet in memory).
 */
export function sheetWriter(format: SheetFormat, sheetName: string): SheetWriter {
  const output = new PassThrough()
  if (format === 'csv') {
    const csv = stringify()
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
