// A bounded memo for pure functions of a string that every reconcile calls
// with the same inputs (quantities, cloud-init documents). Bounded so that
// hostile input cannot grow memory: when full it starts over.
export function memo<V>(fn: (key: string) => V, max = 4096): (key: string) => V {
  const cache = new Map<string, V>();
  return (key: string) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const v = fn(key);
    if (cache.size >= max) cache.clear();
    cache.set(key, v);
    return v;
  };
}
