import { randomUUID } from 'node:crypto'
import { utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sweepOrphanFiles } from '../../../pipelines/files/orphan-sweeper.js'
import { systemClock } from '../../../pipelines/runtime/clock.js'
import { insertCampaign } from '../../../storage/postgres/campaign.repository.js'
import { insertUploadRequest } from '../../../storage/postgres/outreach/upload-request.repository.js'
import { isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

const HOUR = 3_600_000

/** Stores `key` and dates its last write `ageMs` ago. */
async function stored(key: string, ageMs: number): Promise<void> {
  await s.files.write(key, Readable.from([Buffer.from('phone\n1234567\n')]))
  const at = new Date(Date.now() - ageMs)
  await utimes(join(s.filesDir, key), at, at)
}

const keys = async () => {
  const found: string[] = []
  for await (const { key } of s.files.list()) found.push(key)
  return found.sort()
}

describe('sweepOrphanFiles', () => {
  it('should remove the files no row owns once old enough, and keep owned and recent ones', async () => {
    const campaign = await insertCampaign(s.db, {
      type: 'purchase',
      item_id: '1',
      prize_minor: '100',
      prize_currency: 'USD',
      start_at: new Date('2026-01-01T00:00:00Z'),
      end_at: new Date('2099-01-01T00:00:00Z'),
      created_by: '1',
      started_at: null,
      ended_at: null,
    })
    const owned = `uploads/${campaign.id}/owned.csv`
    await stored(owned, 2 * HOUR)
    await insertUploadRequest(s.db, {
      id: randomUUID(),
      campaignId: campaign.id,
      kind: 'contacts',
      parentId: null,
      fileKey: owned,
      bytes: 14,
      createdBy: '1',
    })
    // Cut short by a crash before its row was committed, long ago and a moment ago.
    await stored(`uploads/${campaign.id}/crashed.csv`, 2 * HOUR)
    await stored(`uploads/${campaign.id}/arriving.csv`, 1000)
    const counted: number[] = []
    const removed = await sweepOrphanFiles(
      { ...s, clock: systemClock, removed: { inc: (n) => counted.push(n) } },
      HOUR,
    )
    expect(removed).toBe(1)
    expect(counted).toEqual([1])
    expect(await keys()).toEqual([
      `uploads/${campaign.id}/arriving.csv`,
      `uploads/${campaign.id}/owned.csv`,
    ])
    // Nothing left to sweep: a second pass removes nothing.
    expect(await sweepOrphanFiles({ ...s, clock: systemClock }, HOUR)).toBe(0)
  })
})
