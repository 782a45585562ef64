/** A row with more or fewer cells than the header has columns: both counts. */
export interface Ragged {
  cells: number
  columns: number
}

/** What a ragged row's error says (a `ragged_row` row error). */
export const raggedMessage = (ragged: Ragged) =>
  `the row has ${ragged.cells} ${ragged.cells === 1 ? 'cell' : 'cells'}, the header ${ragged.columns} ${ragged.columns === 1 ? 'column' : 'columns'}`

/** Why the intake refused one row: it makes no record, and becomes a row error. */
export interface RowProblem {
  code: 'ragged_row' | 'invalid_character' | 'refused_by_storage'
  /** The column at fault; empty for the whole row. */
  column: string
  message: string
}

/**
 * One data row of a CSV file: its 1-based number (header and blank lines excluded), the file's
 * line it starts on, cells by header name, and `problem` when the intake refused it (its cells
 * cannot be matched to the header's columns, or cannot be stored).
 */
export interface CsvRow {
  row: number
  line: number
  cells: Record<string, string>
  problem?: RowProblem
}
