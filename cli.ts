#!/usr/bin/env node
import { serve as serveHttp } from '@hono/node-server'
import { createInterface } from 'node:readline/promises'
import { inspect, parseArgs } from 'node:util'
import pino from 'pino'
import { ConfigError, DEV_JWT_SECRET, loadConfig, type Config } from './config.js'
import { createApp, createOpsApp } from './http/app.js'
import { mintToken } from './http/auth.js'
import {
  discardDeadLetters,
  isDeadLetterStream,
  listDeadLetters,
  replayDeadLetters,
} from './pipelines/dead-letters.js'
import { createLeaderboardFeed } from './pipelines/scoring/leaderboard-feed.js'
import { rebuild } from './pipelines/rebuild.js'
import { systemClock } from './pipelines/runtime/clock.js'
import { createMetrics } from './pipelines/runtime/metrics.js'
import { registerStreamGauges } from './pipelines/runtime/stream-gauges.js'
import { registerFactoryGauges } from './pipelines/factory/metrics.js'
import { registerOutreachGauges } from './pipelines/outreach/metrics.js'
import { registerReportGauges } from './pipelines/reports/metrics.js'
import { createScoringCache } from './pipelines/scoring/cache.js'
import { replayCommand } from './pipelines/replay/replay-command.js'
import { ACTOR_NAMES, startWorkers, type ActorName, type WorkerDeps } from './pipelines/workers.js'
import { localFileStore } from './storage/filestore.js'
import {
  ServiceUnreachable,
  createDb,
  ensureDatabase,
  waitForPostgres,
} from './storage/postgres/database.js'
import { migrateToLatest, untilMigrated } from './storage/postgres/migrate.js'
import { createRedis, createRequestRedis, logConnection } from './storage/redis/connection.js'
import { CONSUMED_STREAMS, createKeys } from './storage/redis/keys.js'
import { ENTRY_ID } from './storage/redis/streams.js'

const USAGE = `usage: campaign-streams <command>
  start                                 migrate, then HTTP and every actor in one process
  serve                                 HTTP only
  work [--actors a,b]                   actors only (${ACTOR_NAMES.join(', ')})
  migrate                               create the database if needed and apply migrations
  rebuild                               restore leaderboards, timers, unfinished uploads and do-not-call imports, and dead letters in Redis from Postgres
  dead-letters list <stream>            print every dead letter as a JSON line
  dead-letters replay <stream> [id…]    put them (all, or those ids) back on their stream
  dead-letters discard <stream> <id…>   delete those dead letters for good
  replay --name <client> --load-file <csv> [--dry-run] [--rate N] [--output-dir DIR] [--yes]
         [--max-exception-rate R] [--force]
                                        validate a CSV for a replay client (its five files to DIR),
                                        then, unless --dry-run, fire it after confirmation
  token --sub <id> [--admin] [--hours N]
                                        print a bearer token signed with JWT_SECRET (valid 24 h)
    <stream>: ${CONSUMED_STREAMS.join(', ')}`

/** The process's JSON logger; every line names the service. */
const createLogger = (config: Config) =>
  pino({ level: config.LOG_LEVEL, base: { service: 'campaign-streams' } })

