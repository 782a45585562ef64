import { createRoute, z } from '@hono/zod-openapi'
import { stringify } from 'csv-stringify/sync'
import { stream } from 'hono/streaming'
import { acceptJob, jobOf, jobStatus, jobSummary, retryJob } from '../../pipelines/factory/jobs.js'
import { TYPE_PATTERN } from '../../pipelines/factory/schemas.js'
import { HierarchyType } from '../../pipelines/factory/project-campaigns.js'
import {
  searchJobs,
  type JobCriteria,
} from '../../storage/postgres/factory/factory-job.repository.js'
import { rowErrorsPage } from '../../storage/postgres/factory/factory-row.repository.js'
import { adminOnly, CampaignId, IdempotencyHeaders } from '../params.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { PageLimit, json, nextPage, openApiApp, problems } from '../openapi-app.js'

const BASE = '/project-factory/v1/data'
const JOB_STATUSES = [
  'accepted',
  'validating',
  'creating',
  'annotating',
  'completed',
  'invalid',
  'partial',
  'failed',
] as const

const ResourceType = z.string().regex(TYPE_PATTERN, 'must be a resource type such as user')
const CreateRequest = z.object({
  type: ResourceType,
  fileStoreId: z.uuid(),
  hierarchyType: HierarchyType,
  campaignId: CampaignId,
  action: z.enum(['create', 'validate']).default('create'),
})
const JobSummarySchema = z.object({
  id: z.string(),
  type: z.string(),
  schemaVersion: z.number(),
  campaignId: z.string(),
  hierarchyType: z.string(),
  action: z.enum(['create', 'validate']),
  status: z.enum(JOB_STATUSES),
  phase: z.string(),
  fileStoreId: z.string(),
  processedFileStoreId: z.string().optional(),
  error: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().optional(),
})
const JobStatusSchema = JobSummarySchema.extend({
  counts: z.object({
    total: z.number(),
    valid: z.number(),
    invalid: z.number(),
    created: z.number(),
    existing: z.number(),
    failed: z.number(),
    pending: z.number(),
  }),
  errors: z.array(
    z.object({
      row: z.number(),
      line: z.number(),
      column: z.string(),
      code: z.string(),
      message: z.string(),
    }),
  ),
})
const Criteria = z.object({
  type: ResourceType.optional(),
  campaignId: CampaignId.optional(),
  status: z.enum(JOB_STATUSES).optional(),
})
const JobParams = z.object({ id: z.uuid() })
const JobList = z.object({ jobs: z.array(JobSummarySchema), next: z.string().optional() })

/** The project factory's sheet jobs: create (or validate), status, errors, search, retry. */
export const factoryDataRoutes = (deps: AppDeps) => {
  const admin = adminOnly(requireAdmin(deps.jwtSecret))
  const page = async (
    criteria: JobCriteria,
    limit: number,
    after: string | undefined,
    caller: { userId: string; admin: boolean },
  ) => {
    const before = after === undefined ? undefined : await jobOf(deps.db, after, caller)
    const rows = await searchJobs(deps.db, criteria, limit, before)
    return { jobs: rows.map(jobSummary), ...nextPage(rows, limit) }
  }
  return openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: `${BASE}/_create`,
        operationId: 'createFactoryJob',
        summary: 'Validate a kept sheet against its type, and create its rows (admin) → 202',
        description:
          '`action: "validate"` stops after validation and annotates without creating anything. The same `Idempotency-Key`, or the same file, type, campaign and action while a job runs, answers with that job (`Idempotent-Replayed: true`).',
        ...admin,
        request: {
          headers: IdempotencyHeaders,
          body: { content: json(CreateRequest), required: true },
        },
        responses: {
          202: {
            description: 'Accepted; `Location` is its status',
            content: json(JobSummarySchema),
          },
          ...problems(400, 401, 403, 404, 409, 415),
        },
      }),
      async (c) => {
        const { row, replayed } = await acceptJob(
          deps,
          c.req.valid('json'),
          c.var.caller,
          c.req.valid('header')['idempotency-key'],
        )
        c.header('location', `${BASE}/${row.id}`)
        if (replayed) c.header('idempotent-replayed', 'true')
        return c.json(jobSummary(row), 202)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: `${BASE}/{id}`,
        operationId: 'getFactoryJob',
        summary:
          'A job: status, phase, row counts, its files and its first 1000 row errors (admin)',
        ...admin,
        request: { params: JobParams },
        responses: {
          200: { description: 'Status', content: json(JobStatusSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const row = await jobOf(deps.db, c.req.valid('param').id, c.var.caller)
        return c.json(await jobStatus(deps.db, row), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: `${BASE}/{id}/errors.csv`,
        operationId: 'getFactoryJobErrors',
        summary: 'Every row error of a job as CSV (row, line, column, code, message) (admin)',
        ...admin,
        request: { params: JobParams },
        responses: {
          200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const row = await jobOf(deps.db, c.req.valid('param').id, c.var.caller)
        c.header('content-type', 'text/csv; charset=utf-8')
        c.header('content-disposition', `attachment; filename="${row.id}-errors.csv"`)
        return stream(c, async (out) => {
          await out.write('row,line,column,code,message\n')
          for (let after = 0; ;) {
            const errors = await rowErrorsPage(deps.db, row.id, after, 1000)
            const last = errors[errors.length - 1]
            if (last === undefined) break
            await out.write(
              stringify(errors.map((e) => [e.row, e.line, e.column, e.code, e.message])),
            )
            after = last.row
          }
        })
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: BASE,
        operationId: 'listFactoryJobs',
        summary: 'Jobs by type, campaign and status, newest first (admin)',
        description:
          'Pages of `limit` (default 100); when there may be more, `next` is the `after` of the next page.',
        ...admin,
        request: { query: Criteria.extend({ limit: PageLimit, after: z.uuid().optional() }) },
        responses: {
          200: { description: 'Jobs', content: json(JobList) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { limit, after, ...criteria } = c.req.valid('query')
        return c.json(await page(criteria, limit, after, c.var.caller), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: `${BASE}/_search`,
        operationId: 'searchFactoryJobs',
        summary: 'Jobs by criteria in a body, as the anchor service takes them (admin)',
        ...admin,
        request: {
          body: {
            content: json(
              z.object({
                SearchCriteria: Criteria.extend({
                  ids: z.array(z.uuid()).max(1000).optional(),
                }).default({}),
                limit: z.number().int().min(1).max(1000).default(100),
                after: z.uuid().optional(),
              }),
            ),
            required: true,
          },
        },
        responses: {
          200: { description: 'Jobs', content: json(JobList) },
          ...problems(400, 401, 403, 404, 415),
        },
      }),
      async (c) => {
        const { SearchCriteria, limit, after } = c.req.valid('json')
        return c.json(await page(SearchCriteria, limit, after, c.var.caller), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: `${BASE}/{id}/_retry`,
        operationId: 'retryFactoryJob',
        summary: 'Create again the rows of a partial job that failed (admin) → 202',
        ...admin,
        request: { params: JobParams },
        responses: {
          202: { description: 'Creating again', content: json(JobSummarySchema) },
          ...problems(400, 401, 403, 404, 409),
        },
      }),
      async (c) => {
        const row = await jobOf(deps.db, c.req.valid('param').id, c.var.caller)
        c.header('location', `${BASE}/${row.id}`)
        return c.json(jobSummary(await retryJob(deps, row)), 202)
      },
    )
}
