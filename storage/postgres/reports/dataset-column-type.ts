/** The types a dataset column has (the report templates' column types). */
export type DatasetColumnType =
  'string' | 'integer' | 'decimal' | 'money' | 'date' | 'datetime' | 'boolean'
