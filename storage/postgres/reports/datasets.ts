import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from '../database.js'

import type { DatasetColumnType } from './dataset-column-type.js'

/** What a dataset's query needs besides the database. */
export interface DatasetContext {
  /** Decimal digits of the base currency (2 for USD): money columns are in its major units. */
  baseDigits: number
}

/** A fixed, reviewed query over the system's tables that reports may read. */
export interface Dataset {
  description: string
  /** Its columns in order, by the name the query gives them. */
  columns: Readonly<Record<string, DatasetColumnType>>
  /** The column naming each row's campaign: a report shows the campaigns its owner may see. */
  campaignColumn: string
  query: (context: DatasetContext) => RawBuilder<Record<string, unknown>>
}

const money = (minor: RawBuilder<unknown>, context: DatasetContext) =>
  sql`round(${minor}::numeric / ${10 ** context.baseDigits}, ${context.baseDigits})`

/** Every dataset reports may read, by name. */
export const DATASETS: Readonly<Record<string, Dataset>> = {
  outreach_call_attempts: {
    description: 'Every call of an outreach flow endpoint: the raw report',
    columns: {
      campaign_id: 'integer',
      task_date: 'date',
      slot: 'integer',
      phone: 'string',
      request_id: 'string',
      task_id: 'string',
      attempt: 'integer',
      status: 'string',
      reason: 'string',
      http_status: 'integer',
      started_at: 'datetime',
      ended_at: 'datetime',
    },
    campaignColumn: 'campaign_id',
    query: () => sql`
      SELECT campaign_id::bigint AS campaign_id, task_date, slot, phone, request_id::text AS request_id,
        task_id::text AS task_id, attempt, coalesce(status, 'IN_FLIGHT') AS status, reason,
        http_status, started_at, ended_at
      FROM task_attempt`,
  },
  outreach_tasks_by_day_slot: {
    description: 'Outreach tasks counted by campaign, day, slot, status and reason',
    columns: {
      campaign_id: 'integer',
      task_date: 'date',
      slot: 'integer',
      status: 'string',
      reason: 'string',
      tasks: 'integer',
    },
    campaignColumn: 'campaign_id',
    query: () => sql`
      SELECT campaign_id::bigint AS campaign_id, task_date, slot, status, reason, count(*)::int AS tasks
      FROM flow_task GROUP BY campaign_id, task_date, slot, status, reason`,
  },
  purchase_totals: {
    description: "Each user's total per purchase campaign, in the base currency, with its position",
    columns: {
      campaign_id: 'integer',
      user_id: 'string',
      total: 'money',
      reached_at: 'datetime',
      position: 'integer',
    },
    campaignColumn: 'campaign_id',
    query: (context) => sql`
      SELECT campaign_id::bigint AS campaign_id, user_id, ${money(sql`total_minor`, context)} AS total,
        reached_at,
        rank() OVER (PARTITION BY campaign_id
          ORDER BY total_minor DESC, reached_at, length(user_id), user_id)::int AS position
      FROM purchase_total`,
  },
  qualified_purchases: {
    description: 'Every purchase counted for a purchase campaign',
    columns: {
      campaign_id: 'integer',
      event_id: 'string',
      user_id: 'string',
      amount: 'decimal',
      currency: 'string',
      amount_base: 'money',
      purchased_at: 'datetime',
      scored_at: 'datetime',
    },
    campaignColumn: 'campaign_id',
    query: (context) => sql`
      SELECT campaign_id::bigint AS campaign_id, event_id, user_id, amount, currency,
        ${money(sql`amount_minor`, context)} AS amount_base, purchased_at, scored_at
      FROM scored_purchase`,
  },
  factory_rows: {
    description: 'Every row of the project factory’s sheets, with its status and created id',
    columns: {
      campaign_id: 'integer',
      job_id: 'string',
      type: 'string',
      row: 'integer',
      status: 'string',
      created_id: 'string',
      attempts: 'integer',
      last_error: 'string',
    },
    campaignColumn: 'campaign_id',
    query: () => sql`
      SELECT j.campaign_id::bigint AS campaign_id, r.job_id::text AS job_id, j.type, r.row, r.status,
        r.created_id, r.attempts, r.last_error
      FROM factory_row r JOIN factory_job j ON j.id = r.job_id`,
  },
}

/** A filter with its value resolved (relative dates already turned into dates). */
export interface ResolvedFilter {
  column: string
  op:
    | 'eq'
    | 'ne'
    | 'lt'
    | 'lte'
    | 'gt'
    | 'gte'
    | 'in'
    | 'between'
    | 'notBetween'
    | 'contains'
    | 'isNull'
  value?: unknown
}

const COMPARISONS = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const

/** Escapes LIKE's wildcards in text searched for as it is. */
const likeText = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

/**
 * A dataset's rows: its columns in `columns` order, filtered, sorted and limited, every value a
 * parameter. Column names must be the dataset's (the template rules check them; an unknown one
 * throws here too, so nothing else ever reaches the SQL text).
 */
export function datasetQuery(
  db: Kysely<Database>,
  name: string,
  spec: {
    columns: readonly string[]
    filters: readonly ResolvedFilter[]
    sort: readonly { column: string; direction: 'asc' | 'desc' }[]
    /** Only rows of these campaigns; every campaign when unset. */
    campaigns?: readonly string[] | undefined
    limit?: number | undefined
  },
  context: DatasetContext,
) {
  const dataset = DATASETS[name]
  if (dataset === undefined) throw new RangeError(`no dataset ${name}`)
  const ref = (column: string) => {
    if (!(column in dataset.columns)) throw new RangeError(`${name} has no column ${column}`)
    return sql.ref(`d.${column}`)
  }
  const where = spec.filters.map((f) => {
    const column = ref(f.column)
    switch (f.op) {
      case 'isNull':
        return f.value === false ? sql`${column} IS NOT NULL` : sql`${column} IS NULL`
      case 'in':
        return sql`${column} = ANY(${sql.val(f.value)})`
      case 'between':
      case 'notBetween': {
        const [from, to] = f.value as [unknown, unknown]
        return f.op === 'between'
          ? sql`${column} BETWEEN ${from} AND ${to}`
          : sql`${column} NOT BETWEEN ${from} AND ${to}`
      }
      case 'contains':
        return sql`${column} ILIKE ${`%${likeText(String(f.value))}%`}`
      default:
        return sql`${column} ${sql.raw(COMPARISONS[f.op])} ${f.value}`
    }
  })
  if (spec.campaigns !== undefined)
    where.push(sql`${ref(dataset.campaignColumn)} = ANY(${sql.val(spec.campaigns)}::bigint[])`)
  const select = spec.columns.map((c) => ref(c))
  const order = spec.sort.map(
    (s) => sql`${ref(s.column)} ${sql.raw(s.direction === 'desc' ? 'DESC' : 'ASC')}`,
  )
  return sql<Record<string, unknown>>`
    SELECT ${sql.join(select)} FROM (${dataset.query(context)}) d
    ${where.length === 0 ? sql`` : sql`WHERE ${sql.join(where, sql` AND `)}`}
    ${order.length === 0 ? sql`` : sql`ORDER BY ${sql.join(order)}`}
    ${spec.limit === undefined ? sql`` : sql`LIMIT ${spec.limit}`}
  `.compile(db)
}
