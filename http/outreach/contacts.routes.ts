import { createRoute, z } from '@hono/zod-openapi'
import { DayWindow } from '../../operators/outreach/schedule.rules.js'
import { outreachCampaignOf } from '../../pipelines/outreach/uploads.js'
import {
  findContact,
  findRefusedRows,
  type ContactRecord,
  type RefusedRow,
} from '../../storage/postgres/outreach/contact.repository.js'
import { findDoNotCall } from '../../storage/postgres/outreach/negative-number.repository.js'
import { TASK_STATUSES } from '../../storage/postgres/outreach/flow-task.table.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { json, openApiApp, problems } from '../openapi-app.js'
import { CampaignParams, adminOnly } from '../params.js'
import { HttpProblem } from '../problem.js'
import { phoneParams } from './phone-params.js'

const CallSchema = z.object({
  attemptId: z.string(),
  attempt: z.number(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  status: z.string().optional(),
  reason: z.string().optional(),
  httpStatus: z.number().optional(),
})
const ContactSchema = z.object({
  campaignId: z.string(),
  phone: z.string(),
  doNotCall: z.object({ addedBy: z.string(), addedAt: z.string() }).nullable(),
  records: z.array(
    z.object({
      requestId: z.string(),
      row: z.number(),
      data: z.record(z.string(), z.unknown()),
      scheduledTime: z.string().optional(),
      uploadedAt: z.string(),
      withdrawnAt: z.string().optional(),
      negative: z.boolean(),
      negativeUploads: z.array(z.string()),
      tasks: z.array(
        z.object({
          taskId: z.string(),
          date: z.string(),
          slot: z.number(),
          status: z.enum(TASK_STATUSES),
          reason: z.string().optional(),
          retriggered: z.boolean(),
          customSlot: DayWindow.optional(),
          attempts: z.array(CallSchema),
        }),
      ),
    }),
  ),
  refused: z
    .array(
      z.object({
        requestId: z.string(),
        row: z.number(),
        code: z.string(),
        message: z.string(),
        uploadedAt: z.string(),
      }),
    )
    .describe('rows of contacts uploads that held the number but were left out, and why'),
})

/** What became of a number in a campaign, as `GET /campaigns/:id/contacts/:phone` shows it. */
function contactView(
  campaignId: string,
  phone: string,
  listed: { added_by: string; added_at: Date } | undefined,
  records: ContactRecord[],
  refused: RefusedRow[],
): z.infer<typeof ContactSchema> {
  const iso = (d: Date | null) => (d === null ? undefined : d.toISOString())
  return {
    campaignId,
    phone,
    doNotCall:
      listed === undefined
        ? null
        : { addedBy: listed.added_by, addedAt: listed.added_at.toISOString() },
    records: records.map((r) => ({
      requestId: r.requestId,
      row: r.row,
      data: (r.data ?? {}) as Record<string, unknown>,
      scheduledTime: iso(r.scheduledTime),
      uploadedAt: r.uploadedAt.toISOString(),
      withdrawnAt: iso(r.withdrawnAt),
      negative: r.negative,
      negativeUploads: r.negativeUploads,
      tasks: r.tasks.map((t) => ({
        taskId: t.id,
        date: t.task_date,
        slot: t.slot,
        status: t.status,
        reason: t.reason ?? undefined,
        retriggered: t.retriggered,
        customSlot: t.custom_slot ?? undefined,
        attempts: t.attemptRows.map((a) => ({
          attemptId: a.id,
          attempt: a.attempt,
          startedAt: a.started_at.toISOString(),
          endedAt: iso(a.ended_at),
          status: a.status ?? undefined,
          reason: a.reason ?? undefined,
          httpStatus: a.http_status ?? undefined,
        })),
      })),
    })),
    refused: refused.map((r) => ({
      requestId: r.requestId,
      row: r.row,
      code: r.code,
      message: r.message,
      uploadedAt: r.uploadedAt.toISOString(),
    })),
  }
}

/** What became of one number in an outreach campaign. */
export const contactsRoutes = (deps: AppDeps) => {
  const admin = requireAdmin(deps.jwtSecret)
  const PhoneParams = phoneParams(deps.phoneRegion)
  return openApiApp().openapi(
    createRoute({
      method: 'get',
      path: '/campaigns/{id}/contacts/{phone}',
      operationId: 'getContact',
      summary:
        'What became of a number in a campaign (admin): its records, negatives, tasks and calls',
      description:
        "Every record of the number in the campaign's contacts uploads (oldest first), with its tasks by day and slot and each call; the rows that held it but were left out (`refused`: a duplicate, a do-not-call number, a bad `scheduled_time`); whether the number is on the do-not-call list. 404 `contact_not_found` when no upload of the campaign holds it.",
      ...adminOnly(admin),
      request: { params: CampaignParams.extend(PhoneParams.shape) },
      responses: {
        200: { description: 'The contact', content: json(ContactSchema) },
        ...problems(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id, phone } = c.req.valid('param')
      await outreachCampaignOf(deps.db, id)
      const [records, refused, listed] = await Promise.all([
        findContact(deps.db, id, phone),
        findRefusedRows(deps.db, id, phone),
        findDoNotCall(deps.db, phone),
      ])
      if (records.length === 0 && refused.length === 0) {
        const why =
          listed === undefined
            ? ''
            : ` (it is on the do-not-call list since ${listed.added_at.toISOString()}, so uploads leave it out)`
        throw new HttpProblem(
          404,
          'contact_not_found',
          `No upload of campaign ${id} holds ${phone}${why}`,
        )
      }
      return c.json(contactView(id, phone, listed, records, refused), 200)
    },
  )
}
