/** The group under `key`, made by `make` (and kept) when there is none yet. */
export function groupOf<K, G>(map: Map<K, G>, key: K, make: () => G): G {
  let group = map.get(key)
  if (group === undefined) {
    group = make()
    map.set(key, group)
  }
  return group
}

/** Appends `item` to the list under `key`, starting the list when there is none. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, item: V): void {
  groupOf(map, key, () => []).push(item)
}

/** Items by key, each list in the order the items came (Node 20 has no `Map.groupBy`). */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>()
  for (const item of items) pushTo(groups, key(item), item)
  return groups
}
