import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'

/** One documented operation: its path as a pattern and its responses by status. */
interface Operation {
  method: string
  template: string
  pattern: RegExp
  responses: Record<string, { content?: Record<string, { schema?: object }> }>
}

/** Why a response does not match what `/openapi.json` documents for it. */
export class ContractBreach extends Error {
  override name = 'ContractBreach'
}

/**
 * Makes every answer of `app.request` check itself against the app's own `/openapi.json`:
 * its status must be documented for the route, its content type too, and a JSON body must
 * match the documented schema (JSON Schema 2020-12, as OpenAPI 3.1 has it). A breach fails
 * the request with {@link ContractBreach}, so every HTTP test is also a contract test.
 */
export function checkAgainstOpenApi(app: { request: (...args: never[]) => unknown }): void {
  const request = app.request.bind(app) as unknown as (
    input: Request | string | URL,
    init?: RequestInit,
    ...rest: unknown[]
  ) => Promise<Response>
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  const validators = new Map<object, ValidateFunction>()
  let operations: Promise<Operation[]> | undefined
  const load = async (): Promise<Operation[]> => {
    const doc = (await (await request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Operation['responses'] }>>
    }
    return Object.entries(doc.paths).flatMap(([template, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        template,
        // `{id}` matches one path segment.
        pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
        responses: op.responses,
      })),
    )
  }
  app.request = async (input: Request | string | URL, init?: RequestInit, ...rest: unknown[]) => {
    const res = await request(input, init, ...rest)
    const url = new URL(input instanceof Request ? input.url : input.toString(), 'http://localhost')
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    if (url.pathname === '/openapi.json') return res
    operations ??= load()
    const op = (await operations).find((o) => o.method === method && o.pattern.test(url.pathname))
    // Unknown routes answer a documented-nowhere 404; nothing to hold them to.
    if (op === undefined) return res
    const where = `${method} ${op.template} → ${res.status}`
    const documented = op.responses[String(res.status)]
    if (documented === undefined)
      throw new ContractBreach(
        `${where}: status not documented (${Object.keys(op.responses).join(', ')})`,
      )
    const type = res.headers.get('content-type')?.split(';')[0]?.trim()
    if (type === undefined || documented.content === undefined) return res
    // A media range (`*/*`) documents whatever a route passes on (a kept file, say).
    const media = documented.content[type] ?? documented.content['*/*']
    if (media === undefined)
      throw new ContractBreach(
        `${where}: content type ${type} not documented (${Object.keys(documented.content).join(', ')})`,
      )
    if (!type.endsWith('json') || media.schema === undefined) return res
    let validate = validators.get(media.schema)
    if (validate === undefined) {
      validate = ajv.compile(media.schema)
      validators.set(media.schema, validate)
    }
    const body: unknown = await res.clone().json()
    if (!validate(body))
      throw new ContractBreach(
        `${where}: body does not match the documented schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
      )
    return res
  }
}
