import { Subject, mergeMap } from 'rxjs'

/**
 * Runs at most `concurrency` jobs at once, the others in the order they came (mergeMap buffers
 * them first in, first out). Shared by concurrent batches of one actor.
 */
export function limiter(concurrency: number): <T>(job: () => Promise<T>) => Promise<T> {
  const jobs = new Subject<() => Promise<void>>()
  jobs.pipe(mergeMap((job) => job(), concurrency)).subscribe()
  return <T>(job: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      jobs.next(() => job().then(resolve, reject))
    })
}
