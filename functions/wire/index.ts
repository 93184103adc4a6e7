// The fast codec: opt-in speed work, kept in this one folder so it can be
// judged, and removed, on its own.
//
// Why it exists. Decoding a request and encoding a response with the SDK cost
// more than composing: the SDK turns every google.protobuf.Value into a
// six-field message object and every Struct into a `fields` map it then
// copies, reads through a BinaryReader, and wraps every JSON value of every
// composed resource in a Value again to encode it (docs/performance.md has the
// measurements). decode.ts reads the bytes straight into plain objects and
// encode.ts writes them straight out, in one pass each.
//
// What it promises. The same request objects as the SDK's decoder with the keys
// of every Struct and map sorted (test/wire-decode.test.ts), the same bytes as
// the SDK's encoder (test/wire-encode.test.ts), and the same answers end to end
// (the golden, hostile and secrets suites run through both codecs). String
// values of a request are never cached or kept past the call: they may be
// Secret data (test/codec.test.ts looks in the caches).
//
// The way back. `--codec=sdk` serves with the SDK's codec (functions/codec.ts);
// deleting this folder and its import there changes only speed.
//
// The V8 and Node idioms this codebase uses for speed are listed here too, so
// the composers' files need not explain them:
// - the server decodes in its handler, not in grpc-js's deserializer: grpc-js
//   runs the deserializer when a request's data arrives and the handler only
//   after the end of the stream, so under load decoded requests outlived a
//   young-generation collection and were promoted, to be collected by a full
//   GC; decoded in the handler, a request is garbage before the next one
//   (functions/server.ts);
// - module-level `var` for the cursors read on every byte: V8 checks a
//   module-level `let` for its temporal dead zone on every access (here);
// - functions/speed.ts: composed objects built without kubernetes-models'
//   constructors, and merged with Object.assign rather than a spread;
// - no property after a spread in an object literal under functions/ (ESLint's
//   no-restricted-syntax in eslint.config.js): Node 20's V8 builds such a literal
//   in its runtime, and undoing it in the VDC's network policies and database
//   cluster halved the vdc case's Fn.run (docs/performance.md);
// - functions/fn.ts builds the SDK's `Resource` directly instead of through
//   `fromObject`, which goes through `Resource.fromJSON`;
// - functions/parse.ts memoises zod parses by value, and a caller that knows whose
//   value it parses (an XR's spec, a Tenant's) passes that as a key, so a hit costs
//   one comparison and no hash; functions/memo.ts does the same for pure functions of
//   one string (quantities, URLs);
// - the Dockerfile's node flags size the heap for a server that lives long: a 16 MiB
//   young generation and old space starting at 48 MiB (docs/performance.md).
import type { Codec } from "../codec.js";
import { decodeRunFunctionRequest } from "./decode.js";
import { encodeRunFunctionResponse } from "./encode.js";

export const fast: Codec = {
  decode: decodeRunFunctionRequest,
  encode: encodeRunFunctionResponse,
};
