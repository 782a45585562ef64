import { groupBy } from '../../operators/group-by.rules.js'
import { dayOf, isCampaignDay, openSlots } from '../../operators/outreach/schedule.rules.js'
import type { CsvRow } from '../../operators/csv-row.rules.js'
import { uploadSplit, type Split } from '../../operators/outreach/upload-split.rules.js'
import { findCampaign } from '../../storage/postgres/campaign.repository.js'
import {
  failFileJob,
  failFileJobsDeadLettered,
  startFileJob,
} from '../../storage/postgres/file-job.repository.js'
import {
  applyNegatives,
  negativeUploadCounts,
} from '../../storage/postgres/outreach/negative-number.repository.js'
import {
  countRecords,
  insertRecordsAndTasks,
} from '../../storage/postgres/outreach/outreach-record.repository.js'
import { analyzeAfterBulkLoad } from '../../storage/postgres/database.js'
import type { UploadRequestRow } from '../../storage/postgres/outreach/upload-request.table.js'
import {
  completeUpload,
  insertUploadErrors,
  isWithdrawn,
  markSplitDay,
  withdrawUpload,
} from '../../storage/postgres/outreach/upload-request.repository.js'
import type { Transaction } from '../../storage/redis/connection.js'
import { importDoNotCall } from './do-not-call.js'
import { eachChunk } from '../files/file-chunks.js'
import { outreachSettings } from './campaign-views.js'
import { releasingSlots } from './campaign-timers.js'
import type { OutreachDeps } from './deps.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import { UploadMessage, releaseFields } from './messages.js'
import { oneJobActor } from '../runtime/one-job-actor.js'

/** An upload as the file job {@link eachChunk} reads. */
const uploadJob = (request: UploadRequestRow) =>
  ({
    table: 'upload_request',
    id: request.id,
    fileKey: request.file_key,
    columns: ['phone', 'scheduled_time'],
  }) as const

/**
 * Splits one contacts upload: streams the file through csv-parse in chunks, stores records and
 * the tasks of the upload day's open slots, records row errors, then the final counts. Safe to
 * run again after a crash: records, tasks and errors are unique, counts come from the whole file.
 */
export async function splitUpload(deps: OutreachDeps, requestId: string): Promise<Effect> {
  const request = await startFileJob(deps.db, 'upload_request', requestId)
  if (request === undefined || request.status === 'completed' || request.status === 'failed') {
    return {}
  }
  if (request.kind === 'negatives') return splitNegatives(deps, request)
  const campaign = await findCampaign(deps.db, request.campaign_id)
  const now = deps.clock.now()
  if (campaign === undefined || campaign.status === 'Cancelled') {
    await failFileJob(deps.db, 'upload_request', requestId, 'campaign_revoked', new Date(now))
    deps.logger.info(
      { requestId, campaignId: request.campaign_id },
      'upload failed: its campaign is revoked',
    )
    return {}
  }
  const s = outreachSettings(campaign)
  const today = dayOf(s, now)
  // Today's creation (when it runs after this split) leaves this upload's records to it.
  await markSplitDay(deps.db, requestId, today)
  const noSlots = s.slots.length === 0
  // With slots: today's open slots. Without: one task per record, due at its scheduled time
  // (or now, or the campaign's start), for as long as the campaign runs.
  const slots = noSlots
    ? now < campaign.end_at.getTime()
      ? [0]
      : []
    : isCampaignDay(s, today)
      ? openSlots(s, today, now)
      : []
  const noSlot = noSlots
    ? { zone: s.timezone, now: new Date(Math.max(now, campaign.start_at.getTime())) }
    : undefined
  const split = uploadSplit({
    phoneRegion: deps.phoneRegion,
    ...(noSlots ? { scheduledTime: { zone: s.timezone, endMs: campaign.end_at.getTime() } } : {}),
  })
  const totals = { rows: 0, invalid: 0, negative: 0, tasks: 0 }

  const store = async (rows: CsvRow[]) => {
    const chunk: Split = split(rows)
    await insertUploadErrors(
      deps.db,
      chunk.errors.map((e) => ({ request_id: requestId, ...e })),
    )
    // An upload withdrawn meanwhile keeps its records (every row is accounted for) but gets
    // no more tasks.
    const taskSlots = (await isWithdrawn(deps.db, requestId)) ? [] : slots
    const stored = await insertRecordsAndTasks(deps.db, {
      campaignId: campaign.id,
      requestId,
      records: chunk.records,
      date: taskSlots.length > 0 ? today : null,
      slots: taskSlots,
      ...(noSlot === undefined ? {} : { noSlot }),
    })
    // Counted once stored: a chunk storage refused is stored again in parts.
    totals.rows += chunk.rows
    totals.invalid += chunk.invalid
    totals.negative += stored.negative
    totals.tasks += stored.tasks
  }

  if (!(await eachChunk(deps, uploadJob(request), store))) return {}
  // Withdrawn while a chunk was being written: that chunk's tasks are cancelled too.
  const withdrawn = await isWithdrawn(deps.db, requestId)
  if (withdrawn) await withdrawUpload(deps.db, requestId, new Date(deps.clock.now()))
  const accepted = await countRecords(deps.db, requestId)
  const rows = {
    total: totals.rows,
    accepted,
    invalid: totals.invalid,
    negative: totals.negative,
    duplicate: totals.rows - totals.invalid - totals.negative - accepted,
  }
  await completeUpload(deps.db, requestId, rows, new Date(deps.clock.now()))
  await analyzeAfterBulkLoad(deps.db, ['outreach_record', 'flow_task'], rows.accepted)
  deps.logger.info(
    { requestId, campaignId: campaign.id, rows, tasks: totals.tasks, date: today, withdrawn },
    'upload split',
  )
  // Tasks made for a slot already being released must reach the executor: release it again.
  const running = withdrawn ? [] : releasingSlots(s, today, now).filter((n) => slots.includes(n))
  return {
    commit: (tx: Transaction) => {
      for (const slot of running)
        tx.xadd(deps.keys.outreachWork, '*', ...releaseFields(campaign.id, today, slot, '0'))
    },
  }
}

