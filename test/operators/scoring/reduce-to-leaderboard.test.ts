import { TestScheduler } from 'rxjs/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  reduceToLeaderboard,
  type QualifiedEntry,
  type ScoreContext,
} from '../../../operators/scoring/reduce-to-leaderboard.js'

let ts: TestScheduler
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected))
})

const T = Date.parse('2026-11-23T10:00:00Z')
const rates: ScoreContext = {
  base: 'USD',
  rate: (c) => ({ USD: '1', EUR: '1.25', JPY: '0.0067' })[c],
  isCampaign: (id) => id === '1',
}
const entry = (id: string, amount: string, currency: string, campaignId = '1'): QualifiedEntry => ({
  id,
  value: { eventId: `e${id}`, userId: '5', campaignId, amount, currency, timestamp: T },
})
const scored = (id: string, amount: string, currency: string, rate: string, minor: bigint) => ({
  entryId: id,
  campaignId: '1',
  eventId: `e${id}`,
  userId: '5',
  amount,
  currency,
  rate,
  amountMinor: minor,
  purchasedAt: new Date(T),
})

describe('reduceToLeaderboard', () => {
  it('should convert each purchase on its own to base minor units, rounding half-up', () =>
    ts.run(({ cold, expectObservable }) => {
      const batch = [
        entry('1', '0.01', 'EUR'),
        entry('2', '0.03', 'EUR'),
        entry('3', '150', 'JPY'),
        entry('4', '12.34', 'USD'),
      ]
      expectObservable(cold('-a|', { a: batch }).pipe(reduceToLeaderboard(() => rates))).toBe(
        '-x|',
        {
          x: {
            purchases: [
              scored('1', '0.01', 'EUR', '1.25', 1n), // 0.0125 → 0.01
              scored('2', '0.03', 'EUR', '1.25', 4n), // 0.0375 → 0.04
              scored('3', '150', 'JPY', '0.0067', 101n), // 1.005 → 1.01
              scored('4', '12.34', 'USD', '1', 1234n),
            ],
            rejected: [],
          },
        },
      )
    }))

  it('should reject a purchase whose currency lost its rate, keeping the others', () =>
    ts.run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a|', { a: [entry('1', '1', 'GBP'), entry('2', '1', 'USD')] }).pipe(
          reduceToLeaderboard(() => rates),
        ),
      ).toBe('x|', {
        x: {
          purchases: [scored('2', '1', 'USD', '1', 100n)],
          rejected: [{ id: '1', error: 'currency: no rate for GBP' }],
        },
      })
    }))

  it('should reject a purchase of no purchase campaign, keeping the others', () =>
    ts.run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a|', { a: [entry('1', '1', 'USD', '99'), entry('2', '1', 'USD')] }).pipe(
          reduceToLeaderboard(() => rates),
        ),
      ).toBe('x|', {
        x: {
          purchases: [scored('2', '1', 'USD', '1', 100n)],
          rejected: [{ id: '1', error: 'campaignId: no purchase campaign 99' }],
        },
      })
    }))
})
