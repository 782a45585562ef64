import { z } from 'zod'

// The entries of the factory's internal streams.

/** An entry of a phase stream (validate, create, annotate): the job to move along. */
export const JobMessage = z.object({ jobId: z.uuid() })
export type JobMessage = z.infer<typeof JobMessage>

/** An entry of the generate stream: the template to build. */
export const GenerateMessage = z.object({ generateId: z.uuid() })
export type GenerateMessage = z.infer<typeof GenerateMessage>
