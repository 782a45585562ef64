import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { uploadedFile } from '../file-body.js'
import { acceptUpload } from '../../pipelines/outreach/uploads.js'
import type { UploadKind } from '../../storage/postgres/outreach/upload-request.table.js'
import type { AppDeps } from '../app-deps.js'
import type { AuthEnv } from '../auth.js'
import { json } from '../openapi-app.js'

/** The OpenAPI description of an upload's 202 answer. */
export const acceptedResponse = {
  description:
    'Accepted: queued for upload-split; `Location` is its status. `Idempotent-Replayed: true` when an earlier request with the same `Idempotency-Key` made it.',
  content: json(z.object({ requestId: z.string(), status: z.literal('accepted') })),
}

/**
 * Accepts the request's CSV as an upload of `campaignId` by the caller: stored, checked and
 * queued for upload-split. Sets `Location`; returns the 202 body.
 */
export async function acceptUploadedFile(
  c: Context<AuthEnv, string, object>,
  deps: AppDeps,
  input: { campaignId: string; kind: UploadKind; parentId?: string },
): Promise<{ requestId: string; status: 'accepted' }> {
  const { row, replayed } = await acceptUpload(deps, {
    ...input,
    file: await uploadedFile(c),
    createdBy: c.var.caller.userId,
    idempotencyKey: c.req.header('idempotency-key'),
  })
  c.header('location', `/campaigns/${input.campaignId}/uploads/${row.id}`)
  if (replayed) c.header('idempotent-replayed', 'true')
  return { requestId: row.id, status: 'accepted' }
}
