import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { sign, verify } from 'hono/jwt'
import { HttpProblem } from './problem.js'

/** The caller, from a verified bearer token. */
export interface Caller {
  userId: string
  admin: boolean
}

/**
 * A bearer token for `sub` (HS256 with `secret`), with the admin role when asked, valid for
 * `ttlSeconds` from `nowMs`: what `campaign-streams token` prints.
 */
export function mintToken(
  secret: string,
  claims: { sub: string; admin: boolean },
  ttlSeconds: number,
  nowMs = Date.now(),
): Promise<string> {
  const now = Math.floor(nowMs / 1000)
  return sign(
    {
      sub: claims.sub,
      ...(claims.admin ? { role: 'admin' } : {}),
      iat: now,
      exp: now + ttlSeconds,
    },
    secret,
    'HS256',
  )
}

/** Hono variables set by the auth middleware. */
export interface AuthEnv {
  Variables: { caller: Caller }
}

/** The `WWW-Authenticate` challenge of a 401 (RFC 6750): `invalid_token` when one was sent. */
const challenge = (invalid?: string): Record<string, string> => ({
  'www-authenticate':
    invalid === undefined
      ? 'Bearer realm="campaign-streams"'
      : `Bearer realm="campaign-streams", error="invalid_token", error_description="${invalid.replaceAll('"', "'")}"`,
})

/** A 401 for a request without a bearer token. */
export const tokenRequired = () =>
  new HttpProblem(401, 'unauthorized', 'A bearer token is required', {}, challenge())

/** A 401 for a token that was sent and is not valid: `title`, and `detail` when there is more. */
const invalidToken = (title: string, detail?: string) =>
  new HttpProblem(
    401,
    'unauthorized',
    title,
    detail === undefined ? {} : { detail },
    challenge(detail ?? title),
  )

/**
 * Why hono/jwt refused a token, without the token itself (its messages quote it whole, and a
 * bearer token belongs in no answer or log).
 */
function tokenFault(error: unknown): string {
  if (!(error instanceof Error)) return 'it could not be verified'
  switch (error.name) {
    case 'JwtTokenExpired':
      return 'it has expired (exp)'
    case 'JwtTokenNotBefore':
      return 'it is not valid yet (nbf)'
    case 'JwtTokenSignatureMismatched':
      return 'its signature does not match (signed with another secret?)'
    case 'JwtTokenInvalid':
      return 'it is not a JWT'
    case 'JwtTokenIssuedAt':
      return 'it was issued in the future (iat)'
    case 'JwtHeaderInvalid':
    case 'JwtAlgorithmNotImplemented':
      return 'its header is not that of an HS256 JWT'
    default:
      // Other messages may quote the token or its decoded header: none goes back.
      return 'it could not be verified'
  }
}

/**
 * The caller named by `Authorization: Bearer <JWT>` (HS256), or undefined without the header;
 * 401 (with a `WWW-Authenticate` challenge) when the token is malformed or not valid.
 */
export async function bearerCaller(
  header: string | undefined,
  secret: string,
): Promise<Caller | undefined> {
  if (header === undefined || header === '') return undefined
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  if (match?.[1] === undefined)
    throw invalidToken('The authorization header must be Bearer <token>')
  const payload = await verify(match[1], secret, 'HS256').catch((error: unknown) => {
    throw invalidToken('The bearer token is not valid', tokenFault(error))
  })
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw invalidToken('The bearer token has no subject')
  }
  return { userId: payload.sub, admin: payload.role === 'admin' }
}

/**
 * The caller of a route where a token is optional (undefined without one), kept on the context
 * for the access log; 401 for a token that is not valid.
 */
export async function optionalCaller(c: Context<AuthEnv>, secret: string) {
  const caller = await bearerCaller(c.req.header('authorization'), secret)
  if (caller !== undefined) c.set('caller', caller)
  return caller
}

/** 401 without a caller, 403 unless the caller is an admin. */
export function assertAdmin(caller: Caller | undefined): asserts caller is Caller {
  if (caller === undefined) throw tokenRequired()
  if (!caller.admin) throw new HttpProblem(403, 'forbidden', 'This needs the admin role')
}

/**
 * Verifies a bearer token wherever one is sent, public routes too, so that every route answers
 * a token that is not valid the same way (401); the caller is kept for the routes and the log.
 */
export function sentToken(secret: string) {
  return createMiddleware<AuthEnv>(async (c, next) => {
    await optionalCaller(c, secret)
    await next()
  })
}

/** Verifies `Authorization: Bearer <JWT>` (HS256); 401 when missing or invalid. */
export function requireAuth(secret: string) {
  return createMiddleware<AuthEnv>(async (c, next) => {
    const caller =
      (c.var.caller as Caller | undefined) ??
      (await bearerCaller(c.req.header('authorization'), secret))
    if (caller === undefined) throw tokenRequired()
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
