import type { Redis } from 'ioredis'
import type { Transaction } from './connection.js'
import type { Keys } from './keys.js'

const TIME_WIDTH = 14
const MAX_TIME = 10n ** BigInt(TIME_WIDTH) - 1n
const USER_WIDTH = 20
const MAX_USER = 10n ** BigInt(USER_WIDTH) - 1n

/**
 * The sorted-set member of a user: members of equal score sort in reverse (ZREVRANGE) so that
 * the earlier moment reached, then the lower user id, comes first: both are stored inverted.
 */
export function encodeMember(userId: string, reachedAtMs: number): string {
  const time = (MAX_TIME - BigInt(reachedAtMs)).toString().padStart(TIME_WIDTH, '0')
  const user = (MAX_USER - BigInt(userId)).toString().padStart(USER_WIDTH, '0')
  return `${time}:${user}`
}

/** The user id inside a member. */
export function decodeMember(member: string): string {
  return (MAX_USER - BigInt(member.slice(TIME_WIDTH + 1))).toString()
}

/** A committed total to mirror. */
export interface LeaderboardTotal {
  userId: string
  totalMinor: bigint
  reachedAt: Date
}

/** Queues the mirror update of one campaign's totals (only ever raises a total). */
export function queueLeaderboardUpdate(
  tx: Transaction | Redis,
  keys: Keys,
  campaignId: string,
  totals: LeaderboardTotal[],
): void {
  if (totals.length === 0) return
  const args = totals.flatMap((t) => [
    t.userId,
    t.totalMinor.toString(),
    encodeMember(t.userId, t.reachedAt.getTime()),
  ])
  void tx.leaderboardUpdate(
    keys.leaderboard(campaignId),
    keys.leaderboardMembers(campaignId),
    ...args,
  )
}

/**
 * A score as Redis answers it, in minor units. Totals are held under 2^53 (`MAX_TOTAL_MINOR`),
 * so Redis writes them as plain digits, read exactly; a score Redis writes with an exponent
 * (`3e+17`, only from data stored before the maximum) is read through its double.
 */
export function scoreMinor(score: string): bigint {
  if (/^\d+$/.test(score)) return BigInt(score)
  const value = Number(score)
  if (!Number.isFinite(value)) throw new RangeError(`not a leaderboard score: ${score}`)
  return BigInt(Math.round(value))
}

/** One ranked row. */
export interface Ranked {
  userId: string
  position: number
  totalMinor: bigint
}

/** The first `n` of a campaign in ranking order. */
export async function readTop(
  redis: Redis,
  keys: Keys,
  campaignId: string,
  n: number,
): Promise<Ranked[]> {
  const flat = await redis.zrevrange(keys.leaderboard(campaignId), 0, n - 1, 'WITHSCORES')
  const rows: Ranked[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) {
    rows.push({
      userId: decodeMember(flat[i] as string),
      position: i / 2 + 1,
      totalMinor: scoreMinor(flat[i + 1] as string),
    })
  }
  return rows
}

/** A user's position and total, or undefined when the user has none there. */
export async function readPosition(
  redis: Redis,
  keys: Keys,
  campaignId: string,
  userId: string,
): Promise<Ranked | undefined> {
  const member = await redis.hget(keys.leaderboardMembers(campaignId), userId)
  if (member === null) return undefined
  const [rank, score] = await Promise.all([
    redis.zrevrank(keys.leaderboard(campaignId), member),
    redis.zscore(keys.leaderboard(campaignId), member),
  ])
  if (rank === null || score === null) return undefined
  return { userId, position: rank + 1, totalMinor: scoreMinor(score) }
}
