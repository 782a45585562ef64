import { concatMap, type OperatorFunction } from 'rxjs'

/** Passes each batch on once `refresh()` has settled (a cache reload, say), in order. */
export function afterRefresh<T>(refresh: () => Promise<void>): OperatorFunction<T, T> {
  return concatMap(async (batch) => {
    await refresh()
    return batch
  })
}
