/** How a refused command should be answered. */
export type DomainErrorKind = 'not_found' | 'conflict' | 'invalid' | 'unprocessable'

/** A command refused for a reason the caller can act on; HTTP maps `kind` to 404, 409, 400 or 422. */
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
