import {
  concatMap,
  from,
  ignoreElements,
  concat,
  of,
  type ObservableInput,
  type OperatorFunction,
} from 'rxjs'

/**
 * Passes each batch on once `refresh(batch)` has settled (a cache reload, or a lookup of what
 * the batch names), in order.
 */
export function afterRefresh<T>(
  refresh: (batch: T) => ObservableInput<unknown>,
): OperatorFunction<T, T> {
  return concatMap((batch) => concat(from(refresh(batch)).pipe(ignoreElements()), of(batch)))
}
