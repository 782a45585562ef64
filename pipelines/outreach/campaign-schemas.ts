import { z } from 'zod'
import { DayWindow, isZone, scheduleProblems } from '../../operators/outreach/schedule.rules.js'
import type { StoredOutreachSettings } from '../../storage/postgres/outreach/outreach-settings.js'

/** The rules of each flow setting and of the rate, for creation and for changes. */
const flowUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
const timeoutMs = z.number().int().min(100).max(120_000)
const maxAttempts = z.number().int().min(1).max(10)
const retryDelaySeconds = z.number().int().min(0).max(86_400)
const ratePerSecond = z.number().int().min(1).max(10_000)
const campaignName = z.string().trim().min(1).max(200)

/** Headers the executor sets itself, or that only the HTTP client may set. */
const RESERVED_HEADERS = new Set([
  'connection',
  'content-length',
  'content-type',
  'expect',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])
/** At most this many headers per flow endpoint. */
export const MAX_FLOW_HEADERS = 20
/** What an answer shows instead of a header's value. */
export const HIDDEN_HEADER_VALUE = '***'

/**
 * Extra headers of every call to the flow endpoint (an `authorization` or API key header, say):
 * names are HTTP tokens, kept in lower case, values printable text without line breaks. Answers
 * show the names only (each value as {@link HIDDEN_HEADER_VALUE}).
 */
const flowHeaders = z
  .record(
    z.string(),
    z
      .string()
      .max(4096)
      .regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must be printable text on one line'),
  )
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers)
    if (names.length > MAX_FLOW_HEADERS)
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_FLOW_HEADERS} headers` })
    const seen = new Set<string>()
    for (const name of names) {
      const lower = name.toLowerCase()
      const problem = !/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(name)
        ? 'must be an HTTP header name'
        : RESERVED_HEADERS.has(lower)
          ? 'is set by the executor, not by the campaign'
          : seen.has(lower)
            ? 'is given twice (header names ignore case)'
            : undefined
      seen.add(lower)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: problem })
    }
  })
  .transform((headers) =>
    Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  )

/** The retries of a campaign without slots, when its body leaves them out. */
export const RETRY_DEFAULTS = { maxAttempts: 3, retryDelaySeconds: 600 }

/** Why a slotted campaign refuses retry settings: calls in a slot are not tried again. */
export const SLOTTED_NO_RETRIES =
  'applies to campaigns without slots only: a call that fails in a slot is not tried again (retrigger the slot, or a customSlot, to call again)'

/** The retry settings given in `flow`: a campaign with slots refuses each of them. */
export const retryFieldsGiven = (
  flow: { maxAttempts?: number | undefined; retryDelaySeconds?: number | undefined } = {},
) => (['maxAttempts', 'retryDelaySeconds'] as const).filter((f) => flow[f] !== undefined)

/** The flow endpoint each task is sent to. */
export const FlowConfig = z.object({
  url: flowUrl,
  timeoutMs: timeoutMs.default(10_000),
  /** Campaigns without slots only (a failed call is tried again while attempts are left). */
  maxAttempts: maxAttempts.optional(),
  retryDelaySeconds: retryDelaySeconds.optional(),
  headers: flowHeaders.optional(),
})

/** Names the fields a change may not touch. */
const onlyThese = {
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys'
      ? `only name, flow and ratePerSecond may change, not ${(issue.keys ?? []).join(', ')}`
      : undefined,
}
/**
 * The body of `PATCH /campaigns/:id`: what may change while an outreach campaign runs (its
 * schedule may not: its tasks and timers follow it).
 */
export const OutreachCampaignChange = z
  .strictObject(
    {
      name: campaignName.optional(),
      flow: z
        .strictObject({
          url: flowUrl.optional(),
          timeoutMs: timeoutMs.optional(),
          maxAttempts: maxAttempts.optional(),
          retryDelaySeconds: retryDelaySeconds.optional(),
          /** Replaces every header (`{}` removes them). */
          headers: flowHeaders.optional(),
        })
        .optional(),
      ratePerSecond: ratePerSecond.optional(),
    },
    onlyThese,
  )
  .refine((c) => Object.keys(c).length > 0, {
    message: 'give name, flow or ratePerSecond to change',
    when: (payload) => payload.issues.length === 0,
  })
export type OutreachCampaignChange = z.infer<typeof OutreachCampaignChange>

/** The body of `POST /campaigns` for an outreach campaign; `maxSlots` is `MAX_SLOTS_PER_DAY`. */
export function newOutreachCampaign(maxSlots: number) {
  return z
    .object({
      type: z.literal('outreach'),
      name: campaignName,
      timezone: z.string().refine(isZone, 'must be an IANA time zone such as Asia/Kolkata'),
      workingHours: DayWindow,
      slots: z.array(DayWindow).default([]),
      startDate: z.iso.date(),
      days: z.number().int().min(1, 'at least 1 day').max(30, 'at most 30 days'),
      flow: FlowConfig,
      ratePerSecond: ratePerSecond.default(50),
    })
    .superRefine((c, ctx) => {
      for (const problem of scheduleProblems(c, maxSlots))
        ctx.addIssue({ code: 'custom', ...problem })
      if (c.slots.length > 0)
        for (const field of retryFieldsGiven(c.flow))
          ctx.addIssue({ code: 'custom', path: ['flow', field], message: SLOTTED_NO_RETRIES })
    })
}
export type NewOutreachCampaign = z.infer<ReturnType<typeof newOutreachCampaign>>

/**
 * What an outreach campaign keeps in `campaign.settings`: a new campaign's fields but its type,
 * read back by storage's schema of their shape (writing them through `outreachSettingsJson`
 * checks at compile time that the two agree).
 */
export type OutreachSettings = StoredOutreachSettings
