import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import type { DeadLetterRow } from './dead-letter.table.js'

/** An entry given up on, as kept: its stream key, id, original fields (flat) and why. */
export interface KeptDeadLetter {
  stream: string
  sourceId: string
  fields: string[]
  error: string
  actor: string
  attempts: number
}

/**
 * Keeps dead letters; one already kept (the same stream and id) stays as it was. Returns how
 * many were new.
 */
export async function keepDeadLetters(
  db: Kysely<Database>,
  letters: readonly KeptDeadLetter[],
): Promise<number> {
  if (letters.length === 0) return 0
  const result = await db
    .insertInto('dead_letter')
    .values(
      letters.map((l) => ({
        stream: l.stream,
        source_id: l.sourceId,
        fields: JSON.stringify(l.fields),
        error: l.error,
        actor: l.actor,
        attempts: l.attempts,
      })),
    )
    .onConflict((oc) => oc.columns(['stream', 'source_id']).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0)
}

/** Deletes the dead letters of `stream` with these source ids (replayed or discarded). */
export async function forgetDeadLetters(
  db: Kysely<Database>,
  stream: string,
  sourceIds: readonly string[],
): Promise<void> {
  for (let i = 0; i < sourceIds.length; i += 1000) {
    await db
      .deleteFrom('dead_letter')
      .where('stream', '=', stream)
      .where('source_id', 'in', sourceIds.slice(i, i + 1000))
      .execute()
  }
}

/** The dead letters kept for `stream`, oldest first, in pages. */
export async function* keptDeadLetters(
  db: Kysely<Database>,
  stream: string,
  pageSize = 1000,
): AsyncGenerator<KeptDeadLetter[]> {
  let after: string | undefined
  for (;;) {
    let query = db.selectFrom('dead_letter').selectAll().where('stream', '=', stream)
    if (after !== undefined) query = query.where('seq', '>', after)
    const page: DeadLetterRow[] = await query.orderBy('seq').limit(pageSize).execute()
    if (page.length === 0) return
    yield page.map((row) => ({
      stream: row.stream,
      sourceId: row.source_id,
      fields: row.fields,
      error: row.error,
      actor: row.actor,
      attempts: row.attempts,
    }))
    after = page[page.length - 1]?.seq
  }
}
