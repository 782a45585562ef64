import type { Context, MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import type { HttpMetrics } from '../pipelines/runtime/metrics.js'
import type { AuthEnv } from './auth.js'
import { loggedPath, routeLabel } from './route-label.js'

/** Routes polled by probes and scrapers: logged at debug so they do not drown the log. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics'])
/**
 * Counts and times every request by method, route pattern and status, and logs it (method,
 * route, path, status, milliseconds, and when known the caller's user id and the `code` of the
 * problem answered).
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
    const line = {
      method,
      route,
      path: loggedPath(c),
      status,
      ms: Math.round(seconds * 1000),
      user: (c as Context<AuthEnv>).var.caller?.userId,
      code: c.var.problemCode,
    }
    if (QUIET.has(route)) logger.debug(line, 'request')
    else logger.info(line, 'request')
  }
}
