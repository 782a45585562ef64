import { createRoute, z } from '@hono/zod-openapi'
import { stream } from 'hono/streaming'
import { csvCell } from '../../pipelines/outreach/reports.js'
import { outreachCampaignOf, uploadOf, withdrawContacts } from '../../pipelines/outreach/uploads.js'
import {
  allUploadErrors,
  listUploadErrors,
  listUploadRequests,
} from '../../storage/postgres/outreach/upload-request.repository.js'
import type {
  UploadErrorRow,
  UploadRequestRow,
} from '../../storage/postgres/outreach/upload-request.table.js'
import { adminOnly, CampaignParams, IdempotencyHeaders } from '../params.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { PageLimit, json, nextPage, openApiApp, problems } from '../openapi-app.js'
import { acceptUploadedFile, acceptedResponse } from './upload-body.js'
import { FileProgressSchema, fileProgress } from '../file-progress.js'

const RequestParams = CampaignParams.extend({ requestId: z.uuid() })
const ErrorSchema = z.object({
  /** The row's number among the file's data rows (the header and blank lines not counted). */
  row: z.number(),
  /** The file's line the row starts on (absent for errors stored before lines were kept). */
  line: z.number().optional(),
  column: z.string(),
  code: z.string(),
  message: z.string(),
})

const UploadSchema = z.object({
  requestId: z.string(),
  kind: z.enum(['contacts', 'negatives']),
  /** Negatives: the contacts upload they apply to. */
  parentId: z.string().optional(),
  status: z.enum(['accepted', 'processing', 'completed', 'failed']),
  ...FileProgressSchema.shape,
  rows: z.object({
    total: z.number(),
    accepted: z.number(),
    invalid: z.number(),
    duplicate: z.number(),
    negative: z.number(),
  }),
  numbers: z.number().optional(),
  cancelledTasks: z.number().optional(),
  error: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  completedAt: z.string().optional(),
  /** Contacts: when the upload was withdrawn. */
  withdrawnAt: z.string().optional(),
})
const StatusSchema = UploadSchema.extend({ errors: z.array(ErrorSchema) })
const FILE_DOC =
  'The CSV as a `text/csv` body or as the `file` part of `multipart/form-data`; streamed, never buffered.'

/** An upload as lists and its status show it. */
function uploadView(row: UploadRequestRow) {
  return {
    requestId: row.id,
    kind: row.kind,
    ...(row.parent_id === null ? {} : { parentId: row.parent_id }),
    status: row.status,
    ...fileProgress(row),
    rows: {
      total: row.total,
      accepted: row.accepted,
      invalid: row.invalid,
      duplicate: row.duplicate,
      negative: row.negative,
    },
    ...(row.kind === 'negatives'
      ? { numbers: row.accepted, cancelledTasks: row.cancelled_tasks }
      : {}),
    ...(row.error === null ? {} : { error: row.error }),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    ...(row.completed_at === null ? {} : { completedAt: row.completed_at.toISOString() }),
    ...(row.withdrawn_at === null ? {} : { withdrawnAt: row.withdrawn_at.toISOString() }),
  }
}

/** The status answer of an upload. */
export function uploadStatus(row: UploadRequestRow, errors: UploadErrorRow[]) {
  return {
    ...uploadView(row),
    errors: errors.map((e) => ({
      row: e.row,
      ...(e.line === null ? {} : { line: e.line }),
      column: e.column,
      code: e.code,
      message: e.message,
    })),
  }
}

