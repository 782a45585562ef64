import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, testApp } from '../support/app.js'
import { isolatedServices, type TestServices } from '../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let owner: Record<string, string>

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  owner = await bearer('7')
})
afterAll(async () => {
  t.close()
  await s.close()
})

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex')
const form = (name: string, bytes: string, type?: string) => {
  const body = new FormData()
  body.set('file', new Blob([bytes], type === undefined ? {} : { type }), name)
  return body
}
const storedKeys = async () =>
  (await readdir(join(s.filesDir, 'files')).catch(() => [] as string[])).length

describe('filestore', () => {
  it('should keep a multipart file and give back its bytes, type, name and hash', async () => {
    const csv = 'name,phone\nÅsa,911234567891\n'
    const res = await t.app.request('/files', {
      method: 'POST',
      body: form('facilities é.csv', csv, 'text/csv'),
      headers: owner,
    })
    expect(res.status).toBe(201)
    const stored = (await res.json()) as { fileStoreId: string }
    expect(stored).toMatchObject({
      name: 'facilities é.csv',
      contentType: 'text/csv',
      bytes: Buffer.byteLength(csv),
      sha256: sha256(csv),
    })
    expect(res.headers.get('location')).toBe(`/files/${stored.fileStoreId}`)

    const back = await t.app.request(`/files/${stored.fileStoreId}`, { headers: owner })
    expect(back.status).toBe(200)
    expect(back.headers.get('content-type')).toBe('text/csv')
    expect(back.headers.get('etag')).toBe(`"${sha256(csv)}"`)
    expect(back.headers.get('content-disposition')).toBe(
      `attachment; filename="facilities _.csv"; filename*=UTF-8''facilities%20%C3%A9.csv`,
    )
    expect(await back.text()).toBe(csv)
  })

  it('should keep a raw body named by the query, typed by its extension when sent generic', async () => {
    const res = await t.app.request('/files?name=users.xlsx', {
      method: 'POST',
      body: 'PK not really a sheet',
      headers: { ...owner, 'content-type': 'application/octet-stream' },
    })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({
      name: 'users.xlsx',
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    })
  })

  it('should refuse a raw body without a name, and keep nothing', async () => {
    const before = await storedKeys()
    const res = await t.app.request('/files', {
      method: 'POST',
      body: 'a,b\n',
      headers: { ...owner, 'content-type': 'text/csv' },
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ code: 'invalid_name' })
    expect(await storedKeys()).toBe(before)
  })

  it('should refuse a file over the size limit with 413 and keep no part of it', async () => {
    const before = await storedKeys()
    const rows = await s.db.selectFrom('stored_file').select('id').execute()
    const res = await t.app.request('/files?name=big.csv', {
      method: 'POST',
      body: 'x'.repeat(t.deps.maxUploadBytes + 1),
      headers: { ...owner, 'content-type': 'text/csv' },
    })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ code: 'file_too_large' })
    expect(await storedKeys()).toBe(before)
    expect(await s.db.selectFrom('stored_file').select('id').execute()).toHaveLength(rows.length)
  })

  it("should answer another user's file as missing, and show it to an admin", async () => {
    const res = await t.app.request('/files?name=mine.txt', {
      method: 'POST',
      body: 'mine',
      headers: { ...owner, 'content-type': 'text/plain' },
    })
    const { fileStoreId } = (await res.json()) as { fileStoreId: string }
    const other = await t.app.request(`/files/${fileStoreId}`, { headers: await bearer('8') })
    expect(other.status).toBe(404)
    expect(await other.json()).toMatchObject({ code: 'file_not_found' })
    const admin = await t.app.request(`/files/${fileStoreId}`, { headers: await bearer('1', true) })
    expect(await admin.text()).toBe('mine')
    const anonymous = await t.app.request(`/files/${fileStoreId}`)
    expect(anonymous.status).toBe(401)
  })

  it('should answer an unknown or malformed id with 404 or 400', async () => {
    const unknown = await t.app.request('/files/3f1e0c2a-8d4b-4c1e-9a7f-2b6d5e4c3a21', {
      headers: owner,
    })
    expect(unknown.status).toBe(404)
    const malformed = await t.app.request('/files/..%2f..%2fetc', { headers: owner })
    expect(malformed.status).toBe(400)
  })
})
