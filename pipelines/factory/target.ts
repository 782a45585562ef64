import { request, type Dispatcher } from 'undici'
import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import {
  createResources,
  searchResources,
} from '../../storage/postgres/factory/registry.repository.js'
import { boundaryProblems } from '../../operators/factory/boundary.rules.js'
import {
  findHierarchy,
  knownBoundaries,
  upsertBoundaries,
} from '../../storage/postgres/factory/boundary.repository.js'
import { OutboundRefused } from '../outbound/outbound-agent.js'

/** One row sent for creation: its reference and its typed values. */
export interface TargetResource {
  clientReferenceId: string
  data: Record<string, unknown>
}

/** What a target answered for a batch it was asked to create. */
export interface CreateAnswer {
  /** Rows the target created (or already had), with their ids. */
  created: { clientReferenceId: string; id: string }[]
  /** Rows the target refused for good, with why. */
  refused: { clientReferenceId: string; code: string; message: string }[]
}

/** A call that may succeed if tried again later (503, 429, a timeout, a broken connection). */
export class TransientTargetError extends Error {
  override readonly name = 'TransientTargetError'
}

/** A call refused as a whole for good (a 4xx other than 408 and 429, or an outbound refusal). */
export class PermanentTargetError extends Error {
  override readonly name = 'PermanentTargetError'
}

/** The service that owns one resource type (the target-service contract of docs/factory.md). */
export interface Target {
  /** Where it is, for logs and metrics (`builtin` for the built-in registry). */
  name: string
  create(resources: TargetResource[]): Promise<CreateAnswer>
  /** Which of `clientReferenceIds` it has, with their ids. */
  search(clientReferenceIds: string[]): Promise<{ clientReferenceId: string; id: string }[]>
}

const found = (rows: { client_reference_id: string; id: string }[]) =>
  rows.map((r) => ({ clientReferenceId: r.client_reference_id, id: r.id }))

/**
 * The built-in registry, called in-process: the default target of every type. Boundaries are
 * added to the job's hierarchy too (see {@link addSheetBoundaries}).
 */
export function builtInTarget(db: Kysely<Database>, type: string, hierarchyType: string): Target {
  return {
    name: 'builtin',
    create: async (resources) => {
      if (type !== 'boundary')
        return { created: found(await createResources(db, type, resources)), refused: [] }
      return addSheetBoundaries(db, hierarchyType, resources)
    },
    search: async (refs) => found(await searchResources(db, type, refs)),
  }
}

/**
 * Creates a boundary sheet's rows in the hierarchy (and the registry): a row at a level the
 * hierarchy lacks, without a parent below the top, or under a parent of the wrong level is
 * refused; a row whose parent does not exist yet is left out of the answer, so it is tried
 * again after the rows before it (its parent, say) are in.
 */
async function addSheetBoundaries(
  db: Kysely<Database>,
  hierarchyType: string,
  resources: TargetResource[],
): Promise<CreateAnswer> {
  const levels = (await findHierarchy(db, hierarchyType))?.levels ?? []
  const rows = resources.map((r) => ({
    ref: r.clientReferenceId,
    data: r.data,
    code: String(r.data.code),
    name: String(r.data.name),
    level: String(r.data.level),
    parentCode: typeof r.data.parentCode === 'string' ? r.data.parentCode : null,
  }))
  const parents = [...new Set(rows.flatMap((r) => (r.parentCode === null ? [] : [r.parentCode])))]
  const problems = boundaryProblems(levels, rows, await knownBoundaries(db, hierarchyType, parents))
  const byIndex = new Map(problems.map((p) => [p.index, p]))
  const refused: CreateAnswer['refused'] = []
  const ready = rows.filter((r, i) => {
    const problem = byIndex.get(i)
    if (problem === undefined) return true
    if (problem.code !== 'unknown_parent')
      refused.push({
        clientReferenceId: r.ref,
        code: problem.code,
        message: `${problem.column === 'level' ? 'Level' : 'Parent Code'} ${problem.message}`,
      })
    return false
  })
  await upsertBoundaries(db, hierarchyType, ready)
  const created = await createResources(
    db,
    'boundary',
    ready.map((r) => ({ clientReferenceId: r.ref, data: r.data })),
  )
  return { created: found(created), refused }
}

/** Largest answer read from a target. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024

/** A target over HTTP at `baseUrl` (`…/_create`, `…/_search`), through the outbound dispatcher. */
export function httpTarget(baseUrl: string, dispatcher: Dispatcher, timeoutMs: number): Target {
  const base = baseUrl.replace(/\/+$/, '')
  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    let answer: Dispatcher.ResponseData
    try {
      answer = await request(`${base}/${path}`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      if (
        error instanceof OutboundRefused ||
        (error as { cause?: unknown }).cause instanceof OutboundRefused
      )
        throw new PermanentTargetError(
          `refused by the outbound policy: ${(error as Error).message}`,
        )
      throw new TransientTargetError(`no answer from ${base}/${path}: ${(error as Error).message}`)
    }
    const text = await readText(answer.body)
    const status = answer.statusCode
    const parsed = parseObject(text)
    if (status === 408 || status === 429 || status >= 500)
      throw new TransientTargetError(`${base}/${path} answered ${status}`)
    if (status >= 400) {
      // A 400 naming rows refuses those rows, not the batch.
      if (parsed !== undefined && Array.isArray(parsed.errors)) return { ...parsed, status }
      throw new PermanentTargetError(`${base}/${path} answered ${status}: ${text.slice(0, 200)}`)
    }
    if (parsed === undefined)
      throw new TransientTargetError(`${base}/${path} answered ${status} without a JSON object`)
    return parsed
  }
  return {
    name: base,
    create: async (resources) => {
      const answer = await call('_create', { resources })
      return {
        created: references(answer.resources),
        refused: refusals(answer.errors),
      }
    },
    search: async (clientReferenceIds) =>
      references((await call('_search', { clientReferenceIds })).resources),
  }
}

async function readText(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_ANSWER_BYTES) {
      body.destroy()
      throw new TransientTargetError(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined)

/** `[{clientReferenceId, id}]` items of an answer; malformed ones are left out. */
function references(value: unknown): { clientReferenceId: string; id: string }[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((item: unknown) => {
    const o = item as Record<string, unknown> | null
    const ref = str(o?.clientReferenceId)
    const id = str(o?.id)
    return ref === undefined || id === undefined ? [] : [{ clientReferenceId: ref, id }]
  })
}

/** `[{clientReferenceId, code, message}]` items of an answer. */
function refusals(value: unknown): CreateAnswer['refused'] {
  if (!Array.isArray(value)) return []
  return value.flatMap((item: unknown) => {
    const o = item as Record<string, unknown> | null
    const ref = str(o?.clientReferenceId)
    if (ref === undefined) return []
    return [
      {
        clientReferenceId: ref,
        code: str(o?.code) ?? 'refused',
        message: (str(o?.message) ?? 'refused by the target').slice(0, 500),
      },
    ]
  })
}
