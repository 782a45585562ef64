import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** Where files (uploads, reports, replay outputs) live; metadata stays in Postgres. */
export interface FileStore {
  /** Streams `source` through `transforms` into `key`; returns the bytes written. */
  write(key: string, source: Readable, ...transforms: Transform[]): Promise<number>
  read(key: string): Readable
  size(key: string): Promise<number>
  remove(key: string): Promise<void>
  /** Every file's key and when it was last written, in no set order. */
  list(): AsyncIterable<{ key: string; modifiedAt: Date }>
}

/** A file store on a local directory (`FILESTORE_DIR`). */
export function localFileStore(root: string): FileStore {
  const base = resolve(root)
  const path = (key: string) => {
    const full = resolve(join(base, key))
    if (!full.startsWith(`${base}/`)) throw new RangeError(`file key escapes the store: ${key}`)
    return full
  }
  return {
    write: async (key, source, ...transforms) => {
      const target = path(key)
      // A source that fails while the folder is made would throw its error with no listener;
      // the pipeline reports it instead (it sees the stream errored).
      const early = () => undefined
      source.on('error', early)
      try {
        await mkdir(dirname(target), { recursive: true })
      } finally {
        source.off('error', early)
      }
      await pipeline([source, ...transforms, createWriteStream(target)])
      return (await stat(target)).size
    },
    read: (key) => createReadStream(path(key)),
    size: async (key) => (await stat(path(key))).size,
    remove: (key) => rm(path(key), { force: true }),
    list: async function* () {
      const names = await readdir(base, { recursive: true }).catch((error: unknown) => {
        if ((error as { code?: unknown }).code === 'ENOENT') return [] // nothing stored yet
        throw error
      })
      for (const name of names) {
        const info = await stat(join(base, name)).catch(() => undefined) // removed meanwhile
        if (info?.isFile() === true) yield { key: name, modifiedAt: info.mtime }
      }
    },
  }
}
