import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'

/** The compiled CLI's arguments; throws when it has not been built. */
function compiledCli(): string[] {
  if (!existsSync('dist/cli.js')) throw new Error('BENCH_COMPILED=1: run `npm run build` first')
  return ['dist/cli.js']
}

/** Drops and creates a database for one benchmark run. */
export async function freshDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
  await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
  await client.end()
}

/**
 * Runs `cli.ts` with `args` and `env` in a child process. `BENCH_CPU_PROF=dir` writes a CPU
 * profile of each child there; `BENCH_LOG_DIR=dir` keeps each child's stdout as `<pid>.log`;
 * `BENCH_NODE_FLAGS` adds Node flags (such as `--trace-gc`) to each child; `BENCH_COMPILED=1`
 * runs `dist/cli.js` (`npm run build`), as the Docker image does, instead of `cli.ts` under tsx.
 */
export function cli(args: string[], env: Record<string, string>): ChildProcess {
  const profile =
    process.env.BENCH_CPU_PROF === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []
  const entry = process.env.BENCH_COMPILED === '1' ? compiledCli() : ['--import', 'tsx', 'cli.ts']
  const child = spawn(process.execPath, [...profile, ...flags, ...entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const logDir = process.env.BENCH_LOG_DIR
  if (logDir !== undefined) child.stdout?.pipe(createWriteStream(join(logDir, `${child.pid}.log`)))
  return child
}

/** Resolves once the child's JSON log has printed `count` lines whose msg is `msg`. */
export function logged(child: ChildProcess, msg: string, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0
    let buffer = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) if (line.includes(`"msg":"${msg}"`) && ++seen === count) resolve()
    })
  })
}

/** Waits for a child to exit; rejects on a non-zero code. */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0 || code === null ? resolve() : reject(new Error(`exit ${code}`)),
    )
  })
}

/** Peak resident set of a process in MB (VmHWM), or NaN once it has gone. */
export function peakRssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1]
    return kb === undefined ? Number.NaN : Number(kb) / 1024
  } catch {
    return Number.NaN
  }
}

/**
 * CPU seconds (user + system) used so far, from /proc: by each of `pids`, and by every process
 * whose name is one of `names` (all Postgres backends, say). NaN where /proc cannot tell.
 */
function cpuSeconds(pids: (number | undefined)[], names: string[] = []): number[] {
  const ticks = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks
  }
  const byPid = pids.map((pid) => {
    try {
      return ticks(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    } catch {
      return Number.NaN
    }
  })
  const byName = names.map(() => 0)
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d))
  } catch {
    return [...byPid, ...names.map(() => Number.NaN)]
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const at = names.indexOf(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')))
      if (at >= 0) byName[at] = (byName[at] ?? 0) + ticks(stat)
    } catch {
      // the process ended meanwhile
    }
  }
  return [...byPid, ...byName]
}

/**
 * Starts counting the CPU of `pids` and of every process named one of `names`; the function
 * returned gives the seconds each used since, in that order.
 */
export function cpuMeter(pids: (number | undefined)[], names: string[] = []): () => number[] {
  const before = cpuSeconds(pids, names)
  return () => cpuSeconds(pids, names).map((s, i) => s - (before[i] ?? Number.NaN))
}

/** CPU seconds used by the `work` processes (together), all Postgres backends and Redis. */
export interface ServiceCpu {
  workers: number
  postgres: number
  redis: number
}

/** Starts counting the CPU of `workers`, Postgres and Redis; the function returned gives it since. */
export function serviceCpuMeter(workers: ChildProcess[]): () => ServiceCpu {
  const used = cpuMeter(
    workers.map((w) => w.pid),
    ['postgres', 'redis-server'],
  )
  return () => {
    const seconds = used()
    const [postgres = Number.NaN, redis = Number.NaN] = seconds.slice(workers.length)
    return {
      workers: seconds.slice(0, workers.length).reduce((a, b) => a + b, 0),
      postgres,
      redis,
    }
  }
}

/** `seconds` of CPU spread over `count` items, in µs with `digits` decimals. */
export function microsEach(seconds: number | undefined, count: number, digits = 0): string {
  return (((seconds ?? Number.NaN) / count) * 1e6).toFixed(digits)
}

/** The q-th percentile (0..1) of sorted numbers. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The middle one of three. */
const median3 = (values: number[]) => [...values].sort((a, b) => a - b)[1] ?? Number.NaN

/**
 * Fixed work timed on this machine, to tell a slower hour of the machine from a slower change
 * of the code: one core's JSON round trips, and Postgres inserting indexed rows in one backend
 * (WAL-logged, rolled back). Each is the median of three runs.
 */
export async function machineReference(databaseUrl: string): Promise<string> {
  const entry = { userId: '123456', itemId: '7', amount: '12.50', currency: 'EUR', n: 1 }
  const nodeRuns: number[] = []
  for (let run = 0; run < 3; run++) {
    const started = performance.now()
    for (let i = 0; i < 300_000; i++) JSON.parse(JSON.stringify({ ...entry, n: i }))
    nodeRuns.push(performance.now() - started)
  }
  const admin = new URL(databaseUrl)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  const rows = 300_000
  const pgRuns: number[] = []
  try {
    for (let run = 0; run < 3; run++) {
      await client.query('BEGIN')
      await client.query(
        'CREATE TABLE bench_reference (id bigint PRIMARY KEY, phone text, slot int, UNIQUE (phone, slot))',
      )
      const started = performance.now()
      await client.query(
        `INSERT INTO bench_reference SELECT g, '+91' || (9800000000 + g), g % 2 FROM generate_series(1, ${rows}) g`,
      )
      pgRuns.push(((performance.now() - started) * 1000) / rows)
      await client.query('ROLLBACK')
    }
  } finally {
    await client.end()
  }
  return `node ${median3(nodeRuns).toFixed(0)} ms for 300,000 JSON round trips on one core; Postgres ${median3(pgRuns).toFixed(1)} µs per indexed row inserted by one backend`
}