/** Contact uploads: accept, list, status, errors as CSV. */
export const uploadsRoutes = (deps: AppDeps) =>
  openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/campaigns/{id}/uploads',
        operationId: 'uploadContacts',
        summary: 'Upload contacts (admin): CSV with a phone column → 202',
        description: FILE_DOC,
        ...adminOnly(requireAdmin(deps.jwtSecret)),
        request: { params: CampaignParams, headers: IdempotencyHeaders },
        responses: {
          202: acceptedResponse,
          ...problems(400, 401, 403, 404, 409, 413, 415, 422),
        },
      }),
      async (c) => {
        const campaignId = c.req.valid('param').id
        return c.json(await acceptUploadedFile(c, deps, { campaignId, kind: 'contacts' }), 202)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/uploads',
        operationId: 'listUploads',
        summary: "A campaign's uploads, newest first, with their status and row counts (admin)",
        description:
          'Pages of `limit` (default 100); when there may be more, `next` is the `before` of the next page.',
        ...adminOnly(requireAdmin(deps.jwtSecret)),
        request: {
          params: CampaignParams,
          query: z.object({
            kind: z.enum(['contacts', 'negatives']).optional(),
            limit: PageLimit,
            before: z.uuid().optional(),
          }),
        },
        responses: {
          200: {
            description: 'Uploads',
            content: json(
              z.object({ uploads: z.array(UploadSchema), next: z.string().optional() }),
            ),
          },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param')
        const { kind, limit, before } = c.req.valid('query')
        await outreachCampaignOf(deps.db, id)
        const rows = await listUploadRequests(deps.db, {
          campaignId: id,
          limit,
          ...(kind === undefined ? {} : { kind }),
          ...(before === undefined ? {} : { before: await uploadOf(deps.db, id, before) }),
        })
        return c.json({ uploads: rows.map(uploadView), ...nextPage(rows, limit) }, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/uploads/{requestId}',
        operationId: 'getUpload',
        summary: 'Where an upload is, its row counts and its first 1000 row errors (admin)',
        ...adminOnly(requireAdmin(deps.jwtSecret)),
        request: { params: RequestParams },
        responses: {
          200: { description: 'Status', content: json(StatusSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { id, requestId } = c.req.valid('param')
        const row = await uploadOf(deps.db, id, requestId)
        return c.json(uploadStatus(row, await listUploadErrors(deps.db, requestId, 1000)), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/campaigns/{id}/uploads/{requestId}',
        operationId: 'withdrawUpload',
        summary: 'Withdraw a contacts upload (admin): its tasks waiting for a call are cancelled',
        description:
          'For the wrong file, say: its tasks waiting for a call become CANCELLED/UPLOAD_WITHDRAWN (a call in flight finishes), and no later day, retrigger or executor calls its records. One still being split goes on storing its records, without tasks; withdrawing again changes nothing. 409 `campaign_revoked`.',
        ...adminOnly(requireAdmin(deps.jwtSecret)),
        request: { params: RequestParams },
        responses: {
          200: {
            description: 'Withdrawn',
            content: json(
              z.object({
                requestId: z.string(),
                withdrawnAt: z.string(),
                cancelledTasks: z.number(),
              }),
            ),
          },
          ...problems(400, 401, 403, 404, 409),
        },
      }),
      async (c) => {
        const { id, requestId } = c.req.valid('param')
        const withdrawn = await withdrawContacts(deps, id, requestId)
        deps.logger.info(
          { campaignId: id, ...withdrawn, by: c.var.caller.userId },
          'contacts upload withdrawn',
        )
        return c.json(withdrawn, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/uploads/{requestId}/errors.csv',
        operationId: 'getUploadErrors',
        summary: 'Every row error of an upload as CSV (row, column, code, message) (admin)',
        ...adminOnly(requireAdmin(deps.jwtSecret)),
        request: { params: RequestParams },
        responses: {
          200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { id, requestId } = c.req.valid('param')
        await uploadOf(deps.db, id, requestId)
        c.header('content-type', 'text/csv; charset=utf-8')
        c.header('content-disposition', `attachment; filename="${requestId}-errors.csv"`)
        return stream(c, async (out) => {
          await out.write('row,line,column,code,message\n')
          for await (const page of allUploadErrors(deps.db, requestId)) {
            await out.write(
              page
                .map((e) =>
                  [e.row, e.line ?? '', e.column, e.code, e.message].map(csvCell).join(','),
                )
                .join('\n') + '\n',
            )
          }
        })
      },
    )
