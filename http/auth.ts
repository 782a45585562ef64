import { createMiddleware } from 'hono/factory'
import { verify } from 'hono/jwt'
import { HttpProblem } from './problem.js'

/** The caller, from a verified bearer token. */
export interface Caller {
  userId: string
  admin: boolean
}

/** Hono variables set by the auth middleware. */
export interface AuthEnv {
  Variables: { caller: Caller }
}

/**
 * The caller named by `Authorization: Bearer <JWT>` (HS256), or undefined without the header;
 * 401 when the token is malformed or not valid.
 */
export async function bearerCaller(
  header: string | undefined,
  secret: string,
): Promise<Caller | undefined> {
  if (header === undefined || header === '') return undefined
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  if (match?.[1] === undefined)
    throw new HttpProblem(401, 'unauthorized', 'The authorization header must be Bearer <token>')
  const payload = await verify(match[1], secret, 'HS256').catch((error: unknown) => {
    throw new HttpProblem(401, 'unauthorized', 'The bearer token is not valid', {
      detail: error instanceof Error ? error.message : undefined,
    })
  })
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new HttpProblem(401, 'unauthorized', 'The bearer token has no subject')
  }
  return { userId: payload.sub, admin: payload.role === 'admin' }
}

/** 401 without a caller, 403 unless the caller is an admin. */
export function assertAdmin(caller: Caller | undefined): asserts caller is Caller {
  if (caller === undefined) throw new HttpProblem(401, 'unauthorized', 'A bearer token is required')
  if (!caller.admin) throw new HttpProblem(403, 'forbidden', 'This needs the admin role')
}

/** Verifies `Authorization: Bearer <JWT>` (HS256); 401 when missing or invalid. */
export function requireAuth(secret: string) {
  return createMiddleware<AuthEnv>(async (c, next) => {
    const caller = await bearerCaller(c.req.header('authorization'), secret)
    if (caller === undefined)
      throw new HttpProblem(401, 'unauthorized', 'A bearer token is required')
    c.set('caller', caller)
    await next()
  })
}

/** Like {@link requireAuth}, and 403 unless the caller is an admin. */
export function requireAdmin(secret: string) {
  const auth = requireAuth(secret)
  return createMiddleware<AuthEnv>(async (c, next) =>
    auth(c, async () => {
      assertAdmin(c.var.caller)
      await next()
    }),
  )
}
