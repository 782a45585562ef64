/** Why a file cannot be taken at all. */
export type FileProblemCode =
  | 'empty_file'
  | 'missing_column'
  | 'unknown_column'
  | 'malformed_csv'
  | 'not_utf8'
  | 'file_too_large'
  | 'row_too_large'
  | 'too_many_cells'
  | 'too_many_columns'
  | 'duplicate_column'
  | 'malformed_xlsx'
  | 'missing_sheet'

/** A file-level problem, answered as problem+json. */
export class FileProblem extends Error {
  override name = 'FileProblem'

  constructor(
    readonly code: FileProblemCode,
    message: string,
    readonly line?: number,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}
