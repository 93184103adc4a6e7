// RunFunctionResponse → protobuf bytes, byte-identical to the SDK's
// `RunFunctionResponse.encode(rsp).finish()` but in one pass with no
// intermediate objects. The SDK wraps every JSON value of every composed
// resource in a google.protobuf.Value object before encoding it, and forks a
// sub-writer per nested message; for a VDC that was the largest cost of a call.
//
// The message is written back to front, so a nested message's length is known
// when its prefix is written: write the fields in reverse order, then the
// length, then the tag. Anything the SDK would refuse or coerce (a bigint, a
// function, an out-of-range enum, a non-array `results`) is handed to the SDK
// encoder whole, so odd input gets the SDK's exact behaviour and error.
import {
  Ready,
  RunFunctionResponse,
  Severity,
  Status,
  type Condition,
  type Requirements,
  type Resource,
  type ResourceSelector,
  type Result,
  type State,
} from "@crossplane-org/function-sdk-typescript";

const INITIAL = 64 * 1024;
/** A scratch buffer that grew past this for one big response is dropped afterwards. */
const KEEP = 1024 * 1024;

// `var`, not `let`, as in decode.ts: V8 checks a module-level `let` for its
// temporal dead zone on every access, and these are touched for every byte.
/* eslint-disable no-var -- module-level `var` on purpose: see above */
var buf = Buffer.allocUnsafeSlow(INITIAL);
var view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
/** Index of the first written byte; the message so far is buf[pos, buf.length). */
var pos = INITIAL;
/* eslint-enable no-var */

class Unsupported extends Error {}

/** The encoded response, in a Buffer of its own (grpc-js may hold it after we return). */
export function encodeRunFunctionResponse(rsp: RunFunctionResponse): Buffer {
  pos = buf.length;
  top = 0;
  let out: Buffer;
  try {
    response(rsp);
    out = Buffer.allocUnsafe(written());
    buf.copy(out, 0, pos);
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    out = Buffer.from(RunFunctionResponse.encode(rsp).finish());
  } finally {
    // After an error, what was read is dropped here: no value outlives the call.
    if (top !== 0) values.fill(undefined, 0, top);
    if (names.length > 4096) {
      names = [];
      values = [];
    }
    if (buf.length > KEEP) {
      buf = Buffer.allocUnsafeSlow(INITIAL);
      view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
  }
  return out;
}

/** Bytes written so far; lengths are differences of this, which survives growth. */
function written(): number {
  return buf.length - pos;
}

function room(n: number): void {
  if (pos >= n) return;
  const used = written();
  let size = buf.length * 2;
  while (size - used < n) size *= 2;
  const next = Buffer.allocUnsafeSlow(size);
  buf.copy(next, size - used, pos);
  buf = next;
  view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  pos = size - used;
}

function byte(b: number): void {
  room(1);
  buf[--pos] = b;
}

function varint(v: number): void {
  // Callers pass non-negative integers below 2^53.
  if (v < 0x80) return byte(v);
  room(10);
  let n = 1;
  for (let x = v; x >= 0x80; x = Math.floor(x / 128)) n++;
  pos -= n;
  let p = pos;
  let x = v;
  while (x >= 0x80) {
    buf[p++] = (x % 128) | 0x80;
    x = Math.floor(x / 128);
  }
  buf[p] = x;
}

/** A length-delimited field whose content was written after `mark`. */
function delimited(tag: number, mark: number): void {
  varint(written() - mark);
  byte(tag);
}

function int32(tag: number, v: number): void {
  if (!Number.isInteger(v) || v > 0x7fffffff || v < -0x80000000) throw new Unsupported();
  if (v >= 0) {
    varint(v);
  } else {
    // Sign-extended to 64 bits: ten bytes, as the SDK writes them.
    room(10);
    pos -= 10;
    let x = v;
    for (let i = 0; i < 9; i++) {
      buf[pos + i] = (x & 0x7f) | 0x80;
      x >>= 7;
    }
    buf[pos + 9] = 1;
  }
  byte(tag);
}

function string(tag: number, s: string): void {
  if (typeof s !== "string") throw new Unsupported();
  const len = s.length;
  room(len);
  if (ascii(s, pos - len)) {
    pos -= len;
    varint(len);
  } else {
    // Not ASCII: lone surrogates become U+FFFD in both Buffer and TextEncoder.
    const n = Buffer.byteLength(s, "utf8");
    room(n);
    pos -= n;
    buf.write(s, pos, n, "utf8");
    varint(n);
  }
  byte(tag);
}

/**
 * Writes `s` at buf[at...] if it is all ASCII (the room is the caller's);
 * false, with the cursor untouched, at the first other character.
 */
function ascii(s: string, at: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return false;
    buf[at + i] = c;
  }
  return true;
}

