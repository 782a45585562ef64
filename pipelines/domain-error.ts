/** How a refused command should be answered. */
export type DomainErrorKind = 'not_found' | 'conflict' | 'invalid' | 'unprocessable' | 'gone'

/** A command refused for a reason the caller can act on; HTTP maps `kind` to 404, 409, 400, 422 or 410. */
export class DomainError extends Error {
  override name = 'DomainError'

  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** A 400 `validation_failed` for fields that can only be judged at the time of the request. */
export function fieldsInvalid(errors: { field: string; message: string }[]): DomainError {
  return new DomainError('invalid', 'validation_failed', 'The request json is not valid', {
    errors,
  })
}

/** Who reads a row that belongs to a user. */
export interface RowReader {
  userId: string
  admin: boolean
}

/**
 * The row `id` names when `reader` may see it (their own, or any for an admin). Otherwise, and
 * for an id that is not a UUID, 404 `code`: another user's row is answered like a missing one,
 * so ids cannot be probed.
 */
export async function ownRowOr404<R>(
  id: string,
  reader: RowReader,
  find: (id: string) => Promise<R | undefined>,
  ownerOf: (row: R) => string,
  missing: { code: string; message: string },
): Promise<R> {
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await find(id) : undefined
  if (row === undefined || (!reader.admin && ownerOf(row) !== reader.userId))
    throw new DomainError('not_found', missing.code, missing.message)
  return row
}
