import { createRoute, z } from '@hono/zod-openapi'
import { stream } from 'hono/streaming'
import { campaignDay } from '../../pipelines/outreach/campaign-views.js'
import { dashboard } from '../../pipelines/outreach/dashboard.js'
import { ATTEMPT_STATUSES, eodReport, rawReport } from '../../pipelines/outreach/reports.js'
import { outreachCampaignOf } from '../../pipelines/outreach/uploads.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { decimalInt, json, openApiApp, problems } from '../openapi-app.js'
import { CampaignParams, adminOnly } from '../params.js'
import { invalidFields } from '../problem.js'
import { DashboardSchema } from './campaign-schemas.js'

const DateQuery = z.object({ date: z.iso.date().optional() })
/** One slot of a day in a query (0: the tasks of a campaign without slots). */
const SlotQuery = decimalInt(0, 99).optional()
/** The dashboard's day, and one slot of it if asked. */
const DashboardQuery = DateQuery.extend({
  slot: SlotQuery.describe('the counts of this slot only (0: a campaign without slots)'),
})
/** The report's day, and for the raw report which attempts: of one slot, of one status. */
const ReportQuery = DateQuery.extend({
  slot: SlotQuery.describe(
    'raw report: the attempts of this slot only (0: a campaign without slots)',
  ),
  status: z
    .enum(ATTEMPT_STATUSES)
    .optional()
    .describe('raw report: the attempts that ended so (IN_FLIGHT: not ended yet)'),
})

/** An outreach campaign's dashboard and its CSV reports. */
export const dashboardRoutes = (deps: AppDeps) => {
  const admin = requireAdmin(deps.jwtSecret)
  return openApiApp()
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/dashboard',
        operationId: 'getDashboard',
        summary:
          "A day's (or one slot's) task counts and status (admin; default today in the campaign's zone)",
        ...adminOnly(admin),
        request: { params: CampaignParams, query: DashboardQuery },
        responses: {
          200: { description: 'Dashboard', content: json(DashboardSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const campaign = await outreachCampaignOf(deps.db, c.req.valid('param').id)
        const { date: asked, slot } = c.req.valid('query')
        const date = campaignDay(campaign, asked, deps.clock.now())
        return c.json(await dashboard(deps.db, campaign, date, deps.clock.now(), slot), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/reports/{kind}',
        operationId: 'getReport',
        summary:
          'Streamed CSV reports (admin): eod (per slot, by status and reason) or raw (one row per attempt)',
        ...adminOnly(admin),
        request: {
          params: CampaignParams.extend({ kind: z.enum(['eod', 'raw']) }),
          query: ReportQuery,
        },
        responses: {
          200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { id, kind } = c.req.valid('param')
        const { date: asked, slot, status } = c.req.valid('query')
        if (kind === 'eod' && (slot !== undefined || status !== undefined))
          throw invalidFields('query', [
            {
              field: slot !== undefined ? 'slot' : 'status',
              message: 'filters only the raw report (the EOD report has a row per slot and status)',
            },
          ])
        const campaign = await outreachCampaignOf(deps.db, id)
        const date = campaignDay(campaign, asked, deps.clock.now())
        const lines =
          kind === 'eod'
            ? eodReport(deps.db, id, date)
            : rawReport(deps.db, id, date, { slot, status })
        c.header('content-type', 'text/csv; charset=utf-8')
        c.header('content-disposition', `attachment; filename="${id}-${kind}-${date}.csv"`)
        return stream(c, async (out) => {
          for await (const chunk of lines) await out.write(chunk)
        })
      },
    )
}
