import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, jsonBody, testApp } from '../support/app.js'
import { exampleOutreach } from '../support/example-outreach.js'
import { examplePurchase } from '../support/example-purchase.js'
import { isolatedServices, type TestServices } from '../support/services.js'

/**
 * Every route of the app's own `/openapi.json`, fed malformed and random input (paths,
 * queries, headers, bodies of the documented shape gone wrong, and of no shape at all): no
 * answer is a 5xx, every 4xx is problem+json with a `code`, and (through the conformance
 * check of the test app) every status and body is as documented. A route added later is
 * covered without new test code. Fixed seed, bounded runs: the same cases every time.
 */

const SEED = 20_261_203
const RUNS_PER_OPERATION = 100

let s: TestServices
let t: ReturnType<typeof testApp>
let admin: Record<string, string>
let user: Record<string, string>
/** Values a path parameter may take besides random text: ids that exist. */
const known: string[] = []

interface Schema {
  type?: string | string[]
  enum?: unknown[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
  $ref?: string
  pattern?: string
  format?: string
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  additionalProperties?: Schema | boolean
}
interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  schema?: Schema
}
interface Operation {
  method: string
  path: string
  parameters: Parameter[]
  body?: { type: string; schema?: Schema | undefined }
}

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  admin = await bearer('1', true)
  user = await bearer('2')
  for (const body of [examplePurchase, exampleOutreach]) {
    const res = await t.app.request('/campaigns', jsonBody('POST', body, admin))
    known.push(((await res.json()) as { campaignId: string }).campaignId)
  }
  known.push('1', '0', '2026-11-22', 'USD', 'purchase_events', '+919876543210')
})
afterAll(async () => {
  // Live feeds cancelled by the test let go of their reads first.
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.close()
  await s.close()
})

/** Odd text: what a careless user or an attacker puts where a value goes. */
const oddText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    '0x10',
    '1e3',
    '-1',
    '1.5',
    '99999999999999999999999999',
    'NaN',
    'null',
    '%00',
    '\u0000',
    '\ud800',
    "' OR 1=1 --",
    '../../etc/passwd',
    '<script>',
    '{}',
    'a'.repeat(5000),
  ),
)

/** A value for `schema`, usually of its shape, sometimes of any shape at all. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const anything = fc.oneof(oddText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
  if (schema === undefined || depth > 4) return anything
  const alternatives = schema.anyOf ?? schema.oneOf ?? schema.allOf
  if (alternatives !== undefined && alternatives.length > 0)
    return fc.oneof(...alternatives.map((a) => valueFor(a, depth + 1)))
  const types = Array.isArray(schema.type) ? schema.type : [schema.type]
  const shaped: fc.Arbitrary<unknown>[] = []
  if (schema.enum !== undefined) shaped.push(fc.constantFrom(...schema.enum))
  for (const type of types) {
    if (type === 'object') {
      const props = schema.properties ?? {}
      const record = Object.fromEntries(
        Object.entries(props).map(([k, v]) => [k, valueFor(v, depth + 1)]),
      )
      shaped.push(fc.record(record, { requiredKeys: [] }))
    } else if (type === 'array')
      shaped.push(fc.array(valueFor(schema.items, depth + 1), { maxLength: 5 }))
    else if (type === 'string') shaped.push(oddText)
    else if (type === 'integer' || type === 'number')
      shaped.push(fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 2 ** 53, 1e300)))
    else if (type === 'boolean') shaped.push(fc.boolean())
  }
  if (shaped.length === 0) return anything
  // Mostly of its shape, to get past the first checks; now and then of any shape.
  return fc.oneof({ arbitrary: fc.oneof(...shaped), weight: 4 }, { arbitrary: anything, weight: 1 })
}

/** Values of fields the schemas leave as plain text, by name: what gets a body past its checks. */
const EXAMPLES: Record<string, string> = {
  currency: 'USD',
  timezone: 'UTC',
  phone: '+919876543210',
  name: 'Fuzzed',
  value: '12.50',
}

