import { createRoute, z } from '@hono/zod-openapi'
import { OutreachCampaignChange } from '../../pipelines/outreach/campaign-schemas.js'
import { changeOutreachCampaign } from '../../pipelines/outreach/campaigns.js'
import { RetriggerRequest, pause, resume, retrigger } from '../../pipelines/outreach/commands.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { json, openApiApp, problems } from '../openapi-app.js'
import { CampaignParams, adminOnly } from '../params.js'
import { OutreachCampaignSchema } from './campaign-schemas.js'

/** Changes to a running outreach campaign: its settings, pause, resume and retrigger. */
export const campaignOperationsRoutes = (deps: AppDeps) => {
  const admin = requireAdmin(deps.jwtSecret)
  /** `POST /campaigns/{id}/pause` or `…/resume` (admin): answers the campaign after it. */
  /** `POST /campaigns/{id}/pause` or `…/resume` (admin): answers the campaign after it. */
  const switchRoute = <A extends 'pause' | 'resume'>(
    action: A,
    summary: string,
    description: string,
    answer: string,
  ) =>
    createRoute({
      method: 'post',
      path: `/campaigns/{id}/${action}`,
      operationId: `${action}Campaign`,
      summary,
      description,
      ...adminOnly(admin),
      request: { params: CampaignParams },
      responses: {
        200: { description: answer, content: json(OutreachCampaignSchema) },
        ...problems(400, 401, 403, 404, 409),
      },
    })
  return openApiApp()
    .openapi(
      createRoute({
        method: 'patch',
        path: '/campaigns/{id}',
        operationId: 'changeCampaign',
        summary:
          "Change an outreach campaign's name, flow settings or rate (admin); calls from then on use them",
        description:
          'Any of `name`, `flow` (`url`, `timeoutMs`, `maxAttempts`, `retryDelaySeconds`, `headers`, each optional; `headers` replaces every header, `{}` removes them) and `ratePerSecond`. The schedule (zone, hours, slots, days) cannot change: tasks and timers follow it.',
        ...adminOnly(admin),
        request: {
          params: CampaignParams,
          body: { required: true, content: json(OutreachCampaignChange) },
        },
        responses: {
          200: { description: 'The changed campaign', content: json(OutreachCampaignSchema) },
          ...problems(400, 401, 403, 404, 409, 415),
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param')
        const change = c.req.valid('json')
        const changed = await changeOutreachCampaign(deps, id, change)
        deps.logger.info(
          { campaignId: id, fields: Object.keys(change), by: c.var.caller.userId },
          'outreach campaign changed',
        )
        return c.json(changed, 200)
      },
    )
    .openapi(
      switchRoute(
        'pause',
        'Pause an outreach campaign (admin): none of its tasks is released or called until it resumes',
        'Calls in flight finish. Uploads, negatives, retriggers and the days’ task creation go on; a slot that ends while paused fails the tasks it did not reach (`OUT_OF_SLOT_TIME`). Pausing again changes nothing; 409 `campaign_ended` once its last day is over, 409 `campaign_revoked`.',
        'The paused campaign',
      ),
      async (c) => {
        const { id } = c.req.valid('param')
        const paused = await pause(deps, id, c.var.caller.userId)
        deps.logger.info({ campaignId: id, by: c.var.caller.userId }, 'outreach campaign paused')
        return c.json(paused, 200)
      },
    )
    .openapi(
      switchRoute(
        'resume',
        'Resume a paused outreach campaign (admin): its open slots and waiting retriggered tasks are released again',
        'Resuming a campaign that is not paused releases its open slots again, which is harmless (each call is claimed once): a resume that failed half-way is finished by asking again. 409 `campaign_revoked`.',
        'The resumed campaign',
      ),
      async (c) => {
        const { id } = c.req.valid('param')
        const resumed = await resume(deps, id)
        deps.logger.info({ campaignId: id, by: c.var.caller.userId }, 'outreach campaign resumed')
        return c.json(resumed, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/campaigns/{id}/retrigger',
        operationId: 'retriggerTasks',
        summary: "Queue a day's unfinished tasks again (admin), once their slot is over",
        ...adminOnly(admin),
        request: {
          params: CampaignParams,
          body: { required: true, content: json(RetriggerRequest) },
        },
        responses: {
          202: { description: 'Queued', content: json(z.object({ retriggered: z.number() })) },
          ...problems(400, 401, 403, 404, 409, 415),
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param')
        const request = c.req.valid('json')
        const { retriggered } = await retrigger(deps, id, request)
        deps.logger.info(
          { campaignId: id, ...request, retriggered, by: c.var.caller.userId },
          'tasks retriggered',
        )
        return c.json({ retriggered }, 202)
      },
    )
}
