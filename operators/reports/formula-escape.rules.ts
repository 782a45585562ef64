/**
 * First characters that make a spreadsheet read a CSV cell as a formula (OWASP's CSV injection
 * list): `=`, `+`, `-`, `@`, and tab and carriage return, which some programs skip first.
 */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * Text as a CSV cell may hold it without being run as a formula when the file is opened in a
 * spreadsheet: one that would start a formula is prefixed with `'`, which spreadsheets show as
 * text. Only text is escaped: numbers of numeric columns are written as they are.
 */
export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}
