import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { CHUNK, eachChunk } from '../../../pipelines/files/file-chunks.js'
import { splitUpload } from '../../../pipelines/outreach/upload-split.actor.js'
import { insertDoNotCallImport } from '../../../storage/postgres/outreach/do-not-call-import.repository.js'
import { startFileJob } from '../../../storage/postgres/file-job.repository.js'
import {
  insertUploadRequest,
  isWithdrawn,
} from '../../../storage/postgres/outreach/upload-request.repository.js'
import { jsonBody } from '../../support/app.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually } from '../../support/services.js'
import {
  useOperationsServices,
  s,
  t,
  flow,
  admin,
  clock,
  kolkata,
  newCampaign,
  csv,
  uploadStatus,
  dash,
  unqueued,
} from '../../support/outreach-operations.js'

useOperationsServices()

describe('outreach operations', () => {
  it('should withdraw an upload: its tasks cancelled, and no later day, retrigger or call for it', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const upload = async (phones: string) => {
      const { requestId } = (await (
        await csv(`/campaigns/${id}/uploads`, `phone\n${phones}\n`)
      ).json()) as { requestId: string }
      await uploadStatus(id, requestId)
      return requestId
    }
    const wrong = await upload('6100001\n6100002')
    const right = await upload('6100003')
    const withdraw = (requestId: string) =>
      t.app.request(`/campaigns/${id}/uploads/${requestId}`, { method: 'DELETE', headers: admin })

    const first = (await (await withdraw(wrong)).json()) as { withdrawnAt: string }
    expect(first).toMatchObject({ requestId: wrong, cancelledTasks: 2 })
    expect(await (await withdraw(wrong)).json()).toEqual({
      ...first,
      requestId: wrong,
      cancelledTasks: 2,
    })
    const shown = await t.app.request(`/campaigns/${id}/uploads/${wrong}`, { headers: admin })
    expect(await shown.json()).toMatchObject({ withdrawnAt: first.withdrawnAt })

    clock.set(kolkata('2026-11-22', '10:00'))
    await eventually(async () => flow.calls.some((c) => c.phone === '6100003'))
    clock.set(kolkata('2026-11-22', '12:00'))
    await eventually(async () => (await dash(id)).pending === 0)
    expect(flow.calls.filter((c) => c.phone.startsWith('610000')).map((c) => c.phone)).toEqual([
      '6100003',
    ])
    // A task of the withdrawn upload that had failed is not retriggered.
    await s.db
      .updateTable('flow_task')
      .set({ status: 'FAILED', reason: 'FLOW_ERROR' })
      .where('request_id', '=', wrong)
      .where('phone', '=', '6100001')
      .execute()
    const retriggered = await t.app.request(
      `/campaigns/${id}/retrigger`,
      jsonBody('POST', { date: '2026-11-22' }, admin),
    )
    expect(await retriggered.json()).toEqual({ retriggered: 0 })
    // The next day has tasks for the upload that stands only.
    clock.set(kolkata('2026-11-23', '00:00'))
    await eventually(async () => (await dash(id, '2026-11-23')).uploaded === 1)
    const nextDay = await s.db
      .selectFrom('flow_task')
      .select('request_id')
      .where('campaign_id', '=', id)
      .where('task_date', '=', '2026-11-23')
      .execute()
    expect(nextDay.map((task) => task.request_id)).toEqual([right])
  })
})

/** A promise (`opened`) and what resolves it (`open`). */
function latch(): { open: () => void; opened: Promise<void> } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

/**
 * Locks `table` (ACCESS EXCLUSIVE) in a transaction of its own until `release`; `holder`
 * settles when that transaction has ended.
 */
