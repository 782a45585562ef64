import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import ExcelJS from 'exceljs'
import { bearer, jsonBody, type testApp } from './app.js'

/** A resource the fault-injecting target holds. */
interface Held {
  id: string
  data: Record<string, unknown>
}

/** What the target does with one `_create` call. */
export type Fault =
  | { kind: 'ok' }
  | { kind: 'status'; status: number }
  | { kind: 'timeout'; ms: number }
  /** Creates every row but answers only the first `answered` of them. */
  | { kind: 'partial'; answered: number }
  /** Refuses the rows whose data match with a 400 naming them; creates none. */
  | { kind: 'refuse'; match: (data: Record<string, unknown>) => boolean }

/**
 * A separate local HTTP target service that follows the factory's target contract and injects
 * faults: `fault(call)` picks what each `_create` call gets. Counts how often each row was created.
 */
export async function faultyTarget(fault: (call: number) => Fault = () => ({ kind: 'ok' })) {
  const held = new Map<string, Held>()
  const creations = new Map<string, number>()
  let calls = 0
  let searches = 0
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    return JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>
  }
  const found = (refs: string[]) =>
    refs.flatMap((r) => {
      const h = held.get(r)
      return h === undefined ? [] : [{ clientReferenceId: r, id: h.id }]
    })
  const create = (resources: { clientReferenceId: string; data: Record<string, unknown> }[]) =>
    resources.map((r) => {
      if (!held.has(r.clientReferenceId)) {
        held.set(r.clientReferenceId, { id: `T-${held.size + 1}`, data: r.data })
        creations.set(r.clientReferenceId, (creations.get(r.clientReferenceId) ?? 0) + 1)
      }
      return { clientReferenceId: r.clientReferenceId, id: held.get(r.clientReferenceId)?.id }
    })
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    read(req)
      .then(async (body) => {
        if (req.url?.endsWith('/_search') === true) {
          searches++
          reply(200, { resources: found(body.clientReferenceIds as string[]) })
          return
        }
        const resources = body.resources as {
          clientReferenceId: string
          data: Record<string, unknown>
        }[]
        const f = fault(++calls)
        if (f.kind === 'status') reply(f.status, { error: 'injected' })
        else if (f.kind === 'timeout') {
          await new Promise((r) => setTimeout(r, f.ms))
          reply(200, { resources: create(resources) })
        } else if (f.kind === 'partial')
          reply(200, { resources: create(resources).slice(0, f.answered) })
        else if (f.kind === 'refuse') {
          const bad = resources.filter((r) => f.match(r.data))
          if (bad.length === 0) reply(200, { resources: create(resources) })
          else
            reply(400, {
              errors: bad.map((r) => ({
                clientReferenceId: r.clientReferenceId,
                code: 'duplicate_user',
                message: 'already registered',
              })),
            })
        } else reply(200, { resources: create(resources) })
      })
      .catch(() => reply(400, { error: 'bad request' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/user`,
    held,
    creations,
    calls: () => calls,
    searches: () => searches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** An XLSX workbook of `sheets` (rows of cells), as bytes. */
export async function xlsxOf(sheets: Record<string, unknown[][]>): Promise<Buffer> {
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true })
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = book.addWorksheet(name)
    for (const row of rows) sheet.addRow(row).commit()
    sheet.commit()
  }
  await book.commit()
  return Buffer.concat(chunks)
}

/** The rows of a workbook's sheet as text (what the tests compare). */
export async function xlsxRows(bytes: Buffer, sheet?: string): Promise<string[][]> {
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(bytes as unknown as ArrayBuffer)
  const ws = sheet === undefined ? book.worksheets[0] : book.getWorksheet(sheet)
  const rows: string[][] = []
  ws?.eachRow((row) => {
    const values = row.values as unknown[]
    rows.push(
      Array.from(values.slice(1), (v) =>
        v === null || v === undefined ? '' : String(v as number),
      ),
    )
  })
  return rows
}

type App = ReturnType<typeof testApp>

/** Defines hierarchy `H` (state > district) with KA > KA_BLR, KA_MYS and TN > TN_CHN. */
export async function exampleBoundaries(t: App): Promise<void> {
  const admin = await bearer('1', true)
  await t.app.request(
    '/project-factory/hierarchies/H',
    jsonBody('PUT', { levels: ['state', 'district'] }, admin),
  )
  await t.app.request(
    '/project-factory/boundaries',
    jsonBody(
      'POST',
      {
        hierarchyType: 'H',
        boundaries: [
          { code: 'KA', name: 'Karnataka', level: 'state' },
          { code: 'TN', name: 'Tamil Nadu', level: 'state' },
          { code: 'KA_BLR', name: 'Bengaluru', level: 'district', parentCode: 'KA' },
          { code: 'KA_MYS', name: 'Mysuru', level: 'district', parentCode: 'KA' },
          { code: 'TN_CHN', name: 'Chennai', level: 'district', parentCode: 'TN' },
        ],
      },
      admin,
    ),
  )
}

/** Creates a project campaign over `boundaries` of hierarchy H; returns its id. */
export async function projectCampaign(
  t: App,
  boundaries = ['KA'],
  parentCampaignId?: string,
): Promise<string> {
  const res = await t.app.request(
    '/campaigns',
    jsonBody(
      'POST',
      {
        type: 'project',
        name: 'Bednet drive',
        hierarchyType: 'H',
        boundaries,
        ...(parentCampaignId === undefined ? {} : { parentCampaignId }),
      },
      await bearer('1', true),
    ),
  )
  if (res.status !== 201) throw new Error(`project campaign: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { campaignId: string }).campaignId
}

/** Keeps a file in the filestore as the admin; returns its id. */
export async function keepFile(t: App, name: string, bytes: string | Buffer): Promise<string> {
  const res = await t.app.request(`/files?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    body: bytes,
    headers: { ...(await bearer('1', true)), 'content-type': 'application/octet-stream' },
  })
  if (res.status !== 201) throw new Error(`keep file: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { fileStoreId: string }).fileStoreId
}

/** A user sheet's header. */
export const USER_HEADER = [
  'Name of the Person',
  'Phone Number',
  'Role',
  'Employment Type',
  'Boundary Code',
]

/** `n` good user rows (phones 9000000000 + i). */
export const userRows = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => [
    `User ${from + i}`,
    String(9_000_000_000 + from + i),
    'Distributor',
    'Temporary',
    'KA_BLR',
  ])

/** A CSV of rows. */
export const csvOf = (rows: string[][]) =>
  rows
    .map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(','))
    .join('\n') + '\n'