/**
 * Splits a negatives upload: its numbers are stored for the contacts request it names, and that
 * request's tasks not yet executed for them become NEGATIVE (later days create none).
 */
async function splitNegatives(deps: OutreachDeps, request: UploadRequestRow): Promise<Effect> {
  const parentId = request.parent_id ?? ''
  const split = uploadSplit({ phoneRegion: deps.phoneRegion })
  const totals = { rows: 0, invalid: 0 }
  const ok = await eachChunk(deps, uploadJob(request), async (rows) => {
    const chunk = split(rows)
    totals.rows += chunk.rows
    totals.invalid += chunk.invalid
    await insertUploadErrors(
      deps.db,
      chunk.errors.map((e) => ({ request_id: request.id, ...e })),
    )
    await applyNegatives(deps.db, {
      parentId,
      uploadId: request.id,
      phones: chunk.records.map((r) => r.phone),
      at: new Date(deps.clock.now()),
    })
  })
  if (!ok) return {}
  // Counted from what is stored, so that a split run again after a crash reports the same.
  const { numbers, cancelledTasks } = await negativeUploadCounts(deps.db, {
    parentId,
    uploadId: request.id,
  })
  const rows = {
    total: totals.rows,
    accepted: numbers,
    invalid: totals.invalid,
    duplicate: totals.rows - totals.invalid - numbers,
    negative: 0,
  }
  await completeUpload(deps.db, request.id, { ...rows, cancelledTasks }, new Date(deps.clock.now()))
  deps.logger.info(
    { requestId: request.id, parentId, campaignId: request.campaign_id, rows, cancelledTasks },
    'negatives applied',
  )
  return {}
}

/**
 * The upload-split actor: `outreach:uploads` → records and tasks of a contacts upload, negative
 * numbers of a negatives upload, or the numbers of a do-not-call import.
 */
export function uploadSplitActor(deps: OutreachDeps): ActorDefinition<UploadMessage> {
  return oneJobActor({
    name: 'upload-split',
    stream: deps.keys.outreachUploads,
    schema: UploadMessage,
    run: async (value) => {
      if ('importId' in value) {
        await importDoNotCall(deps, value.importId)
        return {}
      }
      return splitUpload(deps, value.requestId)
    },
    // An upload's or import's status must not stay `processing` for ever: it fails, with why.
    deadLettered: async (entries) => {
      const at = new Date(deps.clock.now())
      const failures = entries.map(({ value, error }) => ({
        table: 'requestId' in value ? ('upload_request' as const) : ('do_not_call_import' as const),
        id: 'requestId' in value ? value.requestId : value.importId,
        error: `${error} (replay the dead letter of outreach:uploads to try again)`,
      }))
      for (const [table, list] of groupBy(failures, (f) => f.table))
        await failFileJobsDeadLettered(deps.db, table, list, at)
    },
  })
}
