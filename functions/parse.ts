// zod parsing, memoised by value. Every reconcile parses the same specs again
// (the XR, its Tenant or VDC) and checks the same status it builds, and a VDC
// spec costs tens of microseconds to parse. Crossplane's Go client writes
// Struct fields in random map order, so the same spec arrives with its keys in
// a different order on every call.
//
// The cache is looked up by a hash that ignores key order and checked by a
// deep comparison that ignores it too, so a hit needs no allocation and a
// collision costs a miss, never a wrong answer. A caller that knows whose
// value it parses (an XR's spec, a Tenant's) passes that as `key`: the value
// that key had last time is compared first, which on a hit spares the walk
// that hashing takes. zod parses a key-sorted copy,
// so the answer depends on the value alone, not on the order it came in or on
// what was cached before. Results are frozen, so no composer can change a
// cached spec or status under the next request.
import type { z } from "zod";

const MAX_ENTRIES = 512;
/**
 * Values larger than this (object and array slots plus string characters) are
 * parsed without the cache.
 */
const MAX_SIZE = 16 * 1024;

interface Entry {
  value: unknown;
  result: z.ZodSafeParseResult<unknown>;
}
/**
 * Values that share a hash share a bucket of up to this many entries; a full
 * bucket drops its oldest.
 */
const BUCKET = 4;
const caches = new WeakMap<z.ZodType, Map<number, Entry[]>>();
/** The last entry parsed under each key, per schema; bounded as the hash cache is. */
const lastByKey = new WeakMap<z.ZodType, Map<string, Entry>>();
/**
 * Longer keys are not kept (Kubernetes names are at most 253 characters; a request is not
 * checked against that before its spec is parsed).
 */
const MAX_KEY = 600;

/**
 * `schema.safeParse(value)`, memoised. `key` names whose value this is (say
 * "<namespace>/<name>" of an XR): any string, since a wrong guess costs only a
 * miss.
 */
export function parseCached<S extends z.ZodType>(
  schema: S,
  value: unknown,
  key?: string,
): z.ZodSafeParseResult<z.output<S>> {
  let last: Map<string, Entry> | undefined;
  if (key !== undefined && key.length <= MAX_KEY) {
    last = lastByKey.get(schema);
    if (!last) lastByKey.set(schema, (last = new Map<string, Entry>()));
    const e = last.get(key);
    if (e && sameValue(e.value, value)) return e.result as z.ZodSafeParseResult<z.output<S>>;
  }
  const entry = entryFor(schema, value);
  if (!entry) return schema.safeParse(sorted(value));
  if (last) {
    if (last.size >= MAX_ENTRIES) last.clear();
    last.set(key!, entry);
  }
  return entry.result as z.ZodSafeParseResult<z.output<S>>;
}

/**
 * The hash cache's entry for `value`, found or made; undefined for a value too large or not
 * JSON-like enough to cache.
 */
function entryFor(schema: z.ZodType, value: unknown): Entry | undefined {
  const h = hashOf(value);
  if (h === undefined) return undefined;
  let cache = caches.get(schema);
  if (!cache) caches.set(schema, (cache = new Map<number, Entry[]>()));
  let bucket = cache.get(h);
  if (bucket) for (const e of bucket) if (sameValue(e.value, value)) return e;
  const copy = sorted(value);
  const result = schema.safeParse(copy);
  if (result.success) deepFreeze(result.data);
  if (!bucket) {
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(h, (bucket = []));
  }
  if (bucket.length >= BUCKET) bucket.shift();
  // The key-sorted copy, not the caller's object: nothing outside can change
  // what a later lookup compares with.
  const entry = { value: copy, result };
  bucket.push(entry);
  return entry;
}

/**
 * `schema.parse(value)`, memoised as parseCached is: the composers check the
 * status they build against the XRD's schema on every call, and a reconcile
 * mostly builds the status it built the last time.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  key?: string,
): z.output<S> {
  const r = parseCached(schema, value, key);
  if (!r.success) throw r.error;
  return r.data;
}

// ---- hashing: a bucket, not an identity (sameValue decides)

/** What the value being hashed may still spend of MAX_SIZE. */
const budget = { left: 0 };
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * A 32-bit hash of a JSON-like value that ignores object key order; undefined
 * when too large or not JSON-like.
 */
export function hashOf(value: unknown): number | undefined {
  budget.left = MAX_SIZE;
  const h = hash(value);
  return budget.left < 0 ? undefined : h;
}

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x01000193);
  return (h ^ (h >>> 15)) | 0;
}

function hashString(s: string): number {
  const n = s.length;
  budget.left -= n;
  let h = mix(0x2f1c3a5b, n);
  // The length and at most 4 characters from each end are enough to pick a
  // bucket; sameValue compares the whole string.
  if (n <= 8) {
    for (let i = 0; i < n; i++) h = mix(h, s.charCodeAt(i));
  } else {
    h = mix(mix(mix(mix(h, s.charCodeAt(0)), s.charCodeAt(1)), s.charCodeAt(2)), s.charCodeAt(3));
    h = mix(
      mix(mix(mix(h, s.charCodeAt(n - 4)), s.charCodeAt(n - 3)), s.charCodeAt(n - 2)),
      s.charCodeAt(n - 1),
    );
  }
  return h;
}

function hash(v: unknown): number {
  if (--budget.left < 0) return 0;
  switch (typeof v) {
    case "string":
      return hashString(v);
    case "number":
      if ((v | 0) === v) return mix(0x11, v);
      f64[0] = v;
      return mix(mix(0x12, u32[0]!), u32[1]!);
    case "boolean":
      return v ? 0x13 : 0x14;
    case "undefined":
      return 0x15;
    case "object": {
      if (v === null) return 0x16;
      if (Array.isArray(v)) {
        let h = mix(0x17, v.length);
        for (let i = 0; i < v.length; i++) h = mix(h, hash(v[i]));
        return h;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) break;
      // A sum of per-entry hashes does not depend on the order of the entries.
      let sum = 0;
      let n = 0;
      for (const k in v) {
        // A key's length and last character: a spec's keys come from its
        // schema, so its values tell specs apart.
        budget.left -= k.length;
        sum =
          (sum +
            mix(
              mix(k.length, k.charCodeAt(k.length - 1) | 0),
              hash((v as Record<string, unknown>)[k]),
            )) |
          0;
        n++;
      }
      return mix(mix(0x18, n), sum);
    }
  }
  budget.left = -1;
  return 0;
}

/**
 * Whether two JSON-like values are the same value, whatever the order of
 * their object keys: -0 is not 0, NaN is NaN, a key holding undefined is not
 * a missing key, and an array is not an object.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null)
    return Object.is(a, b);
  const isArray = Array.isArray(a);
  if (isArray !== Array.isArray(b)) return false;
  if (isArray) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameValue(x[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  // One lookup a key where y inherits only Object.prototype's functions, which equal no JSON
  // value: then only an undefined can be a missing key.
  const plain = Object.getPrototypeOf(y) === Object.prototype;
  let n = 0;
  for (const k in x) {
    const v = y[k];
    if ((v === undefined || !plain) && !Object.hasOwn(y, k)) return false;
    if (!sameValue(x[k], v)) return false;
    n++;
  }
  for (const _ in y) n--;
  return n === 0;
}

/** A copy with every object's keys in sorted order; arrays keep theirs. */
function sorted(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(sorted);
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = sorted((v as Record<string, unknown>)[k]);
    // A "__proto__" key must stay a key, not become the prototype.
    if (k === "__proto__")
      Object.defineProperty(o, k, {
        value: x,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else o[k] = x;
  }
  return o;
}

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== "object" || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}
