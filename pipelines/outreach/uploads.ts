import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Kysely } from 'kysely'
import type { CampaignRow } from '../../storage/postgres/campaign.table.js'
import type { Database } from '../../storage/postgres/database.js'
import {
  findUploadByKey,
  findUploadRequest,
  deleteUploadRequest,
  insertUploadRequest,
  isIdempotencyKeyTaken,
  withdrawUpload,
} from '../../storage/postgres/outreach/upload-request.repository.js'
import type {
  UploadKind,
  UploadRequestRow,
} from '../../storage/postgres/outreach/upload-request.table.js'
import { campaignOf } from '../campaign-of.js'
import { queueOrUndo, storeCheckedCsv } from '../files/stored-file.js'
import { DomainError } from '../domain-error.js'
import type { OutreachDeps } from './deps.js'

/** The outreach campaign `id`; refuses unknown and other-type campaigns. */
export const outreachCampaignOf = (db: Kysely<Database>, id: string): Promise<CampaignRow> =>
  campaignOf(db, id, 'outreach')

/** The outreach campaign `id`; refuses unknown, other-type and revoked campaigns. */
export async function openOutreachCampaign(db: Kysely<Database>, id: string): Promise<CampaignRow> {
  const row = await outreachCampaignOf(db, id)
  return stillOpen(row.status === 'Cancelled' ? undefined : row, id)
}

/**
 * The row a change of campaign `id` returned, which leaves revoked campaigns alone; undefined
 * (revoked meanwhile) is 409 `campaign_revoked`.
 */
export function stillOpen(row: CampaignRow | undefined, id: string): CampaignRow {
  if (row === undefined)
    throw new DomainError('conflict', 'campaign_revoked', `Campaign ${id} was revoked`)
  return row
}

/** 409 `campaign_ended` once the campaign's last day is over at `nowMs`. */
export function assertNotEnded(campaign: CampaignRow, nowMs: number): void {
  if (nowMs >= campaign.end_at.getTime())
    throw new DomainError(
      'conflict',
      'campaign_ended',
      `Campaign ${campaign.id} ended at ${campaign.end_at.toISOString()}`,
    )
}

/** An upload request of a campaign; refuses requests of other campaigns. */
export async function uploadOf(
  db: Kysely<Database>,
  campaignId: string,
  requestId: string,
): Promise<UploadRequestRow> {
  const row = /^[0-9a-f-]{36}$/.test(requestId) ? await findUploadRequest(db, requestId) : undefined
  if (row?.campaign_id !== campaignId)
    throw new DomainError(
      'not_found',
      'upload_not_found',
      `No upload ${requestId} in campaign ${campaignId}`,
    )
  return row
}

/**
 * Takes an uploaded CSV: streams it into the file store (refusing more than `maxUploadBytes`, and
 * contacts once the campaign has ended), checks it as a whole (UTF-8, well-formed, a `phone`
 * column, at least one row), records the request and queues it for splitting. Rows are checked
 * one by one later, by upload-split.
 *
 * With an `idempotencyKey`, an upload the campaign already has under that key is returned
 * (`replayed`) instead of making a second one, also when both requests run at once; the key
 * given again with another kind of upload or another parent is refused (422).
 */
export async function acceptUpload(
  deps: Pick<OutreachDeps, 'db' | 'redis' | 'keys' | 'files' | 'maxUploadBytes' | 'clock'>,
  input: {
    campaignId: string
    kind: UploadKind
    parentId?: string
    file: Readable
    createdBy: string
    idempotencyKey?: string | undefined
  },
): Promise<{ row: UploadRequestRow; replayed: boolean }> {
  const { idempotencyKey } = input
  const earlier = async () => {
    if (idempotencyKey === undefined) return undefined
    const row = await findUploadByKey(deps.db, input.campaignId, idempotencyKey)
    if (row === undefined) return undefined
    if (row.kind !== input.kind || row.parent_id !== (input.parentId ?? null))
      throw new DomainError(
        'unprocessable',
        'idempotency_key_reused',
        `Idempotency-Key ${JSON.stringify(idempotencyKey)} was used for upload ${row.id}, a ${row.kind} upload${row.parent_id === null ? '' : ` for ${row.parent_id}`}; send another key`,
        { requestId: row.id },
      )
    return { row, replayed: true }
  }
  const found = await earlier()
  if (found !== undefined) {
    input.file.resume() // the body is not needed
    return found
  }
  const campaign = await openOutreachCampaign(deps.db, input.campaignId)
  // Contacts uploaded after the last day would be stored but never called.
  if (input.kind === 'contacts') assertNotEnded(campaign, deps.clock.now())
  if (input.parentId !== undefined) {
    const parent = await uploadOf(deps.db, input.campaignId, input.parentId)
    if (parent.kind !== 'contacts')
      throw new DomainError(
        'invalid',
        'not_contacts',
        `Upload ${parent.id} is not a contacts upload`,
      )
  }
  const id = randomUUID()
  const fileKey = `uploads/${input.campaignId}/${id}.csv`
  const bytes = await storeCheckedCsv(deps.files, fileKey, input.file, deps.maxUploadBytes, 'phone')
  let row: UploadRequestRow
  try {
    row = await insertUploadRequest(deps.db, {
      id,
      campaignId: input.campaignId,
      kind: input.kind,
      parentId: input.parentId ?? null,
      fileKey,
      bytes,
      createdBy: input.createdBy,
      idempotencyKey,
    })
  } catch (error) {
    await deps.files.remove(fileKey)
    // The same key's other request (running at once) stored its upload first.
    const first = isIdempotencyKeyTaken(error) ? await earlier() : undefined
    if (first === undefined) throw error
    return first
  }
  // Were the entry written after all, upload-split skips an unknown request.
  await queueOrUndo(
    deps.files,
    fileKey,
    () => deps.redis.xadd(deps.keys.outreachUploads, '*', 'requestId', id),
    () => deleteUploadRequest(deps.db, id),
  )
  return { row, replayed: false }
}

/**
 * Withdraws a campaign's contacts upload (the wrong file, say): its tasks waiting for a call are
 * cancelled, and no later day, retrigger or executor calls its records. One still being split
 * (or waiting to be) goes on storing its records, without tasks. Withdrawing again changes
 * nothing.
 */
export async function withdrawContacts(
  deps: Pick<OutreachDeps, 'db' | 'clock'>,
  campaignId: string,
  requestId: string,
): Promise<{ requestId: string; withdrawnAt: string; cancelledTasks: number }> {
  await openOutreachCampaign(deps.db, campaignId)
  const upload = await uploadOf(deps.db, campaignId, requestId)
  if (upload.kind !== 'contacts')
    throw new DomainError('invalid', 'not_contacts', `Upload ${requestId} is not a contacts upload`)
  const done = await withdrawUpload(deps.db, requestId, new Date(deps.clock.now()))
  return {
    requestId,
    withdrawnAt: done.withdrawnAt.toISOString(),
    cancelledTasks: done.cancelledTasks,
  }
}