async function holdTable(table: string): Promise<{ release: () => void; holder: Promise<void> }> {
  const { open: release, opened: held } = latch()
  const { open: locked, opened: isLocked } = latch()
  const holder = s.db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE ${sql.table(table)} IN ACCESS EXCLUSIVE MODE`.execute(trx)
    locked()
    await held
  })
  await isLocked
  return { release, holder }
}

describe('a big file being processed', () => {
  it('should record the rows stored so far, which its status shows while processing', async () => {
    const importId = randomUUID()
    const fileKey = `progress/${importId}.csv`
    const rows = 2 * CHUNK + 2000
    const phones = Array.from({ length: rows }, (_, i) => String(5_000_000 + i))
    const bytes = await s.files.write(fileKey, Readable.from([`phone\n${phones.join('\n')}\n`]))
    await insertDoNotCallImport(s.db, { id: importId, fileKey, bytes, createdBy: '1' })
    await startFileJob(s.db, 'do_not_call_import', importId)
    const status = async () =>
      (await (
        await t.app.request(`/do-not-call/imports/${importId}`, { headers: admin })
      ).json()) as { status: string; bytes: number; rowsRead: number }
    const atChunkStart: number[] = []
    const job = { table: 'do_not_call_import', id: importId, fileKey } as const
    const read = await eachChunk(
      scoringDeps(s, clock),
      job,
      async () => {
        atChunkStart.push((await status()).rowsRead)
      },
      0, // every chunk recorded
    )
    expect(read).toBe(true)
    // Two chunks are stored at once: the third starts once one of the first two is recorded.
    expect(atChunkStart).toHaveLength(3)
    expect(atChunkStart[0]).toBe(0)
    expect(atChunkStart[2]).toBeGreaterThanOrEqual(CHUNK)
    expect(await status()).toEqual(
      expect.objectContaining({ status: 'processing', bytes, rowsRead: rows }),
    )
  })
})

/** An accepted upload of `phones` that no worker has seen (its entry is not queued). */
describe('withdrawing an upload that is not split yet', () => {
  const tasksOf = async (requestId: string) =>
    s.db
      .selectFrom('flow_task')
      .select(['status', 'reason'])
      .where('request_id', '=', requestId)
      .execute()
  const deps = () => ({ ...scoringDeps(s, clock), stopping: new AbortController().signal })

  it('should store its records without tasks when it was withdrawn before the split', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const requestId = await unqueued(id, ['6200001', '6200002'])
    const withdrawn = await t.app.request(`/campaigns/${id}/uploads/${requestId}`, {
      method: 'DELETE',
      headers: admin,
    })
    expect(await withdrawn.json()).toMatchObject({ requestId, cancelledTasks: 0 })
    await splitUpload(deps(), requestId)
    expect(await tasksOf(requestId)).toEqual([])
    const status = await uploadStatus(id, requestId)
    expect(status).toMatchObject({ rows: { total: 2, accepted: 2 } })
    expect(status).toHaveProperty('withdrawnAt')
  })

  it('should cancel the tasks of chunks stored before a withdrawal that came during the split', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const phones = Array.from({ length: CHUNK + 10 }, (_, i) => String(6300000 + i))
    const requestId = await unqueued(id, phones)
    // The file pauses after its first chunk (and a few rows: the parser holds the last line
    // back until it sees more) until the upload is withdrawn.
    const { open: resume, opened: paused } = latch()
    const lines = ['phone', ...phones].map((p) => `${p}\n`)
    async function* file() {
      yield Buffer.from(lines.slice(0, CHUNK + 6).join(''))
      await paused
      yield Buffer.from(lines.slice(CHUNK + 6).join(''))
    }
    const splitting = splitUpload(
      { ...deps(), files: { ...s.files, read: () => Readable.from(file()) } },
      requestId,
    )
    await eventually(async () => (await tasksOf(requestId)).length === CHUNK)
    const res = await t.app.request(`/campaigns/${id}/uploads/${requestId}`, {
      method: 'DELETE',
      headers: admin,
    })
    expect(res.status).toBe(200)
    resume()
    await splitting
    const tasks = await tasksOf(requestId)
    expect(tasks).toHaveLength(CHUNK) // none for the chunk read after the withdrawal
    expect(new Set(tasks.map((t) => `${t.status}/${t.reason}`))).toEqual(
      new Set(['CANCELLED/UPLOAD_WITHDRAWN']),
    )
    expect(await uploadStatus(id, requestId)).toMatchObject({
      rows: { total: CHUNK + 10, accepted: CHUNK + 10 },
    })
  })
})

describe('withdrawing an upload while a chunk of it is being written', () => {
  it('should cancel the tasks that chunk made once the split ends', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const requestId = randomUUID()
    const fileKey = `uploads/${id}/${requestId}.csv`
    await s.files.write(fileKey, Readable.from([Buffer.from('phone\n6400001\n6400002\n')]))
    await insertUploadRequest(s.db, {
      id: requestId,
      campaignId: id,
      kind: 'contacts',
      parentId: null,
      fileKey,
      bytes: 0,
      createdBy: '1',
    })
    // The chunk's statement reads the do-not-call list: holding that table keeps it waiting
    // after it found the upload not withdrawn.
    const { release, holder } = await holdTable('do_not_call')
    try {
      const splitting = splitUpload(
        { ...scoringDeps(s, clock), stopping: new AbortController().signal },
        requestId,
      )
      // The split's statement waits for the table (the workers' reads of it may wait too).
      await eventually(async () => {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_locks l
          JOIN pg_class c ON c.oid = l.relation
          JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE c.relname = 'do_not_call' AND c.relnamespace = ${s.schema}::regnamespace
            AND NOT l.granted AND a.query LIKE '%INSERT INTO outreach_record%'`.execute(s.db)
        return rows[0]?.n === 1
      })
      const withdrawn = await t.app.request(`/campaigns/${id}/uploads/${requestId}`, {
        method: 'DELETE',
        headers: admin,
      })
      expect(await withdrawn.json()).toMatchObject({ cancelledTasks: 0 }) // none made yet
      release()
      await splitting
    } finally {
      release()
      await holder
    }
    const tasks = await s.db
      .selectFrom('flow_task')
      .select(['status', 'reason'])
      .where('request_id', '=', requestId)
      .execute()
    expect(tasks).toEqual([
      { status: 'CANCELLED', reason: 'UPLOAD_WITHDRAWN' },
      { status: 'CANCELLED', reason: 'UPLOAD_WITHDRAWN' },
    ])
  })
})

describe('withdrawing a big upload', () => {
  it('should make the withdrawal seen before its tasks are cancelled, so a split under way stops making tasks', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const { requestId } = (await (
      await csv(`/campaigns/${id}/uploads`, 'phone\n6500001\n6500002\n')
    ).json()) as { requestId: string }
    await uploadStatus(id, requestId)
    // Cancelling reads the open calls: holding that table holds the cancelling, as the
    // cancelling of a million tasks takes seconds.
    const { release, holder } = await holdTable('task_attempt')
    const answer = t.app.request(`/campaigns/${id}/uploads/${requestId}`, {
      method: 'DELETE',
      headers: admin,
    })
    try {
      // What a split checks before each chunk.
      await eventually(() => isWithdrawn(s.db, requestId))
    } finally {
      release()
      await holder
    }
    expect(await (await answer).json()).toMatchObject({ requestId, cancelledTasks: 2 })
  })
})
