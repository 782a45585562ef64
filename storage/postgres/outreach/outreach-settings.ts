import { z } from 'zod'

/**
 * A time window of a day as stored (working hours, a slot, a retrigger's custom slot). Values
 * were checked when they were written; reading checks only their shape.
 */
export const StoredWindow = z.object({ start: z.string(), end: z.string() })
export type StoredWindow = z.infer<typeof StoredWindow>

/** What an outreach campaign keeps in `campaign.settings`. */
export const StoredOutreachSettings = z.object({
  name: z.string(),
  timezone: z.string(),
  workingHours: StoredWindow,
  slots: z.array(StoredWindow),
  startDate: z.string(),
  days: z.number(),
  flow: z.object({
    url: z.string(),
    timeoutMs: z.number(),
    /** Campaigns without slots only. */
    maxAttempts: z.number().optional(),
    retryDelaySeconds: z.number().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  ratePerSecond: z.number(),
})
export type StoredOutreachSettings = z.infer<typeof StoredOutreachSettings>

/** Stored data that does not have the shape its reader expects: a bug or a bad migration. */
export class StoredDataError extends Error {
  override readonly name = 'StoredDataError'
}

function parseStored<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success)
    throw new StoredDataError(`${what} is not as stored: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    })
  return parsed.data
}

/** Parsed settings by the stored object they came from: each row's settings are parsed once. */
const parsedSettings = new WeakMap<object, StoredOutreachSettings>()

/** The settings of an outreach campaign, parsed from `campaign.settings` (once per row read). */
export function outreachSettingsOf(
  campaignId: string,
  settings: Record<string, unknown>,
): StoredOutreachSettings {
  const known = parsedSettings.get(settings)
  if (known !== undefined) return known
  const parsed = parseStored(
    StoredOutreachSettings,
    settings,
    `the settings of outreach campaign ${campaignId}`,
  )
  parsedSettings.set(settings, parsed)
  return parsed
}

/** The text `campaign.settings` is written from. */
export function outreachSettingsJson(settings: StoredOutreachSettings): string {
  return JSON.stringify(settings)
}

/**
 * A custom slot, parsed from `flow_task.custom_slot` (JSON text, or null); `whose` names its
 * tasks in the error a malformed one raises.
 */
export function customSlotOf(text: string | null, whose: string): StoredWindow | null {
  if (text === null) return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new StoredDataError(`the custom slot of ${whose} is not JSON`, { cause: error })
  }
  return parseStored(StoredWindow, value, `the custom slot of ${whose}`)
}

/** The text `flow_task.custom_slot` is written from. */
export function customSlotJson(window: StoredWindow | null): string | null {
  return window === null ? null : JSON.stringify(window)
}
