import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { RegistryResourceRow } from './factory.table.js'

/**
 * Creates resources of a type in the built-in registry, once per `clientReferenceId`: one that
 * exists already is given back as it is. Returns every resource named, in no set order.
 */
export async function createResources(
  db: Kysely<Database>,
  type: string,
  resources: { clientReferenceId: string; data: Record<string, unknown> }[],
): Promise<RegistryResourceRow[]> {
  if (resources.length === 0) return []
  const refs = resources.map((r) => r.clientReferenceId)
  await sql`
    INSERT INTO registry_resource (type, client_reference_id, id, data)
    SELECT ${type}, r.ref, r.id, r.data
    FROM unnest(${refs}::text[], ${resources.map(() => randomUUID())}::text[],
      ${resources.map((r) => JSON.stringify(r.data))}::jsonb[]) AS r(ref, id, data)
    ON CONFLICT (type, client_reference_id) DO NOTHING
  `.execute(db)
  return searchResources(db, type, refs)
}

/** The registry's resources of a type among `clientReferenceIds`. */
export async function searchResources(
  db: Kysely<Database>,
  type: string,
  clientReferenceIds: readonly string[],
): Promise<RegistryResourceRow[]> {
  if (clientReferenceIds.length === 0) return []
  return db
    .selectFrom('registry_resource')
    .selectAll()
    .where('type', '=', type)
    .where('client_reference_id', 'in', clientReferenceIds)
    .execute()
}
