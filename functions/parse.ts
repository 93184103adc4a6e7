// zod parsing, memoised by value. Every reconcile parses the same specs again
// (the XR, its Tenant or VDC, every sibling VM), and a VDC spec costs tens of
// microseconds to parse. The results are frozen, so no composer can change a
// cached spec under the next request; the key encodes every JSON value
// unambiguously, so a cached answer is the answer for exactly that input.
import type { z } from "zod";

const MAX_ENTRIES = 512;
const MAX_KEY = 16 * 1024;
const caches = new WeakMap<z.ZodType, Map<string, z.ZodSafeParseResult<unknown>>>();

export function parseCached<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const key = keyOf(value);
  if (key === undefined) return schema.safeParse(value);
  let cache = caches.get(schema);
  if (!cache) caches.set(schema, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) return hit as z.ZodSafeParseResult<z.output<S>>;
  const r = schema.safeParse(value);
  if (r.success) deepFreeze(r.data);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(key, r);
  return r;
}

/** JSON with the values JSON cannot tell apart made distinct (NaN, ±Infinity, undefined in arrays); undefined when too large to keep. */
function keyOf(value: unknown): string | undefined {
  let key: string | undefined;
  try {
    key = JSON.stringify(value ?? null, (_, v: unknown) => {
      if (typeof v === "string") return v.startsWith("\u0000") ? `\u0000${v}` : v;
      if (typeof v === "number" && !Number.isFinite(v)) return `\u0000n${String(v)}`;
      if (v === undefined) return "\u0000u";
      return v;
    });
  } catch {
    return undefined;
  }
  return key !== undefined && key.length <= MAX_KEY ? `${value === undefined ? "u" : "v"}${key}` : undefined;
}

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== "object" || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}
