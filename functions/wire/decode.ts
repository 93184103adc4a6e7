// protobuf bytes → RunFunctionRequest, deep-equal to the SDK's
// `RunFunctionRequest.decode(bytes)` but in one pass with no intermediate
// objects. The SDK decodes every google.protobuf.Value into a six-field
// message object, every Struct into a `fields` object that it then copies, and
// reads through a BinaryReader; here a Struct becomes the plain object, a
// ListValue the array, a Value the JS value, straight off the buffer.
//
// One thing differs on purpose: the keys of every Struct and map come out
// sorted, where the SDK keeps wire order. Go writes them in map order, which
// changes from call to call, so sorting makes one value one object: the same
// key order for everything downstream (and so the same answer), and the same
// V8 shape for code reading it.
//
// "Equal" includes the SDK's quirks, kept on purpose so the two decoders can
// be swapped freely (test/wire-decode.test.ts checks them against each other):
// - a tag 0 or an end-group tag ends the current message early, and its parent
//   carries on reading from there;
// - a known field with the wrong wire type is skipped as an unknown one;
// - a repeated singular message field replaces, never merges;
// - a Value's oneof resolves by priority string > number > bool > struct >
//   list > null, not by wire order; an empty Value is `undefined`, dropped
//   from a Struct but kept as an element of a ListValue;
// - a Struct key "__proto__" gives the object the prototype the SDK's
//   Struct.decode and Struct.unwrap give it (none, mostly; see objectWithProto),
//   and in the other maps it is assigned as the SDK assigns it (which sets that
//   map object's prototype);
// - the same nesting limit: a message nested 100 deep throws.
import type {
  CredentialData,
  Credentials,
  Resource,
  Resources,
  RunFunctionRequest,
  Schema,
  State,
} from "@crossplane-org/function-sdk-typescript";

type RequestMeta = NonNullable<RunFunctionRequest["meta"]>;
type JsonObject = Record<string, unknown>;

/** The SDK's per-reader recursion counter throws once a message sits this deep. */
const MAX_DEPTH = 100;
/** BinaryReader.skip's own limit on nested unknown groups. */
const MAX_GROUP_DEPTH = 100;
/** The scratch arrays of Struct fields are dropped after a call that grew them past this. */
const SCRATCH_KEEP = 4096;
/**
 * Strings up to this long are tried as ASCII in JS; longer ones go to the
 * native decoder (a call costs more).
 */
const ASCII_MAX = 32;

