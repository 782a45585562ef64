import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { replayDeadLetters } from '../../../pipelines/dead-letters.js'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { insertDoNotCallImport } from '../../../storage/postgres/outreach/do-not-call-import.repository.js'
import { insertUploadRequest } from '../../../storage/postgres/outreach/upload-request.repository.js'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import { exampleOutreach } from '../../support/example-outreach.js'
import { manualClock, scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let workers: Workers
let admin: Record<string, string>
// 09:30 in Kolkata on the first day: both slots are still ahead.
const clock = manualClock(Date.parse('2026-11-22T04:00:00Z'))

const campaign = exampleOutreach

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s, clock)
  admin = await bearer('1', true)
  workers = await startWorkers(scoringDeps(s, clock), ['upload-split'])
})
afterAll(async () => {
  await workers.stop()
  t.close()
  await s.close()
})

const create = async (body: unknown) => t.app.request('/campaigns', jsonBody('POST', body, admin))
const upload = (id: string, csv: string | Buffer, type = 'text/csv') =>
  t.app.request(`/campaigns/${id}/uploads`, {
    method: 'POST',
    body: csv,
    headers: { ...admin, 'content-type': type },
  })

describe('outreach campaigns', () => {
  it('should create an outreach campaign and show it', async () => {
    const res = await create(campaign)
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({
      type: 'outreach',
      name: 'Diwali reminder',
      status: 'Running', // its first day (2026-11-22 in Kolkata) has begun
      days: 30,
    })
  })

  it('should report every broken schedule rule by field in one problem', async () => {
    const res = await create({
      ...campaign,
      timezone: 'Mars/Olympus',
      days: 31,
      slots: [
        { start: '08:00', end: '10:30' },
        { start: '10:00', end: '09:00' },
        { start: '17:00', end: '19:00' },
      ],
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { errors: { field: string; message: string }[] }
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'timezone' }),
        expect.objectContaining({ field: 'days', message: 'at most 30 days' }),
        expect.objectContaining({ field: 'slots', message: 'at most 2 slots a day' }),
        expect.objectContaining({ field: 'slots.0', message: 'must lie inside working hours' }),
        expect.objectContaining({ field: 'slots.1.end', message: 'must be after start' }),
        expect.objectContaining({ field: 'slots.1', message: 'overlaps slot 1' }),
      ]),
    )
  })

  it('should name a malformed time once, without the rules it cannot be compared by', async () => {
    const res = await create({
      ...campaign,
      workingHours: { start: '25:00', end: '21:00' },
      slots: [{ start: '10:00', end: '9:30' }],
    })
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([
      { field: 'workingHours.start', message: 'must be a time of day HH:mm' },
      { field: 'slots.0.end', message: 'must be a time of day HH:mm' },
    ])
  })
})

