import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { swaggerUI } from '@hono/swagger-ui'
import type { Hono } from 'hono'
import type { AuthEnv } from './auth.js'

/** Swagger UI's files the page needs, by name, with their content types. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
}

/** Where the `swagger-ui-dist` package's files are. */
const distDir = () =>
  dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/swagger-ui-bundle.js'))

/**
 * `/docs`: Swagger UI over `/openapi.json`, its script and styles served from the installed
 * `swagger-ui-dist` package under `/docs/assets/` (read once, on first use), so the page works
 * on a closed network.
 */
export function docsRoutes(app: Hono<AuthEnv>): void {
  const loaded = new Map<string, Promise<Buffer>>()
  app.get('/docs/assets/swagger-ui-dist/:file', async (c) => {
    const file = c.req.param('file')
    const type = ASSETS[file]
    if (type === undefined) return c.notFound()
    let content = loaded.get(file)
    if (content === undefined) {
      content = readFile(join(distDir(), file))
      loaded.set(file, content)
    }
    return c.body(new Uint8Array(await content), 200, {
      'content-type': type,
      'cache-control': 'public, max-age=86400',
    })
  })
  app.get(
    '/docs',
    swaggerUI({ url: '/openapi.json', title: 'campaign-streams API', baseUrl: '/docs/assets' }),
  )
}
