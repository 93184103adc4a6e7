// The codec switch (--codec=sdk|fast): both codecs decode the same bytes to the
// same request and encode the same response to the same bytes, and the fast
// codec keeps no string value of a request in its cache, as its header
// promises: they may be Secret data. The suites that run end to end through
// both codecs are test/examples.test.ts, test/hostile.test.ts and
// test/secrets.test.ts; test/wire-*.test.ts hold the fast codec to the SDK's
// byte for byte.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RunFunctionRequest, RunFunctionResponse } from "@crossplane-org/function-sdk-typescript";
import { CODECS, type CodecName } from "../functions/codec.js";
import { cachedStrings } from "../functions/wire/decode.js";
import { fn, request } from "./support/request.js";

const RUN = randomBytes(8).toString("hex");
/**
 * A value of `length` characters that no key of any request spells: a tilde, then this run's hex.
 */
const value = (length: number, i: number): string =>
  `~${i.toString(36)}${RUN.repeat(Math.ceil(length / RUN.length))}`.slice(0, length);

const xr = (spec: Record<string, unknown>) => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VirtualMachine",
  metadata: { name: "web", namespace: "acme-dev" },
  spec,
});

interface Case {
  reason: string;
  /** The request, and the values in it that must not stay in the cache. */
  build: () => { req: RunFunctionRequest; values: string[] };
}

const cases: Case[] = [
  {
    reason: "string values of every length the key cache takes (1 to 128 bytes) in the XR's spec",
    build: () => {
      const values = [1, 2, 3, 4, 5, 8, 9, 16, 32, 33, 64, 128].map((n, i) => value(n, i));
      const spec = Object.fromEntries(values.map((v, i) => [`field${i}`, v]));
      return { req: request({ xr: xr(spec) }), values };
    },
  },
  {
    reason: "a Secret's data in the observed and required resources, as Crossplane sends it",
    build: () => {
      const values = [value(4, 1), value(12, 2), value(40, 3)];
      const secret = {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "creds", namespace: "acme-dev" },
        data: { user: values[0], password: values[1], token: values[2] },
      };
      return {
        req: request({ xr: xr({}), observed: { secret }, required: { secret: [secret] } }),
        values,
      };
    },
  },
  {
    reason: "values in lists, and lists in lists",
    build: () => {
      const values = [value(3, 4), value(7, 5), value(20, 6)];
      const spec = { sshKeys: [values[0], [values[1], { k: [values[2]] }]] };
      return { req: request({ xr: xr(spec) }), values };
    },
  },
  {
    reason: "the request's tag, its input and its context",
    build: () => {
      const values = [value(10, 7), value(6, 8), value(9, 9)];
      const req = request({ xr: xr({}), tag: values[0] });
      req.input = { userData: values[1] };
      req.context = { "apiextensions.crossplane.io/environment": { password: values[2] } };
      return { req, values };
    },
  },
];

const encoded = (req: RunFunctionRequest) => Buffer.from(RunFunctionRequest.encode(req).finish());
const CODEC_NAMES = Object.keys(CODECS) as CodecName[];

describe("the fast codec keeps no string value of a request", () => {
  it.each(cases)("$reason", ({ build }) => {
    const { req, values } = build();
    const decoded = CODECS.fast.decode(encoded(req));
    const held = new Set(cachedStrings());
    // A control: the keys of the request are cached, so an empty cache cannot pass this.
    expect(held.has("apiVersion") && held.has("metadata")).toBe(true);
    expect(values.filter((v) => held.has(v))).toEqual([]);
    // Decoded all the same.
    expect(JSON.stringify(decoded)).toContain(JSON.stringify(values[values.length - 1]));
    // Nor does a second request, with the same values, find them there.
    CODECS.fast.decode(encoded(build().req));
    expect(values.filter((v) => new Set(cachedStrings()).has(v))).toEqual([]);
  });
});

describe("both codecs give the same request and the same bytes", () => {
  it.each(cases)("$reason", ({ build }) => {
    const bytes = encoded(build().req);
    const [sdk, fast] = CODEC_NAMES.map((c) => CODECS[c].decode(bytes));
    expect(fast).toEqual(sdk);
    const rsp = fn.run(sdk!);
    const [a, b] = CODEC_NAMES.map((c) => CODECS[c].encode(rsp));
    expect(a!.equals(b!)).toBe(true);
    expect(a!.equals(Buffer.from(RunFunctionResponse.encode(rsp).finish()))).toBe(true);
  });

  it.each(CODEC_NAMES)(
    "%s: a Struct's keys come out sorted, whatever order they were sent in",
    (c) => {
      const one = request({ xr: xr({ b: "1", a: "2", c: { z: 1, y: 2 } }) });
      const other = request({ xr: xr({ c: { y: 2, z: 1 }, a: "2", b: "1" }) });
      const [x, y] = [one, other].map((r) => CODECS[c].decode(encoded(r)));
      expect(JSON.stringify(x)).toBe(JSON.stringify(y));
      expect(Object.keys(x!.observed!.composite!.resource!.spec as object)).toEqual([
        "a",
        "b",
        "c",
      ]);
    },
  );

  it.each(CODEC_NAMES)("%s: bytes that are not a RunFunctionRequest throw", (c) => {
    expect(() => CODECS[c].decode(Buffer.from([0x12, 100, 0x70]))).toThrow();
  });
});
