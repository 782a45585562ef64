import { createRoute, z } from '@hono/zod-openapi'
import { storedFileOf } from '../../pipelines/files/stored-files.js'
import {
  jobManifest,
  reportJobOf,
  reportJobs,
  reportJobView,
  runNow,
} from '../../pipelines/reports/jobs.js'
import type { AppDeps } from '../app-deps.js'
import { requireAuth } from '../auth.js'
import { fileDownload } from '../files.routes.js'
import { json, nextPage, openApiApp, PageLimit, problems } from '../openapi-app.js'
import { IdempotencyHeaders, signedIn } from '../params.js'
import { HttpProblem } from '../problem.js'
import { Zone } from '../../pipelines/reports/schedules.js'

const JobSchema = z.object({
  id: z.string(),
  batchTypeId: z.number(),
  templateId: z.string().nullable(),
  scheduleId: z.string().optional(),
  owner: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  scheduledFor: z.string(),
  timezone: z.string(),
  format: z.enum(['csv', 'xlsx']),
  attempts: z.number(),
  rowsWritten: z.number(),
  heartbeatAt: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  outputPruned: z.boolean(),
  total: z.number().optional(),
  parts: z.number().optional(),
})
const PartSchema = z.object({
  part: z.number(),
  fileStoreId: z.string(),
  name: z.string(),
  rows: z.number(),
  firstRow: z.number(),
  lastRow: z.number(),
  bytes: z.number(),
  sha256: z.string(),
})
const ManifestSchema = z.object({
  jobId: z.string(),
  scheduledFor: z.string(),
  format: z.enum(['csv', 'xlsx']),
  total: z.number(),
  parts: z.array(PartSchema),
  oversizedCells: z.array(z.object({ row: z.number(), column: z.string(), length: z.number() })),
  oversizedCellCount: z.number(),
})
const JobParams = z.object({ id: z.uuid() })
const RunBody = z.object({
  timezone: Zone.default('UTC').describe('The zone relative dates are resolved in'),
})

/** Report jobs: run a template now, list and read jobs, their manifest and their files. */
export const reportJobsRoutes = (deps: AppDeps) => {
  const auth = signedIn(requireAuth(deps.jwtSecret))
  return openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/reports/templates/{id}/run',
        operationId: 'runReportTemplate',
        summary: 'Run a template now → 202 with the job and its Location',
        description:
          'The job runs with the template owner’s permissions; relative dates are resolved in `timezone` (default UTC) now. The body may be empty. Sent again with the same `Idempotency-Key` for the template, it answers with the job it made (`Idempotent-Replayed: true`).',
        ...auth,
        request: {
          params: JobParams,
          headers: IdempotencyHeaders,
          body: { content: json(RunBody), required: false },
        },
        responses: {
          202: { description: 'Queued', content: json(JobSchema) },
          ...problems(400, 401, 404, 415),
        },
      }),
      async (c) => {
        // An empty body (no content type) is not validated: the defaults apply.
        const body = RunBody.parse(c.req.valid('json') ?? {})
        const { job, created } = await runNow(deps, c.req.valid('param').id, c.var.caller, {
          timezone: body.timezone,
          idempotencyKey: c.req.valid('header')['idempotency-key'],
        })
        c.header('location', `/reports/jobs/${job.id}`)
        if (!created) c.header('idempotent-replayed', 'true')
        return c.json(reportJobView(job), 202)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/jobs',
        operationId: 'listReportJobs',
        summary: "The caller's report jobs (an admin's: everyone's), newest first",
        description:
          'Pages of `limit` (default 100); when there may be more, `next` is the `after` of the next page.',
        ...auth,
        request: {
          query: z.object({
            templateId: z.uuid().optional(),
            status: z.enum(['queued', 'running', 'succeeded', 'failed']).optional(),
            limit: PageLimit,
            after: z.uuid().optional(),
          }),
        },
        responses: {
          200: {
            description: 'Jobs',
            content: json(z.object({ jobs: z.array(JobSchema), next: z.string().optional() })),
          },
          ...problems(400, 401, 404),
        },
      }),
      async (c) => {
        const { templateId, status, limit, after } = c.req.valid('query')
        const rows = await reportJobs(
          deps.db,
          c.var.caller,
          { templateId, status },
          { limit, after },
        )
        return c.json({ jobs: rows.map(reportJobView), ...nextPage(rows, limit) }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/jobs/{id}',
        operationId: 'getReportJob',
        summary: 'A report job: status, attempts, heartbeat, error',
        ...auth,
        request: { params: JobParams },
        responses: {
          200: { description: 'The job', content: json(JobSchema) },
          ...problems(400, 401, 404),
        },
      }),
      async (c) => {
        const row = await reportJobOf(deps.db, c.req.valid('param').id, c.var.caller)
        return c.json(reportJobView(row), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/jobs/{id}/output',
        operationId: 'getReportOutput',
        summary:
          "A finished job's manifest: its parts (file id, rows, first and last row, bytes, SHA-256) and total",
        ...auth,
        request: { params: JobParams },
        responses: {
          200: { description: 'The manifest', content: json(ManifestSchema) },
          ...problems(400, 401, 404, 409, 410),
        },
      }),
      async (c) => {
        const row = await reportJobOf(deps.db, c.req.valid('param').id, c.var.caller)
        return c.json(jobManifest(row), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/jobs/{id}/output/{part}',
        operationId: 'getReportPart',
        summary: 'One part of a finished job’s output (1 for the first)',
        ...auth,
        request: {
          params: JobParams.extend({ part: z.coerce.number().int().min(1).max(100_000) }),
        },
        responses: {
          200: {
            description: 'The file (CSV or XLSX)',
            content: { '*/*': { schema: z.string().openapi({ format: 'binary' }) } },
          },
          ...problems(400, 401, 404, 409, 410),
        },
      }),
      async (c) => {
        const { id, part } = c.req.valid('param')
        const row = await reportJobOf(deps.db, id, c.var.caller)
        const file = jobManifest(row).parts.find((p) => p.part === part)
        if (file === undefined)
          throw new HttpProblem(404, 'part_not_found', `Report job ${id} has no part ${part}`)
        return fileDownload(
          c,
          deps.files,
          await storedFileOf(deps.db, file.fileStoreId, c.var.caller),
        )
      },
    )
}
