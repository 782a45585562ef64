import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { insertCampaign } from '../../storage/postgres/campaign.repository.js'
import type { Database } from '../../storage/postgres/database.js'
import { insertRecordsAndTasks } from '../../storage/postgres/outreach/outreach-record.repository.js'
import { insertUploadRequest } from '../../storage/postgres/outreach/upload-request.repository.js'
import {
  outreachSettingsJson,
  type StoredOutreachSettings,
} from '../../storage/postgres/outreach/outreach-settings.js'

/**
 * Stores an outreach campaign row of one day (`date`, UTC, slot 10:00–12:00 unless `settings`
 * say otherwise) straight in Postgres, for tests of storage and of code below HTTP.
 */
export async function storeOutreachCampaign(
  db: Kysely<Database>,
  date: string,
  settings: Partial<StoredOutreachSettings> = {},
): Promise<string> {
  const full: StoredOutreachSettings = {
    name: 'Stored',
    timezone: 'UTC',
    workingHours: { start: '09:00', end: '21:00' },
    slots: [{ start: '10:00', end: '12:00' }],
    startDate: date,
    days: 1,
    flow: { url: 'http://127.0.0.1:9/flow', timeoutMs: 1000 },
    ratePerSecond: 50,
    ...settings,
  }
  const start = new Date(`${date}T00:00:00Z`)
  const row = await insertCampaign(db, {
    type: 'outreach',
    item_id: null,
    prize_minor: null,
    prize_currency: null,
    start_at: start,
    end_at: new Date(start.getTime() + full.days * 86_400_000),
    created_by: '1',
    started_at: null,
    ended_at: null,
    settings: outreachSettingsJson(full),
  })
  return row.id
}

/**
 * Stores a contacts upload of `phones` for a campaign (records, and one task per phone in slot
 * 1 of `date`) straight in Postgres; returns the upload's id.
 */
export async function storeContacts(
  db: Kysely<Database>,
  campaignId: string,
  date: string,
  phones: string[],
): Promise<string> {
  const requestId = randomUUID()
  await insertUploadRequest(db, {
    id: requestId,
    campaignId,
    kind: 'contacts',
    parentId: null,
    fileKey: 'k',
    bytes: 1,
    createdBy: '1',
  })
  await insertRecordsAndTasks(db, {
    campaignId,
    requestId,
    records: phones.map((phone, i) => ({
      row: i + 1,
      line: i + 2,
      phone,
      scheduledTime: null,
      data: {},
    })),
    date,
    slots: [1],
  })
  return requestId
}
