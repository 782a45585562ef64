import { createRoute, z } from '@hono/zod-openapi'
import { stream } from 'hono/streaming'
import { acceptDoNotCall } from '../../pipelines/outreach/do-not-call.js'
import {
  OutreachCampaignChange,
  campaignDay,
  changeOutreachCampaign,
} from '../../pipelines/outreach/campaigns.js'
import {
  RetriggerRequest,
  pause,
  resume,
  retrigger,
  revoke,
} from '../../pipelines/outreach/commands.js'
import { dashboard } from '../../pipelines/outreach/dashboard.js'
import { cancelPurchaseCampaign } from '../../pipelines/scoring/campaigns.js'
import { findCampaign } from '../../storage/postgres/campaign.repository.js'
import {
  findDoNotCallImport,
  listDoNotCallImports,
} from '../../storage/postgres/outreach/do-not-call-import.repository.js'
import type { DoNotCallImportRow } from '../../storage/postgres/outreach/flow-task.table.js'
import { ATTEMPT_STATUSES, eodReport, rawReport } from '../../pipelines/outreach/reports.js'
import { DayWindow } from '../../operators/outreach/schedule.rules.js'
import { normalizePhone, phoneExpectation, type PhoneRegion } from '../../operators/phone.rules.js'
import { outreachCampaignOf } from '../../pipelines/outreach/uploads.js'
import {
  findDoNotCall,
  removeDoNotCall,
} from '../../storage/postgres/outreach/negative-number.repository.js'
import {
  findContact,
  findRefusedRows,
  type ContactRecord,
  type RefusedRow,
} from '../../storage/postgres/outreach/contact.repository.js'
import { TASK_STATUSES } from '../../storage/postgres/outreach/flow-task.table.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { PageLimit, bearer, json, nextPage, openApiApp, problems } from '../openapi-app.js'
import { HttpProblem, invalidFields } from '../problem.js'
import { FileProgressSchema, fileProgress } from './uploads.routes.js'
import {
  IdempotencyHeaders,
  acceptUploadedFile,
  acceptedResponse,
  uploadedFile,
} from './upload-body.js'

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
    maxAttempts: z.number(),
    retryDelaySeconds: z.number(),
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
const Params = z.object({ id: z.string().regex(/^\d{1,18}$/, 'must be a campaign id') })
/** A phone in the path, read as uploads store it. */
const phoneParams = (region: PhoneRegion | undefined) =>
  z.object({
    phone: z.string().transform((raw, ctx) => {
      const phone = normalizePhone(raw, region)
      if (phone === undefined) ctx.addIssue({ code: 'custom', message: phoneExpectation(region) })
      return phone ?? raw
    }),
  })
const notListed = (phone: string) =>
  new HttpProblem(404, 'not_on_do_not_call_list', `${phone} is not on the do-not-call list`)
const DateQuery = z.object({ date: z.iso.date().optional() })
/** One slot of a day in a query (0: the tasks of a campaign without slots). */
const SlotQuery = z.coerce.number().int().min(0).max(99).optional()
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
const DashboardSchema = DayTotalsSchema.extend({
  slot: z.number().optional().describe('the slot it is about, when one was asked for'),
  scheduledTimestamps: z.array(z.string()),
  status: z.enum(['Scheduled', 'Rescheduled', 'Completed', 'Negative upload', 'Cancelled']),
})

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
        customSlot: t.custom_slot === null ? undefined : (JSON.parse(t.custom_slot) as DayWindow),
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

const DoNotCallImportSchema = z.object({
  importId: z.string(),
  status: z.enum(['accepted', 'processing', 'completed', 'failed']),
  ...FileProgressSchema.shape,
  rows: z.object({ total: z.number(), added: z.number(), invalid: z.number() }),
  invalid: z.array(z.object({ row: z.number(), phone: z.string() })),
  error: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  completedAt: z.string().optional(),
})

