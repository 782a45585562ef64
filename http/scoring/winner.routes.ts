import { createRoute, z } from '@hono/zod-openapi'
import { purchaseCampaignOf, winnerView } from '../../pipelines/scoring/campaigns.js'
import { findWinner } from '../../storage/postgres/scoring/campaign-winner.repository.js'
import { topTotals } from '../../storage/postgres/scoring/purchase-total.repository.js'
import type { AppDeps } from '../app-deps.js'
import { MoneySchema, json, openApiApp, problems, publicRoute } from '../openapi-app.js'
import { CampaignParams } from '../params.js'
import { HttpProblem } from '../problem.js'

const WinnerSchema = z.object({
  campaignId: z.string(),
  userId: z.string(),
  totalAmount: MoneySchema,
  decidedAt: z.string(),
  tieBreak: z.enum(['none', 'reachedAt', 'userId']),
})

/** `GET /campaigns/{id}/winner`: a purchase campaign's winner, once decided. */
export const winnerRoutes = (deps: AppDeps) =>
  openApiApp().openapi(
    createRoute({
      method: 'get',
      path: '/campaigns/{id}/winner',
      operationId: 'getWinner',
      ...publicRoute,
      summary: 'The winner, once decided after the end',
      request: { params: CampaignParams },
      responses: {
        200: { description: 'The winner', content: json(WinnerSchema) },
        ...problems(400, 401, 404),
      },
    }),
    async (c) => {
      const campaign = await purchaseCampaignOf(deps.db, c.req.valid('param').id)
      const winner = await findWinner(deps.db, campaign.id)
      if (winner === undefined) {
        if (campaign.status === 'Cancelled')
          throw new HttpProblem(
            404,
            'no_winner',
            `Campaign ${campaign.id} was cancelled: it has no winner`,
          )
        const now = deps.clock.now()
        const decidedBy = campaign.end_at.getTime() + deps.settleSeconds * 1000
        // Past the decision with no purchase counted: there is nobody to win, for good.
        if (now >= decidedBy && (await topTotals(deps.db, campaign.id, 1)).length === 0)
          throw new HttpProblem(
            404,
            'no_winner',
            `Nobody qualified: no purchase counted for campaign ${campaign.id}`,
          )
        throw new HttpProblem(
          404,
          'winner_not_decided',
          campaign.end_at.getTime() <= now
            ? `The winner is being decided (from ${new Date(decidedBy).toISOString()})`
            : `The campaign has not ended; its winner is decided from ${new Date(decidedBy).toISOString()}`,
        )
      }
      return c.json(winnerView(winner, deps.baseCurrency), 200)
    },
  )
