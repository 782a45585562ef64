import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import type { Logger } from 'pino'
import { except } from 'hono/combine'
import { accessLog } from './access.js'
import type { AppDeps } from './app-deps.js'
import { sentToken, type AuthEnv } from './auth.js'
import { campaignsRoutes } from './campaigns.routes.js'
import { currencyRatesRoutes } from './scoring/currency-rates.routes.js'
import { deadLettersRoutes } from './dead-letters.routes.js'
import { healthRoutes } from './health.routes.js'
import { HttpProblem, errorHandler, problemResponse } from './problem.js'
import { campaignRevokeRoutes } from './campaign-revoke.routes.js'
import { campaignOperationsRoutes } from './outreach/campaign-operations.routes.js'
import { contactsRoutes } from './outreach/contacts.routes.js'
import { dashboardRoutes } from './outreach/dashboard.routes.js'
import { doNotCallRoutes } from './outreach/do-not-call.routes.js'
import { recordsRoutes } from './scoring/records.routes.js'
import { winnerRoutes } from './scoring/winner.routes.js'
import { uploadsRoutes } from './outreach/uploads.routes.js'
import { docsRoutes } from './docs-assets.js'
import { filesRoutes } from './files.routes.js'
import { factoryBoundariesRoutes } from './factory/boundaries.routes.js'
import { factoryDataRoutes } from './factory/data.routes.js'
import { factoryGenerateRoutes } from './factory/generate.routes.js'
import { factorySchemasRoutes } from './factory/schemas.routes.js'
import { registryRoutes } from './factory/registry.routes.js'
import { reportTemplatesRoutes } from './reports/templates.routes.js'
import { campaignViewersRoutes } from './reports/viewers.routes.js'
import { reportSchedulesRoutes } from './reports/schedules.routes.js'
import { reportJobsRoutes } from './reports/jobs.routes.js'
import { replayClientsRoutes } from './replay/clients.routes.js'
import { replayRunsRoutes } from './replay/runs.routes.js'

/** Largest JSON body accepted (uploads set their own limit). */
const MAX_JSON_BYTES = 64 * 1024

/**
 * Builds the whole HTTP app: one sub-app per resource, one error handler, `/openapi.json` and
 * `/docs` (Swagger UI over it).
 */
export function createApp(deps: AppDeps): OpenAPIHono<AuthEnv> {
  const app = new OpenAPIHono<AuthEnv>()
  const jsonLimit = bodyLimit({
    maxSize: MAX_JSON_BYTES,
    // A large body of another type is most likely a file sent with the wrong type (a form's
    // default type, say): the type is what to fix, not the size.
    onError: (c) =>
      problemResponse(
        c,
        /^application\/(.+\+)?json\b/i.test(c.req.header('content-type') ?? 'application/json')
          ? new HttpProblem(
              413,
              'payload_too_large',
              `Bodies are limited to ${MAX_JSON_BYTES} bytes`,
            )
          : new HttpProblem(
              415,
              'unsupported_media_type',
              'Send JSON as application/json, and files as text/csv or multipart/form-data',
            ),
      ),
  })
  // CSV uploads stream through their own byte limit (MAX_UPLOAD_BYTES); everything else is small.
  // Any body sent to the filestore is a file.
  const isUpload = (c: Context) =>
    c.req.path === '/files' ||
    /^(text\/csv|multipart\/form-data)/i.test(c.req.header('content-type') ?? '')
  app.use('*', accessLog(deps.logger, deps.metrics.http))
  const origins = deps.corsOrigins ?? []
  if (origins.length > 0)
    app.use(
      '*',
      cors({
        origin: origins.includes('*') ? '*' : [...origins],
        allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
        exposeHeaders: ['Location', 'Retry-After', 'Content-Disposition'],
        maxAge: 600,
      }),
    )
  app.use('*', except(isUpload, jsonLimit))
  app.use('*', sentToken(deps.jwtSecret))
  app.route('/', healthRoutes(deps))
  app.route('/', campaignsRoutes(deps))
  app.route('/', winnerRoutes(deps))
  app.route('/', currencyRatesRoutes(deps))
  app.route('/', recordsRoutes(deps))
  app.route('/', deadLettersRoutes(deps))
  app.route('/', uploadsRoutes(deps))
  app.route('/', doNotCallRoutes(deps))
  app.route('/', campaignOperationsRoutes(deps))
  app.route('/', campaignRevokeRoutes(deps))
  app.route('/', contactsRoutes(deps))
  app.route('/', dashboardRoutes(deps))
  app.route('/', filesRoutes(deps))
  app.route('/', factorySchemasRoutes(deps))
  app.route('/', factoryBoundariesRoutes(deps))
  // Before the data routes: `_download` is not a job id.
  app.route('/', factoryGenerateRoutes(deps))
  app.route('/', factoryDataRoutes(deps))
  app.route('/', registryRoutes(deps))
  app.route('/', reportTemplatesRoutes(deps))
  app.route('/', campaignViewersRoutes(deps))
  app.route('/', reportSchedulesRoutes(deps))
  app.route('/', reportJobsRoutes(deps))
  app.route('/', replayClientsRoutes(deps))
  app.route('/', replayRunsRoutes(deps))
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  })
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'campaign-streams',
      version: '0.1.0',
      description: 'Campaign stream processor HTTP API',
    },
    // Relative: the routes are wherever this document was fetched from.
    servers: [{ url: '/', description: 'the server that serves this document' }],
  })
  docsRoutes(app)
  return withErrors(app, deps.logger)
}

/** The HTTP app of a `work` process: `/healthz`, `/readyz` and its own `/metrics`. */
export function createOpsApp(
  deps: Pick<AppDeps, 'db' | 'redis' | 'logger' | 'metrics'>,
): OpenAPIHono {
  const app = new OpenAPIHono()
  app.use('*', accessLog(deps.logger, deps.metrics.http))
  app.route('/', healthRoutes(deps))
  return withErrors(app, deps.logger)
}

/** problem+json for unknown routes and for every error. */
function withErrors<A extends OpenAPIHono<AuthEnv> | OpenAPIHono>(app: A, logger: Logger): A {
  app.notFound((c) =>
    problemResponse(c, new HttpProblem(404, 'not_found', `No route ${c.req.method} ${c.req.path}`)),
  )
  app.onError(errorHandler(logger))
  return app
}