function bytes(tag: number, b: Uint8Array): void {
  room(b.byteLength);
  pos -= b.byteLength;
  buf.set(b, pos);
  varint(b.byteLength);
  byte(tag);
}

function double(tag: number, v: number): void {
  room(8);
  pos -= 8;
  view.setFloat64(pos, v, true);
  byte(tag);
}

// google.protobuf.Struct / Value / ListValue, straight from JSON values.

// The keys and values of the objects being written, innermost last: for-in
// fills them without the array Object.keys would allocate per object. `top`
// marks the end.
/* eslint-disable no-var -- module-level `var` on purpose, as for the buffer above */
var names: string[] = [];
var values: unknown[] = [];
var top = 0;
/* eslint-enable no-var */

function struct(o: object): void {
  const base = top;
  // Each value is read inside for-in, where V8 loads it by its index in the
  // enum cache; read afterwards by name, it is a lookup across many shapes.
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    names[top] = k;
    values[top++] = (o as Record<string, unknown>)[k];
  }
  for (let i = top - 1; i >= base; i--) {
    const key = names[i]!;
    const v = values[i];
    // The scratch array must not keep a value (a Secret's, say) past this call.
    values[i] = undefined;
    top = i;
    if (v === undefined) continue;
    if (typeof v === "string" && shortStringEntry(key, v)) continue;
    // A map entry { key = 1; value = 2 } whose value is a Value message.
    const entry = written();
    value(v);
    delimited(0x12, entry);
    if (key !== "") string(0x0a, key);
    delimited(0x0a, entry);
  }
}

/**
 * A map entry whose key and string value are ASCII and short enough that every
 * length fits in one byte: most entries of a Kubernetes object. Written in one
 * go, with one bounds check; false (nothing written) when it does not apply.
 */
function shortStringEntry(key: string, v: string): boolean {
  const k = key.length;
  const n = v.length;
  // Entry: 0x0a len [0x0a k key] [0x12 n+2 [0x1a n v]]; its length k + n + 6 must be < 128.
  if (k === 0 || k + n > 121) return false;
  room(k + n + 8);
  let p = pos - n;
  if (!ascii(v, p)) return false;
  buf[--p] = n;
  buf[--p] = 0x1a;
  buf[--p] = n + 2;
  buf[--p] = 0x12;
  p -= k;
  if (!ascii(key, p)) return false;
  buf[--p] = k;
  buf[--p] = 0x0a;
  buf[--p] = k + n + 6;
  buf[--p] = 0x0a;
  pos = p;
  return true;
}

function list(a: unknown[]): void {
  for (let i = a.length - 1; i >= 0; i--) {
    const mark = written();
    value(a[i]);
    delimited(0x0a, mark);
  }
}

/** The fields of one Value, without its own tag and length. */
function value(v: unknown): void {
  switch (typeof v) {
    case "string":
      return string(0x1a, v);
    case "number":
      return double(0x11, v);
    case "boolean":
      byte(v ? 1 : 0);
      return byte(0x20);
    case "undefined":
      return;
    case "object": {
      if (v === null) {
        byte(0);
        return byte(0x08);
      }
      const mark = written();
      if (Array.isArray(v)) {
        list(v);
        return delimited(0x32, mark);
      }
      struct(v);
      return delimited(0x2a, mark);
    }
    default:
      throw new Unsupported();
  }
}

