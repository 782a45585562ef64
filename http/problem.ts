import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from 'pino'
import type { z } from 'zod'
import { FileProblem } from '../pipelines/files/file-problem.js'
import { DomainError, type DomainErrorKind } from '../pipelines/domain-error.js'
import { isPostgresUnavailable } from '../storage/postgres/postgres-errors.js'
import { isRedisUnavailable } from '../storage/redis/connection.js'
import { loggedPath } from './route-label.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The `code` of the problem a request was answered with, for the access log. */
    problemCode?: string
  }
}

/** One field error inside a problem. */
export interface FieldError {
  field: string
  message: string
}

/** An RFC 9457 problem with a machine-readable `code`; thrown anywhere, answered by `onError`. */
export class HttpProblem extends Error {
  override name = 'HttpProblem'

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Response headers that go with it (`WWW-Authenticate` on a 401, say). */
    readonly headers: Record<string, string> = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** The problem+json answer for a problem. */
export function problemResponse(c: Context, problem: HttpProblem): Response {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value)
  c.set('problemCode', problem.code)
  return c.body(
    JSON.stringify({
      type: `https://campaign-streams.dev/problems/${problem.code}`,
      title: problem.message,
      status: problem.status,
      code: problem.code,
      instance: c.req.path,
      ...problem.extra,
    }),
    problem.status,
    { 'content-type': 'application/problem+json' },
  )
}

/** Zod issues as field errors. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({
    field: issue.path.join('.') || '(body)',
    message: issue.message,
  }))
}

/** A 400 listing every field that failed validation. */
export function validationProblem(
  issues: readonly z.core.$ZodIssue[],
  target: string,
): HttpProblem {
  return invalidFields(target, fieldErrors(issues))
}

/** The most field errors one problem lists; `moreErrors` counts the rest. */
export const MAX_FIELD_ERRORS = 100

/**
 * A 400 `validation_failed` for these fields of the request's `target` (json, query, …): the
 * first {@link MAX_FIELD_ERRORS}, and how many more there were, so that no input makes a large
 * answer.
 */
export function invalidFields(target: string, errors: FieldError[]): HttpProblem {
  const more = errors.length - MAX_FIELD_ERRORS
  return new HttpProblem(400, 'validation_failed', `The request ${target} is not valid`, {
    errors: errors.slice(0, MAX_FIELD_ERRORS),
    ...(more > 0 ? { moreErrors: more } : {}),
  })
}

/** The answer to each kind of refused command. */
const DOMAIN_STATUS: Record<DomainErrorKind, ContentfulStatusCode> = {
  not_found: 404,
  conflict: 409,
  invalid: 400,
  unprocessable: 422,
  gone: 410,
}

/** The `Retry-After` of a 503 while Redis or Postgres is unreachable. */
const RETRY_AFTER_SECONDS = 5

/**
 * Maps every error to problem+json: 503 `service_unavailable` (with `Retry-After`) when Redis or
 * Postgres could not be reached; unexpected ones are logged and answered 500.
 */
export function errorHandler(logger: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof HttpProblem) return problemResponse(c, error)
    if (error instanceof DomainError) {
      const status = DOMAIN_STATUS[error.kind]
      return problemResponse(
        c,
        new HttpProblem(status, error.code, error.message, error.extra, {}, { cause: error }),
      )
    }
    if (error instanceof FileProblem) {
      const status = error.code === 'file_too_large' ? 413 : 400
      const extra = error.line === undefined ? {} : { line: error.line }
      return problemResponse(c, new HttpProblem(status, error.code, error.message, extra))
    }
    if (error instanceof HTTPException) {
      const status = error.status
      if (status === 415)
        return problemResponse(
          c,
          new HttpProblem(415, 'unsupported_media_type', 'Send the body as application/json'),
        )
      const code =
        status === 401
          ? 'unauthorized'
          : status === 413
            ? 'payload_too_large'
            : error.message.startsWith('Malformed JSON')
              ? 'malformed_json'
              : 'http_error'
      return problemResponse(c, new HttpProblem(status, code, error.message || 'Request failed'))
    }
    const down = isRedisUnavailable(error)
      ? 'Redis'
      : isPostgresUnavailable(error)
        ? 'Postgres'
        : undefined
    if (down !== undefined) {
      logger.warn({ err: error, path: loggedPath(c) }, 'request failed: service unavailable')
      c.header('retry-after', String(RETRY_AFTER_SECONDS))
      return problemResponse(
        c,
        new HttpProblem(503, 'service_unavailable', `${down} is unavailable; try again shortly`),
      )
    }
    logger.error({ err: error, path: loggedPath(c) }, 'request failed')
    return problemResponse(c, new HttpProblem(500, 'internal_error', 'Internal server error'))
  }
}
