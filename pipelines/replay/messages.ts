import { z } from 'zod'

/** An entry of `replay:{runs}:validate` or `replay:{runs}:fire`: the run to move along. */
export const RunMessage = z.object({ runId: z.uuid() })
export type RunMessage = z.infer<typeof RunMessage>
