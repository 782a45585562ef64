import { Transform } from 'node:stream'
import { FileProblem } from './file-problem.js'

/**
 * The longest row a CSV may hold, in bytes, separators included. Contact rows are short; past
 * this, the parser would hold one row in memory up to the whole file (a quote left open makes
 * the rest one cell, a row of commas makes millions of empty cells).
 */
export const MAX_CSV_ROW_BYTES = 1024 * 1024
/** The most cells a row (the header included) may have. */
export const MAX_CSV_CELLS = 1000

const QUOTE = 0x22
const COMMA = 0x2c
const LF = 0x0a
const CR = 0x0d

/**
 * Passes a CSV's bytes through unchanged while holding every row to `maxRowBytes` bytes and
 * `maxCells` cells, before the parser builds it: csv-parse counts only the characters of its
 * cells against `max_record_size` and collects a whole row before it can count its cells, so a
 * row of many empty cells would exhaust memory first. Quotes are followed (a separator or line
 * break inside quotes belongs to the cell); a CSV the parser refuses anyway may be refused here
 * first, with the line where the limit was passed. Fails with `too_many_columns` for the
 * header, `too_many_cells` or `row_too_large` for a data row.
 */
export function csvLimits(maxRowBytes = MAX_CSV_ROW_BYTES, maxCells = MAX_CSV_CELLS): Transform {
  let quoted = false
  let rowBytes = 0
  let cells = 1
  let line = 1
  // The line its row started on, and whether it is the header (the first row).
  let rowLine = 1
  let header = true
  let previous = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i] as number
        if (byte === LF) line++
        if (byte === QUOTE) quoted = !quoted
        else if (!quoted && (byte === LF || byte === CR)) {
          // CRLF ends one row; a lone CR ends a row too (csv-parse finds either)
          if (!(byte === LF && previous === CR)) {
            if (rowBytes > 0 || cells > 1) header = false
            rowBytes = 0
            cells = 1
          }
          rowLine = line
          previous = byte
          continue
        } else if (!quoted && byte === COMMA && ++cells > maxCells) {
          callback(
            header
              ? new FileProblem(
                  'too_many_columns',
                  `The header has more than ${maxCells} columns`,
                  rowLine,
                )
              : new FileProblem(
                  'too_many_cells',
                  `A row has more than ${maxCells} cells (at line ${rowLine})`,
                  rowLine,
                ),
          )
          return
        }
        previous = byte
        if (++rowBytes > maxRowBytes) {
          callback(
            new FileProblem(
              'row_too_large',
              `A row is longer than ${maxRowBytes} bytes (at line ${rowLine}); is a quote left open?`,
              rowLine,
            ),
          )
          return
        }
      }
      callback(null, chunk)
    },
  })
}
