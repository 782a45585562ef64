import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { basename, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { findRun, unfinishedRun } from '../../storage/postgres/replay/replay-run.repository.js'
import type { ReplayRunRow } from '../../storage/postgres/replay/replay-run.table.js'
import { findStoredFile } from '../../storage/postgres/stored-file.repository.js'
import { storeFile } from '../files/stored-files.js'
import type { ReplayDeps } from './deps.js'
import { OUTPUT_TYPES } from './replay-outputs.js'
import { discardUpload } from './run-end.js'
import { clientOf } from './clients.js'
import { fireDryRun, queueRun, startRun, type RunOptions } from './runs.js'

/** What `campaign-streams replay` was asked. */
export interface ReplayArgs {
  name: string
  loadFile: string
  dryRun: boolean
  rate?: number | undefined
  outputDir: string
  yes: boolean
  force: boolean
  maxExceptionRate: number
}

/** Where the command talks: its output, and a yes/no question when it runs on a terminal. */
export interface CommandIo {
  write(text: string): void
  /** True on a terminal: progress is a bar redrawn in place, not lines. */
  tty: boolean
  /** Asks a yes/no question; undefined when nobody can answer (not a terminal). */
  confirm?: (question: string) => Promise<boolean>
}

const ENDED = ['completed', 'refused', 'failed']

/**
 * One line of a run's progress: while validating, rows read and their rate; then rows fired of
 * those to fire, the rate, counts and ETA.
 */
export function progressLine(run: ReplayRunRow, seconds: number): string {
  const width = 24
  if (run.status === 'validating' || run.dry_run) {
    // a dry run fires nothing: its progress is the rows read
    const bar = (run.status === 'validating' ? '.' : '#').repeat(width)
    const rate = seconds > 0 ? Math.round(run.rows / seconds) : 0
    return `[${bar}] ${run.status} · ${run.rows} rows read · ${rate} rows/s · ${run.exceptions} exceptions`
  }
  const total = run.valid
  const done = run.succeeded + run.failed
  const toFire = Math.max(1, total)
  const rate = seconds > 0 ? done / seconds : 0
  const eta = rate > 0 && run.status === 'firing' ? Math.max(0, (toFire - done) / rate) : undefined
  const filled = Math.min(width, Math.round((width * done) / toFire))
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${run.status} ${done}/${total} fired · ${Math.round(rate)} rows/s · ${run.succeeded} ok · ${run.failed} failed · ${run.exceptions} exceptions${eta === undefined ? '' : ` · ETA ${Math.ceil(eta)} s`}`
}

/** Waits for a run to end, showing its progress; returns it ended. */
async function follow(deps: ReplayDeps, id: string, io: CommandIo): Promise<ReplayRunRow> {
  const started = performance.now()
  let lastLine = 0
  for (;;) {
    const run = await findRun(deps.db, id)
    if (run === undefined) throw new Error(`run ${id} is gone`)
    const line = progressLine(run, (performance.now() - started) / 1000)
    if (io.tty) io.write(`\r${line}\u001b[K`)
    else if (performance.now() - lastLine > 5000 || ENDED.includes(run.status)) {
      io.write(`${line}\n`)
      lastLine = performance.now()
    }
    if (ENDED.includes(run.status)) {
      if (io.tty) io.write('\n')
      return run
    }
    await sleep(250)
  }
}

/** Writes a run's five files into `dir`; returns their paths. */
async function saveOutputs(deps: ReplayDeps, run: ReplayRunRow, dir: string): Promise<string[]> {
  if (run.outputs === null) return []
  await mkdir(dir, { recursive: true })
  const paths: string[] = []
  for (const type of OUTPUT_TYPES) {
    const output = run.outputs[type]
    const row = await findStoredFile(deps.db, output.fileStoreId)
    if (row === undefined) continue
    const path = join(dir, basename(output.name))
    await pipeline(deps.files.read(row.file_key), createWriteStream(path))
    paths.push(path)
  }
  return paths
}

const counts = (run: ReplayRunRow) =>
  `${run.rows} rows: ${run.valid} valid, ${run.warnings} with warnings, ${run.exceptions} exceptions`

/**
 * `campaign-streams replay`: a dry run of the file (its files written to `--output-dir`), then,
 * unless `--dry-run`, after confirmation (or `--yes`), a live run of exactly the rows it
 * validated. The runs go through the replay streams and actors (the caller runs them, joining
 * any workers); stopped and run again with the same file, an unfinished live run is resumed.
 * Returns the exit code: 0 when the run completed.
 */
export async function replayCommand(
  deps: ReplayDeps,
  args: ReplayArgs,
  io: CommandIo,
): Promise<number> {
  const client = await clientOf(deps.db, args.name)
  const file = await storeFile(
    deps,
    {
      source: createReadStream(args.loadFile),
      name: basename(args.loadFile),
      contentType: 'text/csv',
      createdBy: 'cli',
    },
    deps.maxUploadBytes,
  )
  const options: RunOptions = {
    dryRun: true,
    maxExceptionRate: args.maxExceptionRate,
    force: args.force,
    rate: args.rate,
  }
  const resumed = args.dryRun
    ? undefined
    : await unfinishedRun(deps.db, client.name, file.sha256, false)
  let live = resumed
  if (live !== undefined) {
    io.write(`resuming run ${live.id} (${live.status})\n`)
    if (live.file_store_id !== file.fileStoreId) await discardUpload(deps, file.fileStoreId)
    await queueRun(deps, live)
  } else {
    const { run: started } = await startRun(deps, {
      client: client.name,
      file,
      options,
      createdBy: 'cli',
    })
    io.write(`dry run ${started.id} of ${args.loadFile} for ${client.name}\n`)
    const dry = await follow(deps, started.id, io)
    io.write(
      `dry run ${dry.status}: ${counts(dry)}${dry.error === null ? '' : ` (${dry.error})`}\n`,
    )
    for (const path of await saveOutputs(deps, dry, args.outputDir)) io.write(`  ${path}\n`)
    if (args.dryRun || dry.status !== 'completed') return dry.status === 'completed' ? 0 : 1
    const share = dry.rows === 0 ? 0 : dry.exceptions / dry.rows
    if (share > args.maxExceptionRate && !args.force) {
      io.write(
        `refused: ${(100 * share).toFixed(1)}% of the rows are exceptions, more than --max-exception-rate ${args.maxExceptionRate}; fix the file or add --force\n`,
      )
      return 1
    }
    const question = `fire ${dry.valid} requests at ${client.target_url} (${dry.exceptions} exceptions left out)?`
    const agreed = args.yes || (io.confirm === undefined ? false : await io.confirm(question))
    if (!agreed) {
      io.write(
        args.yes || io.confirm !== undefined
          ? 'not fired\n'
          : 'not fired: add --yes to fire without a terminal\n',
      )
      return 1
    }
    live = (
      await fireDryRun(
        deps,
        dry,
        { maxExceptionRate: args.maxExceptionRate, force: args.force, rate: args.rate },
        'cli',
      )
    ).run
    io.write(`live run ${live.id}\n`)
  }
  const done = await follow(deps, live.id, io)
  io.write(
    `live run ${done.status}: ${counts(done)}; fired ${done.fired}: ${done.succeeded} succeeded, ${done.failed} failed${done.error === null ? '' : ` (${done.error})`}\n`,
  )
  for (const path of await saveOutputs(deps, done, args.outputDir)) io.write(`  ${path}\n`)
  return done.status === 'completed' ? 0 : 1
}
