import type { CsvRow } from '../../operators/csv-row.rules.js'
import {
  failFileJob,
  recordFileJobProgress,
  type FileJobTable,
} from '../../storage/postgres/file-job.repository.js'
import { readCsv } from './csv-read.js'
import { FileProblem } from './file-problem.js'
import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import { isRefusedData } from '../../storage/postgres/postgres-errors.js'
import type { FileStore } from '../../storage/filestore.js'
import type { Clock } from '../runtime/clock.js'
import { StopRequestedError } from '../runtime/errors.js'
import { boundedWrites } from '../runtime/bounded-writes.js'

/** Rows stored per statement. */
export const CHUNK = 5000
/**
 * Chunks written concurrently, each on its own connection: one Postgres backend per core here
 * (bench/upload: 2 → ~49,000 rows/s, 3 → ~40,000).
 */
const STORES_IN_FLIGHT = 2
/** How often at most the rows stored so far are recorded (the job's progress). */
const PROGRESS_EVERY_MS = 1000

/** What working through a stored file needs. */
export interface FileJobDeps {
  db: Kysely<Database>
  files: FileStore
  clock: Clock
  /** Aborted when the process begins to stop: the job hands over between chunks. */
  stopping?: AbortSignal | undefined
}

/** A file worked on in the background: its job row and where the file is. */
export interface FileJob {
  table: FileJobTable
  id: string
  fileKey: string
  /** Columns the job reads itself, in lower case: matched in the header ignoring case. */
  columns?: readonly string[]
}

/**
 * Stores `rows` with `store`; when Postgres refuses some of their values, halves them until the
 * refused rows are found, and stores each of those again with its `refused_by_storage` problem
 * (a row error), so one bad row never sinks the file. `store` must count only what it stored.
 */
export async function storeOrSplit(
  rows: CsvRow[],
  store: (rows: CsvRow[]) => Promise<void>,
): Promise<void> {
  try {
    await store(rows)
  } catch (error) {
    if (!isRefusedData(error) || rows.length === 0) throw error
    const [only] = rows
    if (rows.length === 1 && only !== undefined) {
      if (only.problem !== undefined) throw error
      const message = `storage refused the row: ${(error as Error).message}`
      await store([{ ...only, problem: { code: 'refused_by_storage', column: '', message } }])
      return
    }
    const half = Math.ceil(rows.length / 2)
    await storeOrSplit(rows.slice(0, half), store)
    await storeOrSplit(rows.slice(half), store)
  }
}

/**
 * Feeds the job's file to `store` in chunks of rows (numbered from 1, header excluded); false
 * when the file turned out unusable (the job is then failed with the reason). Stopping, it hands
 * the job over between chunks (StopRequestedError): what is stored stays, and a run again
 * stores none of it twice. The rows stored so far are recorded on the job (`rows_read`) every
 * `progressEveryMs`.
 */
export async function eachChunk(
  deps: FileJobDeps,
  job: FileJob,
  store: (rows: CsvRow[]) => Promise<void>,
  progressEveryMs = PROGRESS_EVERY_MS,
): Promise<boolean> {
  let seen = 0
  let stored = 0
  let reportedAt = performance.now()
  const progress = async (rows: number) => {
    stored += rows
    if (performance.now() - reportedAt < progressEveryMs) return
    reportedAt = performance.now()
    await recordFileJobProgress(deps.db, job.table, job.id, stored)
  }
  try {
    await readCsv(deps.files.read(job.fileKey), { canonical: job.columns }, async (records) => {
      // Up to STORES_IN_FLIGHT chunks are written at once while the next one is parsed;
      // memory stays bounded by that many chunks.
      const writes = boundedWrites(STORES_IN_FLIGHT)
      const launch = (rows: CsvRow[]) =>
        writes.start(() => storeOrSplit(rows, store).then(() => progress(rows.length)))
      let rows: CsvRow[] = []
      try {
        for await (const record of records) {
          rows.push({ row: ++seen, ...record })
          if (rows.length === CHUNK) {
            if (deps.stopping?.aborted === true)
              throw new StopRequestedError(`stopping after ${seen} rows; the job resumes elsewhere`)
            await launch(rows)
            rows = []
          }
        }
        await launch(rows)
      } finally {
        await writes.drain()
      }
    })
    return true
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error
    await failFileJob(deps.db, job.table, job.id, error.message, new Date(deps.clock.now()))
    return false
  }
}
