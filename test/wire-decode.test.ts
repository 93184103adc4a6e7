// functions/wire/decode.ts against the SDK's RunFunctionRequest.decode, which
// is the specification: for any bytes, either both throw or both return the
// same thing, compared strictly (key order, -0, NaN, Buffer vs Uint8Array,
// undefined vs missing, prototypes).
//   - requests the SDK encodes from random values (unicode, lone surrogates,
//     odd keys, odd numbers, every map and message);
//   - hostile bytes: random, mutated valid encodings, and a schema-aware fuzzer
//     that writes unknown fields of every wire type, wrong wire types, stray
//     end-group and zero tags, non-canonical varints, bad lengths, groups;
//   - hand-written cases for each SDK quirk the decoder copies;
//   - the nesting limit, at the deepest accepted nesting and one deeper;
//   - the benchmark's requests, built from examples/.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RunFunctionRequest } from "@crossplane-org/function-sdk-typescript";
import { decodeRunFunctionRequest } from "../functions/wire/decode.js";
import { buildCases, random } from "../bench/cases.js";

// ---- strict comparison ------------------------------------------------------------

/**
 * The first difference between a and b, or undefined: stricter than
 * isDeepStrictEqual about prototypes and property descriptors, not about key order.
 */
function diff(a: unknown, b: unknown, path = "$"): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== "object" || a === null || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${show(a)} vs ${show(b)}`;
  }
  const x = a;
  const y = b as object;
  const px = Object.getPrototypeOf(x) as object | null;
  const py = Object.getPrototypeOf(y) as object | null;
  if (ArrayBuffer.isView(x) || ArrayBuffer.isView(y)) {
    if (px !== py) return `${path}: ${x.constructor?.name} vs ${y.constructor?.name}`;
    const bytesOf = (v: object) =>
      Buffer.from(
        (v as ArrayBufferView).buffer,
        (v as ArrayBufferView).byteOffset,
        (v as ArrayBufferView).byteLength,
      );
    const bx = bytesOf(x);
    const by = bytesOf(y);
    return bx.equals(by)
      ? undefined
      : `${path}: bytes ${bx.toString("hex")} vs ${by.toString("hex")}`;
  }
  if (px !== py) {
    // The SDK's map["__proto__"] = value gives that map object a prototype of
    // its own; each decoder makes its own copy of it, so compare by content.
    const standard = [null, Object.prototype, Array.prototype];
    if (standard.includes(px) || standard.includes(py)) return `${path}: different prototypes`;
    const d = diff(px, py, `${path}.[[Prototype]]`);
    if (d) return d;
  }
  // Ours sorts the keys of Structs and maps (see "sorts the keys" below); the SDK keeps wire order.
  const byName = (a: string | symbol, b: string | symbol) =>
    String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  const kx = Reflect.ownKeys(x).sort(byName);
  const ky = Reflect.ownKeys(y).sort(byName);
  if (kx.length !== ky.length || kx.some((k, i) => k !== ky[i])) {
    return `${path}: keys [${kx.map(String).join(",")}] vs [${ky.map(String).join(",")}]`;
  }
  for (const k of kx) {
    const dx = Object.getOwnPropertyDescriptor(x, k)!;
    const dy = Object.getOwnPropertyDescriptor(y, k)!;
    if (dx.enumerable !== dy.enumerable || dx.writable !== dy.writable)
      return `${path}.${String(k)}: descriptors differ`;
    const d = diff(dx.value, dy.value, `${path}.${String(k)}`);
    if (d) return d;
  }
  return undefined;
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function run(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Both decoders on `bytes`: the same result, or both throw (ours an Error, never a stack overflow).
 */
function agree(bytes: Uint8Array): Outcome {
  const sdk = run(() => RunFunctionRequest.decode(bytes));
  const ours = run(() => decodeRunFunctionRequest(bytes));
  if (!ours.ok) {
    expect(ours.error).toBeInstanceOf(Error);
    expect(String((ours.error as Error).message)).not.toMatch(/call stack/i);
  }
  if (sdk.ok !== ours.ok) {
    const why = sdk.ok
      ? `ours threw ${String((ours as { error: unknown }).error)}`
      : `only the SDK threw ${String(sdk.error)}`;
    expect.fail(`${why} on ${Buffer.from(bytes).toString("hex").slice(0, 400)}`);
  }
  if (sdk.ok && ours.ok) {
    const d = diff(sdk.value, ours.value);
    if (d) expect.fail(`${d} on ${Buffer.from(bytes).toString("hex").slice(0, 400)}`);
  }
  return ours;
}

/** `bytes` again, at an offset inside a larger pooled Buffer, as grpc-js hands them over. */
function offset(bytes: Uint8Array): Buffer {
  const big = Buffer.alloc(bytes.length + 16, 0xab);
  big.set(bytes, 7);
  return big.subarray(7, 7 + bytes.length);
}

// ---- wire-writing helpers ---------------------------------------------------------

type Bytes = number[];

function varint(n: number): Bytes {
  const out: Bytes = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const tag = (field: number, wt: number): Bytes => varint(field * 8 + wt);
const ld = (field: number, ...parts: Bytes[]): Bytes => {
  const body = parts.flat();
  return [...tag(field, 2), ...varint(body.length), ...body];
};
const utf8 = (s: string): Bytes => [...Buffer.from(s, "utf8")];
const str = (field: number, s: string): Bytes => ld(field, utf8(s));
const dbl = (field: number, d: number): Bytes => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(d);
  return [...tag(field, 1), ...b];
};
const u8 = (b: Bytes): Uint8Array => Uint8Array.from(b);

// Struct helpers: input (field 4 of the request) holding one entry.
const entry = (key: string, ...value: Bytes[]): Bytes => ld(1, str(1, key), ld(2, ...value));
const input = (...entries: Bytes[]): Bytes => ld(4, ...entries);

// ---- random requests ----------------------------------------------------------------

const TRICKY = [
  "",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "0",
  "1",
  "10",
  "-1",
  "01",
  "4294967294",
  "4294967295",
  "1.5",
  "\uFEFFbom",
  "\uD800",
  "\uDFFF",
  "a\uD800b",
  "\uDC00\uD800",
  "\u0000",
  "é",
  "日本語",
  "😀",
  `${"x".repeat(31)}é`,
  "a".repeat(32),
  "a".repeat(33),
  "é".repeat(16),
  "apiVersion",
  "kind",
  "metadata",
  "name",
];

const unit = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABC-./:_0123456789 ".split("")),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "\uFEFF",
      "\u0000",
      "\u007f",
      "\u0080",
      "\u00ff",
      "\uffff",
      "\u{10ffff}",
    ),
  },
);
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit, maxLength: 24 }) },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 25, maxLength: 120 }) },
);
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e308, 5e-324, -5e-324, 2 ** 53, 0.1),
);
const int32 = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, -1),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

/**
 * An object with exactly these own keys in this order; "__proto__" becomes an
 * own key, as JSON.parse makes it.
 */
function objectOf<T>(entries: [string, T][]): Record<string, T> {
  const o: Record<string, T> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}
const mapOf = <T>(value: fc.Arbitrary<T>, maxLength = 3) =>
  fc.array(fc.tuple(text, value), { maxLength }).map((e) => objectOf(e));

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthSize: "small" },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    tie("object"),
    tie("list"),
  ),
  object: fc
    .array(
      fc.tuple(
        text,
        fc.oneof(
          { weight: 12, arbitrary: tie("value") },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
      ),
      { maxLength: 5 },
    )
    .map((e) => objectOf(e)),
  // An undefined element is encoded as an empty Value and comes back as undefined.
  list: fc.array(
    fc.oneof(
      { weight: 12, arbitrary: tie("value") },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    { maxLength: 5 },
  ),
}));
const object = json.object;

const bytesValue = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  fc.uint8Array({ maxLength: 24 }).map((u) => Buffer.from(u)),
);
const resource = fc.record({
  resource: fc.option(object, { nil: undefined }),
  connectionDetails: mapOf(bytesValue),
  ready: int32,
});
const state = fc.record({
  composite: fc.option(resource, { nil: undefined }),
  resources: mapOf(resource),
});
const resources = fc.record({ items: fc.array(resource, { maxLength: 3 }) });
const request = fc.record({
  meta: fc.option(fc.record({ tag: text, capabilities: fc.array(int32, { maxLength: 6 }) }), {
    nil: undefined,
  }),
  observed: fc.option(state, { nil: undefined }),
  desired: fc.option(state, { nil: undefined }),
  input: fc.option(object, { nil: undefined }),
  context: fc.option(object, { nil: undefined }),
  extraResources: mapOf(resources, 2),
  credentials: mapOf(
    fc.record({
      credentialData: fc.option(fc.record({ data: mapOf(bytesValue) }), { nil: undefined }),
    }),
    2,
  ),
  requiredResources: mapOf(resources, 2),
  requiredSchemas: mapOf(fc.record({ openapiV3: fc.option(object, { nil: undefined }) }), 2),
});

const encode = (req: unknown): Uint8Array =>
  RunFunctionRequest.encode(req as RunFunctionRequest).finish();
const encoded = request.map(encode);

// ---- the fuzzer ----------------------------------------------------------------------
// Writes the request's messages field by field from the schema below, with a
// seeded generator, straying often: unknown fields of every wire type, known
// fields with the wrong wire type, repeated fields, entries and Values in odd
// layouts, tag 0, stray end-group tags, padded and overlong varints, lengths
// off by a little.

type Msg =
  | "Request"
  | "Meta"
  | "State"
  | "ResourceEntry"
  | "Resource"
  | "BytesEntry"
  | "ResourcesEntry"
  | "Resources"
  | "CredentialsEntry"
  | "Credentials"
  | "CredentialData"
  | "SchemaEntry"
  | "Schema"
  | "Struct"
  | "StructEntry"
  | "Value"
  | "List";
type Kind = "string" | "key" | "bytes" | "varint" | "bool" | "double" | "caps" | Msg;

const SCHEMA: Record<Msg, Record<number, Kind>> = {
  Request: {
    1: "Meta",
    2: "State",
    3: "State",
    4: "Struct",
    5: "Struct",
    6: "ResourcesEntry",
    7: "CredentialsEntry",
    8: "ResourcesEntry",
    9: "SchemaEntry",
  },
  Meta: { 1: "string", 2: "caps" },
  State: { 1: "Resource", 2: "ResourceEntry" },
  ResourceEntry: { 1: "key", 2: "Resource" },
  Resource: { 1: "Struct", 2: "BytesEntry", 3: "varint" },
  BytesEntry: { 1: "key", 2: "bytes" },
  ResourcesEntry: { 1: "key", 2: "Resources" },
  Resources: { 1: "Resource" },
  CredentialsEntry: { 1: "key", 2: "Credentials" },
  Credentials: { 1: "CredentialData" },
  CredentialData: { 1: "BytesEntry" },
  SchemaEntry: { 1: "key", 2: "Schema" },
  Schema: { 1: "Struct" },
  Struct: { 1: "StructEntry" },
  StructEntry: { 1: "key", 2: "Value" },
  Value: { 1: "varint", 2: "double", 3: "string", 4: "bool", 5: "Struct", 6: "List" },
  List: { 1: "Value" },
};

const KEYS = ["name", "kind", "a", "b", "", "__proto__", "0", "7", "é", "a".repeat(40)];
const STRINGS: Bytes[] = [
  ...TRICKY.map(utf8),
  [0xff],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xef, 0xbb, 0xbf, 0x61],
  [0x61, 0x80, 0x62],
  [...utf8("x".repeat(31)), 0xc3],
  [...utf8("x".repeat(32)), 0xff],
];

class Fuzz {
  private readonly next: () => number;
  readonly out: Bytes = [];
  constructor(seed: number) {
    this.next = random(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  varint(n: number): Bytes {
    const b = varint(n);
    if (this.chance(0.05) && b.length < 10) {
      // Non-canonical: padded with continuation bytes, still at most 10 bytes.
      b[b.length - 1]! |= 0x80;
      const extra = 1 + this.int(10 - b.length);
      for (let i = 1; i < extra; i++) b.push(0x80);
      b.push(0);
    } else if (this.chance(0.005)) {
      return [...Array<number>(11).fill(0xff), 0x01]; // overlong
    }
    return b;
  }
  tag(field: number, wt: number): Bytes {
    return this.varint(field * 8 + wt);
  }
  /** A length prefix, now and then wrong by a little. */
  delimited(content: Bytes): Bytes {
    let n = content.length;
    if (this.chance(0.02)) n = Math.max(0, n + this.pick([-3, -2, -1, 1, 2, 3, 1000]));
    return [...this.varint(n), ...content];
  }
  bytes(max: number): Bytes {
    return Array.from({ length: this.int(max + 1) }, () => this.int(256));
  }

  message(msg: Msg, depth: number): Bytes {
    const out = this.fields(msg, depth);
    // A message that stops early (tag 0, end group) with more after it: its parent reads the rest.
    if (this.chance(0.08))
      out.push(...this.pick([[0], this.tag(3, 4)]), ...this.fields(msg, depth + 2));
    return out;
  }

  fields(msg: Msg, depth: number): Bytes {
    const out: Bytes = [];
    const fields = SCHEMA[msg];
    const numbers = Object.keys(fields).map(Number);
    const canonicalEntry = (msg === "StructEntry" || msg.endsWith("Entry")) && this.chance(0.6);
    if (canonicalEntry) {
      // key then value, the layout real encoders write (and the decoder's fast path reads)
      for (const f of [1, 2]) out.push(...this.field(msg, f, fields[f]!, depth));
      if (this.chance(0.1)) out.push(...this.stray(msg, depth));
      return out;
    }
    if (msg === "Value" && this.chance(0.6)) {
      const f = this.pick([2, 3, 3, 3, 4, 5, 6]);
      return this.field(msg, f, fields[f]!, depth);
    }
    const count = depth > 5 ? this.int(2) : this.int(msg === "Request" ? 7 : 4);
    for (let i = 0; i < count; i++) {
      if (this.chance(0.15)) out.push(...this.stray(msg, depth));
      else {
        const f = this.pick(numbers);
        out.push(...this.field(msg, f, fields[f]!, depth));
      }
    }
    return out;
  }

  field(msg: Msg, f: number, kind: Kind, depth: number): Bytes {
    switch (kind) {
      case "string":
        return [
          ...this.tag(f, 2),
          ...this.delimited(this.chance(0.7) ? utf8(this.pick(TRICKY)) : this.pick(STRINGS)),
        ];
      case "key":
        return [
          ...this.tag(f, 2),
          ...this.delimited(this.chance(0.8) ? utf8(this.pick(KEYS)) : this.pick(STRINGS)),
        ];
      case "bytes":
        return [...this.tag(f, 2), ...this.delimited(this.bytes(6))];
      case "varint":
        return [
          ...this.tag(f, 0),
          ...this.varint(
            this.pick([0, 1, 2, 127, 128, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 63]),
          ),
        ];
      case "bool":
        if (this.chance(0.1))
          return [
            ...this.tag(f, 0),
            ...Array<number>(9).fill(0x80),
            this.pick([0x01, 0x02, 0x7e, 0x00]),
          ];
        return [...this.tag(f, 0), ...this.varint(this.pick([0, 1, 2, 2 ** 32]))];
      case "double":
        return [
          ...this.tag(f, 1),
          ...Array.from({ length: 8 }, () =>
            this.pick([0, 0, 0xff, 0x7f, 0xf0, 0x80, 0x3f, this.int(256)]),
          ),
        ];
      case "caps":
        if (this.chance(0.5))
          return [...this.tag(f, 0), ...this.varint(this.pick([0, 1, 2, 3, 2 ** 32 - 1]))];
        return [
          ...this.tag(f, 2),
          ...this.delimited(
            Array.from({ length: this.int(4) }, () =>
              this.varint(this.pick([0, 1, 3, 300, 2 ** 32 - 1])),
            ).flat(),
          ),
        ];
      default:
        if (depth > 7) return [...this.tag(f, 2), 0];
        return [...this.tag(f, 2), ...this.delimited(this.message(kind, depth + 1))];
    }
  }

  /** Something the schema does not say: an unknown field, a wrong wire type, a stop tag, junk. */
  stray(msg: Msg, depth: number): Bytes {
    const known = Object.keys(SCHEMA[msg]).map(Number);
    const f = this.chance(0.4) ? this.pick(known) : this.pick([0, 10, 15, 16, 2047, 2 ** 29 - 1]);
    switch (this.int(10)) {
      case 0:
        return [0]; // tag 0
      case 1:
        return this.tag(this.pick([1, 2, 5, 9]), 4); // stray end group
      case 2:
        return this.tag(f, this.pick([6, 7])); // no such wire type
      case 3:
        return this.group(f, depth);
      case 4: {
        const len = this.int(40); // a varint skipped: may run long
        return [...this.tag(f, 0), ...Array<number>(len).fill(0x80), 0x01];
      }
      case 5:
        return [...this.tag(f, 1), ...Array<number>(8).fill(0x11)];
      case 6:
        return [...this.tag(f, 5), 1, 2, 3, 4];
      case 7:
        return [
          ...this.tag(f, 2),
          ...this.delimited(
            depth > 6
              ? this.bytes(4)
              : this.message(this.pick(["Struct", "Value", "Resource"] as const), depth + 1),
          ),
        ];
      case 8:
        return this.bytes(3);
      default:
        return [...this.tag(f, this.pick([0, 1, 2, 5])), ...this.varint(this.int(300))];
    }
  }

  group(f: number, depth: number): Bytes {
    const out = this.tag(f, 3);
    const n = this.int(3);
    for (let i = 0; i < n; i++) {
      const g = this.pick([1, 2, 3, 200]);
      const wt = depth < 8 && this.chance(0.2) ? 3 : this.pick([0, 1, 2, 5]);
      if (wt === 3) out.push(...this.group(g, depth + 1));
      else if (wt === 0) out.push(...this.tag(g, 0), ...this.varint(this.int(1000)));
      else if (wt === 1) out.push(...this.tag(g, 1), ...Array<number>(8).fill(7));
      else if (wt === 5) out.push(...this.tag(g, 5), 1, 2, 3, 4);
      else out.push(...this.tag(g, 2), ...this.delimited(this.bytes(3)));
    }
    if (!this.chance(0.05)) out.push(...this.tag(this.chance(0.9) ? f : f + 1, 4));
    return out;
  }
}

function fuzz(seed: number): Uint8Array {
  const z = new Fuzz(seed);
  const out = z.message("Request", 0);
  if (z.chance(0.03)) out.length = z.int(out.length + 1); // truncated
  return u8(out);
}

// ---- tests ------------------------------------------------------------------------

describe("decodeRunFunctionRequest", () => {
  it("decodes what the SDK encodes exactly as the SDK decodes it", () => {
    fc.assert(
      fc.property(request, (req) => {
        const bytes = encode(req);
        agree(bytes);
        agree(offset(bytes));
      }),
      { numRuns: 2500 },
    );
  });

  it(
    "decodes any bytes in a string as the SDK does: invalid UTF-8, BOMs, every length up " +
      "to past the cache's",
    () => {
      const utf8ish = fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
          {
            weight: 2,
            arbitrary: fc.constantFrom(
              0x00,
              0x7f,
              0x80,
              0xbf,
              0xc0,
              0xc2,
              0xc3,
              0xdf,
              0xe0,
              0xe2,
              0xed,
              0xef,
              0xbb,
              0xf0,
              0xf4,
              0xf5,
              0xff,
            ),
          },
        ),
        { maxLength: 140 },
      );
      fc.assert(
        fc.property(utf8ish, utf8ish, (key, value) => {
          const bytes = u8(input(ld(1, ld(1, key), ld(2, ld(3, value))), entry("k", ld(3, key))));
          agree(bytes);
          agree(bytes); // again, from the string cache
        }),
        { numRuns: 1500 },
      );
    },
  );

  it("agrees with the SDK on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        agree(bytes);
      }),
      { numRuns: 3000 },
    );
    // Random bytes behind a valid start, so they are read as a message's fields.
    fc.assert(
      fc.property(
        fc.constantFrom(10, 18, 34, 50),
        fc.uint8Array({ maxLength: 48 }),
        (first, body) => {
          agree(u8([first, body.length, ...body]));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("agrees with the SDK on mutated and truncated encodings", () => {
    const mutation = fc.record({
      at: fc.nat(),
      op: fc.constantFrom("set", "insert", "delete", "truncate", "flip"),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(
        encoded,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (valid, mutations) => {
          const b = [...valid];
          for (const m of mutations) {
            const at = b.length ? m.at % (b.length + 1) : 0;
            if (m.op === "set") b.splice(at, m.bytes.length, ...m.bytes);
            else if (m.op === "insert") b.splice(at, 0, ...m.bytes);
            else if (m.op === "delete") b.splice(at, (m.bytes[0]! % 5) + 1);
            else if (m.op === "truncate") b.length = at;
            else if (at < b.length) b[at]! ^= 1 << (m.bytes[0]! % 8);
          }
          agree(u8(b));
        },
      ),
      { numRuns: 2500 },
    );
  });

  it(
    "agrees with the SDK on fuzzed messages: unknown fields of every wire type, odd " +
      "layouts, bad tags",
    () => {
      fc.assert(
        fc.property(fc.integer(), (seed) => {
          agree(fuzz(seed));
        }),
        { numRuns: 6000 },
      );
    },
  );

  it("skips unknown fields appended to a valid request", () => {
    const unknown = fc.oneof(
      fc
        .tuple(fc.integer({ min: 10, max: 2 ** 29 - 1 }), fc.nat())
        .map(([f, v]) => [...tag(f, 0), ...varint(v)]),
      fc.integer({ min: 10, max: 1000 }).map((f) => [...tag(f, 1), 1, 2, 3, 4, 5, 6, 7, 8]),
      fc
        .tuple(fc.integer({ min: 10, max: 1000 }), fc.uint8Array({ maxLength: 20 }))
        .map(([f, b]) => ld(f, [...b])),
      fc
        .integer({ min: 10, max: 1000 })
        .map((f) => [...tag(f, 3), ...tag(1, 0), 5, ...ld(2, [1, 2]), ...tag(f, 4)]),
      fc.integer({ min: 10, max: 1000 }).map((f) => [...tag(f, 5), 1, 2, 3, 4]),
    );
    fc.assert(
      fc.property(encoded, fc.array(unknown, { minLength: 1, maxLength: 4 }), (valid, extra) => {
        const bytes = u8([...valid, ...extra.flat()]);
        const ours = agree(bytes);
        expect(ours.ok).toBe(true);
        expect(
          diff((ours as { value: unknown }).value, RunFunctionRequest.decode(valid)),
        ).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  describe("SDK quirks", () => {
    const cases: [string, Bytes, ((r: RunFunctionRequest) => void)?][] = [
      ["empty request", [], (r) => expect(r.extraResources).toEqual({})],
      [
        "unpacked capabilities",
        [...ld(1, str(1, "t"), tag(2, 0), [1], tag(2, 0), [3])],
        (r) => expect(r.meta!.capabilities).toEqual([1, 3]),
      ],
      [
        "packed and unpacked capabilities mixed",
        [...ld(1, tag(2, 0), [2], ld(2, [1, 3, 0xff, 0xff, 0xff, 0xff, 0x0f]))],
        (r) => expect(r.meta!.capabilities).toEqual([2, 1, 3, -1]),
      ],
      [
        "packed capabilities whose last varint overruns its length",
        [...ld(1, [...tag(2, 2), 1, 0x81, 0x01])],
      ],
      [
        "capabilities with a wrong wire type are skipped",
        [...ld(1, tag(2, 5), [1, 2, 3, 4], str(1, "x"))],
        (r) => expect(r.meta).toEqual({ tag: "x", capabilities: [] }),
      ],
      ["a Value's string beats a later number", input(entry("k", str(3, "s"), dbl(2, 1)))],
      [
        "a Value's number beats a bool and a struct",
        input(entry("k", tag(4, 0), [1], ld(5), dbl(2, 2))),
      ],
      [
        "a Value's struct beats a list, a list beats null",
        input(entry("k", tag(1, 0), [0], ld(6), ld(5)), entry("l", ld(6), tag(1, 0), [5])),
      ],
      ["a null_value of any number is null", input(entry("k", tag(1, 0), [7]))],
      [
        "the last of a kind wins",
        input(
          entry("k", str(3, "a"), str(3, "b")),
          entry("n", ld(5, entry("x", str(3, "1"))), ld(5, entry("y", str(3, "2")))),
        ),
      ],
      ["an empty Value is dropped from a Struct", input(entry("k"), entry("j", str(3, "v")))],
      [
        "an empty Value is undefined in a list",
        input(entry("l", ld(6, ld(1), ld(1, str(3, "x")), ld(1)))),
      ],
      ["a missing key is the empty string", input(ld(1, ld(2, str(3, "v"))))],
      [
        "value before key, key repeated",
        input(ld(1, ld(2, str(3, "v")), str(1, "a"), str(1, "b"))),
      ],
      [
        "the last duplicate key wins and keeps its first place",
        input(entry("a", str(3, "1")), entry("b", str(3, "2")), entry("a", str(3, "3"))),
      ],
      [
        "integer-like keys come first",
        input(entry("b", str(3, "1")), entry("1", str(3, "2")), entry("0", str(3, "3"))),
      ],
      [
        "a Struct key __proto__ is dropped",
        input(entry("__proto__", ld(5, entry("polluted", str(3, "yes")))), entry("x", str(3, "y"))),
      ],
      [
        "a null Struct key __proto__, then another: unwrap copies the second, which " +
          "becomes the prototype",
        input(
          entry("__proto__", tag(1, 0), [0]),
          entry("__proto__", ld(5, entry("x", str(3, "1")))),
          entry("k", str(3, "v")),
        ),
        (r) => {
          expect(Object.getPrototypeOf(r.input)).toEqual({ x: "1" });
          expect(Object.keys(r.input!)).toEqual(["k"]);
        },
      ],
      [
        "after a null __proto__ the last one wins, and a string sets no prototype",
        input(
          entry("__proto__", tag(1, 0), [0]),
          entry("__proto__", ld(5, entry("x", str(3, "1")))),
          entry("__proto__", str(3, "s")),
        ),
        (r) => expect(Object.getPrototypeOf(r.input)).toBe(Object.prototype),
      ],
      [
        "two null Struct keys __proto__ make a null prototype",
        input(entry("__proto__", tag(1, 0), [0]), entry("__proto__", tag(1, 0), [0])),
        (r) => expect(Object.getPrototypeOf(r.input)).toBeNull(),
      ],
      [
        "a __proto__ whose own prototype chain ends in null, then another",
        input(
          entry(
            "__proto__",
            ld(5, entry("__proto__", tag(1, 0), [0]), entry("__proto__", tag(1, 0), [0])),
          ),
          entry("__proto__", ld(5, entry("y", str(3, "2")))),
        ),
        (r) => expect(Object.getPrototypeOf(r.input)).toEqual({ y: "2" }),
      ],
      [
        "a map key __proto__ sets the map object's prototype",
        [...ld(6, str(1, "__proto__"), ld(2, ld(1))), ...ld(6, str(1, "a"), ld(2))],
      ],
      [
        "a map entry with no value is skipped",
        [...ld(6, str(1, "a")), ...ld(8, str(1, "b"), ld(2))],
      ],
      [
        "a bytes entry with no value is an empty Buffer",
        [...ld(2, ld(1, ld(2, str(1, "k")), ld(2, str(1, "j"), ld(2, [1, 2]))))],
      ],
      [
        "credentials without data",
        [
          ...ld(7, str(1, "c"), ld(2)),
          ...ld(7, str(1, "d"), ld(2, ld(1, ld(1, str(1, "u"), ld(2, utf8("p")))))),
        ],
      ],
      [
        "a repeated message field replaces, never merges",
        [...ld(2, ld(1, tag(3, 0), [1])), ...ld(2, ld(2, str(1, "r"), ld(2)))],
      ],
      [
        "a Value cut short hands the rest of its entry back to the entry",
        input(ld(1, str(1, "a"), ld(2, ld(5, [...entry("x", str(3, "1")), 0, 0, ...str(1, "k")])))),
      ],
      [
        "a list cut short hands the rest of its Value back to the Value",
        input(entry("a", ld(6, [...ld(1, str(3, "1")), 0, ...str(3, "s")]))),
      ],
      [
        "a non-canonical string length",
        input(
          entry("a", [...tag(3, 2), 0x81, 0x00, 0x78, ...ld(15, Array<number>(125).fill(0x61))]),
        ),
      ],
      [
        "a bool whose varint runs past its Value",
        [...ld(4, [...ld(1, [...str(1, "b"), ...ld(2, [32, 0x80])]), 0x00])],
      ],
      [
        "a tag 0 ends the message; the parent reads on from there",
        [...ld(4, entry("a", str(3, "1")), [0], entry("b", str(3, "2"))), ...str(1, "t")],
      ],
      ["an end-group tag ends the message", [...ld(1, str(1, "x"), tag(9, 4), str(1, "y"))]],
      [
        "a nested message longer than its parent",
        [...ld(1, [...tag(1, 2), 5, 0x61]), 0x62, 0x63, 0x64, 0x65],
      ],
      [
        "a known field with the wrong wire type is skipped",
        input(
          ld(
            1,
            tag(1, 0),
            [5],
            tag(2, 1),
            [1, 2, 3, 4, 5, 6, 7, 8],
            str(1, "k"),
            ld(2, str(3, "v")),
          ),
        ),
      ],
      ["field number 0 with a real wire type is skipped", [...tag(0, 2), 1, 0xff, ...str(9, "x")]],
      [
        "a group of unknown fields, nested",
        [
          ...tag(12, 3),
          ...tag(13, 3),
          ...tag(1, 0),
          5,
          ...tag(13, 4),
          ...tag(99, 4),
          ...ld(1, str(1, "t")),
        ],
      ],
      ["a group closed by the wrong end tag", [...tag(12, 3), ...tag(13, 3), ...tag(14, 4)]],
      ["an outer group closed by any end tag", [...tag(12, 3), ...tag(14, 4), ...ld(1)]],
      ["an unterminated group", [...tag(12, 3), ...tag(1, 0), 1]],
      ["a tag of field 0 inside a group", [...tag(12, 3), ...tag(0, 0), 1, ...tag(12, 4)]],
      [
        "a five-byte tag inside a group",
        [...tag(12, 3), 0x88, 0x80, 0x80, 0x80, 0x10, 1, ...tag(12, 4)],
      ],
      ["a long varint skipped", [...tag(20, 0), ...Array<number>(30).fill(0x80), 0, ...ld(1)]],
      ["a ten-byte varint tag", [0x8a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0]],
      ["an eleven-byte varint", [...tag(3, 2), ...Array<number>(10).fill(0x80), 0]],
      [
        "a ten-byte bool keeps only bit 0 of its last byte",
        input(
          entry("t", tag(4, 0), Array<number>(9).fill(0x80), [0x01]),
          entry("f", tag(4, 0), Array<number>(9).fill(0x80), [0x02]),
        ),
      ],
      ["a non-canonical length", [...tag(4, 2), 0x85, 0x80, 0x00, ...ld(1, str(1, ""))]],
      [
        "ready as a negative int32 and a huge varint",
        [
          ...ld(2, ld(1, tag(3, 0), varint(2 ** 32 - 1))),
          ...ld(3, ld(1, tag(3, 0), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])),
        ],
      ],
      [
        "a double past the end",
        [...input(ld(1, str(1, "k"), [...tag(2, 2), 9, ...tag(2, 1), 1, 2]))],
      ],
      ["a string past the end", [...tag(1, 2), 3, ...tag(1, 2), 9, 0x61]],
      ["wire types 6 and 7", [...tag(20, 6)]],
      [
        "invalid UTF-8 and a BOM",
        input(
          ld(
            1,
            ld(1, [0xef, 0xbb, 0xbf, 0x61, 0xff]),
            ld(2, ld(3, [0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98])),
          ),
        ),
      ],
      [
        "strings of 31 to 34 bytes, ASCII and not",
        input(
          ...[31, 32, 33, 34].map((n) =>
            entry("x".repeat(n), ld(3, [...utf8("y".repeat(n - 1)), 0xc3])),
          ),
        ),
      ],
    ];
    for (const [name, bytes, check] of cases) {
      it(name, () => {
        const ours = agree(u8(bytes));
        if (check) {
          expect(ours.ok).toBe(true);
          check((ours as { value: RunFunctionRequest }).value);
        }
      });
    }

    it("reads a subtree once even when every level of it ends early", () => {
      // Each level's Struct (or list) stops at a tag 0 before its end, so the
      // Value holding it has more to read; reading such a level again, at
      // every level, would take 2^depth.
      for (const kind of ["struct", "list"] as const) {
        let v: Bytes = str(3, "leaf");
        for (let d = 0; d < 32; d++) {
          const inner = kind === "struct" ? [...entry("a", v), 0, 0] : [...ld(1, v), 0, 0];
          v = kind === "struct" ? ld(5, inner) : ld(6, inner);
        }
        const started = performance.now();
        expect(agree(u8(input(entry("root", v)))).ok).toBe(true);
        expect(performance.now() - started).toBeLessThan(1000);
      }
    });

    it("tells apart strings that differ only in the middle, however many there are", () => {
      // Same length, same first and last four bytes: far more of them than the
      // decoder's string cache has slots, decoded twice so the cache is full.
      const input: Record<string, string> = {};
      for (let i = 0; i < 6000; i++)
        input[`head-${String(i).padStart(5, "0")}-tail`] =
          `HEAD${String(i * 7919).padStart(8, "0")}TAIL`;
      const bytes = encode({ ...RunFunctionRequest.fromPartial({}), input });
      agree(bytes);
      agree(bytes);
    });

    it("groups nest at most 100 deep", () => {
      const nested = (n: number) =>
        u8([
          ...Array.from({ length: n }, () => tag(12, 3)).flat(),
          ...Array.from({ length: n }, () => tag(12, 4)).flat(),
        ]);
      expect(agree(nested(100)).ok).toBe(true);
      expect(agree(nested(101)).ok).toBe(false);
      expect(agree(nested(20_000)).ok).toBe(false);
    });

    it("a Buffer, a Uint8Array and a slice of a pooled Buffer decode the same", () => {
      const bytes = encode({
        ...RunFunctionRequest.fromPartial({}),
        observed: {
          composite: { resource: { a: 1 }, connectionDetails: { p: Buffer.from("x") }, ready: 1 },
          resources: {},
        },
      });
      const r = agree(bytes);
      agree(Buffer.from(bytes));
      agree(offset(bytes));
      expect(
        Buffer.isBuffer(
          (r as { value: RunFunctionRequest }).value.observed!.composite!.connectionDetails.p,
        ),
      ).toBe(true);
    });
  });

  describe("nesting limit", () => {
    const nestObject = (d: number): unknown => {
      let v: unknown = "leaf";
      for (let i = 0; i < d; i++) v = { a: v };
      return v;
    };
    const nestList = (d: number): unknown => {
      let v: unknown = "leaf";
      for (let i = 0; i < d; i++) v = [v];
      return v;
    };
    const nestMixed = (d: number): unknown => {
      let v: unknown = {};
      for (let i = 0; i < d; i++) v = i % 2 ? { a: v } : [v];
      return v;
    };
    const resourceOf = (v: unknown) => ({ resource: { v }, connectionDetails: {}, ready: 0 });
    const at: Record<string, (v: unknown) => unknown> = {
      input: (v) => ({ input: { v } }),
      "observed composite": (v) => ({ observed: { composite: resourceOf(v), resources: {} } }),
      "desired resources": (v) => ({
        desired: { composite: undefined, resources: { r: resourceOf(v) } },
      }),
      "required resources": (v) => ({ requiredResources: { k: { items: [resourceOf(v)] } } }),
      "required schemas": (v) => ({ requiredSchemas: { k: { openapiV3: { v } } } }),
    };
    const base = RunFunctionRequest.fromPartial({});
    for (const [where, wrap] of Object.entries(at)) {
      for (const [shape, nest] of [
        ["objects", nestObject],
        ["lists", nestList],
        ["objects and lists", nestMixed],
      ] as const) {
        it(`accepts exactly the SDK's deepest ${shape} in ${where}`, () => {
          const bytes = (d: number) => encode({ ...base, ...(wrap(nest(d)) as object) });
          let deepest = 0;
          while (run(() => RunFunctionRequest.decode(bytes(deepest + 1))).ok) deepest++;
          expect(deepest).toBeGreaterThan(20);
          expect(agree(bytes(deepest)).ok).toBe(true);
          const deeper = run(() => decodeRunFunctionRequest(bytes(deepest + 1)));
          expect(deeper.ok).toBe(false);
          expect(String((deeper as { error: Error }).error.message)).toMatch(/recursion limit/);
          agree(bytes(deepest + 1));
          agree(bytes(deepest + 50));
        });
      }
    }
  });

  it("decodes the benchmark's requests, built from examples/, as the SDK does", () => {
    const { cases } = buildCases();
    expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(["tenant", "vdc", "vm"]));
    for (const c of cases) {
      agree(c.bytes);
      agree(new Uint8Array(c.bytes)); // not a Buffer
      // Again, with the string cache warm: still equal.
      expect(
        diff(decodeRunFunctionRequest(c.bytes), RunFunctionRequest.decode(c.bytes)),
      ).toBeUndefined();
      expect(diff(decodeRunFunctionRequest(c.bytes), c.req)).toBeUndefined();
    }
  });

  it(
    "sorts the keys of every Struct and map, so one value makes one object whatever order " +
      "Go wrote it in",
    () => {
      const r = decodeRunFunctionRequest(
        u8(
          input(
            entry("b", str(3, "1")),
            entry("a", str(3, "2")),
            entry("c", ld(5, entry("z", str(3, "3")), entry("y", str(3, "4")))),
            entry("a", str(3, "5")),
          ),
        ),
      );
      // The last "a" wins, as in the SDK.
      expect(JSON.stringify(r.input)).toBe('{"a":"5","b":"1","c":{"y":"4","z":"3"}}');
      const maps = decodeRunFunctionRequest(
        encode(
          RunFunctionRequest.fromPartial({
            observed: {
              resources: {
                z: {
                  resource: { kind: "Z" },
                  connectionDetails: { q: Buffer.from("1"), p: Buffer.from("2") },
                  ready: 0,
                },
                a: { resource: { kind: "A" }, connectionDetails: {}, ready: 0 },
              },
            },
            requiredResources: { y: { items: [] }, x: { items: [] } },
            credentials: {
              d: { credentialData: { data: { k: Buffer.from("v"), j: Buffer.from("w") } } },
              c: { credentialData: { data: {} } },
            },
          }),
        ),
      );
      expect(Object.keys(maps.observed!.resources)).toEqual(["a", "z"]);
      expect(Object.keys(maps.observed!.resources.z!.connectionDetails)).toEqual(["p", "q"]);
      expect(Object.keys(maps.requiredResources)).toEqual(["x", "y"]);
      expect(Object.keys(maps.credentials)).toEqual(["c", "d"]);
      expect(Object.keys(maps.credentials.d!.credentialData!.data)).toEqual(["j", "k"]);
      // A Struct with more keys than the small-object sort handles.
      const many = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, "0")}`);
      const shuffledKeys = [...many].sort((a, b) =>
        a.split("").reverse().join("") < b.split("").reverse().join("") ? -1 : 1,
      );
      expect(
        Object.keys(
          decodeRunFunctionRequest(u8(input(...shuffledKeys.map((k) => entry(k, str(3, k))))))
            .input!,
        ),
      ).toEqual(many);
      // The benchmark sends each case in 8 key orders: all 8 decode to the same text.
      for (const c of buildCases().cases) {
        expect(
          new Set(c.variants.map((v) => JSON.stringify(decodeRunFunctionRequest(v)))).size,
        ).toBe(1);
      }
    },
  );
});
