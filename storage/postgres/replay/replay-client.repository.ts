import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ColumnMapping, ReplayClientRow } from './replay-client.table.js'

/** What a client holds besides its name and times. */
export interface ClientFields {
  accountToken: string
  tokenField: string
  targetUrl: string
  method: 'GET' | 'POST'
  mapping: Record<string, ColumnMapping>
  columns?: string[] | undefined
  ratePerSecond: number
  timeoutMs: number
  maxAttempts: number
}

/** Creates or replaces a client; `created` tells which. */
export async function putClient(
  db: Kysely<Database>,
  name: string,
  fields: ClientFields,
  by: string,
  at: Date,
): Promise<{ row: ReplayClientRow; created: boolean }> {
  const values = {
    account_token: fields.accountToken,
    token_field: fields.tokenField,
    target_url: fields.targetUrl,
    method: fields.method,
    mapping: JSON.stringify(fields.mapping),
    columns: fields.columns === undefined ? null : JSON.stringify(fields.columns),
    rate_per_second: fields.ratePerSecond,
    timeout_ms: fields.timeoutMs,
    max_attempts: fields.maxAttempts,
    updated_by: by,
    updated_at: at,
  }
  const row = await db
    .insertInto('replay_client')
    .values({ name, ...values, created_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow()
  return { row, created: row.created_at.getTime() === at.getTime() }
}

/** A client, if any. */
export async function findClient(
  db: Kysely<Database>,
  name: string,
): Promise<ReplayClientRow | undefined> {
  return db.selectFrom('replay_client').selectAll().where('name', '=', name).executeTakeFirst()
}

/** Clients by name, after `after` when paging. */
export async function listClients(
  db: Kysely<Database>,
  page: { limit: number; after?: string | undefined },
): Promise<ReplayClientRow[]> {
  let query = db.selectFrom('replay_client').selectAll().orderBy('name').limit(page.limit)
  if (page.after !== undefined) query = query.where('name', '>', page.after)
  return query.execute()
}

/** Deletes a client; true when there was one. */
export async function deleteClient(db: Kysely<Database>, name: string): Promise<boolean> {
  const result = await db.deleteFrom('replay_client').where('name', '=', name).executeTakeFirst()
  return result.numDeletedRows > 0n
}
