import { Hono } from 'hono'
import { sign } from 'hono/jwt'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { accessLog } from '../../http/access.js'
import { requireAdmin, type AuthEnv } from '../../http/auth.js'
import { HttpProblem, errorHandler } from '../../http/problem.js'
import { createMetrics } from '../../pipelines/runtime/metrics.js'

/** A logger whose lines land in `lines`. */
function capture() {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  )
  return { lines, logger }
}

describe('the access log', () => {
  it('should log one line per request, by route, without the phone number of a private path', async () => {
    const { lines, logger } = capture()
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

  it('should name the caller and the code of a problem answered, and keep a phone out of a failure', async () => {
    const { lines, logger } = capture()
    const secret = 'access-log-secret-0123456789'
    const app = new Hono<AuthEnv>()
    app.use('*', accessLog(logger, createMetrics().http))
    app.get('/campaigns/:id', requireAdmin(secret), () => {
      throw new HttpProblem(409, 'campaign_revoked', 'Campaign 7 is revoked')
    })
    app.get('/campaigns/:id/contacts/:phone', () => {
      throw new Error('the database said no')
    })
    app.onError(errorHandler(logger))
    const admin = await sign({ sub: '31', role: 'admin' }, secret, 'HS256')
    await app.request('/campaigns/7', { headers: { authorization: `Bearer ${admin}` } })
    await app.request('/campaigns/7')
    await app.request('/campaigns/7/contacts/+919811111111')

    const requests = lines.filter((line) => line.msg === 'request')
    expect(requests.map(({ status, user, code }) => ({ status, user, code }))).toEqual([
      { status: 409, user: '31', code: 'campaign_revoked' },
      { status: 401, user: undefined, code: 'unauthorized' },
      { status: 500, user: undefined, code: 'internal_error' },
    ])
    const failure = lines.find((line) => line.msg === 'request failed')
    expect(failure?.path).toBe('/campaigns/:id/contacts/:phone')
    expect(JSON.stringify(lines)).not.toContain('9811111111')
  })
})
