import { z } from 'zod'
import { parseOutboundAllow, type OutboundPolicy } from './operators/outbound.rules.js'
import { isPhoneRegion } from './operators/phone.rules.js'

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/** The JWT secret of development set-ups; `serve` and `start` warn while it is in use. */
export const DEV_JWT_SECRET = 'dev-secret-change-me-please'

/** The environment the process runs with, parsed once at start. */
export const Config = z.object({
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://postgres@127.0.0.1:5432/campaign_streams'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /**
   * Where a `work` process serves `/healthz`, `/readyz` and its `/metrics`; unset: nowhere (so
   * several may run on one host without choosing ports).
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  JWT_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_JWT_SECRET),
  BASE_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .default('USD'),
  KEY_PREFIX: z.string().default(''),
  FILESTORE_DIR: z.string().min(1).default('./.data/files'),
  LOG_LEVEL: LogLevel.default('info'),
  /** Seconds after a campaign's end before its winner is decided (late producers). */
  WINNER_SETTLE_SECONDS: z.coerce.number().int().min(0).default(5),
  /** Milliseconds an entry may stay pending with a consumer before another reclaims it. */
  VISIBILITY_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  MAX_DELIVERIES: z.coerce.number().int().min(1).default(5),
  /** Largest CSV upload accepted, in bytes. */
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(200 * 1024 * 1024),
  /**
   * Seconds a published stream (results updates, lifecycle, prize transfers) keeps entries
   * while it has no consumer group; with groups, entries go once every group acknowledged them.
   */
  STREAM_RETENTION_SECONDS: z.coerce.number().int().min(1).default(86_400),
  /**
   * The region whose numbering plan reads phones written without `+` (ISO 3166 alpha-2, such as
   * IN); unset: phones are kept as written, digits only. With it, every phone is stored in E.164.
   */
  PHONE_REGION: z
    .string()
    .refine(isPhoneRegion, 'must be a region code with a known numbering plan, such as IN or US')
    .optional(),
  /**
   * Where outgoing HTTP calls (flow endpoints) may go, comma-separated: host names, `*.` host
   * patterns, addresses, CIDRs, `*` for any public address; unset: any public address. Loopback
   * and private ranges only as listed; link-local and metadata addresses never.
   */
  OUTBOUND_ALLOW: z
    .string()
    .optional()
    .transform((value, ctx): OutboundPolicy => {
      const parsed = parseOutboundAllow(value)
      if ('policy' in parsed) return parsed.policy
      ctx.addIssue({
        code: 'custom',
        message: `each must be a host, *.domain, an address, a CIDR or *; not ${parsed.invalid.join(', ')}`,
      })
      return z.NEVER
    }),
  /**
   * Stored files that no row owns (an upload cut short by a crash) are removed once this many
   * seconds old; every worker process sweeps every 10 minutes.
   */
  FILESTORE_ORPHAN_AGE_SECONDS: z.coerce.number().int().min(60).default(3600),
  /** Slots an outreach campaign may have per day. */
  MAX_SLOTS_PER_DAY: z.coerce.number().int().min(1).max(24).default(2),
  /**
   * Browser origins allowed to call the API (CORS), comma-separated, or `*` for any; unset:
   * none (same-origin and non-browser clients only).
   */
  CORS_ORIGINS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^(\*|https?:\/\/[^/\s]+)$/,
            'each must be * or an origin such as https://shop.example.com (no path)',
          ),
      ),
    )
    .default([]),
  /** Report schedules may not run more often than every this many minutes. */
  REPORT_MIN_INTERVAL_MINUTES: z.coerce.number().int().min(1).default(60),
  /** Data rows per report output part; at most Excel's 1,048,575 (a sheet less its header). */
  REPORT_MAX_ROWS_PER_PART: z.coerce.number().int().min(1).max(1_048_575).default(1_048_575),
  /** Days a report's output is kept after its job ends, then removed. */
  REPORT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** A running report job whose heartbeat is older than this many seconds is taken over. */
  REPORT_STALL_SECONDS: z.coerce.number().int().min(5).default(120),
  /** Attempts of a report job (takeovers and transient failures counted) before it fails. */
  REPORT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** Days a replay dry run may still be fired after it ended; its upload is removed after. */
  REPLAY_DRY_RUN_KEEP_DAYS: z.coerce.number().int().min(1).default(7),
  /** Rows the project factory sends per `_create` call of a target service. */
  FACTORY_TARGET_BATCH: z.coerce.number().int().min(1).max(1000).default(100),
  /** Attempts per row before a transient target failure makes it FAILED. */
  FACTORY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** How long one call of a target service may take, in milliseconds. */
  FACTORY_TARGET_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
})

/** The environment as parsed, with the factory's target services by resource type. */
export type Config = z.infer<typeof Config> & {
  /** `FACTORY_TARGET_<TYPE>_URL` by lower-case type; types not named use the built-in registry. */
  FACTORY_TARGETS: Record<string, string>
}

/** `FACTORY_TARGET_<TYPE>_URL` variables: http(s) URLs by lower-case resource type. */
const FACTORY_TARGET = /^FACTORY_TARGET_([A-Z][A-Z0-9_]{0,31})_URL$/

/** The factory's target URLs in the environment, with the problems of those not usable. */
function factoryTargets(env: Record<string, string | undefined>) {
  const targets: Record<string, string> = {}
  const problems: string[] = []
  for (const [name, value] of Object.entries(env)) {
    const type = FACTORY_TARGET.exec(name)?.[1]
    if (type === undefined || value === undefined) continue
    if (z.url({ protocol: /^https?$/ }).safeParse(value).success)
      targets[type.toLowerCase()] = value
    else problems.push(`invalid environment: ${name}: must be an http(s) URL`)
  }
  return { targets, problems }
}

/** Thrown when the environment holds a bad value; its message is one line per problem. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Parses the environment; a bad value throws a {@link ConfigError} naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))
  const parsed = Config.safeParse(cleaned)
  const { targets, problems } = factoryTargets(cleaned)
  if (parsed.success && problems.length === 0) return { ...parsed.data, FACTORY_TARGETS: targets }
  const lines = (parsed.success ? [] : parsed.error.issues).map(
    (issue) => `invalid environment: ${issue.path.join('.')}: ${issue.message}`,
  )
  throw new ConfigError([...lines, ...problems].join('\n'))
}
