import { createRoute, z } from '@hono/zod-openapi'
import {
  DEAD_LETTER_STREAMS,
  listDeadLetters,
  replayDeadLetters,
} from '../pipelines/dead-letters.js'
import type { AppDeps } from './app-deps.js'
import { requireAdmin } from './auth.js'
import { bearer, json, openApiApp, problems } from './openapi-app.js'

const StreamParams = z.object({ stream: z.enum(DEAD_LETTER_STREAMS) })
const DeadLetterSchema = z.object({
  id: z.string(),
  sourceId: z.string().optional(),
  error: z.string().optional(),
  actor: z.string().optional(),
  attempts: z.number().optional(),
  fields: z.record(z.string(), z.string()),
})

/** Dead letters: list, and replay onto their stream. */
export const deadLettersRoutes = (deps: AppDeps) =>
  openApiApp()
    .openapi(
      createRoute({
        method: 'get',
        path: '/dead-letters/{stream}',
        summary: 'Dead letters of a stream, oldest first (admin)',
        security: bearer,
        middleware: [requireAdmin(deps.jwtSecret)] as const,
        request: {
          params: StreamParams,
          query: z.object({
            after: z
              .string()
              .regex(/^\d+-\d+$/)
              .optional(),
            count: z.coerce.number().int().min(1).max(1000).default(100),
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
        const page = await listDeadLetters(
          deps.redis,
          deps.keys,
          stream,
          after === undefined ? { count } : { after, count },
        )
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
        summary: 'Put dead letters back on their stream (admin); all of them unless ids are given',
        security: bearer,
        middleware: [requireAdmin(deps.jwtSecret)] as const,
        request: {
          params: StreamParams,
          body: {
            required: false,
            content: json(
              z.object({
                ids: z
                  .array(z.string().regex(/^\d+-\d+$/))
                  .max(10_000)
                  .optional(),
              }),
            ),
          },
        },
        responses: {
          200: {
            description: 'How many were requeued',
            content: json(z.object({ replayed: z.number() })),
          },
          ...problems(400, 401, 403),
        },
      }),
      async (c) => {
        const body =
          c.req.header('content-type')?.includes('json') === true ? c.req.valid('json') : {}
        const replayed = await replayDeadLetters(
          deps.redis,
          deps.keys,
          c.req.valid('param').stream,
          body.ids,
        )
        return c.json({ replayed }, 200)
      },
    )