function structField(tag: number, o: unknown): void {
  if (o === undefined) return;
  if (o === null || typeof o !== "object") throw new Unsupported();
  const mark = written();
  struct(o);
  delimited(tag, mark);
}

// apiextensions.fn.proto.v1 messages, fields in reverse field-number order.

function message<T>(tag: number, m: T | undefined, fields: (m: T) => void): void {
  if (m === undefined) return;
  const mark = written();
  fields(m);
  delimited(tag, mark);
}

function repeated<T>(tag: number, ms: T[], fields: (m: T) => void): void {
  if (!Array.isArray(ms)) throw new Unsupported();
  for (let i = ms.length - 1; i >= 0; i--) message(tag, ms[i], fields);
}

/** A map field: entries in insertion order, each { key = 1; value = 2 }. */
function map<V>(tag: number, m: Record<string, V>, entryValue: (v: V) => void): void {
  if (m === null || typeof m !== "object") throw new Unsupported();
  const keys = Object.keys(m);
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]!;
    const mark = written();
    entryValue(m[key]!);
    if (key !== "") string(0x0a, key);
    delimited(tag, mark);
  }
}

function response(r: RunFunctionResponse): void {
  structField(0x3a, r.output);
  repeated(0x32, r.conditions, condition);
  message(0x2a, r.requirements, requirements);
  structField(0x22, r.context);
  repeated(0x1a, r.results, result);
  message(0x12, r.desired, state);
  message(0x0a, r.meta, meta);
}

function meta(m: NonNullable<RunFunctionResponse["meta"]>): void {
  message(0x12, m.ttl, (d) => {
    if (d.nanos !== 0) int32(0x10, d.nanos);
    if (d.seconds !== 0) {
      if (!Number.isSafeInteger(d.seconds) || d.seconds < 0) throw new Unsupported();
      varint(d.seconds);
      byte(0x08);
    }
  });
  if (m.tag !== "") string(0x0a, m.tag);
}

function state(s: State): void {
  map(0x12, s.resources, (r) => message(0x12, r, resource));
  message(0x0a, s.composite, resource);
}

function resource(r: Resource): void {
  if (r.ready !== Ready.READY_UNSPECIFIED) int32(0x18, r.ready);
  map(0x12, r.connectionDetails, (v) => {
    if (!(v instanceof Uint8Array)) throw new Unsupported();
    if (v.length !== 0) bytes(0x12, v);
  });
  structField(0x0a, r.resource);
}

function result(r: Result): void {
  if (r.target !== undefined) int32(0x20, r.target);
  if (r.reason !== undefined) string(0x1a, r.reason);
  if (r.message !== "") string(0x12, r.message);
  if (r.severity !== Severity.SEVERITY_UNSPECIFIED) int32(0x08, r.severity);
}

function condition(c: Condition): void {
  if (c.target !== undefined) int32(0x28, c.target);
  if (c.message !== undefined) string(0x22, c.message);
  if (c.reason !== "") string(0x1a, c.reason);
  if (c.status !== Status.STATUS_CONDITION_UNSPECIFIED) int32(0x10, c.status);
  if (c.type !== "") string(0x0a, c.type);
}

function requirements(r: Requirements): void {
  map(0x1a, r.schemas, (s) =>
    message(0x12, s, (s) => {
      if (s.kind !== "") string(0x12, s.kind);
      if (s.apiVersion !== "") string(0x0a, s.apiVersion);
    }),
  );
  map(0x12, r.resources, (s) => message(0x12, s, selector));
  map(0x0a, r.extraResources, (s) => message(0x12, s, selector));
}

function selector(s: ResourceSelector): void {
  if (s.namespace !== undefined) string(0x2a, s.namespace);
  message(0x22, s.matchLabels, (m) =>
    map(0x0a, m.labels, (v) => {
      if (v !== "") string(0x12, v);
    }),
  );
  if (s.matchName !== undefined) string(0x1a, s.matchName);
  if (s.kind !== "") string(0x12, s.kind);
  if (s.apiVersion !== "") string(0x0a, s.apiVersion);
}