/** A do-not-call import as `GET /do-not-call/imports/:id` shows it. */
function doNotCallImportView(row: DoNotCallImportRow): z.infer<typeof DoNotCallImportSchema> {
  return {
    importId: row.id,
    status: row.status,
    ...fileProgress(row),
    rows: { total: row.total, added: row.added, invalid: row.invalid },
    invalid: row.invalid_rows,
    ...(row.error === null ? {} : { error: row.error }),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    ...(row.completed_at === null ? {} : { completedAt: row.completed_at.toISOString() }),
  }
}

/** Outreach operations: negatives, do-not-call, pause, resume, revoke, retrigger, dashboards, reports. */
export const outreachRoutes = (deps: AppDeps) => {
  const admin = requireAdmin(deps.jwtSecret)
  const PhoneParams = phoneParams(deps.phoneRegion)
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
      summary,
      description,
      security: bearer,
      middleware: [admin] as const,
      request: { params: Params },
      responses: {
        200: { description: answer, content: json(OutreachCampaignSchema) },
        ...problems(400, 401, 403, 404, 409),
      },
    })
  const importOr404 = async (importId: string) => {
    const row = await findDoNotCallImport(deps.db, importId)
    if (row === undefined)
      throw new HttpProblem(404, 'import_not_found', `No do-not-call import ${importId}`)
    return row
  }
  return openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/campaigns/{id}/uploads/{requestId}/negatives',
        summary: 'Upload do-not-call numbers for one contacts upload (admin) → 202',
        description:
          'CSV with a phone column, as text/csv or the file part of multipart/form-data.',
        security: bearer,
        middleware: [admin] as const,
        request: { params: Params.extend({ requestId: z.uuid() }), headers: IdempotencyHeaders },
        responses: {
          202: acceptedResponse,
          ...problems(400, 401, 403, 404, 409, 413, 415, 422),
        },
      }),
      async (c) => {
        const { id, requestId } = c.req.valid('param')
        const accepted = await acceptUploadedFile(c, deps, {
          campaignId: id,
          kind: 'negatives',
          parentId: requestId,
        })
        return c.json(accepted, 202)
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/do-not-call',
        summary: 'Add a CSV of numbers to the global do-not-call list (admin) → 202',
        description:
          'CSV with a phone column, as text/csv or the file part of multipart/form-data; checked as a whole, then its numbers are added in the background. `Location` is the import.',
        security: bearer,
        middleware: [admin] as const,
        responses: {
          202: {
            description: 'Accepted',
            content: json(z.object({ importId: z.string(), status: z.literal('accepted') })),
          },
          ...problems(400, 401, 403, 413, 415),
        },
      }),
      async (c) => {
        const row = await acceptDoNotCall(deps, await uploadedFile(c), c.var.caller.userId)
        c.header('location', `/do-not-call/imports/${row.id}`)
        return c.json({ importId: row.id, status: 'accepted' as const }, 202)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/do-not-call/imports',
        summary: 'Do-not-call imports, newest first, without their rows not taken (admin)',
        description:
          'Pages of `limit` (default 100); when there may be more, `next` is the `before` of the next page.',
        security: bearer,
        middleware: [admin] as const,
        request: {
          query: z.object({
            limit: PageLimit,
            before: z.uuid().optional(),
          }),
        },
        responses: {
          200: {
            description: 'Imports',
            content: json(
              z.object({
                imports: z.array(DoNotCallImportSchema.omit({ invalid: true })),
                next: z.string().optional(),
              }),
            ),
          },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { limit, before } = c.req.valid('query')
        const after = before === undefined ? undefined : await importOr404(before)
        const rows = await listDoNotCallImports(deps.db, { before: after, limit })
        return c.json(
          {
            imports: rows.map((row) => {
              const { invalid: _rows, ...view } = doNotCallImportView(row)
              return view
            }),
            ...nextPage(rows, limit),
          },
          200,
        )
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/do-not-call/imports/{importId}',
        summary:
          'Where a do-not-call import is, its counts and its first 1000 rows not taken (admin)',
        security: bearer,
        middleware: [admin] as const,
        request: { params: z.object({ importId: z.uuid() }) },
        responses: {
          200: { description: 'The import', content: json(DoNotCallImportSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        return c.json(doNotCallImportView(await importOr404(c.req.valid('param').importId)), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/do-not-call/{phone}',
        summary:
          'Whether a number is on the global do-not-call list, since when and by whom (admin)',
        security: bearer,
        middleware: [admin] as const,
        request: { params: PhoneParams },
        responses: {
          200: {
            description: 'On the list',
            content: json(
              z.object({ phone: z.string(), addedBy: z.string(), addedAt: z.string() }),
            ),
          },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { phone } = c.req.valid('param')
        const found = await findDoNotCall(deps.db, phone)
        if (found === undefined) throw notListed(phone)
        return c.json(
          { phone, addedBy: found.added_by, addedAt: found.added_at.toISOString() },
          200,
        )
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/do-not-call/{phone}',
        summary:
          'Take a number off the global do-not-call list (admin); tasks already NEGATIVE stay so',
        security: bearer,
        middleware: [admin] as const,
        request: { params: PhoneParams },
        responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404) },
      }),
      async (c) => {
        const { phone } = c.req.valid('param')
        if (!(await removeDoNotCall(deps.db, phone))) throw notListed(phone)
        // The number itself stays out of the log (personal data): its last digits say enough.
        deps.logger.info(
          { phoneEnding: phone.slice(-4), by: c.var.caller.userId },
          'number taken off do-not-call list',
        )
        return c.body(null, 204)
      },
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/campaigns/{id}',
        summary:
          "Change an outreach campaign's name, flow settings or rate (admin); calls from then on use them",
        description:
          'Any of `name`, `flow` (`url`, `timeoutMs`, `maxAttempts`, `retryDelaySeconds`, `headers`, each optional; `headers` replaces every header, `{}` removes them) and `ratePerSecond`. The schedule (zone, hours, slots, days) cannot change: tasks and timers follow it.',
        security: bearer,
        middleware: [admin] as const,
        request: {
          params: Params,
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
        method: 'delete',
        path: '/campaigns/{id}',
        summary:
          'Revoke a campaign (admin): an outreach one’s unexecuted tasks become CANCELLED; a purchase one counts no more purchases and gets no winner',
        description:
          'An outreach campaign answers `cancelledTasks`. A purchase campaign whose winner is decided answers 409 `winner_decided`; one that had started publishes its `End` now. Revoking again changes nothing.',
        security: bearer,
        middleware: [admin] as const,
        request: { params: Params },
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
          deps.logger.info(
            { campaignId: id, by: c.var.caller.userId },
            'purchase campaign cancelled',
          )
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
    .openapi(
      createRoute({
        method: 'post',
        path: '/campaigns/{id}/retrigger',
        summary: "Queue a day's unfinished tasks again (admin), once their slot is over",
        security: bearer,
        middleware: [admin] as const,
        request: { params: Params, body: { required: true, content: json(RetriggerRequest) } },
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
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/contacts/{phone}',
        summary:
          'What became of a number in a campaign (admin): its records, negatives, tasks and calls',
        description:
          "Every record of the number in the campaign's contacts uploads (oldest first), with its tasks by day and slot and each call; the rows that held it but were left out (`refused`: a duplicate, a do-not-call number, a bad `scheduled_time`); whether the number is on the do-not-call list. 404 `contact_not_found` when no upload of the campaign holds it.",
        security: bearer,
        middleware: [admin] as const,
        request: { params: Params.extend(PhoneParams.shape) },
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
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/dashboard',
        summary:
          "A day's (or one slot's) task counts and status (admin; default today in the campaign's zone)",
        security: bearer,
        middleware: [admin] as const,
        request: { params: Params, query: DashboardQuery },
        responses: {
          200: { description: 'Dashboard', content: json(DashboardSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const campaign = await outreachCampaignOf(deps.db, c.req.valid('param').id)
        const { date: asked, slot } = c.req.valid('query')
        const date = campaignDay(campaign, asked, deps.clock.now())
        return c.json(await dashboard(deps.db, campaign, date, slot), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/reports/{kind}',
        summary:
          'Streamed CSV reports (admin): eod (per slot, by status and reason) or raw (one row per attempt)',
        security: bearer,
        middleware: [admin] as const,
        request: { params: Params.extend({ kind: z.enum(['eod', 'raw']) }), query: ReportQuery },
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
