import { createConfig, lintFromString } from '@redocly/openapi-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp } from '../support/app.js'
import { isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
})
afterAll(async () => {
  t.close()
  await s.close()
})

describe('/openapi.json', () => {
  it("should pass Redocly's recommended rules with no error, every operation with its operationId", async () => {
    const source = await (await t.app.request('/openapi.json')).text()
    const problems = await lintFromString({
      source,
      absoluteRef: 'openapi.json',
      config: await createConfig({ extends: ['recommended'] }),
    })
    const describe = (severity: string) =>
      problems
        .filter((p) => p.severity === severity)
        .map((p) => `${p.ruleId}: ${p.message} (${p.location[0]?.pointer ?? ''})`)
    if (process.env.LINT_REPORT !== undefined) console.log(describe('warn').join('\n'))
    expect(describe('error')).toEqual([])
    const doc = JSON.parse(source) as {
      paths: Record<string, Record<string, { operationId?: string }>>
    }
    const ids = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).map((o) => o.operationId),
    )
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
