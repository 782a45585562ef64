import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { FactorySchemaRow } from './factory.table.js'

/** The newest version of a type's schema, if the type has one. */
export async function currentSchema(
  db: Kysely<Database>,
  type: string,
): Promise<FactorySchemaRow | undefined> {
  return db
    .selectFrom('factory_schema')
    .selectAll()
    .where('type', '=', type)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst()
}

/** One version of a type's schema. */
export async function schemaVersion(
  db: Kysely<Database>,
  type: string,
  version: number,
): Promise<FactorySchemaRow | undefined> {
  return db
    .selectFrom('factory_schema')
    .selectAll()
    .where('type', '=', type)
    .where('version', '=', version)
    .executeTakeFirst()
}

/** Every type with its newest version. */
export async function schemaTypes(
  db: Kysely<Database>,
): Promise<{ type: string; version: number }[]> {
  return db
    .selectFrom('factory_schema')
    .select(['type', (eb) => eb.fn.max('version').as('version')])
    .groupBy('type')
    .orderBy('type')
    .execute()
}

/**
 * Adds the next version of a type's schema (1 for a new type). Two at once: one gets the
 * version, the other fails on the primary key and the caller tries again.
 */
export async function insertSchemaVersion(
  db: Kysely<Database>,
  type: string,
  schema: Record<string, unknown>,
  createdBy: string,
): Promise<FactorySchemaRow> {
  const latest = await currentSchema(db, type)
  return db
    .insertInto('factory_schema')
    .values({
      type,
      version: (latest?.version ?? 0) + 1,
      schema: JSON.stringify(schema),
      created_by: createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}
