import type { Kysely } from 'kysely'
import {
  compileSchema,
  resourceAjv,
  ResourceSchema,
  schemaProblems,
  type CompiledSchema,
} from '../../operators/factory/resource-schema.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import {
  currentSchema,
  insertSchemaVersion,
  schemaVersion,
} from '../../storage/postgres/factory/resource-schema.repository.js'
import type { FactorySchemaRow } from '../../storage/postgres/factory/factory.table.js'
import { isUniqueViolation } from '../../storage/postgres/postgres-errors.js'
import { DomainError, fieldsInvalid } from '../domain-error.js'

/** A resource type's name. */
export const TYPE_PATTERN = /^[a-z][a-z0-9_]{0,31}$/

/** A schema version as the contract shows it. */
export interface SchemaView {
  type: string
  version: number
  schema: Record<string, unknown>
  createdBy: string
  createdAt: string
}

/** A schema row as the contract shows it. */
export const schemaView = (row: FactorySchemaRow): SchemaView => ({
  type: row.type,
  version: row.version,
  schema: row.schema,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
})

/** The current schema of `type`: 404 `schema_not_found` when the type has none. */
export async function schemaOf(db: Kysely<Database>, type: string): Promise<FactorySchemaRow> {
  const row = TYPE_PATTERN.test(type) ? await currentSchema(db, type) : undefined
  if (row === undefined)
    throw new DomainError('not_found', 'schema_not_found', `No schema for the type ${type}`)
  return row
}

/**
 * Adds a version of a type's schema (the first defines the type): refused with every problem by
 * field when it is not a usable resource schema.
 */
export async function putSchema(
  db: Kysely<Database>,
  type: string,
  schema: Record<string, unknown>,
  createdBy: string,
): Promise<SchemaView> {
  const problems = schemaProblems(resourceAjv(), schema)
  if (problems.length > 0)
    throw fieldsInvalid(problems.map((p) => ({ ...p, field: p.field === '' ? 'schema' : p.field })))
  for (let attempt = 0; ; attempt++) {
    try {
      return schemaView(await insertSchemaVersion(db, type, schema, createdBy))
    } catch (error) {
      // Another version was added meanwhile: this one becomes the next.
      if (!isUniqueViolation(error) || attempt >= 3) throw error
    }
  }
}

/** Compiled schemas by their JSON text: a version never changes, so neither does its compilation. */
const compiled = new Map<string, CompiledSchema>()
const ajv = resourceAjv()

/** The compiled schema of a type's version. */
export async function compiledVersion(
  db: Kysely<Database>,
  type: string,
  version: number,
): Promise<CompiledSchema> {
  const row = await schemaVersion(db, type, version)
  if (row === undefined)
    throw new DomainError('not_found', 'schema_not_found', `No schema ${type} v${version}`)
  const text = JSON.stringify(row.schema)
  let found = compiled.get(text)
  if (found === undefined) {
    if (compiled.size >= 100) {
      compiled.clear()
      ajv.removeSchema()
    }
    found = compileSchema(ajv, ResourceSchema.parse(row.schema))
    compiled.set(text, found)
  }
  return found
}
