import { z } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import type { AuthEnv } from './auth.js'
import { bearer } from './openapi-app.js'

/** A campaign id, as every path spells it. */
export const CampaignId = z.string().regex(/^\d{1,18}$/, 'must be a campaign id')

/** `{id}`: the campaign a route is about. */
export const CampaignParams = z.object({ id: CampaignId })

/** The route fields of a route for any signed-in user: the bearer requirement and its check. */
export const signedIn = <M extends MiddlewareHandler<AuthEnv>>(auth: M) => ({
  security: bearer,
  middleware: [auth] as [M],
})

/** The route fields of an admin-only route: the bearer requirement and the admin check. */
export const adminOnly = <M extends MiddlewareHandler<AuthEnv>>(admin: M) => ({
  security: bearer,
  middleware: [admin] as [M],
})

/** The optional `Idempotency-Key` of a request that starts work (an upload, a factory job). */
export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters, such as a UUID')
    .optional()
    .openapi({
      description:
        'Sent again with a retry, it answers with what the first request made instead of making another',
    }),
})
