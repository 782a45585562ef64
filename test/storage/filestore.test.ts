import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localFileStore, type FileStore } from '../../storage/filestore.js'

let dir: string
let files: FileStore

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'filestore-'))
  files = localFileStore(dir)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const text = async (source: Readable) => {
  const chunks: Buffer[] = []
  for await (const chunk of source) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString()
}

describe('the local filestore', () => {
  it('should write, read, list and remove a file in a folder of its own', async () => {
    expect(await files.write('a/b/one.txt', Readable.from(['hello ', 'there']))).toBe(11)
    expect(await text(files.read('a/b/one.txt'))).toBe('hello there')
    const listed = []
    for await (const file of files.list()) listed.push(file.key)
    expect(listed).toEqual(['a/b/one.txt'])
    await files.remove('a/b/one.txt')
    expect(await files.size('a/b/one.txt').catch(() => 'gone')).toBe('gone')
  })

  it('should fail the write, not the process, when its source fails before it is read', async () => {
    const source = new PassThrough()
    const written = files.write('c/d/two.txt', source)
    source.destroy(new Error('the writer gave up'))
    await expect(written).rejects.toThrow('the writer gave up')
  })
})
