// The server's protobuf codec, chosen with --codec: "sdk", the SDK's own
// RunFunctionRequest.decode and RunFunctionResponse.encode, or "fast" (the
// default), the one-pass codec in functions/wire/. Both give every composer the
// same request and Crossplane the same bytes (test/codec.test.ts, and the
// golden, hostile and secrets suites run through each), so the choice changes
// only what a call costs. Removing wire/ is deleting it and its line below.
import { RunFunctionRequest, RunFunctionResponse } from "@crossplane-org/function-sdk-typescript";
import { fast } from "./wire/index.js";

export interface Codec {
  /** Request bytes to the request; throws on bytes that are not one. */
  readonly decode: (bytes: Buffer) => RunFunctionRequest;
  /** The response's bytes, in a Buffer of its own. */
  readonly encode: (rsp: RunFunctionResponse) => Buffer;
}

const sdk: Codec = {
  decode: (bytes) => sortKeys(RunFunctionRequest.decode(bytes)),
  encode: (rsp) => Buffer.from(RunFunctionResponse.encode(rsp).finish()),
};

export const CODECS = { sdk, fast } satisfies Record<string, Codec>;
export type CodecName = keyof typeof CODECS;
export const DEFAULT_CODEC: CodecName = "fast";

/**
 * The decoded request with the keys of every object in sorted order. Crossplane's
 * Go client writes Struct fields and protobuf maps in map order, which changes
 * from call to call; sorted, the same request is the same objects, so composers
 * that walk keys give the same answer whatever order they came in (the fast
 * codec sorts as it decodes). Objects whose prototype a "__proto__" key changed
 * keep it, and their keys are defined, never assigned, so none is a setter call.
 */
function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) items[i] = sortKeys(items[i]);
    return value;
  }
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  const src = value as Record<string, unknown>;
  const out = Object.create(Object.getPrototypeOf(src) as object | null) as Record<string, unknown>;
  for (const key of Object.keys(src).sort())
    Object.defineProperty(out, key, {
      value: sortKeys(src[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out as T;
}
