import {
  cellErrors,
  type CellError,
  type CompiledSchema,
  type SchemaColumn,
} from './resource-schema.rules.js'

/** Which sheet column holds each schema column. */
export interface HeaderMapping {
  /** Schema key → the sheet's header name. */
  columns: ReadonlyMap<string, string>
  /** Required columns the sheet lacks. */
  missing: SchemaColumn[]
}

/** Header names as compared: trimmed, lower case, a trailing required mark (`*`) dropped. */
const compared = (name: string) =>
  name
    .trim()
    .replace(/\s*\*$/, '')
    .toLowerCase()

/** Maps a sheet's header to the schema's columns by label or by key, ignoring case. */
export function mapHeader(compiled: CompiledSchema, header: readonly string[]): HeaderMapping {
  const byName = new Map(header.map((h) => [compared(h), h]))
  const columns = new Map<string, string>()
  const missing: SchemaColumn[] = []
  for (const column of compiled.columns) {
    const found = byName.get(compared(column.label)) ?? byName.get(column.key.toLowerCase())
    if (found !== undefined) columns.set(column.key, found)
    else if (column.required) missing.push(column)
  }
  return { columns, missing }
}

/** A row as validated: its values by schema key (typed) and every problem it has. */
export interface ValidatedRow {
  data: Record<string, unknown>
  errors: CellError[]
}

/**
 * Validates one row against the schema, every problem at once: the cells of mapped columns
 * (trimmed; empty ones left out, so that `required` speaks for them) coerced to their types by
 * ajv, then each boundary column's code checked against the campaign's `boundaries`.
 */
export function validateRow(
  compiled: CompiledSchema,
  mapping: HeaderMapping,
  cells: Readonly<Record<string, string>>,
  boundaries: ReadonlySet<string>,
): ValidatedRow {
  const data: Record<string, unknown> = {}
  for (const [key, name] of mapping.columns) {
    const value = cells[name]?.trim() ?? ''
    if (value !== '') data[key] = value
  }
  const errors = compiled.validate(data)
    ? []
    : cellErrors(compiled.validate.errors ?? [], compiled.byKey)
  for (const column of compiled.columns) {
    const code = data[column.key]
    if (!column.boundary || typeof code !== 'string' || boundaries.has(code)) continue
    errors.push({
      column: column.label,
      code: 'unknown_boundary',
      message: `${column.label} ${code} is not a boundary of the campaign`,
    })
  }
  // In the sheet's column order, whatever order ajv found them in.
  const order = new Map(compiled.columns.map((c, i) => [c.label, i]))
  errors.sort((a, b) => (order.get(a.column) ?? -1) - (order.get(b.column) ?? -1))
  return { data, errors }
}

/**
 * Reads stored rows (cells by header name) as their typed values by schema key, as validation
 * coerced them; a header is mapped once however many rows share it.
 */
export function rowData(
  compiled: CompiledSchema,
): (cells: Readonly<Record<string, string>>) => Record<string, unknown> {
  const mappings = new Map<string, HeaderMapping>()
  const none = new Set<string>()
  return (cells) => {
    const names = Object.keys(cells)
    const key = names.join('\n')
    let mapping = mappings.get(key)
    if (mapping === undefined) {
      mapping = mapHeader(compiled, names)
      mappings.set(key, mapping)
    }
    return validateRow(compiled, mapping, cells, none).data
  }
}
