import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { describe, expect, it } from 'vitest'
import { checkAgainstOpenApi, ContractBreach } from '../support/conformance.js'

/** A small app whose answers break its own documentation in each way the check looks for. */
function breakingApp() {
  const app = new OpenAPIHono()
  app.openapi(
    createRoute({
      method: 'get',
      path: '/things/{id}',
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: {
          description: 'A thing',
          content: { 'application/json': { schema: z.object({ name: z.string() }) } },
        },
      },
    }),
    (c) => {
      const id = c.req.valid('param').id
      if (id === 'text') return c.text('plain', 200) as never
      if (id === 'gone') return c.json({ name: 'x' }, 410) as never
      return c.json(id === 'bad' ? ({ name: 42 } as never) : { name: `thing ${id}` }, 200)
    },
  )
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 't', version: '1' } })
  checkAgainstOpenApi(app)
  return app
}

describe('the OpenAPI contract check of the test apps', () => {
  it('should pass an answer that matches its documentation', async () => {
    const res = await breakingApp().request('/things/1')
    expect(await res.json()).toEqual({ name: 'thing 1' })
  })

  it('should fail a body, a status or a content type the documentation does not allow', async () => {
    const app = breakingApp()
    await expect(app.request('/things/bad')).rejects.toThrow(ContractBreach)
    await expect(app.request('/things/bad')).rejects.toThrow(/\/name must be string/)
    await expect(app.request('/things/gone')).rejects.toThrow(/410: status not documented/)
    await expect(app.request('/things/text')).rejects.toThrow(/content type text\/plain/)
  })
})
