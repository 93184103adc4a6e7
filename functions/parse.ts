// zod parsing, memoised by value. Every reconcile parses the same specs again
// (the XR, its Tenant or VDC), and a VDC spec costs tens of microseconds to
// parse. Crossplane's Go client writes Struct fields in random map order, so
// the same spec arrives with its keys in a different order on every call: the
// key sorts them, and zod parses a key-sorted copy, so the answer depends on
// the value alone, not on the order it came in or on what was cached before.
// The results are frozen, so no composer can change a cached spec under the
// next request; the key encodes every JS value unambiguously.
import type { z } from "zod";

const MAX_ENTRIES = 512;
const MAX_KEY = 16 * 1024;
const caches = new WeakMap<z.ZodType, Map<string, z.ZodSafeParseResult<unknown>>>();

export function parseCached<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const key = keyOf(value);
  if (key === undefined) return schema.safeParse(sorted(value));
  let cache = caches.get(schema);
  if (!cache) caches.set(schema, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) return hit as z.ZodSafeParseResult<z.output<S>>;
  const r = schema.safeParse(sorted(value));
  if (r.success) deepFreeze(r.data);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(key, r);
  return r;
}

class Uncacheable extends Error {}

/** An injective text for `value` with object keys sorted; undefined when too large to keep or not JSON-like. */
export function keyOf(value: unknown): string | undefined {
  try {
    return token(value);
  } catch (err) {
    if (err instanceof Uncacheable || err instanceof RangeError) return undefined;
    throw err;
  }
}

function token(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      // NaN, Infinity and -0 get tokens of their own, unlike in JSON.
      return Object.is(v, -0) ? "-0" : String(v);
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
      return "undefined";
    case "object": {
      if (v === null) return "null";
      let s: string;
      if (Array.isArray(v)) {
        s = "[";
        for (let i = 0; i < v.length; i++) s += (i ? "," : "") + token(v[i]);
        s += "]";
      } else {
        const keys = Object.keys(v).sort();
        s = "{";
        for (let i = 0; i < keys.length; i++) s += (i ? "," : "") + JSON.stringify(keys[i]) + ":" + token((v as Record<string, unknown>)[keys[i]!]);
        s += "}";
      }
      if (s.length > MAX_KEY) throw new Uncacheable();
      return s;
    }
    default:
      throw new Uncacheable();
  }
}

/** A copy with every object's keys in sorted order; arrays keep theirs. */
function sorted(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(sorted);
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = sorted((v as Record<string, unknown>)[k]);
    // A "__proto__" key must stay a key, not become the prototype.
    if (k === "__proto__") Object.defineProperty(o, k, { value: x, enumerable: true, writable: true, configurable: true });
    else o[k] = x;
  }
  return o;
}

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== "object" || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}
