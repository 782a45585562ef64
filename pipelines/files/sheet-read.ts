import type { FileStore } from '../../storage/filestore.js'
import type { StoredFileRow } from '../../storage/postgres/stored-file.table.js'
import { DomainError } from '../domain-error.js'
import { readCsv, type CsvRecord } from './csv-read.js'
import { XLSX_TYPE } from './stored-files.js'
import { readXlsx, type XlsxOptions } from './xlsx-read.js'

/** The kinds of sheet the intake reads. */
export type SheetFormat = 'csv' | 'xlsx'

/** A kept file's sheet format, by its type or name; 400 `unsupported_file` for any other file. */
export function sheetFormat(file: Pick<StoredFileRow, 'name' | 'content_type'>): SheetFormat {
  const type = file.content_type.split(';')[0]?.trim().toLowerCase() ?? ''
  if (type === XLSX_TYPE || /\.xlsx$/i.test(file.name)) return 'xlsx'
  if (type === 'text/csv' || /\.csv$/i.test(file.name)) return 'csv'
  throw new DomainError(
    'invalid',
    'unsupported_file',
    `${file.name} (${file.content_type}) is neither an XLSX workbook nor a CSV file`,
  )
}

/**
 * Streams a kept sheet (CSV, or one sheet of a workbook) into `consume` as records, through the
 * shared intake and its limits.
 */
export function readSheet(
  files: FileStore,
  file: Pick<StoredFileRow, 'name' | 'content_type' | 'file_key'>,
  options: XlsxOptions,
  consume: (records: AsyncIterable<CsvRecord>) => Promise<void>,
): Promise<void> {
  return sheetFormat(file) === 'xlsx'
    ? readXlsx(files.read(file.file_key), options, consume)
    : readCsv(files.read(file.file_key), options, consume)
}