/** A value `schema` accepts, as far as its JSON Schema tells (`name` is its property's name). */
function validFor(schema: Schema | undefined, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || depth > 5) return fc.constant('x')
  const alternatives = schema.anyOf ?? schema.oneOf
  if (alternatives !== undefined && alternatives.length > 0)
    return fc.oneof(...alternatives.map((a) => validFor(a, name, depth + 1)))
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum)
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type
  switch (type) {
    case 'object': {
      const props = schema.properties ?? {}
      const record = Object.fromEntries(
        Object.entries(props).map(([k, v]) => [k, validFor(v, k, depth + 1)]),
      )
      return fc.record(record, { requiredKeys: schema.required ?? [] })
    }
    case 'array':
      return fc.array(validFor(schema.items, name, depth + 1), { maxLength: 3 })
    case 'integer':
      return fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000 })
    case 'number':
      return fc.double({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000, noNaN: true })
    case 'boolean':
      return fc.boolean()
    case 'string': {
      const example = EXAMPLES[name]
      if (example !== undefined) return fc.constant(example)
      if (schema.format === 'date-time')
        return fc
          .date({ min: new Date('2026-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString())
      if (schema.format === 'date')
        return fc
          .date({ min: new Date('2026-11-01'), max: new Date('2027-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10))
      if (schema.format === 'uri') return fc.constant('http://127.0.0.1:4000/flow')
      if (schema.format === 'uuid') return fc.uuid({ version: 4 })
      if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern))
      return fc.string({
        minLength: schema.minLength ?? 1,
        maxLength: Math.min(schema.maxLength ?? 20, 20),
      })
    }
    default:
      return fc.constant('x')
  }
}

/** Paths to every value inside `value` (itself included). */
function pathsIn(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const inner =
    value !== null && typeof value === 'object'
      ? Object.entries(value).flatMap(([k, v]) =>
          pathsIn(v, [...at, Array.isArray(value) ? Number(k) : k]),
        )
      : []
  return [at, ...inner]
}

/** `value` with what is at `path` replaced by `odd` (a copy). */
function replaced(value: unknown, path: (string | number)[], odd: unknown): unknown {
  const [head, ...rest] = path
  if (head === undefined || value === null || typeof value !== 'object') return odd
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...value }) as Record<
    string,
    unknown
  >
  copy[head] = replaced(copy[head], rest, odd)
  return copy
}

/** A value `schema` accepts with one spot gone wrong: deep checks, not just the first ones. */
const mutatedFor = (schema: Schema | undefined) =>
  fc.tuple(validFor(schema), fc.nat(), valueFor(undefined)).map(([valid, pick, odd]) => {
    const paths = pathsIn(valid)
    return replaced(valid, paths[pick % paths.length] ?? [], odd)
  })

/** A body for `schema`: valid, valid but for one spot, roughly shaped, or anything. */
const bodyFor = (schema: Schema | undefined) =>
  fc.oneof(
    { arbitrary: validFor(schema), weight: 2 },
    { arbitrary: mutatedFor(schema), weight: 4 },
    { arbitrary: valueFor(schema), weight: 1 },
    { arbitrary: valueFor(undefined), weight: 1 },
  )

/** Text for a parameter: an id that exists, a value of its shape as text, or odd text. */
const paramText = (schema: Schema | undefined) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 4 },
    { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 1 },
    {
      arbitrary: valueFor(schema).map((v) =>
        typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
      ),
      weight: 1,
    },
    { arbitrary: oddText, weight: 1 },
  )

/** Bytes written raw into a path: bad percent-escapes, dot segments, invalid UTF-8. */
const RAW_SEGMENTS = new Set(['%', '%FF', '%C3%28', '%00', '..', '%2e%2e', '%2F'])

/** `value` as one path segment: every byte percent-encoded, or as it is when it is raw bytes. */
const pathSegment = (value: string) =>
  RAW_SEGMENTS.has(value)
    ? value
    : [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')

/** The operations of `/openapi.json`, `$ref`s of request bodies resolved. */
async function operations(): Promise<Operation[]> {
  const doc = (await (await t.app.request('/openapi.json')).json()) as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Parameter[]
          requestBody?: { content: Record<string, { schema?: Schema }> }
        }
      >
    >
  }
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const content = Object.entries(op.requestBody?.content ?? {})[0]
      return {
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        ...(content === undefined ? {} : { body: { type: content[0], schema: content[1].schema } }),
      }
    }),
  )
}

