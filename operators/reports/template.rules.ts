import { isRelativeDate, RELATIVE_DATES } from './relative-dates.rules.js'

/** The types a dataset's columns have. */
export const COLUMN_TYPES = [
  'string',
  'integer',
  'decimal',
  'money',
  'date',
  'datetime',
  'boolean',
] as const
export type ColumnType = (typeof COLUMN_TYPES)[number]

/** Filter operators. */
export const OPERATORS = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'between',
  'contains',
  'isNull',
] as const
export type Operator = (typeof OPERATORS)[number]

/** Which operators fit a column of each type. */
const FITS: Record<ColumnType, readonly Operator[]> = {
  string: ['eq', 'ne', 'in', 'contains', 'isNull'],
  integer: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'between', 'isNull'],
  decimal: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between', 'isNull'],
  money: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between', 'isNull'],
  date: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between', 'isNull'],
  datetime: ['lt', 'lte', 'gt', 'gte', 'between', 'isNull'],
  boolean: ['eq', 'ne', 'isNull'],
}

/** The columns of the datasets a template may read, by dataset. */
export type Catalogue = Readonly<Record<string, Readonly<Record<string, ColumnType>>>>

/** A template as its owner defines it. */
export interface TemplateDefinition {
  dataset: string
  columns: readonly { column: string; label?: string | undefined }[]
  filters: readonly { column: string; op: string; value?: unknown }[]
  sort: readonly { column: string; direction: string }[]
}

/** One problem of a template, by field. */
export interface TemplateProblem {
  field: string
  message: string
}

const DECIMAL = /^-?\d{1,15}(\.\d{1,8})?$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

/** Why `value` is not a `type` value; undefined when it is. A date may be relative. */
function valueProblem(type: ColumnType, value: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' && value.length <= 1000
        ? undefined
        : 'must be text (at most 1000 characters)'
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be a whole number'
    case 'decimal':
    case 'money':
      return (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && DECIMAL.test(value))
        ? undefined
        : 'must be a decimal number such as "12.50"'
    case 'date':
      return (typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value))) ||
        isRelativeDate(value)
        ? undefined
        : `must be a date (YYYY-MM-DD) or one of ${RELATIVE_DATES.join(', ')}`
    case 'datetime':
      return (typeof value === 'string' && !DATE.test(value) && !Number.isNaN(Date.parse(value))) ||
        isRelativeDate(value)
        ? undefined
        : `must be an ISO 8601 instant or one of ${RELATIVE_DATES.join(', ')}`
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false'
  }
}

/** The problems of one filter's value for its operator and column type. */
function filterValueProblems(
  type: ColumnType,
  op: Operator,
  value: unknown,
  field: string,
): TemplateProblem[] {
  if (op === 'isNull')
    return typeof value === 'boolean' || value === undefined
      ? []
      : [{ field, message: 'must be true, false or left out (true)' }]
  if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0 || value.length > 1000)
      return [{ field, message: 'must be a list of 1 to 1000 values' }]
    return value.flatMap((v, i) => {
      const problem = valueProblem(type, v)
      return problem === undefined ? [] : [{ field: `${field}.${i}`, message: problem }]
    })
  }
  if (op === 'between') {
    if (!Array.isArray(value) || value.length !== 2)
      return [{ field, message: 'must be a list of two values: from and to' }]
    return value.flatMap((v, i) => {
      const problem = valueProblem(type, v)
      return problem === undefined ? [] : [{ field: `${field}.${i}`, message: problem }]
    })
  }
  if (op === 'contains' && !(typeof value === 'string' && value.length > 0 && value.length <= 200))
    return [{ field, message: 'must be text of 1 to 200 characters' }]
  const problem = valueProblem(type, value)
  return problem === undefined ? [] : [{ field, message: problem }]
}

/**
 * Every problem of a template against the catalogue, by field: an unknown dataset or column, an
 * operator that does not fit the column's type, a value not of the column's type (dates may be
 * relative), a sort direction other than `asc` or `desc`, a column shown twice.
 */
export function templateProblems(catalogue: Catalogue, t: TemplateDefinition): TemplateProblem[] {
  const columns = catalogue[t.dataset]
  if (columns === undefined)
    return [{ field: 'dataset', message: `must be one of ${Object.keys(catalogue).join(', ')}` }]
  const problems: TemplateProblem[] = []
  const known = (column: string, field: string) => {
    if (column in columns) return true
    problems.push({ field, message: `${t.dataset} has no column ${column}` })
    return false
  }
  const shown = new Set<string>()
  t.columns.forEach(({ column }, i) => {
    if (!known(column, `columns.${i}.column`)) return
    if (shown.has(column))
      problems.push({ field: `columns.${i}.column`, message: `${column} is shown twice` })
    shown.add(column)
  })
  t.filters.forEach(({ column, op, value }, i) => {
    if (!known(column, `filters.${i}.column`)) return
    const type = columns[column] as ColumnType
    if (!(OPERATORS as readonly string[]).includes(op) || !FITS[type].includes(op as Operator)) {
      problems.push({
        field: `filters.${i}.op`,
        message: `must be one of ${FITS[type].join(', ')} for a ${type} column`,
      })
      return
    }
    problems.push(...filterValueProblems(type, op as Operator, value, `filters.${i}.value`))
  })
  t.sort.forEach(({ column, direction }, i) => {
    known(column, `sort.${i}.column`)
    if (direction !== 'asc' && direction !== 'desc')
      problems.push({ field: `sort.${i}.direction`, message: 'must be asc or desc' })
  })
  return problems
}
