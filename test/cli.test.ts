import { bearerCaller } from '../http/auth.js'
import { execFile, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendEntries, flatten, toEntries } from '../storage/redis/streams.js'
import {
  isolatedServices,
  testDatabaseUrl,
  testRedisUrl,
  type TestServices,
  eventually,
  underSchemaLock,
} from './support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
})
afterAll(() => s.close())

/** This file's environment: its key namespace, and its own (migrated) schema. */
const env = (more: Record<string, string> = {}) => ({
  ...process.env,
  KEY_PREFIX: s.namespace,
  REDIS_URL: testRedisUrl,
  DATABASE_URL: `${testDatabaseUrl}?options=${encodeURIComponent(`-c search_path=${s.schema}`)}`,
  LOG_LEVEL: 'silent',
  ...more,
})

/** A local port, listened on by `server` when given. */
async function port(
  server = createServer(),
): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Runs `cli.ts` in its own process on this file's key namespace. */
const cli = (...args: string[]) => run(['--import', 'tsx', 'cli.ts', ...args])

/** Runs Node with `args` on this file's key namespace; resolves with its exit code and output. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      env: env(),
      maxBuffer: 64 * 1024 * 1024,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('campaign-streams token', () => {
  it('should print a token the API takes, signed with JWT_SECRET, and refuse a wrong use', async () => {
    const secret = 'a-test-secret-of-some-length'
    const { stdout, code } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'cli.ts', 'token', '--sub', '42', '--admin'],
      { env: env({ JWT_SECRET: secret }) },
    ).then((r) => ({ ...r, code: 0 }))
    expect(code).toBe(0)
    expect(await bearerCaller(`Bearer ${stdout.trim()}`, secret)).toEqual({
      userId: '42',
      admin: true,
    })
    await expect(
      bearerCaller(`Bearer ${stdout.trim()}`, 'another-secret-entirely'),
    ).rejects.toThrow()
    const [noSub, unknown] = await Promise.all([cli('token'), cli('token', '--sub', '1', '--root')])
    expect(noSub.code).toBe(2)
    expect(noSub.stderr).toContain('token needs --sub')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("Unknown option '--root'")
  })
})

describe('campaign-streams dead-letters', () => {
  it('should refuse a wrong use with exit code 2, saying what is wrong', async () => {
    const [stream, id, usage] = await Promise.all(
      [
        ['dead-letters', 'list', 'nope'],
        ['dead-letters', 'replay', 'purchase_events', 'not-an-id'],
        ['dead-letters', 'discard', 'purchase_events'],
      ].map((args) => cli(...args)),
    )
    for (const run of [stream, id, usage]) expect(run?.code).toBe(2)
    expect(stream?.stderr).toContain(
      'unknown stream: nope; streams with dead letters: purchase_events,',
    )
    expect(id?.stderr).toContain('not a stream entry id: not-an-id')
    expect(usage?.stderr).toContain('dead-letters discard <stream> <id…>')
  })

  it('should print the usage on --help, with exit code 0', async () => {
    const help = await cli('--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^usage: campaign-streams <command>\n/)
    expect(help.stdout).toContain('dead-letters replay <stream> [id…]')
  })

  it('should list every dead letter, discard and replay chosen ones', async () => {
    const dead = s.keys.dead(s.keys.outreachUploads)
    const tx = s.redis.multi()
    appendEntries(
      tx,
      dead,
      Array.from({ length: 1001 }, (_, i) =>
        flatten({ requestId: String(i), error: 'boom', actor: 'upload-split', attempts: '6' }),
      ),
    )
    await tx.exec()
    const ids = toEntries(await s.redis.xrange(dead, '-', '+')).map((e) => e.id)

    const list = await cli('dead-letters', 'list', 'outreach:uploads')
    expect(list.code).toBe(0)
    const lines = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string })
    expect(lines.map((l) => l.id)).toEqual(ids) // past the first page of 1000
    expect(list.stderr).toBe('1001 dead letters\n')

    const discard = await cli('dead-letters', 'discard', 'outreach:uploads', ids[0]!, ids[1000]!)
    expect(discard.stdout).toBe('discarded 2\n')
    const replay = await cli('dead-letters', 'replay', 'outreach:uploads', ids[5]!)
    expect(replay.stdout).toBe('replayed 1\n')
    expect(toEntries(await s.redis.xrange(s.keys.outreachUploads, '-', '+'))).toMatchObject([
      { fields: { requestId: '5' } },
    ])
    expect(await s.redis.xlen(dead)).toBe(998)
  })
})

describe('the compiled CLI (npm run build, as the Docker image runs it)', () => {
  it('should run from dist/ with the Lua scripts beside it', { timeout: 120_000 }, async () => {
    await promisify(execFile)('npm', ['run', '--silent', 'build'])
    // Kysely's migrator lists every schema's tables: not while another test file drops its own.
    let migrate: Awaited<ReturnType<typeof run>> | undefined
    await underSchemaLock(async () => {
      migrate = await run(['dist/cli.js', 'migrate'])
    })
    expect(migrate?.code, migrate?.stderr).toBe(0)
    const list = await run(['dist/cli.js', 'dead-letters', 'list', 'purchase_events'])
    expect(list).toEqual({ code: 0, stdout: '', stderr: '0 dead letters\n' })
  })
})

describe('campaign-streams serve and work', () => {
  /** Starts `cli.ts <args>`; `exited` resolves with its exit code and stderr. */
  const start = (args: string[], more: Record<string, string>) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli.ts', ...args], {
      env: env({ LOG_LEVEL: 'info', ...more }),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.on('exit', (code) => resolve({ code, stderr })),
    )
    return { child, exited, stdout: () => stdout }
  }

  it('should stop with one line when PORT is taken', async () => {
    const taken = await port()
    try {
      const serve = start(['serve'], { PORT: String(taken.port) })
      expect(await serve.exited).toEqual({
        code: 2,
        stderr: `PORT ${taken.port} is already in use\n`,
      })
      expect(serve.stdout()).toContain('JWT_SECRET is the development default')
    } finally {
      await taken.close()
    }
  })

  it('should serve health and its own metrics from a work process, and stop on SIGTERM', async () => {
    const free = await port()
    await free.close()
    const taken = await port()
    const work = start(['work', '--actors', 'purchase-qualify'], {
      METRICS_PORT: String(free.port),
      PORT: String(taken.port), // not used by work: a second worker on the host needs no port
    })
    try {
      await eventually(async () => work.stdout().includes('"msg":"actor started"'))
      const base = `http://127.0.0.1:${free.port}`
      expect((await fetch(`${base}/readyz`)).status).toBe(200)
      const metrics = await (await fetch(`${base}/metrics`)).text()
      expect(metrics).toContain('campaign_streams_redis_up 1')
      expect(metrics).toContain(
        'campaign_streams_stream_pending_entries{stream="purchase_events",group="purchase-qualify"} 0',
      )
      expect((await fetch(`${base}/campaigns/1`)).status).toBe(404)
    } finally {
      work.child.kill('SIGTERM')
      await taken.close()
    }
    expect((await work.exited).code).toBe(0)
  })
})
