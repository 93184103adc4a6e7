// protobuf bytes → RunFunctionRequest, deep-equal to the SDK's
// `RunFunctionRequest.decode(bytes)` but in one pass with no intermediate
// objects. The SDK decodes every google.protobuf.Value into a six-field
// message object, every Struct into a `fields` object that it then copies, and
// reads through a BinaryReader; here a Struct becomes the plain object, a
// ListValue the array, a Value the JS value, straight off the buffer.
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
// - a Struct key "__proto__" is dropped; in the other maps it is assigned as
//   the SDK assigns it (which sets that map object's prototype);
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
/** Strings up to this long are tried as ASCII in JS; longer ones go to the native decoder. */
const ASCII_MAX = 32;

const EMPTY = Buffer.alloc(0);

// The cursor, shared by the readers below. Decoding is synchronous, so one set
// of module variables serves every call; the buffer is dropped after each call.
let buf: Buffer = EMPTY;
let pos = 0;
let len = 0;

export function decodeRunFunctionRequest(bytes: Uint8Array): RunFunctionRequest {
  // Always a Buffer, so element reads see one array shape and utf8Slice exists.
  buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pos = 0;
  len = buf.length;
  try {
    return runFunctionRequest(len, 0);
  } finally {
    buf = EMPTY;
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
  return msg;
}

function requestMeta(end: number, depth: number): RequestMeta {
  enter(depth);
  const msg: RequestMeta = { tag: "", capabilities: [] };
  while (pos < end) {
    const tag = varint32();
    switch (tag) {
      case 10:
        msg.tag = string();
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
  return msg;
}

function resources(end: number, depth: number): Resources {
  enter(depth);
  const msg: Resources = { items: [] };
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      msg.items.push(resource(sub(), depth + 1));
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  return msg;
}

function credentials(end: number, depth: number): Credentials {
  enter(depth);
  const msg: Credentials = { credentialData: undefined };
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      msg.credentialData = credentialData(sub(), depth + 1);
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  return msg;
}

function credentialData(end: number, depth: number): CredentialData {
  enter(depth);
  const msg: CredentialData = { data: {} };
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      bytesEntry(msg.data, sub(), depth + 1);
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  return msg;
}

function schema(end: number, depth: number): Schema {
  enter(depth);
  const msg: Schema = { openapiV3: undefined };
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      msg.openapiV3 = struct(sub(), depth + 1);
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  return msg;
}

/** A map<string, Message> entry: key 1, value 2; a missing value leaves the map as it was. */
function mapEntry<T>(map: Record<string, T>, end: number, depth: number, value: (end: number, depth: number) => T): void {
  enter(depth);
  let key = "";
  let val: T | undefined;
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      key = string();
      continue;
    }
    if (tag === 18) {
      val = value(sub(), depth + 1);
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  if (val !== undefined) map[key] = val;
}

/** A map<string, bytes> entry; a missing value is an empty Buffer, as the SDK's default. */
function bytesEntry(map: Record<string, Buffer>, end: number, depth: number): void {
  enter(depth);
  let key = "";
  let val: Buffer | undefined;
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      key = string();
      continue;
    }
    if (tag === 18) {
      val = bytes();
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  map[key] = val ?? Buffer.alloc(0);
}

// ---- google.protobuf.Struct / Value / ListValue, straight to JSON values ----------

function struct(end: number, depth: number): JsonObject {
  enter(depth);
  const obj: JsonObject = {};
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      structField(obj, sub(), depth + 1);
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  return obj;
}

/** Struct.FieldsEntry. The SDK's Struct.unwrap copies own keys only, so "__proto__" is lost there. */
function structField(obj: JsonObject, end: number, depth: number): void {
  enter(depth);
  let key = "";
  let val: unknown;
  while (pos < end) {
    const tag = varint32();
    if (tag === 10) {
      key = keyString();
      continue;
    }
    if (tag === 18) {
      val = value(sub(), depth + 1);
      continue;
    }
    if (ends(tag)) break;
    skip(tag & 7);
  }
  if (val !== undefined && key !== "__proto__") obj[key] = val;
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

/** A Value as Value.unwrap gives it: the last of each kind read, the first kind present by the SDK's priority. */
function value(end: number, depth: number): unknown {
  enter(depth);
  let str: string | undefined;
  let num: number | undefined;
  let bool: boolean | undefined;
  let obj: JsonObject | undefined;
  let arr: unknown[] | undefined;
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
        str = string();
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
  if (pos < len) {
    const b = buf[pos]!;
    if (b < 0x80) {
      pos++;
      return b;
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
  let hi = 0;
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
  const d = buf.readDoubleLE(pos);
  pos += 8;
  return d;
}

/** A bytes field, copied into a Buffer of its own as the SDK's Buffer.from does. */
function bytes(): Buffer {
  const n = varint32();
  const start = pos;
  return Buffer.from(buf.subarray(start, advance(n)));
}

function string(): string {
  return keyString();
}

// Struct keys repeat endlessly (apiVersion, kind, metadata, name...). A small
// hash table from key bytes to the string read last time saves building the
// string again and lets V8 find the property key without re-hashing it.
const KEY_BITS = 12;
const KEY_SLOTS = 1 << KEY_BITS;
const KEY_MAX = 32;
const keyStrings: (string | undefined)[] = new Array(KEY_SLOTS).fill(undefined);
const keyLengths = new Int32Array(KEY_SLOTS).fill(-1);
const keyBytes = new Uint8Array(KEY_SLOTS * KEY_MAX);

function keyString(): string {
  const n = varint32();
  const start = pos;
  const stop = advance(n);
  if (n > KEY_MAX || n === 0) return decodeUtf8(start, stop);
  const b = buf;
  // Hash a few bytes only: the full comparison below decides anyway.
  const h = Math.imul(n ^ (b[start]! << 8) ^ (b[stop - 1]! << 16) ^ (b[start + (n >> 1)]! << 24) ^ (b[start + (n >> 2)]! << 4), 0x9e3779b1);
  const slot = h >>> (32 - KEY_BITS);
  const cached = keyStrings[slot];
  if (cached !== undefined && cached.length === n) {
    let i = 0;
    while (i < n && cached.charCodeAt(i) === b[start + i]) i++;
    if (i === n) return cached;
  }
  const s = decodeUtf8(start, stop);
  // Only one-byte strings compare byte for byte with their encoding.
  keyStrings[slot] = s.length === n ? s : undefined;
  return s;
}

function decodeUtf8(start: number, stop: number): string {
  if (stop - start <= ASCII_MAX) {
    const s = ascii(start, stop);
    if (s !== undefined) return s;
  }
  return buf.toString("utf8", start, stop);
}

/** A short string built in JS when every byte is ASCII (cheaper than a native call); else undefined. */
function ascii(start: number, stop: number): string | undefined {
  let s = "";
  for (let i = start; i < stop; i++) {
    const b = buf[i]!;
    if (b > 0x7f) return undefined;
    s += String.fromCharCode(b);
  }
  return s;
}

/** Moves the cursor `n` bytes on, past whatever they hold; returns the new position. */
function advance(n: number): number {
  pos += n;
  if (pos > len) eof();
  return pos;
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

/** Skips to the matching end-group tag; the outermost group accepts any end-group (the SDK passes no field number). */
function skipGroup(fieldNo: number | undefined, groupDepth: number): void {
  if (groupDepth <= 0) throw new Error("maximum recursion depth reached");
  for (;;) {
    const start = pos;
    const tag = varint32();
    // BinaryReader.tag() is stricter than the uint32 read of a message loop.
    if (pos - start > 5 || (pos - start === 5 && buf[pos - 1]! > 0x0f)) throw new Error("illegal tag: varint overflows uint32");
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
