import { createRequire } from 'node:module'
import type ExcelJS from 'exceljs'

const load = createRequire(import.meta.url)
let loaded: typeof ExcelJS | undefined

/**
 * exceljs, loaded the first time a workbook is read or written: about 30 MB of a process's
 * memory that only XLSX work needs (a replay or outreach worker never loads it).
 */
export const excel = (): typeof ExcelJS => (loaded ??= load('exceljs') as typeof ExcelJS)
