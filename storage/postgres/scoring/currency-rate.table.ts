import type { Generated, Selectable } from 'kysely'

/** `currency_rate`: one unit of `currency` is worth `rate` units of the base currency. */
export interface CurrencyRateTable {
  currency: string
  rate: string
  updated_by: string
  updated_at: Generated<Date>
}
export type CurrencyRateRow = Selectable<CurrencyRateTable>
