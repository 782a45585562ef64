import { concatMap, type OperatorFunction } from 'rxjs'

/**
 * Passes each batch on once `refresh(batch)` has settled (a cache reload, or a lookup of what
 * the batch names), in order.
 */
export function afterRefresh<T>(refresh: (batch: T) => Promise<void>): OperatorFunction<T, T> {
  return concatMap(async (batch) => {
    await refresh(batch)
    return batch
  })
}
