import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { Logger } from 'pino'
import type { HttpMetrics } from '../pipelines/runtime/metrics.js'

/** Routes polled by probes and scrapers: logged at debug so they do not drown the log. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics'])
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

/**
 * Counts and times every request by method, route pattern and status, and logs it (method,
 * route, path, status, milliseconds).
 */
export function accessLog(logger: Logger, metrics: HttpMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now()
    await next()
    const seconds = (performance.now() - started) / 1000
    const route = routeLabel(c)
    const { method } = c.req
    const status = c.res.status
    metrics.requests.inc({ method, route, status: String(status) })
    metrics.duration.observe({ method, route }, seconds)
    const path = PRIVATE.has(route) ? route : c.req.path
    const line = { method, route, path, status, ms: Math.round(seconds * 1000) }
    if (QUIET.has(route)) logger.debug(line, 'request')
    else logger.info(line, 'request')
  }
}
