import { createRoute, z } from '@hono/zod-openapi'
import {
  createPurchaseCampaign,
  NewPurchaseCampaign,
  purchaseCampaignView,
} from '../pipelines/scoring/campaigns.js'
import { createOutreachCampaign } from '../pipelines/outreach/campaigns.js'
import {
  createProjectCampaign,
  NewProjectCampaign,
  projectCampaignView,
} from '../pipelines/factory/project-campaigns.js'
import { newOutreachCampaign } from '../pipelines/outreach/campaign-schemas.js'
import { outreachCampaignView } from '../pipelines/outreach/campaign-views.js'
import { todayTotals } from '../pipelines/outreach/dashboard.js'
import {
  campaignPage,
  findCampaign,
  listActiveCampaigns,
} from '../storage/postgres/campaign.repository.js'
import type { CampaignRow } from '../storage/postgres/campaign.table.js'
import type { AppDeps } from './app-deps.js'
import { assertAdmin, optionalCaller, requireAdmin } from './auth.js'
import {
  MoneySchema,
  PageLimit,
  json,
  nextPage,
  openApiApp,
  optionalBearer,
  problems,
  publicRoute,
} from './openapi-app.js'
import { DayTotalsSchema, OutreachCampaignSchema } from './outreach/campaign-schemas.js'
import { HttpProblem } from './problem.js'
import { CampaignParams, adminOnly } from './params.js'

const PurchaseCampaignSchema = z.object({
  campaignId: z.string(),
  type: z.literal('purchase'),
  itemId: z.string(),
  prize: MoneySchema,
  startDateTime: z.string(),
  endDateTime: z.string(),
  status: z.enum(['Scheduled', 'Running', 'Ended', 'Cancelled']),
})
const ProjectCampaignSchema = z.object({
  campaignId: z.string(),
  type: z.literal('project'),
  name: z.string(),
  hierarchyType: z.string(),
  boundaries: z.array(z.string()),
  parentCampaignId: z.string().optional(),
  status: z.enum(['Scheduled', 'Running', 'Ended', 'Cancelled']),
  createdAt: z.string(),
})
const CampaignSchema = z.union([
  PurchaseCampaignSchema,
  OutreachCampaignSchema,
  ProjectCampaignSchema,
])
/** A campaign of any type as the contract shows it. */
const campaignView = (row: CampaignRow, nowMs: number) =>
  row.type === 'purchase'
    ? purchaseCampaignView(row)
    : row.type === 'project'
      ? projectCampaignView(row)
      : outreachCampaignView(row, nowMs)

