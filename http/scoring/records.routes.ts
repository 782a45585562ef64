import { createRoute, z } from '@hono/zod-openapi'
import { Subscription } from 'rxjs'
import { streamSSE } from 'hono/streaming'
import { money } from '../../operators/money.rules.js'
import { purchaseCampaignOf, winnerView } from '../../pipelines/scoring/campaigns.js'
import { findWinner } from '../../storage/postgres/scoring/campaign-winner.repository.js'
import { readPosition, readTop, type Ranked } from '../../storage/redis/leaderboard.js'
import type { AppDeps } from '../app-deps.js'
import { requireAuth } from '../auth.js'
import {
  MoneySchema,
  bearer,
  decimalInt,
  json,
  openApiApp,
  problems,
  publicRoute,
} from '../openapi-app.js'
import { HttpProblem } from '../problem.js'
import { CampaignId } from '../params.js'

/**
 * Events (and keep-alive comments) a live-leaderboard client may leave unread (about 16 s of
 * changes at the most frequent) before its stream is ended rather than queued for without bound.
 */
const MAX_EVENTS_BEHIND = 64
/**
 * How often a quiet live-leaderboard stream sends a comment line: proxies and load balancers end
 * connections idle for long (nginx after 60 s), and a client that is gone is noticed.
 */
const KEEP_ALIVE_MS = 15_000

const UserId = z
  .string()
  .regex(/^\d{1,20}$/, 'must be a user id')
  .transform((id) => BigInt(id).toString())
const PositionSchema = z.object({
  userId: z.string(),
  position: z.number().int(),
  totalAmount: MoneySchema,
})

/** Leaderboard queries: top N, one user's position, and a live SSE feed. */
export const recordsRoutes = (deps: AppDeps) => {
  const row = (r: Ranked) => ({
    userId: r.userId,
    position: r.position,
    totalAmount: money(r.totalMinor, deps.baseCurrency),
  })
  return openApiApp()
    .openapi(
      createRoute({
        method: 'get',
        path: '/records/top/{n}/{campaignId}',
        operationId: 'getTop',
        ...publicRoute,
        summary: 'The first n users of a campaign in ranking order',
        request: {
          params: z.object({ n: decimalInt(1, 1000), campaignId: CampaignId }),
        },
        responses: {
          200: {
            description: 'Top positions',
            content: json(
              z.object({
                headers: z.array(z.unknown()),
                records: z.object({ campaignId: z.string(), positions: z.array(PositionSchema) }),
              }),
            ),
          },
          ...problems(400, 401, 404),
        },
      }),
      async (c) => {
        const { n, campaignId } = c.req.valid('param')
        await purchaseCampaignOf(deps.db, campaignId)
        const positions = (await readTop(deps.redis, deps.keys, campaignId, n)).map(row)
        return c.json({ headers: [], records: { campaignId, positions } }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/records/position/{campaignId}/{userId}',
        operationId: 'getPosition',
        summary: "A user's position (that user or an admin)",
        security: bearer,
        middleware: [requireAuth(deps.jwtSecret)] as const,
        request: { params: z.object({ campaignId: CampaignId, userId: UserId }) },
        responses: {
          200: {
            description: 'The position',
            content: json(
              z.object({
                headers: z.array(z.unknown()),
                record: PositionSchema.extend({ campaignId: z.string() }),
              }),
            ),
          },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { campaignId, userId } = c.req.valid('param')
        const caller = c.var.caller
        if (!caller.admin && caller.userId !== userId) {
          throw new HttpProblem(403, 'forbidden', 'A user may only read their own position')
        }
        const found = await readPosition(deps.redis, deps.keys, campaignId, userId)
        if (found === undefined) {
          await purchaseCampaignOf(deps.db, campaignId) // no such campaign says so first
          throw new HttpProblem(
            404,
            'no_qualified_purchase',
            `User ${userId} has no qualified purchase in campaign ${campaignId}`,
          )
        }
        return c.json({ headers: [], record: { campaignId, ...row(found) } }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/records/stream/{campaignId}',
        operationId: 'streamLeaderboard',
        ...publicRoute,
        summary:
          'Server-Sent Events: a snapshot (top 100), then positions that changed, and the winner',
        description:
          'Events `snapshot` and `positions`, each `{campaignId, positions}` with an id (send `Last-Event-ID` to resume), and `winner` (as GET /campaigns/{id}/winner, no id) once it is decided, first on connect when it already is.',
        request: { params: z.object({ campaignId: CampaignId }) },
        responses: {
          200: {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: z.string() } },
          },
          ...problems(400, 401, 404),
        },
      }),
      async (c) => {
        const { campaignId } = c.req.valid('param')
        await purchaseCampaignOf(deps.db, campaignId)
        const lastEventId = c.req.header('last-event-id')
        return streamSSE(c, async (stream) => {
          let winnerSent = false
          /** The winner, once per connection, when decided. */
          const sendWinner = async () => {
            if (winnerSent) return
            const winner = await findWinner(deps.db, campaignId)
            if (winner === undefined || winnerSent) return
            winnerSent = true
            await stream.writeSSE({
              event: 'winner',
              data: JSON.stringify(winnerView(winner, deps.baseCurrency)),
            })
          }
          // Decided already: the winner comes first, then the (final) rows.
          await sendWinner()
          let behind = 0 // events written and not yet taken by the client
          await new Promise<void>((resolve) => {
            // Ended before `subscribe` returns, the subscription added to it ends at once.
            const subscription = new Subscription()
            let ended = false
            const end = () => {
              ended = true
              clearInterval(keepAlive)
              subscription.unsubscribe()
              resolve()
            }
            // A client that does not read holds what is written here: past a bound the stream
            // ends (its EventSource reconnects with Last-Event-ID and gets what changed).
            const send = (write: () => Promise<unknown>) => {
              if (behind >= MAX_EVENTS_BEHIND) {
                deps.logger.info({ campaignId, behind }, 'sse client too slow; stream ended')
                end()
                stream.abort()
                return
              }
              behind++
              void write().finally(() => behind--)
            }
            const keepAlive = setInterval(
              () => send(() => stream.write(': keep-alive\n\n')),
              deps.sseKeepAliveMs ?? KEEP_ALIVE_MS,
            )
            subscription.add(
              deps.feed.follow(campaignId, lastEventId).subscribe({
                next: (e) => {
                  if (ended) return
                  if (e.event === 'winner') {
                    sendWinner().catch((error: unknown) => {
                      deps.logger.warn({ err: error, campaignId }, 'winner not sent')
                    })
                    return
                  }
                  send(() =>
                    stream.writeSSE({
                      event: e.event,
                      id: e.id,
                      data: JSON.stringify({ campaignId, positions: e.positions.map(row) }),
                    }),
                  )
                },
                error: (error: unknown) => {
                  deps.logger.warn({ err: error, campaignId }, 'leaderboard feed failed')
                  end()
                },
                complete: end,
              }),
            )
            stream.onAbort(end)
          })
        })
      },
    )
}
