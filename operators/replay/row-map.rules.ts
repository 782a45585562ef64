import type { ColumnHandler } from './column-handler.rules.js'

/** How one CSV column becomes a request field (a client's mapping entry). */
export interface ColumnRule {
  field: string
  handler: string
  required: boolean
  default?: string | undefined
  options: Readonly<Record<string, unknown>>
}

/** A handler's warning or exception on one cell of a row. */
export interface CellNote {
  column: string
  handler: string
  code?: string
  message: string
}

/** What a row became: its fields (when it can be fired), its warnings and its exceptions. */
export interface MappedRow {
  payload?: Record<string, unknown>
  warnings: CellNote[]
  exceptions: CellNote[]
}

/** The mapped columns a file's header must have: the required ones without a default. */
export function requiredColumns(mapping: Readonly<Record<string, ColumnRule>>): string[] {
  return Object.entries(mapping)
    .filter(([, rule]) => rule.required && rule.default === undefined)
    .map(([column]) => column)
}

/**
 * Runs each mapped column's handler on its cell, in the mapping's order: an empty cell takes the
 * column's default, is an exception when the column is required, and is left out otherwise. A
 * row with any exception has no payload (it is not fired).
 */
export function mapRow(
  mapping: Readonly<Record<string, ColumnRule>>,
  handlers: ReadonlyMap<string, ColumnHandler>,
  cells: Readonly<Record<string, string>>,
): MappedRow {
  const payload: Record<string, unknown> = {}
  const warnings: CellNote[] = []
  const exceptions: CellNote[] = []
  for (const { column, rule, handler } of compiled(mapping, handlers)) {
    if (handler === undefined) {
      exceptions.push({
        column,
        handler: rule.handler,
        code: 'no_handler',
        message: 'no such handler',
      })
      continue
    }
    const written = cells[column] ?? ''
    const cell = written.trim() === '' ? (rule.default ?? '') : written
    if (cell.trim() === '' && handler.name !== 'constant') {
      if (rule.required)
        exceptions.push({ column, handler: rule.handler, code: 'required', message: 'is empty' })
      continue
    }
    const result = handler.handle({ cell, options: rule.options })
    if ('exception' in result) {
      exceptions.push({ column, handler: rule.handler, ...result.exception })
      continue
    }
    payload[rule.field] = result.value
    if (result.warning !== undefined)
      warnings.push({ column, handler: rule.handler, message: result.warning })
  }
  return exceptions.length > 0 ? { warnings, exceptions } : { payload, warnings, exceptions }
}

/** A mapping's columns in order, each with its rule and handler. */
type Compiled = { column: string; rule: ColumnRule; handler: ColumnHandler | undefined }[]
const COMPILED = new WeakMap<object, { handlers: object; columns: Compiled }>()

/** A mapping's columns with their handlers, worked out once per mapping (not for every row). */
function compiled(
  mapping: Readonly<Record<string, ColumnRule>>,
  handlers: ReadonlyMap<string, ColumnHandler>,
): Compiled {
  const known = COMPILED.get(mapping)
  if (known?.handlers === handlers) return known.columns
  const columns = Object.entries(mapping).map(([column, rule]) => ({
    column,
    rule,
    handler: handlers.get(rule.handler),
  }))
  COMPILED.set(mapping, { handlers, columns })
  return columns
}

/** A request as it is fired and written in the `requests` file. */
export interface ReplayRequest {
  method: 'GET' | 'POST'
  url: string
  /** The JSON body of a POST. */
  body?: string
}

const text = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))

/** A client's request URL up to its fields: the target, its own query and the token. */
interface Target {
  head: string
  hash: string
}
const TARGETS = new Map<string, Target>()
const MAX_TARGETS = 1000

function targetOf(targetUrl: string, tokenField: string, token: string): Target {
  const key = `${targetUrl}\n${tokenField}\n${token}`
  let target = TARGETS.get(key)
  if (target === undefined) {
    const url = new URL(targetUrl)
    url.searchParams.append(tokenField, token)
    const { hash } = url
    url.hash = ''
    target = { head: url.href, hash }
    if (TARGETS.size >= MAX_TARGETS) TARGETS.clear()
    TARGETS.set(key, target)
  }
  return target
}

/**
 * The request of a row, always the same for the same row and client: the token and then the
 * fields in the mapping's order, as query parameters of a GET (objects as JSON) or a JSON body
 * of a POST. The query is the target's own parameters, the token and these, serialized as
 * `URL.searchParams` does (all but the fields worked out once per client, not for every row).
 */
export function requestOf(
  client: { targetUrl: string; method: 'GET' | 'POST'; tokenField: string; accountToken: string },
  payload: Readonly<Record<string, unknown>>,
): ReplayRequest {
  if (client.method === 'POST') {
    const fields: Record<string, unknown> = { [client.tokenField]: client.accountToken, ...payload }
    return { method: 'POST', url: client.targetUrl, body: JSON.stringify(fields) }
  }
  const target = targetOf(client.targetUrl, client.tokenField, client.accountToken)
  const params = new URLSearchParams()
  for (const name in payload) {
    // the token's own field is refused when a client is saved; a payload never holds it
    if (name !== client.tokenField) params.append(name, text(payload[name]))
  }
  const fields = params.toString()
  return {
    method: 'GET',
    url: fields === '' ? `${target.head}${target.hash}` : `${target.head}&${fields}${target.hash}`,
  }
}