describe('contact uploads', () => {
  it('should split a CSV into records and one task per record per open slot, with per-row errors', async () => {
    const { campaignId } = (await (await create(campaign)).json()) as { campaignId: string }
    const csv =
      'phone,name\n+91 98765 43210,Asha\n98765-43211,Ravi\nnot a phone,Bad\n+919876543210,Asha again\n,Empty\n1234567\n7654321,Extra,cell\n'
    const res = await upload(campaignId, csv)
    expect(res.status).toBe(202)
    const { requestId } = (await res.json()) as { requestId: string }
    expect(res.headers.get('location')).toBe(`/campaigns/${campaignId}/uploads/${requestId}`)
    // Row errors name contacts' numbers: only admins may read them.
    expect((await t.app.request(`/campaigns/${campaignId}/uploads/${requestId}`)).status).toBe(401)
    expect(
      (await t.app.request(`/campaigns/${campaignId}/uploads/${requestId}/errors.csv`)).status,
    ).toBe(401)
    const status = await eventually(async () => {
      const body = (await (
        await t.app.request(`/campaigns/${campaignId}/uploads/${requestId}`, { headers: admin })
      ).json()) as { status: string }
      return body.status === 'completed' ? body : undefined
    })
    expect(status).toMatchObject({
      bytes: Buffer.byteLength(csv),
      rowsRead: 7,
      rows: { total: 7, accepted: 2, invalid: 4, duplicate: 1, negative: 0 },
      errors: [
        { row: 3, line: 4, column: 'phone', code: 'invalid_phone' },
        // A row left out is told why, and where its number is kept.
        {
          row: 4,
          line: 5,
          column: 'phone',
          code: 'duplicate',
          message: 'phone +919876543210 is also in row 1, where it is kept',
        },
        { row: 5, line: 6, column: 'phone', code: 'missing' },
        // A row of more or fewer cells than the header cannot be trusted; the rest still count.
        {
          row: 6,
          line: 7,
          column: '',
          code: 'ragged_row',
          message: 'the row has 1 cell, the header 2 columns',
        },
        {
          row: 7,
          line: 8,
          column: '',
          code: 'ragged_row',
          message: 'the row has 3 cells, the header 2 columns',
        },
      ],
    })
    const tasks = await s.db
      .selectFrom('flow_task')
      .select(['phone', 'task_date', 'slot', 'status'])
      .where('campaign_id', '=', campaignId)
      .orderBy('phone')
      .orderBy('slot')
      .execute()
    expect(tasks).toEqual([
      { phone: '+919876543210', task_date: '2026-11-22', slot: 1, status: 'IN_PROGRESS' },
      { phone: '+919876543210', task_date: '2026-11-22', slot: 2, status: 'IN_PROGRESS' },
      { phone: '9876543211', task_date: '2026-11-22', slot: 1, status: 'IN_PROGRESS' },
      { phone: '9876543211', task_date: '2026-11-22', slot: 2, status: 'IN_PROGRESS' },
    ])
    const errorsCsv = await (
      await t.app.request(`/campaigns/${campaignId}/uploads/${requestId}/errors.csv`, {
        headers: admin,
      })
    ).text()
    expect(errorsCsv).toBe(
      'row,line,column,code,message\n3,4,phone,invalid_phone,"""not a phone"" is not 7 to 15 digits with an optional +"\n4,5,phone,duplicate,"phone +919876543210 is also in row 1, where it is kept"\n5,6,phone,missing,phone is empty\n6,7,,ragged_row,"the row has 1 cell, the header 2 columns"\n7,8,,ragged_row,"the row has 3 cells, the header 2 columns"\n',
    )
  })

  it('should make a row storage cannot hold a row error, count lines as the file does, and keep header names as written', async () => {
    const { campaignId } = (await (await create(campaign)).json()) as { campaignId: string }
    const csv = 'Phone,Agent Id\n911234567891,a\0b\n\n,,\n911234567892,Ravi\n'
    const { requestId } = (await (await upload(campaignId, csv)).json()) as { requestId: string }
    const status = await eventually(async () => {
      const body = (await (
        await t.app.request(`/campaigns/${campaignId}/uploads/${requestId}`, { headers: admin })
      ).json()) as { status: string }
      return body.status === 'completed' || body.status === 'failed' ? body : undefined
    })
    expect(status).toMatchObject({
      status: 'completed',
      rows: { total: 2, accepted: 1, invalid: 1 },
      errors: [
        {
          row: 1,
          line: 2,
          column: 'Agent Id',
          code: 'invalid_character',
          message: 'Agent Id holds a NUL character, which cannot be stored',
        },
      ],
    })
    const records = await s.db
      .selectFrom('outreach_record')
      .select(['row', 'data'])
      .where('request_id', '=', requestId)
      .execute()
    expect(records).toEqual([{ row: 2, data: { 'Agent Id': 'Ravi' } }])
  })

  it("should list a campaign's uploads newest first, by kind, in pages", async () => {
    const { campaignId } = (await (await create(campaign)).json()) as { campaignId: string }
    const made: string[] = []
    for (const csv of ['phone\n1110001\n', 'phone\n1110002\n', 'phone\n1110003\n']) {
      const res = await upload(campaignId, csv)
      made.push(((await res.json()) as { requestId: string }).requestId)
    }
    const negatives = await t.app.request(`/campaigns/${campaignId}/uploads/${made[0]}/negatives`, {
      method: 'POST',
      body: 'phone\n1110001\n',
      headers: { ...admin, 'content-type': 'text/csv' },
    })
    const negativesId = ((await negatives.json()) as { requestId: string }).requestId
    type Listed = {
      uploads: { requestId: string; kind: string; parentId?: string; createdBy: string }[]
      next?: string
    }
    const list = async (query = '') => {
      const res = await t.app.request(`/campaigns/${campaignId}/uploads${query}`, {
        headers: admin,
      })
      expect(res.status).toBe(200)
      return (await res.json()) as Listed
    }
    const all = await list()
    expect(all.uploads.map((u) => u.requestId)).toEqual([negativesId, ...[...made].reverse()])
    expect(all.uploads[0]).toMatchObject({ kind: 'negatives', parentId: made[0], createdBy: '1' })
    expect(all.next).toBeUndefined()
    const first = await list('?kind=contacts&limit=2')
    expect(first.uploads.map((u) => u.requestId)).toEqual([made[2], made[1]])
    expect(first.next).toBe(made[1])
    const second = await list(`?kind=contacts&limit=2&before=${first.next}`)
    expect(second.uploads.map((u) => u.requestId)).toEqual([made[0]])
    expect(second.next).toBeUndefined()
    expect((await t.app.request(`/campaigns/${campaignId}/uploads`)).status).toBe(401)
    expect((await t.app.request('/campaigns/999999/uploads', { headers: admin })).status).toBe(404)
    expect(
      (await t.app.request(`/campaigns/${campaignId}/uploads?limit=0`, { headers: admin })).status,
    ).toBe(400)
  })

  it('should accept a multipart upload and create tasks only for slots that have not ended', async () => {
    const { campaignId } = (await (await create(campaign)).json()) as { campaignId: string }
    clock.set(Date.parse('2026-11-22T07:00:00Z')) // 12:30 in Kolkata: slot 1 is over
    const form = new FormData()
    form.append('file', new Blob(['phone\n1234567\n'], { type: 'text/csv' }), 'contacts.csv')
    const res = await t.app.request(`/campaigns/${campaignId}/uploads`, {
      method: 'POST',
      body: form,
      headers: admin,
    })
    expect(res.status).toBe(202)
    await eventually(
      async () =>
        (
          await s.db
            .selectFrom('flow_task')
            .select('slot')
            .where('campaign_id', '=', campaignId)
            .execute()
        ).length === 1,
    )
    expect(
      await s.db
        .selectFrom('flow_task')
        .select('slot')
        .where('campaign_id', '=', campaignId)
        .execute(),
    ).toEqual([{ slot: 2 }])
  })

  it('should make one upload of requests sent again with the same Idempotency-Key', async () => {
    const { campaignId } = (await (await create(campaign)).json()) as { campaignId: string }
    const send = (key: string, path = `/campaigns/${campaignId}/uploads`) =>
      t.app.request(path, {
        method: 'POST',
        body: 'phone\n1234567\n7654321\n',
        headers: { ...admin, 'content-type': 'text/csv', 'idempotency-key': key },
      })
    const first = await send('7c1e-retry-me')
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    const { requestId } = (await first.json()) as { requestId: string }
    const again = await send('7c1e-retry-me')
    expect(again.status).toBe(202)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.headers.get('location')).toBe(`/campaigns/${campaignId}/uploads/${requestId}`)
    expect(await again.json()).toEqual({ requestId, status: 'accepted' })

    // Two at once with a new key: whichever stores its upload first, both answer with it.
    const both = await Promise.all([send('both-at-once'), send('both-at-once')])
    const ids = await Promise.all(
      both.map(async (r) => ((await r.json()) as { requestId: string }).requestId),
    )
    expect(ids[0]).toBe(ids[1])
    const uploads = await s.db
      .selectFrom('upload_request')
      .select('id')
      .where('campaign_id', '=', campaignId)
      .execute()
    expect(uploads.map((u) => u.id).sort()).toEqual([requestId, ids[0]].sort())
    // No file left behind by the request that lost.
    expect(await readdir(join(s.filesDir, 'uploads', campaignId))).toHaveLength(2)

    // The key of the contacts upload sent for a negatives upload: refused, naming the upload.
    const reused = await send(
      '7c1e-retry-me',
      `/campaigns/${campaignId}/uploads/${requestId}/negatives`,
    )
    expect(reused.status).toBe(422)
    expect(await reused.json()).toMatchObject({ code: 'idempotency_key_reused', requestId })
    const bad = await send('has space')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ errors: [{ field: 'idempotency-key' }] })
  })

  it('should answer a file that cannot be used at all with a problem naming it', async () => {
    const { campaignId } = (await (await create(campaign)).json()) as { campaignId: string }
    const cases: [string | Buffer, number, string][] = [
      ['', 400, 'empty_file'],
      ['name\nAsha\n', 400, 'missing_column'],
      ['phone,name\n1234567,"Asha\n', 400, 'malformed_csv'],
      ['phone,name\n1234567,As"ha\n', 400, 'malformed_csv'],
      ['phone,name,Phone\n1234567,Asha,7654321\n', 400, 'duplicate_column'],
      [Buffer.from([0x70, 0x68, 0x6f, 0x6e, 0x65, 0x0a, 0xc3, 0x28, 0x0a]), 400, 'not_utf8'],
      [`phone\n${'1234567\n'.repeat(10_000)}`, 413, 'file_too_large'],
      // A row of many empty cells, and a header of many columns, are refused while read.
      [`phone,name\n911234560011${','.repeat(20_000)}\n`, 400, 'too_many_cells'],
      [`phone${',c'.repeat(20_000)}\n1234567\n`, 400, 'too_many_columns'],
    ]
    for (const [body, status, code] of cases) {
      const res = await upload(campaignId, body)
      expect({ code, status: res.status }).toEqual({ code, status })
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect(await res.json()).toMatchObject({ code })
    }
    expect((await upload(campaignId, '{}', 'application/json')).status).toBe(415)
  })

  it('should fail an upload or a do-not-call import whose entry was dead-lettered, and run it again when that is replayed', async () => {
    const { campaignId } = (await (await create(campaign)).json()) as { campaignId: string }
    const fileKey = `uploads/${campaignId}/lost.csv` // accepted, then lost before the split
    const request = await insertUploadRequest(s.db, {
      id: '00000000-0000-4000-8000-000000000001',
      campaignId,
      kind: 'contacts',
      parentId: null,
      fileKey,
      bytes: 19,
      createdBy: '1',
    })
    await s.redis.xadd(s.keys.outreachUploads, '*', 'requestId', request.id)
    // A do-not-call import whose file was lost too.
    const listKey = 'do-not-call/lost.csv'
    const list = await insertDoNotCallImport(s.db, {
      id: '00000000-0000-4000-8000-000000000003',
      fileKey: listKey,
      bytes: 19,
      createdBy: '1',
    })
    await s.redis.xadd(s.keys.outreachUploads, '*', 'importId', list.id)
    const status = async () =>
      (await (
        await t.app.request(`/campaigns/${campaignId}/uploads/${request.id}`, { headers: admin })
      ).json()) as { status: string; error?: string; rows: { accepted: number } }
    const imported = async () =>
      (await (
        await t.app.request(`/do-not-call/imports/${list.id}`, { headers: admin })
      ).json()) as { status: string; error?: string; rows: { added: number } }
    const givenUp =
      /^gave up after 4 deliveries: ENOENT.*\(replay the dead letter of outreach:uploads to try again\)$/
    await eventually(async () => (await status()).status === 'failed', 15_000)
    expect((await status()).error).toMatch(givenUp)
    await eventually(async () => (await imported()).status === 'failed', 15_000)
    expect((await imported()).error).toMatch(givenUp)

    await s.files.write(fileKey, Readable.from(['phone\n9000000001\n']))
    await s.files.write(listKey, Readable.from(['phone\n9000000002\n']))
    expect(await replayDeadLetters(s, 'outreach:uploads')).toBe(2)
    await eventually(async () => (await status()).status === 'completed')
    expect(await status()).toMatchObject({ rows: { accepted: 1 } })
    expect((await status()).error).toBeUndefined()
    await eventually(async () => (await imported()).status === 'completed')
    expect(await imported()).toMatchObject({ rows: { added: 1 } })
  })

  it('should hand a big upload over when its worker stops, and finish it exactly on the next', async () => {
    const { campaignId } = (await (await create(campaign)).json()) as { campaignId: string }
    const rows = 100_000
    const fileKey = `uploads/${campaignId}/big.csv`
    const phones = Array.from({ length: rows }, (_, i) => `${9_100_000_000 + i}\n`)
    const bytes = await s.files.write(fileKey, Readable.from(['phone\n', ...phones]))
    const request = await insertUploadRequest(s.db, {
      id: '00000000-0000-4000-8000-000000000002',
      campaignId,
      kind: 'contacts',
      parentId: null,
      fileKey,
      bytes,
      createdBy: '1',
    })
    await s.redis.xadd(s.keys.outreachUploads, '*', 'requestId', request.id)
    const records = async () =>
      Number(
        (
          await s.db
            .selectFrom('outreach_record')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('request_id', '=', request.id)
            .executeTakeFirstOrThrow()
        ).n,
      )
    await eventually(async () => (await records()) > 0)
    await workers.stop() // graceful: hands the upload over between chunks
    const left = await records()
    expect(left).toBeLessThan(rows)
    expect(await s.redis.xpending(s.keys.outreachUploads, 'upload-split')).toEqual([
      0,
      null,
      null,
      null,
    ])

    workers = await startWorkers(scoringDeps(s, clock), ['upload-split'])
    const status = async () =>
      (await (
        await t.app.request(`/campaigns/${campaignId}/uploads/${request.id}`, { headers: admin })
      ).json()) as { status: string; rows: Record<string, number>; errors: unknown[] }
    await eventually(async () => (await status()).status === 'completed', 30_000)
    expect((await status()).rows).toEqual({
      total: rows,
      accepted: rows,
      invalid: 0,
      duplicate: 0,
      negative: 0,
    })
    // Rows stored before the hand-over are not duplicates of themselves.
    expect((await status()).errors).toEqual([])
    // One task per record per slot still open today, none twice.
    const tasks = await s.db
      .selectFrom('flow_task')
      .select((eb) => [
        eb.fn.countAll<string>().as('n'),
        eb.fn.count<string>('slot').distinct().as('slots'),
      ])
      .where('campaign_id', '=', campaignId)
      .executeTakeFirstOrThrow()
    expect(Number(tasks.slots)).toBeGreaterThan(0)
    expect(Number(tasks.n)).toBe(rows * Number(tasks.slots))
  }, 60_000)
})
