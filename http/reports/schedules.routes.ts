import { createRoute, z } from '@hono/zod-openapi'
import {
  createSchedule,
  pauseSchedule,
  removeSchedule,
  ScheduleInput,
  scheduleOf,
  scheduleView,
} from '../../pipelines/reports/schedules.js'
import { listSchedules } from '../../storage/postgres/reports/report-schedule.repository.js'
import type { AppDeps } from '../app-deps.js'
import { requireAuth } from '../auth.js'
import { json, openApiApp, PageLimit, problems } from '../openapi-app.js'
import { signedIn } from '../params.js'

/** Runs more often than this are refused, unless REPORT_MIN_INTERVAL_MINUTES says otherwise. */
const MIN_INTERVAL_MINUTES = 60

const ScheduleSchema = z.object({
  id: z.string(),
  templateId: z.string(),
  owner: z.string(),
  frequency: z.enum(['daily', 'weekly', 'monthly', 'cron']),
  time: z.string().optional(),
  dayOfWeek: z.number().optional(),
  dayOfMonth: z.union([z.number(), z.literal('last')]).optional(),
  cron: z.string().optional(),
  timezone: z.string(),
  paused: z.boolean(),
  pausedAt: z.string().optional(),
  nextRunAt: z.string().nullable(),
  nextRuns: z.array(z.object({ local: z.string(), utc: z.string() })),
  lastRunAt: z.string().optional(),
  createdAt: z.string(),
})
const ScheduleParams = z.object({ id: z.uuid() })

/** Report schedules: create, list, read (with the next five runs), pause, resume, delete. */
export const reportSchedulesRoutes = (deps: AppDeps) => {
  const auth = signedIn(requireAuth(deps.jwtSecret))
  const minInterval = deps.reportMinIntervalMinutes ?? MIN_INTERVAL_MINUTES
  const pausing = (paused: boolean) =>
    createRoute({
      method: 'post',
      path: `/reports/schedules/{id}/${paused ? 'pause' : 'resume'}`,
      operationId: paused ? 'pauseReportSchedule' : 'resumeReportSchedule',
      summary: paused
        ? 'Pause a schedule: no run until it is resumed'
        : 'Resume a schedule from now: the runs it missed while paused are not made',
      ...auth,
      request: { params: ScheduleParams },
      responses: {
        200: { description: 'The schedule', content: json(ScheduleSchema) },
        ...problems(400, 401, 404),
      },
    })
  return openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/reports/schedules',
        operationId: 'createReportSchedule',
        summary: 'Schedule a template in a time zone → 201 with nextRunAt',
        description:
          '`daily`, `weekly` (`dayOfWeek` 1–7, Monday 1), `monthly` (`dayOfMonth` 1–31 or `"last"`) at `time` (HH:mm), or `cron` (five fields, local time), in `timezone`. A local time that does not exist that day runs at the first valid instant after it; one that occurs twice runs once, at the first.',
        ...auth,
        request: { body: { content: json(ScheduleInput), required: true } },
        responses: {
          201: { description: 'Scheduled', content: json(ScheduleSchema) },
          ...problems(400, 401, 404, 415),
        },
      }),
      async (c) => {
        const row = await createSchedule(deps, c.req.valid('json'), c.var.caller, minInterval)
        c.header('location', `/reports/schedules/${row.id}`)
        return c.json(scheduleView(row, deps.clock.now()), 201)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/schedules',
        operationId: 'listReportSchedules',
        summary: "The caller's schedules (an admin's: everyone's), of one template when asked",
        ...auth,
        request: { query: z.object({ templateId: z.uuid().optional(), limit: PageLimit }) },
        responses: {
          200: {
            description: 'Schedules',
            content: json(z.object({ schedules: z.array(ScheduleSchema) })),
          },
          ...problems(400, 401),
        },
      }),
      async (c) => {
        const { templateId, limit } = c.req.valid('query')
        const caller = c.var.caller
        const rows = await listSchedules(
          deps.db,
          { owner: caller.admin ? undefined : caller.userId, templateId },
          limit,
        )
        const now = deps.clock.now()
        return c.json({ schedules: rows.map((r) => scheduleView(r, now, 1)) }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/reports/schedules/{id}',
        operationId: 'getReportSchedule',
        summary: 'A schedule with its next five runs in local time and UTC',
        ...auth,
        request: { params: ScheduleParams },
        responses: {
          200: { description: 'The schedule', content: json(ScheduleSchema) },
          ...problems(400, 401, 404),
        },
      }),
      async (c) => {
        const row = await scheduleOf(deps.db, c.req.valid('param').id, c.var.caller)
        return c.json(scheduleView(row, deps.clock.now()), 200)
      },
    )
    .openapi(pausing(true), async (c) => {
      const row = await scheduleOf(deps.db, c.req.valid('param').id, c.var.caller)
      return c.json(scheduleView(await pauseSchedule(deps, row, true), deps.clock.now()), 200)
    })
    .openapi(pausing(false), async (c) => {
      const row = await scheduleOf(deps.db, c.req.valid('param').id, c.var.caller)
      return c.json(scheduleView(await pauseSchedule(deps, row, false), deps.clock.now()), 200)
    })
    .openapi(
      createRoute({
        method: 'delete',
        path: '/reports/schedules/{id}',
        operationId: 'deleteReportSchedule',
        summary: 'Delete a schedule',
        ...auth,
        request: { params: ScheduleParams },
        responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 404) },
      }),
      async (c) => {
        await removeSchedule(
          deps.db,
          await scheduleOf(deps.db, c.req.valid('param').id, c.var.caller),
        )
        return c.body(null, 204)
      },
    )
}
