import type { Kysely } from 'kysely'
import { findCampaign } from '../storage/postgres/campaign.repository.js'
import type { CampaignRow } from '../storage/postgres/campaign.table.js'
import type { Database } from '../storage/postgres/database.js'
import { DomainError } from './domain-error.js'

/**
 * The campaign `id` of kind `type`: 404 `campaign_not_found` when there is none, 400
 * `not_purchase` or `not_outreach` when it is of the other kind.
 */
export async function campaignOf(
  db: Kysely<Database>,
  id: string,
  type: CampaignRow['type'],
): Promise<CampaignRow> {
  return ofKind(await findCampaign(db, id), id, type)
}

/** `row` when it is a campaign of kind `type`; otherwise the errors of {@link campaignOf}. */
export function ofKind(
  row: CampaignRow | undefined,
  id: string,
  type: CampaignRow['type'],
): CampaignRow {
  if (row === undefined)
    throw new DomainError('not_found', 'campaign_not_found', `No campaign ${id}`)
  if (row.type !== type)
    throw new DomainError(
      'invalid',
      `not_${type}`,
      `Campaign ${id} is not ${type === 'outreach' ? 'an' : 'a'} ${type} campaign`,
    )
  return row
}
