import { Hono } from 'hono'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { accessLog } from '../../http/access.js'
import { createMetrics } from '../../pipelines/runtime/metrics.js'

describe('the access log', () => {
  it('should log one line per request, by route, without the phone number of a private path', async () => {
    const lines: Record<string, unknown>[] = []
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    )
    const app = new Hono()
    app.use('*', accessLog(logger, createMetrics().http))
    app.get('/campaigns/:id', (c) => c.text('ok'))
    app.delete('/do-not-call/:phone', (c) => c.body(null, 204))
    app.get('/metrics', (c) => c.text(''))
    await app.request('/campaigns/42')
    await app.request('/do-not-call/+919811111111', { method: 'DELETE' })
    await app.request('/metrics')
    expect(
      lines.map(({ level, method, route, path, status, msg }) => ({
        level,
        method,
        route,
        path,
        status,
        msg,
      })),
    ).toEqual([
      {
        level: 30,
        method: 'GET',
        route: '/campaigns/:id',
        path: '/campaigns/42',
        status: 200,
        msg: 'request',
      },
      {
        level: 30,
        method: 'DELETE',
        route: '/do-not-call/:phone',
        path: '/do-not-call/:phone',
        status: 204,
        msg: 'request',
      },
      {
        level: 20,
        method: 'GET',
        route: '/metrics',
        path: '/metrics',
        status: 200,
        msg: 'request',
      },
    ])
    expect(JSON.stringify(lines)).not.toContain('9811111111')
  })
})
