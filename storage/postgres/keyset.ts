import { sql } from 'kysely'

/**
 * The condition of the next page of a table read newest first by (`created_at`, `id`): the rows
 * after `last`, compared as one row value (so one index range, however many share a time).
 */
export const olderThan = (last: { createdAt: Date; id: string }) =>
  sql<boolean>`(created_at, id) < (${last.createdAt}::timestamptz, ${last.id}::uuid)`
