import { createRoute, z } from '@hono/zod-openapi'
import { findCampaign } from '../../storage/postgres/campaign.repository.js'
import {
  grantViewer,
  withdrawViewer,
} from '../../storage/postgres/reports/report-template.repository.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { json, openApiApp, problems } from '../openapi-app.js'
import { CampaignParams, adminOnly } from '../params.js'
import { HttpProblem } from '../problem.js'

const ViewerParams = CampaignParams.extend({
  userId: z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'must be a user id (a token’s sub)'),
})
const GrantSchema = z.object({ campaignId: z.string(), userId: z.string() })

/** Who may see a campaign's rows in reports (admins see every campaign). */
export const campaignViewersRoutes = (deps: AppDeps) => {
  const admin = adminOnly(requireAdmin(deps.jwtSecret))
  const campaignOr404 = async (id: string) => {
    if ((await findCampaign(deps.db, id)) === undefined)
      throw new HttpProblem(404, 'campaign_not_found', `No campaign ${id}`)
  }
  return openApiApp()
    .openapi(
      createRoute({
        method: 'put',
        path: '/campaigns/{id}/viewers/{userId}',
        operationId: 'grantCampaignViewer',
        summary: "Let a user see the campaign's rows in their reports (admin)",
        ...admin,
        request: { params: ViewerParams },
        responses: {
          200: { description: 'Granted', content: json(GrantSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { id, userId } = c.req.valid('param')
        await campaignOr404(id)
        await grantViewer(deps.db, { campaignId: id, userId, grantedBy: c.var.caller.userId })
        return c.json({ campaignId: id, userId }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/campaigns/{id}/viewers/{userId}',
        operationId: 'withdrawCampaignViewer',
        summary:
          'Withdraw the grant (admin): the next run of their reports leaves the campaign out',
        ...admin,
        request: { params: ViewerParams },
        responses: { 204: { description: 'Withdrawn' }, ...problems(400, 401, 403, 404) },
      }),
      async (c) => {
        const { id, userId } = c.req.valid('param')
        if (!(await withdrawViewer(deps.db, id, userId)))
          throw new HttpProblem(
            404,
            'grant_not_found',
            `User ${userId} has no grant on campaign ${id}`,
          )
        return c.body(null, 204)
      },
    )
}
