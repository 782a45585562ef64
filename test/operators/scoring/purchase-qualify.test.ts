import { TestScheduler } from 'rxjs/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  purchaseQualify,
  type PurchaseEntry,
  type QualifyContext,
} from '../../../operators/scoring/purchase-qualify.js'

let ts: TestScheduler
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected))
})

const T = Date.parse('2026-11-23T10:00:00Z')
const context: QualifyContext = {
  windows: new Map([
    [
      '7',
      [
        { campaignId: '1', itemId: '7', startMs: T - 1000, endMs: T + 1000 },
        { campaignId: '2', itemId: '7', startMs: T, endMs: T + 5000 },
      ],
    ],
  ]),
  hasRate: (c) => c === 'USD' || c === 'EUR',
}
const entry = (
  id: string,
  itemId: string,
  timestamp: number,
  extra: Partial<PurchaseEntry['value']> = {},
): PurchaseEntry => ({
  id,
  value: { userId: '5', itemId, amount: '1.00', currency: 'USD', timestamp, ...extra },
})
const q = (eventId: string, campaignId: string, timestamp: number) => ({
  eventId,
  userId: '5',
  campaignId,
  amount: '1.00',
  currency: 'USD',
  timestamp,
})

describe('purchaseQualify', () => {
  it('should count a purchase for every campaign of its item whose window holds its timestamp', () =>
    ts.run(({ cold, expectObservable }) => {
      expectObservable(
        cold('-a-|', { a: [entry('1-0', '7', T)] }).pipe(purchaseQualify(() => context)),
      ).toBe('-x-|', {
        x: { qualified: [q('1-0', '1', T), q('1-0', '2', T)], skipped: [], rejected: [] },
      })
    }))

  it('should treat the window as [start, end): the end itself does not count', () =>
    ts.run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a|', { a: [entry('1-0', '7', T + 1000), entry('2-0', '7', T + 5000)] }).pipe(
          purchaseQualify(() => context),
        ),
      ).toBe('x|', {
        x: {
          qualified: [q('1-0', '2', T + 1000)],
          skipped: [{ id: '2-0', reason: 'outside_campaign_window' }],
          rejected: [],
        },
      })
    }))

  it('should use the eventId when present, the entry id otherwise', () =>
    ts.run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a|', { a: [entry('1-0', '7', T - 1, { eventId: 'ev-9' })] }).pipe(
          purchaseQualify(() => context),
        ),
      ).toBe('x|', {
        x: { qualified: [q('ev-9', '1', T - 1)], skipped: [], rejected: [] },
      })
    }))

  it('should skip purchases of items outside every campaign and reject currencies without a rate', () =>
    ts.run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a|', { a: [entry('1-0', '8', T), entry('2-0', '7', T, { currency: 'GBP' })] }).pipe(
          purchaseQualify(() => context),
        ),
      ).toBe('x|', {
        x: {
          qualified: [],
          skipped: [{ id: '1-0', reason: 'no_campaign_for_item' }],
          rejected: [{ id: '2-0', error: 'currency: no rate for GBP' }],
        },
      })
    }))

  it('should skip a purchase of an item whose campaigns are all over as outside their window', () =>
    ts.run(({ cold, expectObservable }) => {
      // Item 9's only campaign has its winner: it is no longer among the open windows.
      const closed: QualifyContext = { ...context, hadCampaign: (item) => item === '9' }
      expectObservable(
        cold('a|', { a: [entry('1-0', '9', T), entry('2-0', '8', T)] }).pipe(
          purchaseQualify(() => closed),
        ),
      ).toBe('x|', {
        x: {
          qualified: [],
          skipped: [
            { id: '1-0', reason: 'outside_campaign_window' },
            { id: '2-0', reason: 'no_campaign_for_item' },
          ],
          rejected: [],
        },
      })
    }))

  it('should read the campaigns anew for every batch', () =>
    ts.run(({ cold, expectObservable }) => {
      let current: QualifyContext = { windows: new Map(), hasRate: () => true }
      const source = cold('a-b|', { a: [entry('1-0', '7', T)], b: [entry('2-0', '7', T)] })
      const result = source.pipe(
        purchaseQualify(() => {
          const now = current
          current = context
          return now
        }),
      )
      expectObservable(result).toBe('x-y|', {
        x: {
          qualified: [],
          skipped: [{ id: '1-0', reason: 'no_campaign_for_item' }],
          rejected: [],
        },
        y: { qualified: [q('2-0', '1', T), q('2-0', '2', T)], skipped: [], rejected: [] },
      })
    }))
})
