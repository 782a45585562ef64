import { stringify } from 'csv-stringify/sync'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import { urlProblem, type OutboundPolicy } from '../../operators/outbound.rules.js'
import { COLUMN_HANDLERS } from '../../operators/replay/column-handlers.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import {
  deleteClient,
  findClient,
  putClient,
} from '../../storage/postgres/replay/replay-client.repository.js'
import type { ReplayClientRow } from '../../storage/postgres/replay/replay-client.table.js'
import { DomainError, fieldsInvalid } from '../domain-error.js'

/** A client's name: what the CLI's `--name` and the output files carry (`c-a-norton-uk`). */
export const CLIENT_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/

const Mapping = z.object({
  field: z.string().trim().min(1).max(200),
  handler: z.string().max(32),
  required: z.boolean().default(false),
  default: z.string().max(1000).optional(),
  options: z.record(z.string(), z.unknown()).default({}),
})

/** A client as an admin sends it. */
export const ClientInput = z.object({
  accountToken: z.string().trim().min(1).max(500),
  tokenField: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .default('token')
    .describe('The field the token is sent in: a query parameter for GET, a body field for POST'),
  targetUrl: z.url({ protocol: /^https?$/ }).max(2000),
  method: z.enum(['GET', 'POST']).default('GET'),
  mapping: z.record(z.string().trim().min(1).max(200), Mapping),
  columns: z
    .array(z.string().trim().min(1).max(200))
    .min(1)
    .max(500)
    .optional()
    .describe(
      "The columns of the client's CSV template, in order (default: the mapped columns). Every mapped column must be one of them, and a file with a column that is not is refused",
    ),
  ratePerSecond: z.number().int().min(1).max(10_000).default(50),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  maxAttempts: z.number().int().min(1).max(20).default(5),
})
export type ClientInput = z.infer<typeof ClientInput>

/**
 * The mapping's problems by field: unknown handlers, options they refuse, fields twice, columns
 * the template does not have.
 */
function mappingProblems(input: ClientInput): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = []
  const columns = Object.entries(input.mapping)
  if (columns.length === 0)
    problems.push({ field: 'mapping', message: 'must map at least one column' })
  const fields = new Map<string, string>()
  for (const [column, m] of columns) {
    const at = `mapping.${column}`
    const handler = COLUMN_HANDLERS.get(m.handler)
    if (handler === undefined) {
      problems.push({
        field: `${at}.handler`,
        message: `must be one of ${[...COLUMN_HANDLERS.keys()].join(', ')}`,
      })
      continue
    }
    const optionsProblem = handler.optionsProblem?.(m.options)
    if (optionsProblem !== undefined)
      problems.push({ field: `${at}.options`, message: optionsProblem })
    const earlier = fields.get(m.field)
    if (earlier !== undefined)
      problems.push({ field: `${at}.field`, message: `${m.field} is filled by ${earlier} already` })
    else fields.set(m.field, column)
  }
  if (input.columns !== undefined) {
    const seen = new Set<string>()
    for (const [i, name] of input.columns.entries()) {
      if (seen.has(name.toLowerCase()))
        problems.push({ field: `columns.${i}`, message: `${name} is listed twice` })
      seen.add(name.toLowerCase())
    }
    for (const [column] of columns)
      if (!input.columns.includes(column))
        problems.push({ field: `mapping.${column}`, message: 'is not one of the columns' })
  }
  if (fields.has(input.tokenField))
    problems.push({ field: 'tokenField', message: `${input.tokenField} is a mapped field too` })
  return problems
}

/**
 * Saves a client (admin): refused by field when its target URL is one the outbound policy does
 * not allow (`OUTBOUND_ALLOW`, checked again at every connect) or its mapping names an unknown
 * handler, options a handler refuses, a field twice, or a column its template does not have.
 */
export async function saveClient(
  deps: { db: Kysely<Database>; outbound: OutboundPolicy; clock: { now(): number } },
  name: string,
  input: ClientInput,
  by: string,
): Promise<{ row: ReplayClientRow; created: boolean }> {
  const problems = mappingProblems(input)
  const urlRefused = urlProblem(deps.outbound, input.targetUrl)
  if (urlRefused !== undefined) problems.unshift({ field: 'targetUrl', message: urlRefused })
  if (problems.length > 0) throw fieldsInvalid(problems)
  return putClient(deps.db, name, input, by, new Date(deps.clock.now()))
}

/** A client by name; 404 `client_not_found` when there is none. */
export async function clientOf(db: Kysely<Database>, name: string): Promise<ReplayClientRow> {
  const row = CLIENT_NAME.test(name) ? await findClient(db, name) : undefined
  if (row === undefined)
    throw new DomainError('not_found', 'client_not_found', `No replay client ${name}`)
  return row
}

/** Deletes a client; 404 when there is none. */
export async function removeClient(db: Kysely<Database>, name: string): Promise<void> {
  if (!(await deleteClient(db, name)))
    throw new DomainError('not_found', 'client_not_found', `No replay client ${name}`)
}

/** The columns of a client's CSV template: as listed, or its mapped columns. */
export const templateColumns = (row: Pick<ReplayClientRow, 'columns' | 'mapping'>): string[] =>
  row.columns ?? Object.keys(row.mapping)

/** A client's CSV template to fill in: its header row. */
export const templateCsv = (row: ReplayClientRow): string => stringify([templateColumns(row)])

/** A token as answers show it: its first four characters and its length, never whole. */
export function maskedToken(token: string): string {
  return token.length <= 8 ? `…(${token.length})` : `${token.slice(0, 4)}…(${token.length})`
}

/** A client as the API shows it (the token masked). */
export const clientView = (row: ReplayClientRow) => ({
  name: row.name,
  accountToken: maskedToken(row.account_token),
  tokenField: row.token_field,
  targetUrl: row.target_url,
  method: row.method,
  mapping: row.mapping,
  columns: templateColumns(row),
  ratePerSecond: row.rate_per_second,
  timeoutMs: row.timeout_ms,
  maxAttempts: row.max_attempts,
  updatedBy: row.updated_by,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
})
