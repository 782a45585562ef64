import { createRoute, z } from '@hono/zod-openapi'
import { isCurrencyCode } from '../../operators/money.rules.js'
import { positiveDecimal } from '../../pipelines/scoring/messages.js'
import { bumpConfigVersion } from '../../pipelines/scoring/cache.js'
import { listRates, upsertRate } from '../../storage/postgres/scoring/currency-rate.repository.js'
import type { CurrencyRateRow } from '../../storage/postgres/scoring/currency-rate.table.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import {
  bearer,
  invalidTokenResponse,
  json,
  openApiApp,
  problems,
  publicRoute,
} from '../openapi-app.js'
import { HttpProblem } from '../problem.js'

const RateSchema = z.object({ currency: z.string(), rate: z.string(), updatedAt: z.string() })
const view = (row: CurrencyRateRow) => ({
  currency: row.currency,
  rate: row.rate,
  updatedAt: row.updated_at.toISOString(),
})

/** Rates of other currencies to the base currency. */
export const currencyRatesRoutes = (deps: AppDeps) =>
  openApiApp()
    .openapi(
      createRoute({
        method: 'put',
        path: '/currency-rates/{currency}',
        operationId: 'setCurrencyRate',
        summary: 'Set how many base-currency units one unit of a currency is worth (admin)',
        security: bearer,
        middleware: [requireAdmin(deps.jwtSecret)] as const,
        request: {
          params: z.object({
            currency: z.string().refine(isCurrencyCode, 'must be an ISO 4217 code such as EUR'),
          }),
          body: {
            required: true,
            content: json(
              z.object({
                rate: positiveDecimal('1.25', 12, 12),
              }),
            ),
          },
        },
        responses: {
          200: { description: 'The stored rate', content: json(RateSchema) },
          ...problems(400, 401, 403, 415),
        },
      }),
      async (c) => {
        const { currency } = c.req.valid('param')
        // Scoring always counts the base currency at 1: a stored rate would only mislead.
        if (currency === deps.baseCurrency)
          throw new HttpProblem(
            400,
            'base_currency',
            `${currency} is the base currency: its rate is always 1`,
          )
        const row = await upsertRate(
          deps.db,
          currency,
          c.req.valid('json').rate,
          c.var.caller.userId,
        )
        await bumpConfigVersion(deps.redis, deps.keys)
        return c.json(view(row), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/currency-rates',
        operationId: 'listCurrencyRates',
        ...publicRoute,
        summary: 'Every rate',
        responses: {
          ...invalidTokenResponse,
          200: {
            description: 'Rates',
            content: json(z.object({ base: z.string(), rates: z.array(RateSchema) })),
          },
        },
      }),
      async (c) =>
        c.json({ base: deps.baseCurrency, rates: (await listRates(deps.db)).map(view) }, 200),
    )
