import { z } from '@hono/zod-openapi'
import { DayWindow } from '../../operators/outreach/schedule.rules.js'
import { DASHBOARD_STATUSES } from '../../pipelines/outreach/dashboard.js'

/** An outreach campaign as the contract shows it. */
export const OutreachCampaignSchema = z.object({
  campaignId: z.string(),
  type: z.literal('outreach'),
  name: z.string(),
  timezone: z.string(),
  workingHours: DayWindow,
  slots: z.array(DayWindow),
  startDate: z.string(),
  days: z.number(),
  flow: z.object({
    url: z.string(),
    timeoutMs: z.number(),
    maxAttempts: z.number().optional().describe('campaigns without slots only'),
    retryDelaySeconds: z.number().optional().describe('campaigns without slots only'),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'the names of the extra headers of each call (every value shown as ***), when it has any',
      ),
  }),
  ratePerSecond: z.number(),
  status: z.enum(['Scheduled', 'Running', 'Ended', 'Cancelled']),
  pausedAt: z.string().optional().describe('while it is paused: since when'),
  pausedBy: z.string().optional().describe('while it is paused: who paused it'),
})

/** A day's task totals of an outreach campaign (the dashboard's counts). */
export const DayTotalsSchema = z.object({
  date: z.string(),
  uploaded: z.number(),
  attempted: z.number(),
  negative: z.number(),
  pending: z.number(),
  cancelled: z.number(),
  completed: z.number(),
  partial: z.number(),
  failed: z.number(),
})
/** An outreach campaign's dashboard: a day's (or one slot's) totals and status. */
export const DashboardSchema = DayTotalsSchema.extend({
  slot: z.number().optional().describe('the slot it is about, when one was asked for'),
  called: z
    .number()
    .describe(
      'tasks that reached the flow endpoint at least once (attempted also counts failures without a call)',
    ),
  failedByReason: z
    .record(z.string(), z.number())
    .describe('failed tasks by reason, such as FLOW_ERROR or OUT_OF_SLOT_TIME'),
  scheduledTimestamps: z.array(z.string()),
  status: z
    .enum(DASHBOARD_STATUSES)
    .describe(
      'the first that holds: Cancelled, Paused, Running (a slot of the day open now with calls to make), Negative upload, Rescheduled, Completed, Scheduled',
    ),
})
