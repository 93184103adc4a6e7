// The one-pass response encoder must write exactly the bytes the SDK's encoder
// writes, for what the composers return and for anything else a response can hold.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Ready,
  RunFunctionRequest,
  RunFunctionResponse,
  Severity,
  Status,
  type Resource,
} from "@crossplane-org/function-sdk-typescript";
import { encodeRunFunctionResponse } from "../functions/wire/encode.js";
import { buildCases, fn } from "../bench/cases.js";

const sdk = (rsp: RunFunctionResponse) => Buffer.from(RunFunctionResponse.encode(rsp).finish());

// JSON-ish values with the edge cases protobuf Structs meet: -0, NaN, ±Infinity,
// lone surrogates, empty keys, undefined (skipped in objects, an empty Value in lists).
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string({ unit: "binary" }),
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie("value"), { maxLength: 5 }),
    tie("object"),
  ),
  object: fc.dictionary(fc.string({ unit: "binary", maxLength: 8 }), tie("value"), { maxKeys: 6 }),
}));
const object = fc.dictionary<unknown>(fc.string({ maxLength: 8 }), value, { maxKeys: 6 });
const str = fc.string({ unit: "binary", maxLength: 20 });
const enumValue = fc.oneof(
  fc.constantFrom(0, 1, 2, 3),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

const resource: fc.Arbitrary<Resource> = fc.record({
  resource: fc.option(object, { nil: undefined }),
  connectionDetails: fc.dictionary(
    str,
    fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
    { maxKeys: 3 },
  ),
  ready: fc.constantFrom(Ready.READY_UNSPECIFIED, Ready.READY_TRUE, Ready.READY_FALSE),
});
const selector = fc.record({
  apiVersion: str,
  kind: str,
  matchName: fc.option(str, { nil: undefined }),
  matchLabels: fc.option(fc.record({ labels: fc.dictionary(str, str, { maxKeys: 3 }) }), {
    nil: undefined,
  }),
  namespace: fc.option(str, { nil: undefined }),
});
const response: fc.Arbitrary<RunFunctionResponse> = fc.record({
  meta: fc.option(
    fc.record({
      tag: str,
      ttl: fc.option(
        fc.record({ seconds: fc.nat(), nanos: fc.integer({ min: 0, max: 999_999_999 }) }),
        { nil: undefined },
      ),
    }),
    {
      nil: undefined,
    },
  ),
  desired: fc.option(
    fc.record({
      composite: fc.option(resource, { nil: undefined }),
      resources: fc.dictionary(str, resource, { maxKeys: 4 }),
    }),
    { nil: undefined },
  ),
  results: fc.array(
    fc.record({
      severity: enumValue,
      message: str,
      reason: fc.option(str, { nil: undefined }),
      target: fc.option(enumValue, { nil: undefined }),
    }),
    {
      maxLength: 3,
    },
  ),
  context: fc.option(object, { nil: undefined }),
  requirements: fc.option(
    fc.record({
      extraResources: fc.dictionary(str, selector, { maxKeys: 2 }),
      resources: fc.dictionary(str, selector, { maxKeys: 2 }),
      schemas: fc.dictionary(str, fc.record({ apiVersion: str, kind: str }), { maxKeys: 2 }),
    }),
    { nil: undefined },
  ),
  conditions: fc.array(
    fc.record({
      type: str,
      status: enumValue,
      reason: str,
      message: fc.option(str, { nil: undefined }),
      target: fc.option(enumValue, { nil: undefined }),
    }),
    { maxLength: 3 },
  ),
  output: fc.option(object, { nil: undefined }),
});

describe("encodeRunFunctionResponse", () => {
  it("writes the SDK's bytes for every response the benchmark cases get", () => {
    const { cases } = buildCases();
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      for (const bytes of [c.bytes, ...c.variants]) {
        const rsp = fn.run(RunFunctionRequest.decode(bytes));
        expect(encodeRunFunctionResponse(rsp).equals(sdk(rsp)), c.name).toBe(true);
      }
    }
  });

  it("writes the SDK's bytes for arbitrary responses", () => {
    fc.assert(
      fc.property(response, (rsp) => {
        expect(encodeRunFunctionResponse(rsp).toString("hex")).toBe(sdk(rsp).toString("hex"));
      }),
      { numRuns: 3000 },
    );
  });

  it(
    "writes the SDK's bytes for string entries " + "on either side of the one-byte length limit",
    () => {
      // An entry of a k-character key and an n-character string is k + n + 6 bytes:
      // one-byte lengths end at 127. Non-ASCII anywhere makes the lengths differ from the counts.
      const resource: Record<string, unknown> = {};
      for (let total = 118; total <= 126; total++) {
        for (const k of [1, 8, 60, total - 1]) {
          const key = `${"k".repeat(k - 1)}${total}`.slice(-k);
          resource[key] = "v".repeat(total - k);
        }
      }
      for (const [key, v] of [
        ["é", "x"],
        ["kéy", "value"],
        ["key", "é"],
        ["key", "valué"],
        ["key", "v".repeat(110) + "é"],
        ["k".repeat(110) + "é", "v"],
        ["empty", ""],
        ["\ud800", "lone"],
        ["lone", "\udfff"],
      ]) {
        resource[key!] = v;
      }
      const rsp: RunFunctionResponse = {
        meta: { tag: "t", ttl: { seconds: 60, nanos: 0 } },
        desired: { composite: { resource, connectionDetails: {}, ready: 0 }, resources: {} },
        results: [],
        context: { nested: { list: ["a", { [`${"k".repeat(60)}`]: "v".repeat(61) }] } },
        requirements: undefined,
        conditions: [],
        output: undefined,
      };
      expect(encodeRunFunctionResponse(rsp).toString("hex")).toBe(sdk(rsp).toString("hex"));
    },
  );

  it("grows past its scratch buffer, and answers small responses right after", () => {
    const big: RunFunctionResponse = {
      meta: { tag: "big", ttl: { seconds: 60, nanos: 0 } },
      desired: {
        composite: undefined,
        resources: {
          x: {
            resource: {
              data: "é".repeat(3_000_000),
              list: Array.from({ length: 50_000 }, (_, i) => i),
            },
            connectionDetails: {},
            ready: 0,
          },
        },
      },
      results: [],
      context: undefined,
      requirements: undefined,
      conditions: [],
      output: undefined,
    };
    expect(encodeRunFunctionResponse(big).equals(sdk(big))).toBe(true);
    const small: RunFunctionResponse = {
      ...big,
      desired: undefined,
      results: [
        { severity: Severity.SEVERITY_NORMAL, message: "ok", reason: undefined, target: undefined },
      ],
    };
    expect(encodeRunFunctionResponse(small).equals(sdk(small))).toBe(true);
    const cond: RunFunctionResponse = {
      ...small,
      conditions: [
        {
          type: "Ready",
          status: Status.STATUS_CONDITION_TRUE,
          reason: "Available",
          message: undefined,
          target: undefined,
        },
      ],
    };
    expect(encodeRunFunctionResponse(cond).equals(sdk(cond))).toBe(true);
  });

  it("refuses what the SDK refuses, with the SDK's error", () => {
    const bad = (resource: Record<string, unknown>): RunFunctionResponse => ({
      meta: undefined,
      desired: { composite: { resource, connectionDetails: {}, ready: 0 }, resources: {} },
      results: [],
      context: undefined,
      requirements: undefined,
      conditions: [],
      output: undefined,
    });
    for (const v of [10n, () => 1, Symbol("s")]) {
      const rsp = bad({ a: v });
      expect(() => sdk(rsp)).toThrow();
      expect(() => encodeRunFunctionResponse(rsp)).toThrow(/Unsupported any value type/);
    }
    // And still works afterwards.
    const ok = bad({ a: 1 });
    expect(encodeRunFunctionResponse(ok).equals(sdk(ok))).toBe(true);
  });
});
