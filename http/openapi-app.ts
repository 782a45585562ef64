import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { AuthEnv } from './auth.js'
import { validationProblem } from './problem.js'
import { unstorableProblem, unstorableText } from './storable-text.js'

/**
 * A sub-app whose validation failures become one problem+json listing every field, and whose
 * validated input (body, query, path) never holds text storage cannot keep: every route is
 * held to both without code of its own.
 */
export function openApiApp(): OpenAPIHono<AuthEnv> {
  return new OpenAPIHono<AuthEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.error.issues, result.target)
      const field = unstorableText(result.data)
      if (field !== undefined) throw unstorableProblem(field)
    },
  })
}

/** The problem+json response, for route documentation. */
export const problemContent = {
  'application/problem+json': {
    schema: {
      type: 'object',
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        code: { type: 'string' },
        instance: { type: 'string' },
      },
      required: ['title', 'status', 'code'],
    },
  },
} as const

/** Documented problem answers by status, and the 503 every route may give. */
export const problems = (...statuses: (400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422)[]) =>
  Object.fromEntries(
    [...statuses, 503].map((s) => [
      s,
      {
        description:
          s === 503
            ? 'service_unavailable: Redis or Postgres is unreachable; try again (Retry-After)'
            : `Problem (${s})`,
        content: problemContent,
      },
    ]),
  )

/** The route fields of a public route: no security, and the 401 a token that is not valid gets. */
export const publicRoute = { security: [] as Record<string, string[]>[] }

/** The 401 of a route without problems of its own: a token was sent and is not valid. */
export const invalidTokenResponse = Object.fromEntries([
  [
    401,
    {
      description: 'unauthorized: a bearer token was sent and is not valid (this route needs none)',
      content: problemContent,
    },
  ],
])

/**
 * A whole number in a path or query, `min` to `max`, written in decimal digits only (no `0x10`,
 * `1e3`, sign or spaces, which `Number` would take).
 */
export function decimalInt(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: 'integer', minimum: min, maximum: max })
}

/** {@link decimalInt}, `fallback` when it is left out. */
export function decimalIntOr(min: number, max: number, fallback: number) {
  return decimalInt(min, max)
    .default(fallback)
    .openapi({ type: 'integer', minimum: min, maximum: max, default: fallback })
}

/** The `limit` of a page of a list (1–1,000, default 100). */
export const PageLimit = decimalIntOr(1, 1000, 100)

/**
 * `{next}` when a page of `limit` rows is full (there may be more): the id of its last row, which
 * the next request passes as its cursor; `{}` otherwise.
 */
export function nextPage(rows: readonly { id: string }[], limit: number): { next?: string } {
  const last = rows.length === limit ? rows[rows.length - 1] : undefined
  return last === undefined ? {} : { next: last.id }
}

/** The bearer-token security requirement. */
export const bearer = [{ bearer: [] }]
/** A bearer token that may be left out (it shows more when given). */
export const optionalBearer = [{}, ...bearer]

/** A JSON request or response body, for route documentation and validation. */
export const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

/** Money as every answer spells it. */
export const MoneySchema = z.object({ value: z.string(), currency: z.string() })
