import { sql, type CompiledQuery, type Kysely } from 'kysely'
import type { Database } from '../database.js'

/** What reading a dataset in one snapshot tells its reader. */
export interface SnapshotReader {
  /** The query's row count, told before the first rows (the same snapshot: it equals their number). */
  counted(total: number): Promise<void>
  /** The next rows, in the query's order; the next fetch waits for it. */
  rows(rows: Record<string, unknown>[]): Promise<void>
}

/**
 * Reads `query.rows` with a server-side cursor, `fetchRows` rows at a time (constant memory however
 * many rows), after counting them, in one read-only REPEATABLE READ transaction so the count
 * and the rows see the same data. `label` names the connection in `pg_stat_activity`.
 */
export async function readInSnapshot(
  db: Kysely<Database>,
  query: {
    rows: CompiledQuery<Record<string, unknown>>
    /** The same rows unsorted, to count them. */
    count: CompiledQuery<Record<string, unknown>>
  },
  fetchRows: number,
  label: string,
  reader: SnapshotReader,
): Promise<void> {
  await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      await sql`SELECT set_config('application_name', ${label.slice(0, 63)}, true)`.execute(trx)
      const counted = await trx.executeQuery<{ total: string }>({
        ...query.count,
        sql: `SELECT count(*)::bigint AS total FROM (${query.count.sql}) counted`,
      })
      await reader.counted(Number(counted.rows[0]?.total ?? 0))
      await trx.executeQuery({
        ...query.rows,
        sql: `DECLARE report_rows NO SCROLL CURSOR FOR ${query.rows.sql}`,
      })
      const fetch = sql.raw(`FETCH FORWARD ${Math.max(1, Math.floor(fetchRows))} FROM report_rows`)
      // The next rows are asked for before these are handed over: Postgres reads them while
      // the reader writes these.
      const next = () => {
        const fetched = fetch.execute(trx)
        fetched.catch(() => undefined) // awaited below, or given up when the reader fails
        return fetched
      }
      for (let fetching = next(); ;) {
        const { rows } = await fetching
        if (rows.length === 0) break
        fetching = next()
        await reader.rows(rows as Record<string, unknown>[])
      }
      await sql`CLOSE report_rows`.execute(trx)
    })
}
