import { createRoute, z } from '@hono/zod-openapi'
import { CLIENT_NAME } from '../../pipelines/replay/clients.js'
import { runView } from '../../pipelines/replay/run-view.js'
import { fireDryRun, replayRuns, runOf, uploadRun } from '../../pipelines/replay/runs.js'
import { fileName } from '../../pipelines/files/stored-files.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { requestFile } from '../file-body.js'
import { json, nextPage, openApiApp, PageLimit, problems } from '../openapi-app.js'
import { adminOnly, IdempotencyHeaders } from '../params.js'
import { invalidFields } from '../problem.js'

const Output = z.object({
  fileStoreId: z.string(),
  name: z.string(),
  bytes: z.number(),
  sha256: z.string(),
})
const RunSchema = z.object({
  id: z.string(),
  client: z.string(),
  dryRun: z.boolean(),
  status: z.enum(['validating', 'firing', 'writing', 'completed', 'refused', 'failed']),
  token: z.string(),
  fileStoreId: z.string(),
  sourceRunId: z.string().optional(),
  counts: z.object({
    rows: z.number(),
    valid: z.number(),
    warnings: z.number(),
    exceptions: z.number(),
    fired: z.number(),
    succeeded: z.number(),
    failed: z.number(),
  }),
  fromDate: z.string().nullable(),
  toDate: z.string().nullable(),
  outputs: z
    .object({
      requests: Output,
      responses: Output,
      'requests-validated': Output,
      warnings: Output,
      exceptions: Output,
    })
    .nullable(),
  error: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  fireBefore: z
    .string()
    .optional()
    .describe(
      'A completed dry run: until when it may be fired (REPLAY_DRY_RUN_KEEP_DAYS after it ended)',
    ),
})
const RunParams = z.object({ id: z.uuid() })
const flag = z.enum(['true', 'false']).transform((v) => v === 'true')
/** How a run is asked for: form fields before the file part, or the query. */
const RunFields = z.object({
  client: z.string().regex(CLIENT_NAME, 'must name a replay client'),
  dryRun: flag.default(false),
  force: flag.default(false),
  maxExceptionRate: z.coerce.number().min(0).max(1).default(0.05),
  rate: z.coerce.number().int().min(1).max(10_000).optional(),
})
const FireBody = z.object({
  force: z.boolean().default(false),
  maxExceptionRate: z.number().min(0).max(1).default(0.05),
  rate: z.number().int().min(1).max(10_000).optional(),
})

/** Replay runs (admin): upload a CSV to run, read runs, fire a dry run. */
export const replayRunsRoutes = (deps: AppDeps) => {
  const admin = adminOnly(requireAdmin(deps.jwtSecret))
  return openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/replays',
        operationId: 'startReplay',
        summary: 'Replay a CSV for a client → 202 with the run and its Location (admin)',
        description:
          'Multipart `file`, with the fields `client`, `dryRun`, `force`, `maxExceptionRate` (default 0.05) and `rate` sent before it (or as query parameters). The file is checked before anything is fired: UTF-8, balanced quotes, every required mapped column in the header, at least one row, at most MAX_UPLOAD_BYTES. Sending the same file for the same client again while its run is unfinished resumes that run; the same `Idempotency-Key` again answers with the run it made (`Idempotent-Replayed: true` either way).',
        ...admin,
        request: {
          query: RunFields.partial().extend({ client: z.string().optional() }),
          headers: IdempotencyHeaders,
        },
        responses: {
          202: { description: 'Accepted (or resumed)', content: json(RunSchema) },
          ...problems(400, 401, 403, 404, 413, 415, 422),
        },
      }),
      async (c) => {
        const file = await requestFile(c, {
          raw: /^text\/(csv|plain)\b/i,
          expected: 'Send multipart/form-data with a file part, or text/csv',
        })
        try {
          const parsed = RunFields.safeParse({ ...c.req.query(), ...file.fields })
          if (!parsed.success)
            throw invalidFields(
              'form',
              parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
            )
          const { client, ...options } = parsed.data
          const { run, created } = await uploadRun(deps, {
            source: file.stream,
            name: fileName(file.filename ?? `${client}.csv`),
            client,
            options,
            createdBy: c.var.caller.userId,
            idempotencyKey: c.req.valid('header')['idempotency-key'],
          })
          c.header('location', `/replays/${run.id}`)
          if (!created) c.header('idempotent-replayed', 'true')
          return c.json(runView(run, deps), 202)
        } finally {
          file.stream.resume()
        }
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/replays',
        operationId: 'listReplays',
        summary: 'Replay runs, newest first (admin)',
        ...admin,
        request: {
          query: z.object({
            client: z.string().regex(CLIENT_NAME).optional(),
            limit: PageLimit,
            after: z.uuid().optional(),
          }),
        },
        responses: {
          200: {
            description: 'Runs',
            content: json(z.object({ runs: z.array(RunSchema), next: z.string().optional() })),
          },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { client, limit, after } = c.req.valid('query')
        const rows = await replayRuns(deps.db, { client }, { limit, after })
        return c.json(
          { runs: rows.map((row) => runView(row, deps)), ...nextPage(rows, limit) },
          200,
        )
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/replays/{id}',
        operationId: 'getReplay',
        summary: 'A replay run: status, counts and its five output files (admin)',
        ...admin,
        request: { params: RunParams },
        responses: {
          200: { description: 'The run', content: json(RunSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => c.json(runView(await runOf(deps.db, c.req.valid('param').id), deps), 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/replays/{id}/fire',
        operationId: 'fireReplay',
        summary: 'Fire a completed dry run: a live run of exactly the rows it validated (admin)',
        ...admin,
        request: { params: RunParams, body: { content: json(FireBody), required: false } },
        responses: {
          202: { description: 'The live run', content: json(RunSchema) },
          ...problems(400, 401, 403, 404, 409, 415),
        },
      }),
      async (c) => {
        const dry = await runOf(deps.db, c.req.valid('param').id)
        const body = FireBody.parse(c.req.valid('json') ?? {})
        const { run } = await fireDryRun(deps, dry, body, c.var.caller.userId)
        c.header('location', `/replays/${run.id}`)
        return c.json(runView(run, deps), 202)
      },
    )
}
