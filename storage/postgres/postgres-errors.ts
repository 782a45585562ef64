/** What Postgres errors mean for the caller: the service is away, or the values were refused. */

/** Errors of a Postgres that is not up (yet): refused, unreachable, starting or stopping. */
export const NOT_UP = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P03', // cannot_connect_now: starting up or shutting down
])

/** Codes of a server that is not up, or that is shutting down under an open connection. */
const UNAVAILABLE = new Set([...NOT_UP, '57P01', '57P02']) // admin_shutdown, crash_shutdown
/** Messages of a connection that ended under a query, or a pool that could not connect. */
const GONE = /^Connection terminated|timeout exceeded when trying to connect/

/** True for an error that means Postgres is not reachable now (not a fault of the query). */
export function isPostgresUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  return UNAVAILABLE.has(String((error as { code?: unknown }).code)) || GONE.test(error.message)
}

/**
 * True when Postgres refused the values of a statement (SQLSTATE class 22, data exception: a NUL
 * in text, a number out of range; or a check or not-null constraint): the same statement with
 * other rows may pass, and retrying it unchanged never will.
 */
export function isRefusedData(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = String((error as { code?: unknown }).code)
  return code.startsWith('22') || code === '23514' || code === '23502'
}

/** True when a statement broke a unique constraint (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '23505'
}