/** One random request of `op`: its path, init and a label for a failure. */
function requestOf(op: Operation) {
  const pathParams = op.parameters.filter((p) => p.in === 'path')
  const queryParams = op.parameters.filter((p) => p.in === 'query')
  return fc
    .record({
      path: fc
        .tuple(...pathParams.map((p) => paramText(p.schema)))
        .map((values) =>
          pathParams.reduce(
            (path, p, i) => path.replace(`{${p.name}}`, pathSegment(values[i] ?? '')),
            op.path,
          ),
        ),
      query: fc.tuple(
        ...queryParams.map((p) => fc.option(paramText(p.schema), { nil: undefined })),
      ),
      auth: fc.oneof(
        { arbitrary: fc.constant('admin' as const), weight: 6 },
        {
          arbitrary: fc.constantFrom('user' as const, 'none' as const, 'garbage' as const),
          weight: 2,
        },
      ),
      body: op.body === undefined ? fc.constant(undefined) : bodyFor(op.body.schema),
      // Now and then a body that is not JSON at all.
      rawBody: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 4 },
        { arbitrary: oddText, weight: 1 },
        { arbitrary: fc.constantFrom('{', '[1,', '{"a":}', 'phone\n1\n'), weight: 1 },
      ),
      type: fc.oneof(
        { arbitrary: fc.constant(op.body?.type ?? 'application/json'), weight: 6 },
        {
          arbitrary: fc.constantFrom(
            'application/json',
            'text/csv',
            'multipart/form-data',
            'multipart/form-data; boundary=x',
            'application/x-www-form-urlencoded',
            'text/plain',
          ),
          weight: 1,
        },
      ),
    })
    .map((r) => {
      const search = new URLSearchParams()
      queryParams.forEach((p, i) => {
        const value = r.query[i]
        if (value !== undefined) search.set(p.name, value)
      })
      const headers: Record<string, string> = {
        ...(r.auth === 'admin' ? admin : r.auth === 'user' ? user : {}),
        ...(r.auth === 'garbage' ? { authorization: 'Bearer not.a.token' } : {}),
      }
      const sendsBody = op.method !== 'GET' && op.method !== 'DELETE'
      const body = !sendsBody
        ? undefined
        : (r.rawBody ?? (r.body === undefined ? undefined : JSON.stringify(r.body)))
      if (body !== undefined) headers['content-type'] = r.type
      const query = search.toString()
      return {
        path: `${r.path}${query === '' ? '' : `?${query}`}`,
        init: { method: op.method, headers, ...(body === undefined ? {} : { body }) },
      }
    })
}

describe('fuzzing every route of /openapi.json', () => {
  it('should never answer 5xx, and answer every 4xx as problem+json with a code', async () => {
    const ops = await operations()
    expect(ops.length).toBeGreaterThan(30)
    let cases = 0
    const seen = new Map<string, number>()
    for (const op of ops) {
      await fc.assert(
        fc.asyncProperty(requestOf(op), async ({ path, init }) => {
          cases++
          const res = await t.app.request(path, init)
          const key = `${op.method} ${op.path} ${res.status}`
          seen.set(key, (seen.get(key) ?? 0) + 1)
          const type = res.headers.get('content-type') ?? ''
          // A live feed (the SSE stream) answers at once and streams on: not read.
          if (type.startsWith('text/event-stream')) {
            await res.body?.cancel()
            return
          }
          const text = await res.text()
          const where = `${init.method} ${path} → ${res.status} ${text.slice(0, 300)}`
          expect(res.status, where).toBeLessThan(500)
          if (res.status >= 400) {
            expect(type, where).toBe('application/problem+json')
            expect((JSON.parse(text) as { code?: unknown }).code, where).toEqual(expect.any(String))
          }
        }),
        { seed: SEED, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      )
    }
    expect(cases).toBe(ops.length * RUNS_PER_OPERATION)
    // FUZZ_REPORT=1 prints how often each route gave each status: what the cases reached.
    if (process.env.FUZZ_REPORT !== undefined) console.log([...seen].sort().join('\n'))
  }, 300_000)
})
