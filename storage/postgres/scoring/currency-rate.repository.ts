import type { Kysely } from 'kysely'
import type { CurrencyRateRow } from './currency-rate.table.js'
import type { Database } from '../database.js'

/** Sets the rate of one currency (insert or replace). */
export async function upsertRate(
  db: Kysely<Database>,
  currency: string,
  rate: string,
  updatedBy: string,
): Promise<CurrencyRateRow> {
  return db
    .insertInto('currency_rate')
    .values({ currency, rate, updated_by: updatedBy })
    .onConflict((oc) =>
      oc.column('currency').doUpdateSet((eb) => ({
        rate: eb.ref('excluded.rate'),
        updated_by: eb.ref('excluded.updated_by'),
        updated_at: new Date(),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Every rate, by currency. */
export async function listRates(db: Kysely<Database>): Promise<CurrencyRateRow[]> {
  return db.selectFrom('currency_rate').selectAll().orderBy('currency').execute()
}
