import type { Context } from 'hono'
import { routePath } from 'hono/route'

/** Routes whose path holds personal data (a phone number): logged by their pattern only. */
const PRIVATE = new Set(['/do-not-call/:phone', '/campaigns/:id/contacts/:phone'])

/**
 * The route pattern that answered (`/campaigns/:id`), or `unmatched` (a 404 of no route). Read
 * after the handlers ran: `routeIndex` is then the one that answered, which is not always the
 * last that matched (`/campaigns/active` matches `/campaigns/:id` too). When a middleware of
 * every route answered (a body too large), the route it stood before is named.
 */
export function routeLabel(c: Context): string {
  const pattern = (route: string) => (route === '' || route.endsWith('*') ? undefined : route)
  return pattern(routePath(c)) ?? pattern(routePath(c, -1)) ?? 'unmatched'
}

/** The request's path as it may be logged: the route pattern where the path holds a phone. */
export function loggedPath(c: Context): string {
  const route = routeLabel(c)
  return PRIVATE.has(route) ? route : c.req.path
}