/** Campaign creation and lookup, and the active campaigns. */
export const campaignsRoutes = (deps: AppDeps) => {
  const campaignOr404 = async (id: string) => {
    const row = await findCampaign(deps.db, id)
    if (row === undefined) throw new HttpProblem(404, 'campaign_not_found', `No campaign ${id}`)
    return row
  }
  return openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/campaigns',
        operationId: 'createCampaign',
        summary: 'Create a campaign (admin)',
        ...adminOnly(requireAdmin(deps.jwtSecret)),
        request: {
          body: {
            content: json(
              z.discriminatedUnion('type', [
                NewPurchaseCampaign,
                newOutreachCampaign(deps.maxSlotsPerDay),
                NewProjectCampaign,
              ]),
            ),
            required: true,
          },
        },
        responses: {
          201: { description: 'Created', content: json(CampaignSchema) },
          ...problems(400, 401, 403, 415),
        },
      }),
      async (c) => {
        const input = c.req.valid('json')
        const campaign =
          input.type === 'purchase'
            ? await createPurchaseCampaign(deps, input, c.var.caller.userId)
            : input.type === 'project'
              ? await createProjectCampaign(deps, input, c.var.caller.userId)
              : await createOutreachCampaign(deps, input, c.var.caller.userId)
        c.header('location', `/campaigns/${campaign.campaignId}`)
        return c.json(campaign, 201)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/active',
        operationId: 'listActiveCampaigns',
        ...publicRoute,
        summary: 'Campaigns running now',
        request: { query: z.object({ type: z.enum(['purchase']).default('purchase') }) },
        responses: {
          200: {
            description: 'Active campaigns',
            content: json(
              z.object({
                headers: z.array(z.unknown()),
                campaigns: z.array(PurchaseCampaignSchema.omit({ type: true, status: true })),
              }),
            ),
          },
          ...problems(400, 401),
        },
      }),
      async (c) => {
        const rows = await listActiveCampaigns(
          deps.db,
          c.req.valid('query').type,
          new Date(deps.clock.now()),
        )
        const campaigns = rows.map((row) => {
          const { type: _type, status: _status, ...rest } = purchaseCampaignView(row)
          return rest
        })
        return c.json({ headers: [], campaigns }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns',
        operationId: 'listCampaigns',
        summary:
          "Campaigns by id, of one type or both, with their status; outreach ones (admin only) with today's counts",
        description:
          'Outreach campaigns are listed for an admin only: without an admin token the list holds the purchase campaigns, and `type=outreach` answers 401 or 403. `status` keeps those with that status now, `paused=true` the outreach campaigns paused now (`false`: those that are not). Pages of `limit` (default 100); when there may be more, `next` is the `after` of the next page.',
        security: optionalBearer,
        request: {
          query: z.object({
            type: z.enum(['purchase', 'outreach', 'project']).optional(),
            status: z.enum(['Scheduled', 'Running', 'Ended', 'Cancelled']).optional(),
            paused: z
              .enum(['true', 'false'])
              .transform((v) => v === 'true')
              .optional()
              .describe('true: only the outreach campaigns paused now; false: those not paused'),
            limit: PageLimit,
            after: CampaignParams.shape.id.optional(),
          }),
        },
        responses: {
          200: {
            description: 'Campaigns',
            content: json(
              z.object({
                campaigns: z.array(
                  z.union([
                    PurchaseCampaignSchema,
                    OutreachCampaignSchema.extend({ today: DayTotalsSchema }),
                    ProjectCampaignSchema,
                  ]),
                ),
                next: z.string().optional(),
              }),
            ),
          },
          ...problems(400, 401, 403),
        },
      }),
      async (c) => {
        const now = deps.clock.now()
        const caller = await optionalCaller(c, deps.jwtSecret)
        const { status, paused, limit, after, ...query } = c.req.valid('query')
        let type = query.type
        if (type === 'outreach' || type === 'project') assertAdmin(caller)
        if (caller?.admin !== true) type = 'purchase'
        const rows = await campaignPage(deps.db, {
          type,
          status,
          paused,
          nowMs: now,
          after,
          limit,
        })
        const today = await todayTotals(
          deps.db,
          rows.filter((row) => row.type === 'outreach'),
          now,
        )
        const campaigns = rows.map((row) => {
          if (row.type === 'purchase') return purchaseCampaignView(row)
          if (row.type === 'project') return projectCampaignView(row)
          const totals = today.get(row.id) // todayTotals answers for every campaign it is given
          if (totals === undefined) throw new Error(`No totals for campaign ${row.id}`)
          return { ...outreachCampaignView(row, now), today: totals }
        })
        return c.json({ campaigns, ...nextPage(rows, limit) }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}',
        operationId: 'getCampaign',
        summary: 'One campaign (an outreach campaign for an admin only)',
        security: optionalBearer,
        request: { params: CampaignParams },
        responses: {
          200: { description: 'The campaign', content: json(CampaignSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const row = await campaignOr404(c.req.valid('param').id)
        if (row.type !== 'purchase') assertAdmin(await optionalCaller(c, deps.jwtSecret))
        return c.json(campaignView(row, deps.clock.now()), 200)
      },
    )
}
