import { z } from 'zod'

// The entries of outreach's internal streams: a zod schema per stream, and the fields of the
// entries the job writes.

/** An entry of `outreach:uploads`: an accepted upload, or a do-not-call import. */
export const UploadMessage = z.union([
  z.object({ requestId: z.uuid() }),
  z.object({ importId: z.uuid() }),
])
export type UploadMessage = z.infer<typeof UploadMessage>

/** An entry of `outreach:work`: a cursor over records (create) or over a slot's tasks (release). */
export const WorkMessage = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('create'),
    campaignId: z.string(),
    date: z.iso.date(),
    after: z.string(),
  }),
  z.object({
    op: z.literal('release'),
    campaignId: z.string(),
    date: z.iso.date(),
    slot: z.coerce.number().int().min(0),
    after: z.string(),
  }),
])
export type WorkMessage = z.infer<typeof WorkMessage>

/** Stream fields of a create cursor. */
export const createFields = (campaignId: string, date: string, after: string) => [
  'op',
  'create',
  'campaignId',
  campaignId,
  'date',
  date,
  'after',
  after,
]

/** Stream fields of a release cursor. */
export const releaseFields = (campaignId: string, date: string, slot: number, after: string) => [
  'op',
  'release',
  'campaignId',
  campaignId,
  'date',
  date,
  'slot',
  String(slot),
  'after',
  after,
]

/** An entry of `outreach:due`: a released task and its attempt count at release. */
export const DueTask = z.object({
  taskId: z.string().regex(/^\d+$/),
  attempts: z.coerce.number().int().min(0),
})
export type DueTask = z.infer<typeof DueTask>
