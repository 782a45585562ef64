import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { z } from 'zod'

// ajv-formats is CommonJS: its default export is the module object under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

/** The factory's own keywords beside JSON Schema's. */
const FACTORY_KEYWORDS = ['x-label', 'x-order', 'x-unique', 'x-boundary'] as const

/** Most columns a resource schema may define. */
export const MAX_SCHEMA_COLUMNS = 200

const PropertyName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a column key')

/** What the factory reads of a resource schema; the rest is JSON Schema for ajv. */
export const ResourceSchema = z.looseObject({
  type: z.literal('object'),
  title: z.string().max(128).optional(),
  properties: z
    .record(
      PropertyName,
      z.looseObject({
        type: z.enum(['string', 'integer', 'number', 'boolean']),
        enum: z
          .array(z.union([z.string(), z.number(), z.boolean()]))
          .max(1000)
          .optional(),
        description: z.string().max(500).optional(),
        'x-label': z.string().trim().min(1).max(128).optional(),
        'x-boundary': z.boolean().optional(),
      }),
    )
    .refine((p) => Object.keys(p).length > 0, 'must define at least one column')
    .refine(
      (p) => Object.keys(p).length <= MAX_SCHEMA_COLUMNS,
      `must define at most ${MAX_SCHEMA_COLUMNS} columns`,
    ),
  required: z.array(PropertyName).max(MAX_SCHEMA_COLUMNS).optional(),
  'x-order': z.array(PropertyName).max(MAX_SCHEMA_COLUMNS).optional(),
  'x-unique': z.array(PropertyName).max(MAX_SCHEMA_COLUMNS).optional(),
})
export type ResourceSchema = z.infer<typeof ResourceSchema>

/** One column of a resource sheet, in sheet order. */
export interface SchemaColumn {
  key: string
  /** The header the sheet shows (the key when the schema gives no `x-label`). */
  label: string
  type: 'string' | 'integer' | 'number' | 'boolean'
  required: boolean
  unique: boolean
  /** Boundary codes: each must belong to the campaign. */
  boundary: boolean
  enum?: readonly (string | number | boolean)[]
  description?: string
}

/** A schema's columns: those named by `x-order` first, then the rest in definition order. */
export function columnsOf(schema: ResourceSchema): SchemaColumn[] {
  const keys = Object.keys(schema.properties)
  const order = [...new Set([...(schema['x-order'] ?? []), ...keys])].filter((k) =>
    keys.includes(k),
  )
  const required = new Set(schema.required ?? [])
  const unique = new Set(schema['x-unique'] ?? [])
  return order.map((key) => {
    const p = schema.properties[key] as ResourceSchema['properties'][string]
    return {
      key,
      label: p['x-label'] ?? key,
      type: p.type,
      required: required.has(key),
      unique: unique.has(key),
      boundary: p['x-boundary'] === true,
      ...(p.enum === undefined ? {} : { enum: p.enum }),
      ...(p.description === undefined ? {} : { description: p.description }),
    }
  })
}

/** A new ajv for resource schemas: every error at once, cells coerced to the column's type. */
export function resourceAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: true, strict: true, messages: true })
  addFormats(ajv)
  ajv.addVocabulary([...FACTORY_KEYWORDS])
  return ajv
}

/** Why a schema cannot be used, by field; empty when it can. */
export function schemaProblems(ajv: Ajv, input: unknown): { field: string; message: string }[] {
  const parsed = ResourceSchema.safeParse(input)
  if (!parsed.success)
    return parsed.error.issues.slice(0, 100).map((i) => ({
      field: i.path.join('.'),
      message: i.message,
    }))
  const schema = parsed.data
  const keys = new Set(Object.keys(schema.properties))
  const problems: { field: string; message: string }[] = []
  for (const list of ['required', 'x-order', 'x-unique'] as const)
    for (const key of schema[list] ?? [])
      if (!keys.has(key)) problems.push({ field: list, message: `names no column ${key}` })
  const labels = new Map<string, string>()
  for (const column of columnsOf(schema)) {
    const label = column.label.toLowerCase()
    const other = labels.get(label)
    if (other !== undefined)
      problems.push({
        field: `properties.${column.key}`,
        message: `has the header of ${other} (${column.label})`,
      })
    labels.set(label, column.key)
  }
  if (problems.length > 0) return problems
  try {
    ajv.compile(schema)
  } catch (error) {
    problems.push({ field: '', message: `not a usable JSON Schema: ${(error as Error).message}` })
  }
  return problems
}

/** One problem of a row: its column's header (empty for the row), a code and a message. */
export interface CellError {
  column: string
  code: string
  message: string
}

/** The ajv errors of a row as cell errors, by header label. */
export function cellErrors(
  errors: readonly ErrorObject[],
  columns: ReadonlyMap<string, SchemaColumn>,
): CellError[] {
  return errors.map((e) => {
    const key =
      e.keyword === 'required'
        ? String((e.params as { missingProperty?: unknown }).missingProperty)
        : (e.instancePath.split('/')[1] ?? '')
    const column = columns.get(key)
    const label = column?.label ?? key
    const message =
      e.keyword === 'required'
        ? `${label} is required`
        : e.keyword === 'enum'
          ? `${label} must be one of ${(column?.enum ?? []).join(', ')}`
          : e.keyword === 'pattern' && column?.description !== undefined
            ? `${label}: ${column.description}`
            : `${label} ${e.message ?? 'is not valid'}`
    return { column: label, code: e.keyword, message }
  })
}

/** A compiled schema with its columns. */
export interface CompiledSchema {
  columns: SchemaColumn[]
  byKey: ReadonlyMap<string, SchemaColumn>
  validate: ValidateFunction
}

/** Compiles a schema once for many rows. */
export function compileSchema(ajv: Ajv, schema: ResourceSchema): CompiledSchema {
  const columns = columnsOf(schema)
  return {
    columns,
    byKey: new Map(columns.map((c) => [c.key, c])),
    validate: ajv.compile(schema),
  }
}
