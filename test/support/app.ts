import { localOutbound } from './outbound.js'
import { sign } from 'hono/jwt'
import { createApp } from '../../http/app.js'
import type { AppDeps } from '../../http/app-deps.js'
import { createLeaderboardFeed } from '../../pipelines/scoring/leaderboard-feed.js'
import { systemClock, type Clock } from '../../pipelines/runtime/clock.js'
import { checkAgainstOpenApi } from './conformance.js'
import type { TestServices } from './services.js'

export const TEST_SECRET = 'test-secret-with-enough-length'

/** The real app over a test file's isolated services. */
export function testApp(
  s: TestServices,
  clock: Clock = systemClock,
  overrides: Partial<AppDeps> = {},
) {
  const reader = s.redis.duplicate()
  const deps: AppDeps = {
    db: s.db,
    redis: s.redis,
    keys: s.keys,
    clock,
    logger: s.logger,
    metrics: s.metrics,
    feed: createLeaderboardFeed(s.redis, reader, s.keys, { coalesceMs: 50 }),
    jwtSecret: TEST_SECRET,
    baseCurrency: 'USD',
    settleSeconds: 0,
    files: s.files,
    maxUploadBytes: 64 * 1024,
    maxSlotsPerDay: 2,
    outbound: localOutbound,
    ...overrides,
  }
  const app = createApp(deps)
  checkAgainstOpenApi(app)
  return {
    app,
    deps,
    // The feed ends its read loop first, so the reader's last blocking read is not an error.
    close: () => {
      deps.feed.close()
      reader.disconnect()
    },
  }
}

/** A signed bearer header for `sub`, admin when asked. */
export async function bearer(
  sub: string,
  admin = false,
  secret = TEST_SECRET,
): Promise<Record<string, string>> {
  const token = await sign(
    { sub, ...(admin ? { role: 'admin' } : {}), exp: Math.floor(Date.now() / 1000) + 3600 },
    secret,
    'HS256',
  )
  return { authorization: `Bearer ${token}` }
}

/** JSON request options. */
export function jsonBody(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  }
}
