import { TestScheduler } from 'rxjs/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import { afterRefresh } from '../../operators/after-refresh.js'

let ts: TestScheduler
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected))
})

describe('afterRefresh', () => {
  it('should pass each batch on once its refresh completes, in order', () =>
    ts.run(({ cold, expectObservable }) => {
      const refresh = () => cold('--|')
      expectObservable(cold('a-b|').pipe(afterRefresh(refresh))).toBe('--a-(b|)')
    }))

  it('should hold a batch back until the refresh of the one before it is done', () =>
    ts.run(({ cold, expectObservable }) => {
      const refresh = () => cold('---|')
      expectObservable(cold('(ab)|').pipe(afterRefresh(refresh))).toBe('---a--(b|)')
    }))

  it('should fail the chain when a refresh fails', () =>
    ts.run(({ cold, expectObservable }) => {
      const refresh = () => cold('-#', undefined, new Error('cache down'))
      expectObservable(cold('a|').pipe(afterRefresh(refresh))).toBe(
        '-#',
        undefined,
        new Error('cache down'),
      )
    }))
})
