import { z } from '@hono/zod-openapi'

/** How far a file job (an upload, a do-not-call import) has come. */
export const FileProgressSchema = z.object({
  /** The file's size. */
  bytes: z.number(),
  /** Rows stored so far while `processing` (recorded every second); every row once `completed`. */
  rowsRead: z.number(),
})

/** The progress of a file job's row. */
export function fileProgress(row: {
  bytes: string
  status: string
  total: number
  rows_read: number
}): z.infer<typeof FileProgressSchema> {
  return {
    bytes: Number(row.bytes),
    rowsRead: row.status === 'completed' ? row.total : row.rows_read,
  }
}
