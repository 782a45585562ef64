/** The entry can never be processed: dead-letter it now, without retries. */
export class PoisonEntryError extends Error {
  override name = 'PoisonEntryError'
}

/** Processing failed for a reason that may pass (a service down): leave pending, retry later. */
export class TransientError extends Error {
  override name = 'TransientError'
}

/** The message of any thrown value, for logs and dead letters. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
