// A bounded memo for pure functions of one key (a string or a bigint) that
// every reconcile calls with the same inputs (quantities, cloud-init
// documents). Bounded so that hostile input cannot grow memory: when full it
// starts over.
export function memo<K extends string | bigint, V>(fn: (key: K) => V, max = 4096): (key: K) => V {
  const cache = new Map<K, V>();
  return (key: K) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const v = fn(key);
    if (cache.size >= max) cache.clear();
    cache.set(key, v);
    return v;
  };
}