/** Everything a process shares: config, logger, connections, metrics. */
function context(config: Config) {
  const logger = createLogger(config)
  const redis = logConnection(createRedis(config.REDIS_URL), logger.child({ connection: 'main' }))
  const db = createDb(config.DATABASE_URL, {
    onIdleError: (error) => {
      logger.warn({ err: error }, 'idle postgres connection lost')
    },
  })
  const keys = createKeys(config.KEY_PREFIX)
  const metrics = createMetrics()
  const clock = systemClock
  const deps: WorkerDeps = {
    db,
    redis,
    keys,
    clock,
    logger,
    metrics,
    cache: createScoringCache(db, redis, keys, config.BASE_CURRENCY),
    baseCurrency: config.BASE_CURRENCY,
    settleSeconds: config.WINNER_SETTLE_SECONDS,
    files: localFileStore(config.FILESTORE_DIR),
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    maxSlotsPerDay: config.MAX_SLOTS_PER_DAY,
    outbound: config.OUTBOUND_ALLOW,
    targets: {
      urls: config.FACTORY_TARGETS,
      batch: config.FACTORY_TARGET_BATCH,
      maxAttempts: config.FACTORY_MAX_ATTEMPTS,
      timeoutMs: config.FACTORY_TARGET_TIMEOUT_MS,
    },
    phoneRegion: config.PHONE_REGION,
    reports: {
      maxRowsPerPart: config.REPORT_MAX_ROWS_PER_PART,
      retentionDays: config.REPORT_RETENTION_DAYS,
      stallSeconds: config.REPORT_STALL_SECONDS,
      maxAttempts: config.REPORT_MAX_ATTEMPTS,
    },
    dryRunKeepDays: config.REPLAY_DRY_RUN_KEEP_DAYS,
    streamRetentionMs: config.STREAM_RETENTION_SECONDS * 1000,
    orphanFileAgeMs: config.FILESTORE_ORPHAN_AGE_SECONDS * 1000,
    actorOptions: {
      visibilityTimeoutMs: config.VISIBILITY_TIMEOUT_MS,
      maxDeliveries: config.MAX_DELIVERIES,
    },
  }
  const close = async () => {
    await db.destroy()
    redis.disconnect()
  }
  return { deps, close }
}

/** How long `migrate` and `start` wait for Postgres to answer (it may be starting too). */
const POSTGRES_WAIT_MS = 30_000

async function migrate(config: Config, logger: pino.Logger): Promise<void> {
  await waitForPostgres(config.DATABASE_URL, {
    waitMs: POSTGRES_WAIT_MS,
    onWait: (reason) => logger.warn({ reason }, 'waiting for postgres'),
  })
  if (await ensureDatabase(config.DATABASE_URL)) logger.info('database created')
  const db = createDb(config.DATABASE_URL, { maxConnections: 1 })
  try {
    const applied = await migrateToLatest(db)
    logger.info({ applied }, applied.length === 0 ? 'schema up to date' : 'migrations applied')
  } finally {
    await db.destroy()
  }
}

/** Serves `fetch` on `port` once it listens; a port in use stops the process with one line. */
async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  name: 'PORT' | 'METRICS_PORT',
) {
  const server = serveHttp({ fetch, port })
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ConfigError(
          error.code === 'EADDRINUSE'
            ? `${name} ${port} is already in use`
            : `cannot listen on ${name} ${port}: ${error.message}`,
        ),
      )
    })
  })
  return server
}

/**
 * The HTTP part of a process, listening on `port`: every route (start, serve) or a work
 * process's health and own metrics. Requests use a Redis connection of their own that fails
 * fast while Redis is unreachable (503); the actors' connection waits. `close` stops it.
 */
async function serveHttpPart(
  command: 'start' | 'serve' | 'work',
  config: Config,
  deps: WorkerDeps,
  name: 'PORT' | 'METRICS_PORT',
  port: number,
) {
  const requestRedis = logConnection(
    createRequestRedis(config.REDIS_URL),
    deps.logger.child({ connection: 'requests' }),
  )
  registerStreamGauges(deps.metrics, requestRedis, deps.keys, deps.clock)
  registerOutreachGauges(deps.metrics, deps.db, deps.clock)
  registerFactoryGauges(deps.metrics, deps.db, deps.clock)
  registerReportGauges(deps.metrics, deps.db, deps.clock, config.REPORT_STALL_SECONDS)
  const httpDeps = { ...deps, redis: requestRedis }
  const reader =
    command === 'work'
      ? undefined
      : logConnection(deps.redis.duplicate(), deps.logger.child({ connection: 'leaderboard feed' }))
  const feed =
    reader === undefined ? undefined : createLeaderboardFeed(requestRedis, reader, deps.keys)
  const app =
    feed === undefined
      ? createOpsApp(httpDeps)
      : createApp({
          ...httpDeps,
          feed,
          jwtSecret: config.JWT_SECRET,
          corsOrigins: config.CORS_ORIGINS,
          reportMinIntervalMinutes: config.REPORT_MIN_INTERVAL_MINUTES,
        })
  if (feed !== undefined && config.JWT_SECRET === DEV_JWT_SECRET)
    deps.logger.warn('JWT_SECRET is the development default: anyone can sign admin tokens; set it')
  const server = await listen(app.fetch, port, name)
  deps.logger.info({ port }, 'http listening')
  return {
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Live leaderboard streams never end by themselves: end them, or closing would wait.
      feed?.close()
      await closed
      reader?.disconnect()
      requestRedis.disconnect()
    },
  }
}

