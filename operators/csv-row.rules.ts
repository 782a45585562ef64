/** A row with more or fewer cells than the header has columns: both counts. */
export interface Ragged {
  cells: number
  columns: number
}

/** What a ragged row's error says (a `ragged_row` row error). */
export const raggedMessage = (ragged: Ragged) =>
  `the row has ${ragged.cells} ${ragged.cells === 1 ? 'cell' : 'cells'}, the header ${ragged.columns} ${ragged.columns === 1 ? 'column' : 'columns'}`

/**
 * One data row of a CSV file: its 1-based number (header excluded), cells by header name, and
 * `ragged` when its cells cannot be matched to the header's columns (it then makes no record).
 */
export interface CsvRow {
  row: number
  cells: Record<string, string>
  ragged?: Ragged
}
