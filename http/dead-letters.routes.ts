import { createRoute, z } from '@hono/zod-openapi'
import {
  discardDeadLetters,
  listDeadLetters,
  replayDeadLetters,
} from '../pipelines/dead-letters.js'
import { CONSUMED_STREAMS } from '../storage/redis/keys.js'
import { ENTRY_ID } from '../storage/redis/streams.js'
import type { AppDeps } from './app-deps.js'
import { requireAdmin } from './auth.js'
import { decimalIntOr, json, openApiApp, problems } from './openapi-app.js'
import { adminOnly } from './params.js'

const StreamParams = z.object({ stream: z.enum(CONSUMED_STREAMS) })
const EntryIds = z
  .array(z.string().regex(ENTRY_ID, 'must be a stream entry id such as 1795410681243-0'))
  .max(10_000)
const DeadLetterSchema = z.object({
  id: z.string(),
  sourceId: z.string().optional(),
  error: z.string().optional(),
  actor: z.string().optional(),
  attempts: z.number().optional(),
  fields: z.record(z.string(), z.string()),
})

/** Dead letters: list, replay onto their stream, discard. */
export const deadLettersRoutes = (deps: AppDeps) =>
  openApiApp()
    .openapi(
      createRoute({
        method: 'get',
        path: '/dead-letters/{stream}',
        operationId: 'listDeadLetters',
        summary: 'Dead letters of a stream, oldest first (admin)',
        ...adminOnly(requireAdmin(deps.jwtSecret)),
        request: {
          params: StreamParams,
          query: z.object({
            after: z.string().regex(ENTRY_ID).optional(),
            count: decimalIntOr(1, 1000, 100),
          }),
        },
        responses: {
          200: {
            description: 'Dead letters',
            content: json(
              z.object({
                stream: z.string(),
                total: z.number(),
                deadLetters: z.array(DeadLetterSchema),
              }),
            ),
          },
          ...problems(400, 401, 403),
        },
      }),
      async (c) => {
        const { stream } = c.req.valid('param')
        const { after, count } = c.req.valid('query')
        const page = await listDeadLetters(deps, stream, { after, count })
        return c.json(
          {
            stream,
            ...page,
            deadLetters: page.deadLetters.map(
              (d) => JSON.parse(JSON.stringify(d)) as z.infer<typeof DeadLetterSchema>,
            ),
          },
          200,
        )
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/dead-letters/{stream}/replay',
        operationId: 'replayDeadLetters',
        summary: 'Put dead letters back on their stream (admin); all of them unless ids are given',
        ...adminOnly(requireAdmin(deps.jwtSecret)),
        request: {
          params: StreamParams,
          body: {
            required: false,
            content: json(z.object({ ids: EntryIds.optional() })),
          },
        },
        responses: {
          200: {
            description: 'How many were requeued',
            content: json(z.object({ replayed: z.number() })),
          },
          ...problems(400, 401, 403, 415),
        },
      }),
      async (c) => {
        const body =
          c.req.header('content-type')?.includes('json') === true ? c.req.valid('json') : {}
        const { stream } = c.req.valid('param')
        const replayed = await replayDeadLetters(deps, stream, body.ids)
        deps.logger.info({ stream, replayed }, 'dead letters replayed')
        return c.json({ replayed }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/dead-letters/{stream}/discard',
        operationId: 'discardDeadLetters',
        summary: 'Delete dead letters for good (admin): those no fix will make valid',
        ...adminOnly(requireAdmin(deps.jwtSecret)),
        request: {
          params: StreamParams,
          body: { required: true, content: json(z.object({ ids: EntryIds.min(1) })) },
        },
        responses: {
          200: {
            description: 'How many existed and were deleted',
            content: json(z.object({ discarded: z.number() })),
          },
          ...problems(400, 401, 403, 415),
        },
      }),
      async (c) => {
        const { stream } = c.req.valid('param')
        const { ids } = c.req.valid('json')
        const discarded = await discardDeadLetters(deps, stream, ids)
        deps.logger.info({ stream, requested: ids.length, discarded }, 'dead letters discarded')
        return c.json({ discarded }, 200)
      },
    )
