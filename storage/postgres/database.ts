import { NOT_UP } from './postgres-errors.js'
import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely'
import pg from 'pg'
import type { Database } from './tables.js'

export type { Database }

/** Options of {@link createDb}. */
export interface DbOptions {
  /** @defaultValue 10 */
  maxConnections?: number
  /** Postgres schema put first on the search path (tests isolate themselves with one). */
  schema?: string
  /**
   * Told when an idle pooled connection breaks (Postgres restarted, failed over, or ended it);
   * the pool drops that connection and opens a new one when needed.
   */
  onIdleError?: (error: Error) => void
}

const DATE_OID = 1082

/** `date` columns stay `YYYY-MM-DD` strings: a Date would shift them into the local zone. */
const types = new pg.TypeOverrides()
types.setTypeParser(DATE_OID, 'text', (value: string) => value)

/** The comment that opens a statement to be prepared once per connection: see {@link prepared}. */
const PREPARED = /^\/\* prepared ([a-z][a-z0-9-]*) \*\//

/**
 * Opens a hot statement that runs many times with the same text: `sql\`${prepared('claim-tasks')} …\``.
 * Each connection then plans it once (a server-side prepared statement named after it) instead of
 * at every call. Only for statements whose text never varies (arrays, not lists of parameters).
 */
export function prepared(name: string): RawBuilder<unknown> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`bad prepared statement name ${name}`)
  return sql.raw(`/* prepared ${name} */`)
}

/** Rows written at once past which their tables are analyzed right away: see {@link analyzeAfterBulkLoad}. */
export const ANALYZE_AFTER_ROWS = 10_000

/**
 * Refreshes the planner's statistics of `tables` after a bulk load of `rows` rows (at least
 * {@link ANALYZE_AFTER_ROWS}; fewer change nothing). Autovacuum would do it a minute or more
 * later, and meanwhile the executor's prepared statements may be planned on the old figures:
 * in bench/executor, claims then cost Postgres 230–320 µs of CPU a call instead of ~115 µs.
 * ANALYZE samples a fixed number of rows, so it takes a fraction of a second however big the
 * table, and it makes the cached plans of those tables be planned again.
 */
export async function analyzeAfterBulkLoad(
  db: Kysely<Database>,
  tables: readonly (keyof Database)[],
  rows: number,
): Promise<void> {
  if (rows < ANALYZE_AFTER_ROWS) return
  await sql`ANALYZE ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db)
}

/**
 * A pg client that sends statements opened by {@link prepared} as named prepared statements.
 * (`never` stands for pg's own overloads, which an override cannot restate; callers see them.)
 */
class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [text, values] = args
    const name = typeof text === 'string' ? PREPARED.exec(text)?.[1] : undefined
    const call = super.query.bind(this) as (...a: unknown[]) => never
    return name === undefined ? call(...args) : call({ name, text, values }, ...args.slice(2))
  }
}

/** How long opening a pooled connection may take. */
const CONNECT_TIMEOUT_MS = 10_000

/** A Kysely instance over a `pg` pool; bigint columns come back as strings, dates as text. */
export function createDb(url: string, options: DbOptions = {}): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: options.maxConnections ?? 10,
    // A server that does not answer (not one that refuses) would otherwise hold a caller for
    // the operating system's TCP timeout, minutes.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    Client: PreparingClient,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  })
  // Unheard, the error of a connection idle or checked out between statements ends the process.
  const tell = (error: Error) => options.onIdleError?.(error)
  pool.on('error', tell)
  pool.on('connect', (c) => c.on('error', (e) => c.listenerCount('error') === 1 && tell(e)))
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

/** The `postgres` database of the server `url` names, for work outside any one database. */
function serverUrl(url: string): string {
  const admin = new URL(url)
  admin.pathname = '/postgres'
  return admin.toString()
}

/**
 * A service did not answer in time, or refused what it was asked at connect (a wrong password,
 * say); its message says which and why, in one line.
 */
export class ServiceUnreachable extends Error {
  override name = 'ServiceUnreachable'
}

/** Where `url` points, without its password: `user@host:port/database`. */
export function describePostgres(url: string): string {
  const parsed = new URL(url)
  const user = parsed.username === '' ? '' : `${decodeURIComponent(parsed.username)}@`
  return `${user}${parsed.host}${parsed.pathname}`
}

/** One line for a connection to `url` that Postgres refused (a missing user, say). */
export function refusal(url: string, error: unknown): ServiceUnreachable {
  const { code } = error as { code?: string }
  return new ServiceUnreachable(
    `postgres at ${describePostgres(url)} refused the connection: ${(error as Error).message}${code === undefined ? '' : ` (${code})`}`,
    { cause: error },
  )
}

/**
 * Waits until the Postgres server of `url` answers (its `postgres` database), trying every
 * second for up to `waitMs`; `onWait` hears each reason at most every 5 s. Errors other than
 * "not up" (a wrong password, say) are thrown at once, and a timeout at the end, both as
 * ServiceUnreachable.
 */
export async function waitForPostgres(
  url: string,
  options: { waitMs: number; onWait: (reason: string) => void },
): Promise<void> {
  const started = performance.now()
  let told = -Infinity
  for (;;) {
    const client = new pg.Client({ connectionString: serverUrl(url) })
    client.on('error', () => undefined) // a connection lost after connect: the query fails
    try {
      await client.connect()
      await client.query('SELECT 1')
      return
    } catch (error) {
      const code = String((error as { code?: unknown }).code)
      if (!NOT_UP.has(code)) throw refusal(url, error)
      const reason = (error as Error).message || code
      const waited = performance.now() - started
      if (waited >= options.waitMs)
        throw new ServiceUnreachable(
          `postgres did not answer within ${Math.round(options.waitMs / 1000)} s (${reason})`,
          { cause: error },
        )
      if (waited - told >= 5000) {
        options.onWait(reason)
        told = waited
      }
      await new Promise((resolve) => setTimeout(resolve, 1000))
    } finally {
      await client.end().catch(() => undefined)
    }
  }
}

/** Creates the database named in `url` when it does not exist (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url)
  const name = decodeURIComponent(target.pathname.slice(1))
  if (name === '') return false
  const client = new pg.Client({ connectionString: serverUrl(url) })
  await client.connect()
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (found.rowCount !== 0) return false
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: unknown) => {
      // Another process created it between our check and our create.
      if ((error as { code?: string }).code !== '42P04') throw error
    })
    return true
  } finally {
    await client.end()
  }
}

/** Resolves when Postgres answers a trivial query (readiness). */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`SELECT 1`.execute(db)
}
