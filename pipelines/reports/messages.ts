import { z } from 'zod'

/** An entry of `reports:{jobs}:export`: the report job to run. */
export const ExportMessage = z.object({ jobId: z.uuid() })
export type ExportMessage = z.infer<typeof ExportMessage>