/** Runs until SIGTERM/SIGINT, then stops `parts` in order. */
function untilSignal(logger: pino.Logger, stop: () => Promise<void>): void {
  let stopping = false
  const onSignal = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping')
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}

async function run(command: string | undefined, args: string[], config: Config): Promise<void> {
  const bootLogger = createLogger(config)
  switch (command) {
    case 'migrate':
      return migrate(config, bootLogger)
    case 'start':
    case 'serve':
    case 'work': {
      if (command === 'start') await migrate(config, bootLogger)
      const { values } = parseArgs({ args, options: { actors: { type: 'string' } } })
      const names = (values.actors?.split(',').map((s) => s.trim()) ?? [
        ...ACTOR_NAMES,
      ]) as ActorName[]
      const unknown = names.filter((n) => !(ACTOR_NAMES as readonly string[]).includes(n))
      if (unknown.length > 0)
        throw new ConfigError(
          `unknown actor: ${unknown.join(', ')}; known: ${ACTOR_NAMES.join(', ')}`,
        )
      const { deps, close } = context(config)
      // Code newer than the schema would answer 500s and fail batches: wait for `migrate`.
      await untilMigrated(deps.db, {
        url: config.DATABASE_URL,
        onWait: (waiting) => {
          if ('pending' in waiting)
            deps.logger.warn(
              { pending: waiting.pending },
              'waiting for migrations: run campaign-streams migrate',
            )
          else deps.logger.warn({ reason: waiting.reason }, 'waiting for postgres')
        },
      })
      // HTTP: every route on PORT (start, serve); a work process's health and own metrics on
      // METRICS_PORT, when set.
      const [name, port] =
        command === 'work'
          ? (['METRICS_PORT', config.METRICS_PORT] as const)
          : (['PORT', config.PORT] as const)
      const http =
        port === undefined ? undefined : await serveHttpPart(command, config, deps, name, port)
      const workers = command === 'serve' ? undefined : await startWorkers(deps, names)
      untilSignal(deps.logger, async () => {
        await http?.close()
        await workers?.stop()
        await close()
      })
      return
    }
    case 'rebuild': {
      const { deps, close } = context(config)
      const report = await rebuild(deps)
      process.stdout.write(`${JSON.stringify(report)}\n`)
      return close()
    }
    case 'dead-letters': {
      const [action, stream, ...ids] = args
      if (stream !== undefined && !isDeadLetterStream(stream))
        throw new ConfigError(
          `unknown stream: ${stream}; streams with dead letters: ${CONSUMED_STREAMS.join(', ')}`,
        )
      const badId = ids.find((id) => !ENTRY_ID.test(id))
      if (badId !== undefined)
        throw new ConfigError(`not a stream entry id: ${badId} (ids look like 1700000000000-0)`)
      if (
        stream === undefined ||
        !(action === 'list' ? ids.length === 0 : action === 'replay' || ids.length > 0)
      ) {
        throw new ConfigError(USAGE)
      }
      const { deps, close } = context(config)
      if (action === 'list') {
        let listed = 0
        let page = await listDeadLetters(deps, stream, { count: 1000 })
        while (page.deadLetters.length > 0) {
          process.stdout.write(page.deadLetters.map((d) => `${JSON.stringify(d)}\n`).join(''))
          listed += page.deadLetters.length
          const after = page.deadLetters[page.deadLetters.length - 1]?.id
          page = await listDeadLetters(deps, stream, { after, count: 1000 })
        }
        process.stderr.write(`${listed} dead letters\n`)
      } else if (action === 'replay') {
        const replayed = await replayDeadLetters(deps, stream, ids.length > 0 ? ids : undefined)
        process.stdout.write(`replayed ${replayed}\n`)
      } else {
        const discarded = await discardDeadLetters(deps, stream, ids)
        process.stdout.write(`discarded ${discarded}\n`)
      }
      return close()
    }
    case 'replay': {
      const { values } = parseArgs({
        args,
        options: {
          name: { type: 'string' },
          'load-file': { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
          rate: { type: 'string' },
          'output-dir': { type: 'string', default: '.' },
          yes: { type: 'boolean', default: false },
          force: { type: 'boolean', default: false },
          'max-exception-rate': { type: 'string', default: '0.05' },
        },
        strict: true,
      })
      const rate = values.rate === undefined ? undefined : Number(values.rate)
      const maxExceptionRate = Number(values['max-exception-rate'])
      if (values.name === undefined || values['load-file'] === undefined)
        throw new ConfigError(`replay needs --name <client> and --load-file <csv>\n${USAGE}`)
      if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > 10_000))
        throw new ConfigError('--rate must be a whole number of requests a second, 1 to 10000')
      if (!(maxExceptionRate >= 0 && maxExceptionRate <= 1))
        throw new ConfigError(
          '--max-exception-rate must be a share of the rows, 0 to 1 (0.05 is 5%)',
        )
      const { deps, close } = context({ ...config, LOG_LEVEL: 'warn' })
      // The run goes through the replay actors; this process runs them too, beside any workers.
      const workers = await startWorkers(deps, ['replay-validate', 'replay-fire'])
      const stop = async () => {
        await workers.stop()
        await close()
      }
      process.once('SIGINT', () => {
        process.stderr.write('\nstopping: run the same command again to resume\n')
        void stop().then(() => process.exit(130))
      })
      const tty = process.stdout.isTTY
      const code = await replayCommand(
        deps,
        {
          name: values.name,
          loadFile: values['load-file'],
          dryRun: values['dry-run'],
          rate,
          outputDir: values['output-dir'],
          yes: values.yes,
          force: values.force,
          maxExceptionRate,
        },
        {
          write: (text) => process.stdout.write(text),
          tty,
          ...(tty && process.stdin.isTTY
            ? {
                confirm: async (question: string) => {
                  const prompt = createInterface({ input: process.stdin, output: process.stdout })
                  const answer = await prompt.question(`${question} [y/N] `)
                  prompt.close()
                  return /^y(es)?$/i.test(answer.trim())
                },
              }
            : {}),
        },
      )
      await stop()
      // Pooled sockets of the run may linger a moment: the command is done.
      return process.exit(code)
    }
    case 'token': {
      const { values } = parseArgs({
        args,
        options: {
          sub: { type: 'string' },
          admin: { type: 'boolean', default: false },
          hours: { type: 'string', default: '24' },
        },
        strict: true,
      })
      const hours = Number(values.hours)
      if (values.sub === undefined || !/^\d{1,20}$/.test(values.sub))
        throw new ConfigError(`token needs --sub <user id in decimal digits>\n${USAGE}`)
      if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 366)
        throw new ConfigError('--hours must be a whole number of hours, 1 to 8784')
      const claims = { sub: values.sub, admin: values.admin }
      process.stdout.write(`${await mintToken(config.JWT_SECRET, claims, hours * 3600)}\n`)
      return
    }
    default:
      throw new ConfigError(USAGE)
  }
}

const [command, ...args] = process.argv.slice(2)
try {
  // Help needs no environment: it works where a variable is still wrong.
  if (command === 'help' || command === '--help' || command === '-h')
    process.stdout.write(`${USAGE}\n`)
  else await run(command, args, loadConfig())
} catch (error) {
  // An option parseArgs does not know, or a value missing: a usage error like ConfigError.
  const usage =
    error instanceof ConfigError ||
    String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
  const oneLine = usage || error instanceof ServiceUnreachable
  process.stderr.write(`${oneLine ? (error as Error).message : inspect(error)}\n`)
  process.exit(usage ? 2 : 1)
}
