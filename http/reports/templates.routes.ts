import { createRoute, z } from '@hono/zod-openapi'
import {
  changeTemplate,
  createTemplate,
  removeTemplate,
  TemplateChange,
  TemplateInput,
  templateOf,
  templateOwner,
  templateView,
} from '../../pipelines/reports/templates.js'
import { PREVIEW_ROWS, templateRows } from '../../pipelines/reports/preview.js'
import { DateTime } from 'luxon'
import { DATASETS } from '../../storage/postgres/reports/datasets.js'
import { listTemplates } from '../../storage/postgres/reports/report-template.repository.js'
import type { AppDeps } from '../app-deps.js'
import { requireAuth } from '../auth.js'
import { json, nextPage, openApiApp, PageLimit, problems } from '../openapi-app.js'
import { signedIn } from '../params.js'

const auth = (deps: AppDeps) => signedIn(requireAuth(deps.jwtSecret))
const TemplateSchema = z.object({
  id: z.string(),
  owner: z.string(),
  name: z.string(),
  dataset: z.string(),
  columns: z.array(z.object({ column: z.string(), label: z.string().optional() })),
  filters: z.array(z.object({ column: z.string(), op: z.string(), value: z.unknown().optional() })),
  sort: z.array(z.object({ column: z.string(), direction: z.enum(['asc', 'desc']) })),
  format: z.enum(['csv', 'xlsx']),
  createdAt: z.string(),
  updatedAt: z.string(),
})
const TemplateParams = z.object({ id: z.uuid() })

/** The datasets reports may read, and report templates: define, list, read, change, delete. */
export const reportTemplatesRoutes = (deps: AppDeps) =>
  openApiApp()
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/datasets',
        operationId: 'listReportDatasets',
        summary: 'What reports may read: each dataset with its columns and their types',
        ...auth(deps),
        responses: {
          200: {
            description: 'Datasets',
            content: json(
              z.object({
                datasets: z.array(
                  z.object({
                    name: z.string(),
                    description: z.string(),
                    columns: z.array(z.object({ column: z.string(), type: z.string() })),
                  }),
                ),
              }),
            ),
          },
          ...problems(401),
        },
      }),
      (c) =>
        c.json(
          {
            datasets: Object.entries(DATASETS).map(([name, d]) => ({
              name,
              description: d.description,
              columns: Object.entries(d.columns).map(([column, type]) => ({ column, type })),
            })),
          },
          200,
        ),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/reports/templates',
        operationId: 'createReportTemplate',
        summary: 'Define a report template, checked against its dataset before any run → 201',
        description:
          'Filters: `{"column","op","value"}` with `op` one of eq, ne, lt, lte, gt, gte, in, between, contains, isNull, fitting the column type; date values may be `today`, `yesterday`, `last_7_days`, `this_month` or `last_month`. Every problem is answered at once, by field.',
        ...auth(deps),
        request: { body: { content: json(TemplateInput), required: true } },
        responses: {
          201: { description: 'Created', content: json(TemplateSchema) },
          ...problems(400, 401, 415),
        },
      }),
      async (c) => {
        const row = await createTemplate(deps.db, c.req.valid('json'), c.var.caller)
        c.header('location', `/reports/templates/${row.id}`)
        return c.json(templateView(row), 201)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/templates',
        operationId: 'listReportTemplates',
        summary: "The caller's templates (an admin's: everyone's), newest first",
        ...auth(deps),
        request: { query: z.object({ limit: PageLimit, after: z.uuid().optional() }) },
        responses: {
          200: {
            description: 'Templates',
            content: json(
              z.object({ templates: z.array(TemplateSchema), next: z.string().optional() }),
            ),
          },
          ...problems(400, 401, 404),
        },
      }),
      async (c) => {
        const { limit, after } = c.req.valid('query')
        const caller = c.var.caller
        const before = after === undefined ? undefined : await templateOf(deps.db, after, caller)
        const rows = await listTemplates(
          deps.db,
          caller.admin ? undefined : caller.userId,
          limit,
          before,
        )
        return c.json({ templates: rows.map(templateView), ...nextPage(rows, limit) }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/templates/{id}',
        operationId: 'getReportTemplate',
        summary: 'A template (its owner or an admin; 404 for anyone else)',
        ...auth(deps),
        request: { params: TemplateParams },
        responses: {
          200: { description: 'The template', content: json(TemplateSchema) },
          ...problems(400, 401, 404),
        },
      }),
      async (c) =>
        c.json(templateView(await templateOf(deps.db, c.req.valid('param').id, c.var.caller)), 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/templates/{id}/preview',
        operationId: 'previewReportTemplate',
        summary:
          "A template's first 100 rows, as its owner may see them, through an export's query",
        description:
          'Relative dates resolve in `timezone` (default UTC) at the moment of the request. The rows are those of the campaigns the owner may see: every campaign when they saved it as an admin, else those granted to them.',
        ...auth(deps),
        request: {
          params: TemplateParams,
          query: z.object({
            timezone: z
              .string()
              .max(64)
              .refine((zone) => DateTime.local().setZone(zone).isValid, 'must be an IANA time zone')
              .default('UTC'),
          }),
        },
        responses: {
          200: {
            description: 'The header and rows',
            content: json(
              z.object({
                columns: z.array(
                  z.object({ column: z.string(), label: z.string(), type: z.string() }),
                ),
                rows: z.array(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))),
              }),
            ),
          },
          ...problems(400, 401, 404),
        },
      }),
      async (c) => {
        const row = await templateOf(deps.db, c.req.valid('param').id, c.var.caller)
        const rows = await templateRows(deps, row, templateOwner(row), {
          zone: c.req.valid('query').timezone,
          atMs: deps.clock.now(),
          limit: PREVIEW_ROWS,
        })
        return c.json(rows, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/reports/templates/{id}',
        operationId: 'changeReportTemplate',
        summary:
          'Change a template: the fields sent replace its own, and the whole is checked again',
        ...auth(deps),
        request: {
          params: TemplateParams,
          body: { content: json(TemplateChange), required: true },
        },
        responses: {
          200: { description: 'The template', content: json(TemplateSchema) },
          ...problems(400, 401, 404, 415),
        },
      }),
      async (c) => {
        const row = await templateOf(deps.db, c.req.valid('param').id, c.var.caller)
        const changed = await changeTemplate(
          deps.db,
          row,
          c.req.valid('json'),
          c.var.caller,
          new Date(deps.clock.now()),
        )
        return c.json(templateView(changed), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/reports/templates/{id}',
        operationId: 'deleteReportTemplate',
        summary: 'Delete a template',
        ...auth(deps),
        request: { params: TemplateParams },
        responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 404) },
      }),
      async (c) => {
        await removeTemplate(
          deps.db,
          await templateOf(deps.db, c.req.valid('param').id, c.var.caller),
        )
        return c.body(null, 204)
      },
    )
