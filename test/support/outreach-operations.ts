import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { insertUploadRequest } from '../../storage/postgres/outreach/upload-request.repository.js'
import { afterAll, beforeAll } from 'vitest'
import { startWorkers, type Workers } from '../../pipelines/workers.js'
import { bearer, jsonBody, testApp } from './app.js'
import { flowServer } from './flow-server.js'
import { runningClock, scoringDeps } from './scoring.js'
import { eventually, isolatedServices, type TestServices } from './services.js'

// The set-up the outreach operations tests share: one app, one flow server and the outreach
// workers over the file's own services, and helpers over them.
export let s: TestServices
export let t: ReturnType<typeof testApp>
export let workers: Workers
export let flow: Awaited<ReturnType<typeof flowServer>>
export let admin: Record<string, string>
export const clock = runningClock(Date.parse('2026-11-22T09:30:00+05:30'))
export const kolkata = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+05:30`)
// Calls to the slow phone hang long enough for a negative upload to land while the slot runs.
export const slow = { phone: '0999999' }

/** Registers the shared set-up of the outreach operations tests in the calling file. */
export function useOperationsServices(): void {
  beforeAll(async () => {
    s = await isolatedServices()
    t = testApp(s, clock)
    admin = await bearer('1', true)
    flow = await flowServer((call) =>
      call.phone === slow.phone
        ? { status: 200, delayMs: 400 }
        : call.phone.endsWith('9')
          ? { status: 503 }
          : { status: 200 },
    )
    workers = await startWorkers(
      {
        ...scoringDeps(s, clock),
        actorOptions: {
          blockMs: 50,
          visibilityTimeoutMs: 5000,
          reclaimEveryMs: 200,
          maxDeliveries: 3,
        },
      },
      ['timers', 'upload-split', 'outreach-work', 'executor'],
    )
  })
  afterAll(async () => {
    await workers.stop()
    await flow.close()
    t.close()
    await s.close()
  })
}

/** Creates the file's usual campaign (one slot, 10:00–12:00 in Kolkata), with `flow` if given. */
export const postCampaign = (rate = 1, flowSettings: Record<string, unknown> = {}) =>
  t.app.request(
    '/campaigns',
    jsonBody(
      'POST',
      {
        type: 'outreach',
        name: 'ops',
        timezone: 'Asia/Kolkata',
        workingHours: { start: '09:00', end: '21:00' },
        slots: [{ start: '10:00', end: '12:00' }],
        startDate: '2026-11-22',
        days: 3,
        flow: { url: flow.url, timeoutMs: 2000, ...flowSettings },
        ratePerSecond: rate,
      },
      admin,
    ),
  )
export const newCampaign = async (rate = 1) =>
  ((await (await postCampaign(rate)).json()) as { campaignId: string }).campaignId
export const csv = (path: string, body: string) =>
  t.app.request(path, { method: 'POST', body, headers: { ...admin, 'content-type': 'text/csv' } })
export const uploadStatus = async (id: string, requestId: string) =>
  eventually(async () => {
    const body = (await (
      await t.app.request(`/campaigns/${id}/uploads/${requestId}`, { headers: admin })
    ).json()) as {
      status: string
    }
    return body.status === 'completed' ? body : undefined
  })
export const dash = async (id: string, date = '2026-11-22') =>
  (await (
    await t.app.request(`/campaigns/${id}/dashboard?date=${date}`, { headers: admin })
  ).json()) as Record<string, number | string>
export const invariant = (d: Record<string, number | string>) =>
  Number(d.uploaded) ===
  Number(d.attempted) + Number(d.pending) + Number(d.negative) + Number(d.cancelled)

/** Stores a contacts upload of `phones` without queueing it; returns its id. */
export const unqueued = async (campaignId: string, phones: string[]) => {
  const id = randomUUID()
  const fileKey = `uploads/${campaignId}/${id}.csv`
  await s.files.write(fileKey, Readable.from([`phone\n${phones.join('\n')}\n`]))
  await insertUploadRequest(s.db, {
    id,
    campaignId,
    kind: 'contacts',
    parentId: null,
    fileKey,
    bytes: 0,
    createdBy: '1',
  })
  return id
}
