import { createRoute, z } from '@hono/zod-openapi'
import { pingDatabase } from '../storage/postgres/database.js'
import type { AppDeps } from './app-deps.js'
import { invalidTokenResponse, json, openApiApp, publicRoute } from './openapi-app.js'

const Checks = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.string()),
})

/** Liveness, readiness and Prometheus metrics. */
export const healthRoutes = (deps: Pick<AppDeps, 'db' | 'redis' | 'metrics'>) =>
  openApiApp()
    .openapi(
      createRoute({
        method: 'get',
        path: '/healthz',
        operationId: 'getHealth',
        ...publicRoute,
        summary: 'The process is up',
        responses: {
          ...invalidTokenResponse,
          200: { description: 'Up', content: json(z.object({ status: z.literal('ok') })) },
        },
      }),
      (c) => c.json({ status: 'ok' as const }, 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/readyz',
        operationId: 'getReadiness',
        ...publicRoute,
        summary: 'Redis and Postgres answer',
        responses: {
          ...invalidTokenResponse,
          200: { description: 'Ready', content: json(Checks) },
          503: { description: 'Not ready', content: json(Checks) },
        },
      }),
      async (c) => {
        const check = (p: Promise<unknown>) =>
          p.then(
            () => 'ok',
            (e: unknown) => (e instanceof Error ? e.message : 'failed'),
          )
        const timeout = <T>(p: Promise<T>) =>
          Promise.race([
            p,
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error('timed out')), 2000).unref(),
            ),
          ])
        const [redis, postgres] = await Promise.all([
          check(timeout(deps.redis.ping())),
          check(timeout(pingDatabase(deps.db))),
        ])
        const ok = redis === 'ok' && postgres === 'ok'
        const body = {
          status: ok ? ('ok' as const) : ('unavailable' as const),
          checks: { redis, postgres },
        }
        return ok ? c.json(body, 200) : c.json(body, 503)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/metrics',
        operationId: 'getMetrics',
        ...publicRoute,
        summary: 'Prometheus metrics (stream lag, pending, actor throughput, dead letters)',
        responses: {
          ...invalidTokenResponse,
          200: {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: z.string() } },
          },
        },
      }),
      async (c) => {
        const text = await deps.metrics.registry.metrics()
        return c.text(text, 200, { 'content-type': deps.metrics.registry.contentType })
      },
    )
