import { createRoute, z } from '@hono/zod-openapi'
import { revoke } from '../pipelines/outreach/commands.js'
import { cancelPurchaseCampaign } from '../pipelines/scoring/campaigns.js'
import { findCampaign } from '../storage/postgres/campaign.repository.js'
import type { AppDeps } from './app-deps.js'
import { requireAdmin } from './auth.js'
import { json, openApiApp, problems } from './openapi-app.js'
import { CampaignParams, adminOnly } from './params.js'

/** `DELETE /campaigns/{id}`: revokes a campaign of any job, through that job's command. */
export const campaignRevokeRoutes = (deps: AppDeps) => {
  const admin = requireAdmin(deps.jwtSecret)
  return openApiApp().openapi(
    createRoute({
      method: 'delete',
      path: '/campaigns/{id}',
      operationId: 'revokeCampaign',
      summary:
        'Revoke a campaign (admin): an outreach one’s unexecuted tasks become CANCELLED; a purchase one counts no more purchases and gets no winner',
      description:
        'An outreach campaign answers `cancelledTasks`. A purchase campaign whose winner is decided answers 409 `winner_decided`; one that had started publishes its `End` now. Revoking again changes nothing.',
      ...adminOnly(admin),
      request: { params: CampaignParams },
      responses: {
        200: {
          description: 'Revoked',
          content: json(
            z.object({
              campaignId: z.string(),
              status: z.literal('Cancelled'),
              cancelledTasks: z.number().optional(),
            }),
          ),
        },
        ...problems(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const campaign = await findCampaign(deps.db, id)
      if (campaign?.type === 'purchase') {
        const cancelled = await cancelPurchaseCampaign(deps, campaign)
        deps.logger.info({ campaignId: id, by: c.var.caller.userId }, 'purchase campaign cancelled')
        return c.json(cancelled, 200)
      }
      const { cancelledTasks } = await revoke(deps, id)
      deps.logger.info(
        { campaignId: id, cancelledTasks, by: c.var.caller.userId },
        'outreach campaign revoked',
      )
      return c.json({ campaignId: id, status: 'Cancelled' as const, cancelledTasks }, 200)
    },
  )
}