const EMPTY = Buffer.alloc(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

// The cursor, shared by the readers below. Decoding is synchronous, so one set
// of module variables serves every call; the buffer is dropped after each call.
// `var`, not `let`: V8 checks a module-level `let` for its temporal dead zone on
// every access, and these are read for every byte.
/* eslint-disable no-var -- module-level `var` on purpose: see above */
var buf: Buffer = EMPTY;
var pos = 0;
var len = 0;
var view: DataView = EMPTY_VIEW;
// The fields of the Structs being read, innermost last: struct() takes its own
// off the top once it has them all, to build its object in key order. The
// arrays only grow (shrinking them costs a reallocation); `top` marks the end.
var keys: string[] = [];
var vals: unknown[] = [];
var top = 0;
/**
 * How many "__proto__" fields have been read: a Struct that read one builds its
 * object the slow way.
 */
var protoFields = 0;
/* eslint-enable no-var */

export function decodeRunFunctionRequest(bytes: Uint8Array): RunFunctionRequest {
  // Always a Buffer (grpc-js hands one over; a Uint8Array is wrapped, not copied),
  // so element reads see one array shape and toString("utf8") exists.
  buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pos = 0;
  len = buf.length;
  view = new DataView(buf.buffer, buf.byteOffset, len);
  try {
    return runFunctionRequest(len, 0);
  } finally {
    buf = EMPTY;
    view = EMPTY_VIEW;
    // After an error, what was read is dropped here: no value outlives the call.
    if (top !== 0) vals.fill(undefined, 0, top);
    top = 0;
    // One huge Struct must not keep its scratch space for the life of the process.
    if (keys.length > SCRATCH_KEEP) {
      keys = [];
      vals = [];
    }
  }
}

// ---- messages -----------------------------------------------------------------
// Each reads fields until `end` and mirrors the SDK's loop: a known tag is
// read, anything else stops the message (tag 0, end group) or is skipped.
// `depth` is the SDK's recursion counter for this message.

function runFunctionRequest(end: number, depth: number): RunFunctionRequest {
  enter(depth);
  const msg: RunFunctionRequest = {
    meta: undefined,
    observed: undefined,
    desired: undefined,
    input: undefined,
    context: undefined,
    extraResources: {},
    credentials: {},
    requiredResources: {},
    requiredSchemas: {},
  };
  while (pos < end) {
    const tag = varint32();
    switch (tag) {
      case 10:
        msg.meta = requestMeta(sub(), depth + 1);
        continue;
      case 18:
        msg.observed = state(sub(), depth + 1);
        continue;
      case 26:
        msg.desired = state(sub(), depth + 1);
        continue;
      case 34:
        msg.input = struct(sub(), depth + 1);
        continue;
      case 42:
        msg.context = struct(sub(), depth + 1);
        continue;
      case 50:
        mapEntry(msg.extraResources, sub(), depth + 1, resources);
        continue;
      case 58:
        mapEntry(msg.credentials, sub(), depth + 1, credentials);
        continue;
      case 66:
        mapEntry(msg.requiredResources, sub(), depth + 1, resources);
        continue;
      case 74:
        mapEntry(msg.requiredSchemas, sub(), depth + 1, schema);
        continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  msg.extraResources = inOrder(msg.extraResources);
  msg.credentials = inOrder(msg.credentials);
  msg.requiredResources = inOrder(msg.requiredResources);
  msg.requiredSchemas = inOrder(msg.requiredSchemas);
  return msg;
}

function requestMeta(end: number, depth: number): RequestMeta {
  enter(depth);
  const msg: RequestMeta = { tag: "", capabilities: [] };
  while (pos < end) {
    const tag = varint32();
    switch (tag) {
      case 10:
        msg.tag = uncachedString();
        continue;
      case 16: // unpacked
        msg.capabilities.push(varint32() | 0);
        continue;
      case 18: {
        // Packed; like the SDK, the run may overshoot its length by a partial varint.
        const stop = varint32() + pos;
        while (pos < stop) msg.capabilities.push(varint32() | 0);
        continue;
      }
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  return msg;
}

function state(end: number, depth: number): State {
  enter(depth);
  const msg: State = { composite: undefined, resources: {} };
  while (pos < end) {
    const tag = varint32();
    switch (tag) {
      case 10:
        msg.composite = resource(sub(), depth + 1);
        continue;
      case 18:
        mapEntry(msg.resources, sub(), depth + 1, resource);
        continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  msg.resources = inOrder(msg.resources);
  return msg;
}

function resource(end: number, depth: number): Resource {
  enter(depth);
  const msg: Resource = { resource: undefined, connectionDetails: {}, ready: 0 };
  while (pos < end) {
    const tag = varint32();
    switch (tag) {
      case 10:
        msg.resource = struct(sub(), depth + 1);
        continue;
      case 18:
        bytesEntry(msg.connectionDetails, sub(), depth + 1);
        continue;
      case 24:
        msg.ready = varint32() | 0;
        continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  msg.connectionDetails = inOrder(msg.connectionDetails);
  return msg;
}

function resources(end: number, depth: number): Resources {
  return withField<Resources>({ items: [] }, end, depth, 10, (msg) =>
    msg.items.push(resource(sub(), depth + 1)),
  );
}

function credentials(end: number, depth: number): Credentials {
  return withField<Credentials>(
    { credentialData: undefined },
    end,
    depth,
    10,
    (msg) => (msg.credentialData = credentialData(sub(), depth + 1)),
  );
}

function credentialData(end: number, depth: number): CredentialData {
  const msg = withField<CredentialData>({ data: {} }, end, depth, 10, (msg) =>
    bytesEntry(msg.data, sub(), depth + 1),
  );
  msg.data = inOrder(msg.data);
  return msg;
}

function schema(end: number, depth: number): Schema {
  return withField<Schema>(
    { openapiV3: undefined },
    end,
    depth,
    10,
    (msg) => (msg.openapiV3 = struct(sub(), depth + 1)),
  );
}

/** A message with one known field: `read` it at each `tag`, skip anything else. */
function withField<M>(
  msg: M,
  end: number,
  depth: number,
  tag: number,
  read: (msg: M) => unknown,
): M {
  enter(depth);
  while (pos < end) {
    const t = varint32();
    if (t === tag) {
      read(msg);
      continue;
    }
    if (ends(t)) break;
    skip(t & 7);
  }
  return msg;
}

/**
 * The map with its keys in sorted order, as struct() does for a Struct, and
 * for the same reasons: Go writes protobuf maps in an order that changes from
 * call to call.
 */
function inOrder<T>(map: Record<string, T>): Record<string, T> {
  // A map whose "__proto__" key gave it a prototype is left as the SDK built it:
  // assigning its keys again, after the prototype, would not always make the same object.
  if (Object.getPrototypeOf(map) !== Object.prototype) return map;
  const names = Object.keys(map);
  let sorted = true;
  for (let i = 1; i < names.length && sorted; i++) sorted = names[i - 1]! < names[i]!;
  if (sorted) return map;
  const out: Record<string, T> = {};
  for (const name of names.sort()) out[name] = map[name]!;
  return out;
}

// The key and value of the entry entry() read last, for its caller to take at
// once (a nested entry read in between has finished by then).
/* eslint-disable no-var -- module-level `var` on purpose, as for the cursor above */
var entryKey = "";
var entryVal: unknown = undefined;
/* eslint-enable no-var */

/**
 * A map entry, Struct.FieldsEntry included: key 1, value 2 read by `read`
 * with the value's end; the last of each wins. `key` and `val` are what was
 * read of the entry before the cursor. Leaves them in entryKey and entryVal.
 */
function entry(
  end: number,
  depth: number,
  read: (end: number, depth: number) => unknown,
  key = "",
  val: unknown = undefined,
): void {
  enter(depth);
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      key = string();
      continue;
    }
    if (tag === 18) {
      val = read(sub(), depth + 1);
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  entryKey = key;
  entryVal = val;
}

/** The value entry() left, which the scratch variable then lets go of: it may be a Secret's. */
function takeEntryVal(): unknown {
  const val = entryVal;
  entryVal = undefined;
  return val;
}

/** A map<string, Message> entry; a missing value leaves the map as it was. */
function mapEntry<T>(
  map: Record<string, T>,
  end: number,
  depth: number,
  value: (end: number, depth: number) => T,
): void {
  entry(end, depth, value);
  const val = takeEntryVal() as T | undefined;
  if (val !== undefined) map[entryKey] = val;
}

/** A map<string, bytes> entry; a missing value is an empty Buffer, as the SDK's default. */
function bytesEntry(map: Record<string, Buffer>, end: number, depth: number): void {
  entry(end, depth, bytesTo);
  map[entryKey] = (takeEntryVal() as Buffer | undefined) ?? Buffer.alloc(0);
}

// ---- google.protobuf.Struct / Value / ListValue, straight to JSON values ----------

function struct(end: number, depth: number): JsonObject {
  enter(depth);
  const base = top;
  const protos = protoFields;
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      const stop = sub();
      if (!canonicalField(stop, depth + 1)) structField(stop, depth + 1);
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  return protoFields === protos ? object(base) : objectWithProto(base);
}

/**
 * The object of the fields read since `base`, with its keys in sorted order
 * whatever order they came in. Go writes a Struct's fields in map order, which
 * changes from call to call; sorted, the same value always makes the same
 * object: the same key order for everything downstream, and the same V8 shape,
 * so code reading it meets a few shapes instead of one per order. Equal keys
 * keep their wire order, so the last one wins, as in the SDK.
 */
function object(base: number): JsonObject {
  const n = top - base;
  if (n > 1) sortFields(base, n);
  const obj: JsonObject = {};
  for (let i = base; i < top; i++) {
    obj[keys[i]!] = vals[i];
    // The scratch array must not keep a value (a Secret's, say) past this call.
    vals[i] = undefined;
  }
  top = base;
  return obj;
}

/**
 * object() for a Struct that had "__proto__" fields. The SDK assigns every
 * field to a plain `fields` map, so a "__proto__" goes through the inherited
 * setter and only changes that map's prototype, which Struct.unwrap, copying
 * own keys, leaves behind. Once the map's prototype chain no longer reaches
 * Object.prototype (a null "__proto__" does that), the next "__proto__" is an
 * own key, the last one wins, and unwrap's copy of it sets the prototype of
 * the object it returns. A real Crossplane request never has two "__proto__"
 * keys in one Struct; a fuzzed one does.
 */
function objectWithProto(base: number): JsonObject {
  if (top - base > 1) sortFields(base, top - base);
  const obj: JsonObject = {};
  let mapProto: object | null = Object.prototype;
  let own = false;
  let ownVal: unknown;
  for (let i = base; i < top; i++) {
    const key = keys[i]!;
    const v = vals[i];
    vals[i] = undefined;
    if (key !== "__proto__") obj[key] = v;
    else if (own || !reachesObjectPrototype(mapProto)) {
      own = true;
      ownVal = v;
    } else if (typeof v === "object") mapProto = v;
  }
  top = base;
  if (own && typeof ownVal === "object") Object.setPrototypeOf(obj, ownVal);
  return obj;
}

function reachesObjectPrototype(p: object | null): boolean {
  while (p !== null && p !== Object.prototype) p = Object.getPrototypeOf(p) as object | null;
  return p !== null;
}

function sortFields(base: number, n: number): void {
  const end = base + n;
  let sorted = true;
  for (let i = base + 1; i < end; i++) {
    if (keys[i - 1]! > keys[i]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return;
  if (n <= 16) {
    // Insertion sort: stable, and no allocation for the small objects that are most of them.
    for (let i = base + 1; i < end; i++) {
      const k = keys[i]!;
      const v = vals[i];
      let j = i - 1;
      for (; j >= base && keys[j]! > k; j--) {
        keys[j + 1] = keys[j]!;
        vals[j + 1] = vals[j];
      }
      keys[j + 1] = k;
      vals[j + 1] = v;
    }
    return;
  }
  const order = Array.from({ length: n }, (_, i) => base + i).sort((a, b) =>
    keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b,
  );
  const k = order.map((i) => keys[i]!);
  const v = order.map((i) => vals[i]);
  for (let i = 0; i < n; i++) {
    keys[base + i] = k[i]!;
    vals[base + i] = v[i];
  }
}

/**
 * The fast path for Struct.FieldsEntry: the layout every encoder writes, a
 * key then a value that fills the rest of the entry. Anything else (and any
 * entry near the depth limit or past the buffer) returns false with the cursor
 * back at the entry's start, for structField to read the general way.
 */
function canonicalField(end: number, depth: number): boolean {
  const start = pos;
  if (depth + 1 >= MAX_DEPTH || end > len || end - start < 4 || buf[start] !== 10) return false;
  const keyLength = buf[start + 1]!;
  const keyStart = start + 2;
  const valueField = keyStart + keyLength;
  if (keyLength >= 0x80 || valueField + 2 > end || buf[valueField] !== 18) return false;
  pos = valueField + 1;
  const n = varint32();
  if (n === 0 || pos + n !== end) {
    pos = start;
    return false;
  }
  let val: unknown;
  const stringLength = n >= 2 ? buf[pos + 1]! : 0x80;
  if (buf[pos] === 26 && stringLength < 0x80 && pos + 2 + stringLength === end) {
    // A short string, the commonest value, read here rather than in single(); never cached.
    val = decodeUtf8(pos + 2, pos + 2 + stringLength);
    pos = end;
  } else {
    val = single(end, depth + 1);
    if (val === MISS) {
      pos = start;
      return false;
    }
  }
  const key = text(keyStart, keyLength);
  // A Value that stopped early (a stray end tag) leaves more of the entry to read.
  if (pos !== end) structField(end, depth, key, val);
  else if (keyLength !== 9 || key !== "__proto__") field(key, val);
  else if (val !== undefined) protoField(val);
  return true;
}

/**
 * Struct.FieldsEntry, from the cursor on, given what was read of it so far; an
 * empty Value is dropped, as in the SDK.
 */
function structField(end: number, depth: number, key = "", val: unknown = undefined): void {
  entry(end, depth, value, key, val);
  const v = takeEntryVal();
  if (v === undefined) return;
  if (entryKey !== "__proto__") field(entryKey, v);
  else protoField(v);
}

/** A "__proto__" field of a Struct, kept for objectWithProto. */
function protoField(val: unknown): void {
  protoFields++;
  field("__proto__", val);
}

function field(key: string, val: unknown): void {
  keys[top] = key;
  vals[top] = val;
  top++;
}

function list(end: number, depth: number): unknown[] {
  enter(depth);
  const arr: unknown[] = [];
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      arr.push(value(sub(), depth + 1));
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  return arr;
}

/** A Value as Value.unwrap gives it. */
function value(end: number, depth: number): unknown {
  enter(depth);
  if (end <= len && pos < end) {
    const val = single(end, depth);
    if (val !== MISS) return val;
  }
  return valueFields(end, depth, undefined, undefined);
}

/** What single() returns when the Value is not one field that exactly fills it. */
const MISS = Symbol("miss");

/**
 * The fast path for a Value in [pos, end), end within the buffer: one field
 * that fills it exactly, which is what every encoder writes. The bytes read are
 * the ones the general loop reads first, so an error here is one there too.
 * Returns MISS with the cursor unmoved for anything else, before reading any
 * nested message: that is never read twice.
 */
function single(end: number, depth: number): unknown {
  const start = pos;
  const tag = buf[start];
  pos = start + 1;
  switch (tag) {
    case 26: {
      const n = varint32();
      if (pos + n !== end) break;
      const s = decodeUtf8(pos, end);
      pos = end;
      return s;
    }
    case 17:
      if (start + 9 !== end) break;
      pos = end;
      return view.getFloat64(start + 1, true);
    case 32: {
      if (start + 2 !== end || buf[start + 1]! >= 0x80) break;
      pos = end;
      return buf[start + 1] !== 0;
    }
    case 42: {
      const n = varint32();
      if (pos + n !== end) break;
      const obj = struct(end, depth + 1);
      // An object cut short by a stray end tag leaves more of the Value to read:
      // carry on from here, never read it again (each level again would be exponential).
      return pos === end ? obj : valueFields(end, depth, obj, undefined);
    }
    case 50: {
      const n = varint32();
      if (pos + n !== end) break;
      const arr = list(end, depth + 1);
      return pos === end ? arr : valueFields(end, depth, undefined, arr);
    }
  }
  pos = start;
  return MISS;
}

/**
 * The general case: the last of each kind read wins, then the first kind
 * present by the SDK's priority. `obj` or `arr` is a first field already read.
 */
function valueFields(
  end: number,
  depth: number,
  obj: JsonObject | undefined,
  arr: unknown[] | undefined,
): unknown {
  let str: string | undefined;
  let num: number | undefined;
  let bool: boolean | undefined;
  let isNull = false;
  while (pos < end) {
    const tag = varint32();
    switch (tag) {
      case 8: // null_value: the enum number is read and ignored
        varint32();
        isNull = true;
        continue;
      case 17:
        num = double();
        continue;
      case 26:
        str = uncachedString();
        continue;
      case 32:
        bool = boolean();
        continue;
      case 42:
        obj = struct(sub(), depth + 1);
        continue;
      case 50:
        arr = list(sub(), depth + 1);
        continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  if (str !== undefined) return str;
  if (num !== undefined) return num;
  if (bool !== undefined) return bool;
  if (obj !== undefined) return obj;
  if (arr !== undefined) return arr;
  return isNull ? null : undefined;
}

// ---- scalars --------------------------------------------------------------------
// Same bounds semantics as BinaryReader: a read that runs past the buffer throws;
// a nested message whose length runs past it is read until something does.

function enter(depth: number): void {
  if (depth >= MAX_DEPTH) throw new Error("protobuf decode recursion limit exceeded");
}

/** Tag 0 and end-group stop a message in the SDK (its `break` out of the read loop). */
function ends(tag: number): boolean {
  return (tag & 7) === 4 || tag === 0;
}

/** Reads a length prefix and returns where the sub-message it prefixes ends. */
function sub(): number {
  const n = varint32();
  return pos + n;
}

function eof(): never {
  throw new Error("premature EOF");
}

/** BinaryReader.uint32: up to 10 bytes, the low 32 bits kept. */
function varint32(): number {
  // One and two bytes inline: tags and most lengths.
  if (pos + 1 < len) {
    const b = buf[pos]!;
    if (b < 0x80) {
      pos++;
      return b;
    }
    const c = buf[pos + 1]!;
    if (c < 0x80) {
      pos += 2;
      return (b & 0x7f) | (c << 7);
    }
  }
  return varint32Slow();
}

function varint32Slow(): number {
  let result = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    const b = byte();
    result |= (b & 0x7f) << shift;
    if (b < 0x80) return result;
  }
  let b = byte();
  result |= (b & 0x0f) << 28;
  for (let n = 5; b >= 0x80; n++) {
    if (n === 10) throw new Error("invalid varint");
    b = byte();
  }
  return result >>> 0;
}

function byte(): number {
  if (pos >= len) eof();
  return buf[pos++]!;
}

/**
 * BinaryReader.bool: any non-zero 64-bit varint. Its varint64 keeps only bit 0
 * of the tenth byte (shifted by 31), so that byte's higher bits count as zero.
 */
function boolean(): boolean {
  if (pos < len && buf[pos]! < 0x80) return buf[pos++] !== 0;
  let lo = 0;
  let hi: number;
  for (let shift = 0; shift < 28; shift += 7) {
    const b = byte();
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return lo !== 0;
  }
  const middle = byte();
  lo |= (middle & 0x0f) << 28;
  hi = (middle & 0x70) >> 4;
  if (middle < 0x80) return lo !== 0 || hi !== 0;
  for (let shift = 3; shift <= 31; shift += 7) {
    const b = byte();
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) return lo !== 0 || hi !== 0;
  }
  throw new Error("invalid varint");
}

function double(): number {
  if (pos + 8 > len) eof();
  const d = view.getFloat64(pos, true);
  pos += 8;
  return d;
}

/** Moves the cursor `n` bytes on, past whatever they hold; returns the new position. */
function advance(n: number): number {
  pos += n;
  if (pos > len) eof();
  return pos;
}

/**
 * A bytes field from the cursor to `end` (its length already read), copied into
 * a Buffer of its own as the SDK's Buffer.from does.
 */
function bytesTo(end: number): Buffer {
  const start = pos;
  return Buffer.from(buf.subarray(start, advance(end - start)));
}

// ---- strings ----------------------------------------------------------------------
// Struct keys repeat endlessly (apiVersion, kind, metadata, name...), within a
// request and from one request to the next. Only keys (of Structs and maps) go
// through text() and its cache. String values (a Struct's, a list's, the tag)
// go through uncachedString() or decodeUtf8() and are never cached: they
// include Secret data, which must not outlive the request
// (test/codec.test.ts looks in the cache for them). A two-way hash table
// from a string's bytes to the string decoded last time saves building it
// again, which is most of what decoding a Struct costs. A slot keeps the
// string's length, its first and last four bytes (all of it up to 8 bytes; the
// bytes themselves under 4) and, for longer ones, all its bytes to compare.
// It holds at most 4096 strings of at most 128 bytes; the bytes table is
// 512 KiB of zeroed memory, resident only as slots are used.
const CACHE_BITS = 12;
const CACHE_SLOTS = 1 << CACHE_BITS;
/** Longer strings are rarely repeated and cost more to compare. */
const CACHE_MAX = 128;
const cacheStrings: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS).fill(
  undefined,
);
/**
 * Per slot: length (-1 when empty), head, tail, unused; side by side so a
 * lookup touches one cache line.
 */
const cacheMeta = new Int32Array(CACHE_SLOTS * 4).fill(-1);
const cacheBytes = new Uint8Array(CACHE_SLOTS * CACHE_MAX);
const cacheView = new DataView(cacheBytes.buffer);
/** Per pair of slots, the one to replace next. */
const cacheVictim = new Uint8Array(CACHE_SLOTS / 2);

function string(): string {
  const n = varint32();
  const start = pos;
  advance(n);
  return text(start, n);
}

/** A string that is not a key: decoded every time, never kept. */
function uncachedString(): string {
  const n = varint32();
  const start = pos;
  advance(n);
  return decodeUtf8(start, start + n);
}

/** The string in buf[start, start+n), which is within the buffer. */
function text(start: number, n: number): string {
  // Kept small so V8 inlines it: 4 to 8 bytes (most keys) are two words, compared whole.
  if (n < 4 || n > 8) return otherText(start, n);
  const head = view.getInt32(start, true);
  const tail = view.getInt32(start + n - 4, true);
  const slot =
    (Math.imul(head ^ Math.imul(tail, 0x85ebca6b) ^ n, 0x9e3779b1) >>> (32 - CACHE_BITS)) & ~1;
  const m = slot * 4;
  if (cacheMeta[m + 1] === head && cacheMeta[m + 2] === tail && cacheMeta[m] === n)
    return cacheStrings[slot]!;
  return lookup(slot, start, n, head, tail);
}

/** Strings under 4 bytes (packed into `head`) and over 8 (the middle hashed too). */
function otherText(start: number, n: number): string {
  if (n > CACHE_MAX || n === 0) return decodeUtf8(start, start + n);
  let head: number;
  let tail = 0;
  let h = n;
  if (n < 4) {
    head = buf[start]! | (n > 1 ? buf[start + 1]! << 8 : 0) | (n > 2 ? buf[start + 2]! << 16 : 0);
  } else {
    head = view.getInt32(start, true);
    tail = view.getInt32(start + n - 4, true);
    // Strings that differ only in the middle (timestamps, camelCase variants)
    // must not share a slot.
    for (let i = 4; i < n - 4; i += 4)
      h = Math.imul(h ^ view.getInt32(start + i, true), 0xcc9e2d51);
  }
  const slot =
    (Math.imul(head ^ Math.imul(tail, 0x85ebca6b) ^ h, 0x9e3779b1) >>> (32 - CACHE_BITS)) & ~1;
  return lookup(slot, start, n, head, tail);
}

/**
 * The string from either slot of the pair at `slot`, or decoded and put in the
 * one used less recently.
 */
function lookup(slot: number, start: number, n: number, head: number, tail: number): string {
  if (cached(slot, start, n, head, tail)) return cacheStrings[slot]!;
  if (cached(slot + 1, start, n, head, tail)) {
    cacheVictim[slot >> 1] = 0;
    return cacheStrings[slot + 1]!;
  }
  const s = decodeUtf8(start, start + n);
  const victim = slot + cacheVictim[slot >> 1]!;
  cacheVictim[slot >> 1] = victim === slot ? 1 : 0;
  cacheStrings[victim] = s;
  cacheMeta[victim * 4] = n;
  cacheMeta[victim * 4 + 1] = head;
  cacheMeta[victim * 4 + 2] = tail;
  if (n > 8) {
    // A loop, not set(subarray()): that would allocate a view for a copy this short.
    const base = victim * CACHE_MAX;
    for (let i = 0; i < n; i++) cacheBytes[base + i] = buf[start + i]!;
  }
  return s;
}

/** What the key cache holds, for the test that checks no string value is in it. */
export function cachedStrings(): string[] {
  return cacheStrings.filter((s): s is string => s !== undefined);
}

/** Whether `slot` holds buf[start, start+n). */
function cached(slot: number, start: number, n: number, head: number, tail: number): boolean {
  const m = slot * 4;
  if (cacheMeta[m] !== n || cacheMeta[m + 1] !== head || cacheMeta[m + 2] !== tail) return false;
  // Head and tail cover 8 bytes; compare the middle of longer strings four bytes at a time.
  const base = slot * CACHE_MAX;
  for (let i = 4; i < n - 4; i += 4)
    if (view.getInt32(start + i, true) !== cacheView.getInt32(base + i, true)) return false;
  return true;
}

/**
 * What the SDK's BinaryReader.string() gives: UTF-8 decoded leniently (its
 * TextDecoder is not fatal), each invalid sequence a U+FFFD, a leading BOM kept.
 */
function decodeUtf8(start: number, stop: number): string {
  if (stop - start <= ASCII_MAX) {
    const s = ascii(start, stop);
    if (s !== undefined) return s;
  }
  return buf.toString("utf8", start, stop);
}

/**
 * A short string built in JS when every byte is ASCII (cheaper than a native call); else undefined.
 */
function ascii(start: number, stop: number): string | undefined {
  const codes = new Array<number>(stop - start);
  for (let i = start; i < stop; i++) {
    const b = buf[i]!;
    if (b > 0x7f) return undefined;
    codes[i - start] = b;
  }
  return String.fromCharCode.apply(null, codes);
}

// ---- unknown fields -----------------------------------------------------------

/** BinaryReader.skip for a field of wire type `wt` whose tag was already read. */
function skip(wt: number, fieldNo?: number, groupDepth = MAX_GROUP_DEPTH): void {
  switch (wt) {
    case 0:
      // Unlike a varint that is read, a skipped one may be any length.
      while (byte() >= 0x80) {
        // continuation byte
      }
      return;
    case 1:
      advance(8);
      return;
    case 2:
      advance(varint32());
      return;
    case 3:
      skipGroup(fieldNo, groupDepth);
      return;
    case 5:
      advance(4);
      return;
    default:
      throw new Error(`cant skip wire type ${wt}`);
  }
}

/**
 * Skips to the matching end-group tag; the outermost group accepts any
 * end-group (the SDK passes no field number).
 */
function skipGroup(fieldNo: number | undefined, groupDepth: number): void {
  if (groupDepth <= 0) throw new Error("maximum recursion depth reached");
  for (;;) {
    const start = pos;
    const tag = varint32();
    // BinaryReader.tag() is stricter than the uint32 read of a message loop.
    if (pos - start > 5 || (pos - start === 5 && buf[pos - 1]! > 0x0f))
      throw new Error("illegal tag: varint overflows uint32");
    const fn = tag >>> 3;
    const wt = tag & 7;
    if (fn <= 0 || wt > 5) throw new Error(`illegal tag: field no ${fn} wire type ${wt}`);
    if (wt === 4) {
      if (fieldNo !== undefined && fn !== fieldNo) throw new Error("invalid end group tag");
      return;
    }
    skip(wt, fn, groupDepth - 1);
  }
}
