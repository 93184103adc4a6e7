import { describe, expect, it } from "vitest";
import { z } from "zod";
import { hashOf, parseCached, parseOrThrow, sameValue } from "../functions/parse.js";
import { vdcSpec } from "../functions/vdc/api.js";

describe("parseCached", () => {
  const schema = z.object({
    n: z.number(),
    s: z.string().optional(),
    l: z.array(z.number().optional()).optional(),
  });

  it.each([
    [{ n: 1 }],
    [{ n: Number.NaN }],
    [{ n: null }],
    [{ n: Number.POSITIVE_INFINITY }],
    [{ n: "\u0000nInfinity" }],
    [{ n: 1, s: "\u0000u" }],
    [{ n: 1, l: [1, undefined] }],
    [{ n: 1, l: [1, null] }],
    [undefined],
    [null],
    // Sorting keys into a copy must not turn this key into the copy's prototype (and n into 1).
    [JSON.parse('{"__proto__": {"n": 1}}') as unknown],
  ])("answers exactly what safeParse answers, cached or not: %j", (value) => {
    const want = schema.safeParse(value);
    for (let i = 0; i < 2; i++) {
      const got = parseCached(schema, value);
      expect(got.success).toBe(want.success);
      if (got.success) expect(got.data).toEqual(want.data);
      else expect(got.error.issues).toEqual(want.error!.issues);
    }
  });

  it("tells apart values JSON would print alike, whatever was cached before", () => {
    expect(parseCached(schema, { n: Number.NaN }).success).toBe(false);
    expect(parseCached(schema, { n: null }).error!.issues[0]!.message).not.toBe(
      schema.safeParse({ n: Number.NaN }).error!.issues[0]!.message,
    );
  });

  it("freezes what it caches, so no caller can change the next caller's spec", () => {
    const r = parseCached(vdcSpec, { tenantRef: { name: "acme" } });
    expect(r.success).toBe(true);
    expect(Object.isFrozen(r.data)).toBe(true);
    expect(() => {
      (r.data!.quota as { cpu: string }).cpu = "999";
    }).toThrow(TypeError);
    expect(parseCached(vdcSpec, { tenantRef: { name: "acme" } }).data!.quota.cpu).toBe("2");
  });

  it(
    "answers the same for the same value whatever order its keys arrive in (Go writes " +
      "Struct fields in map order)",
    () => {
      const labels = z.record(z.string(), z.string());
      const first = parseCached(labels, { team: "web", env: "prod", app: "shop" });
      const second = parseCached(labels, { app: "shop", env: "prod", team: "web" });
      expect(second).toBe(first);
      expect(Object.keys(first.data!)).toEqual(["app", "env", "team"]);
      // A fresh schema seeing the other order first answers the same.
      const fresh = z.record(z.string(), z.string());
      expect(parseCached(fresh, { app: "shop", team: "web", env: "prod" }).data).toEqual(
        first.data,
      );
      expect(
        Object.keys(parseCached(fresh, { app: "shop", team: "web", env: "prod" }).data!),
      ).toEqual(["app", "env", "team"]);
    },
  );

  it("tells distinct values apart, and the same value in any key order is the same", () => {
    const values: unknown[] = [
      0,
      -0,
      "0",
      Number.NaN,
      null,
      undefined,
      "null",
      "undefined",
      Number.POSITIVE_INFINITY,
      "Infinity",
      true,
      "true",
      1.5,
      2 ** 40,
      [],
      {},
      [undefined],
      [null],
      { a: undefined },
      { a: null },
      { a: 1, b: 2 },
      { "a:1,b": 2 },
      ["a", "b"],
      ["a,b"],
      '"a"',
      "a",
      { a: 1 },
      { b: 1 },
      { a: [1, 2] },
      { a: [2, 1] },
      JSON.parse('{"__proto__": 1}') as unknown,
      JSON.parse('{"__proto__": 2}') as unknown,
    ];
    for (const [i, a] of values.entries())
      for (const [j, b] of values.entries())
        expect([i, j, sameValue(a, b)]).toEqual([i, j, i === j]);
    const one = { a: 1, b: [2, { c: 3, d: 4 }], e: { f: "g", h: null } };
    const other = { e: { h: null, f: "g" }, b: [2, { d: 4, c: 3 }], a: 1 };
    expect(sameValue(one, other)).toBe(true);
    expect(hashOf(one)).toBe(hashOf(other));
    expect(sameValue(one, { ...other, a: 2 })).toBe(false);
    // A key inherited from a prototype (a decoded "__proto__" field gives one) is not an own key.
    expect(sameValue({ a: 1 }, Object.create({ a: 1 }) as unknown)).toBe(false);
    expect(sameValue({ a: 1, b: 2 }, Object.assign(Object.create({ a: 1 }), { b: 2 }))).toBe(false);
    expect(sameValue({ constructor: "x" }, {})).toBe(false);
  });

  it(
    "leaves out of the cache what is too large " + "or not JSON-like, and parses it all the same",
    () => {
      expect(hashOf({ big: "x".repeat(20_000) })).toBeUndefined();
      expect(hashOf({ many: Array.from({ length: 20_000 }, (_, i) => i) })).toBeUndefined();
      expect(hashOf({ when: new Date(0) })).toBeUndefined();
      expect(hashOf({ n: 1n })).toBeUndefined();
      expect(hashOf({ ok: "x".repeat(1000) })).toBeTypeOf("number");
      expect(parseCached(schema, { n: 1, s: "x".repeat(20_000) }).data!.s).toHaveLength(20_000);
    },
  );

  it("answers right when values share a bucket, and keeps a few of them", () => {
    // Strings longer than 8 characters are hashed from their ends: these differ only in the middle.
    const middle = (c: string) => "a".repeat(20) + c + "a".repeat(20);
    const values = ["b", "c", "d", "e", "f", "g"].map(middle);
    expect(new Set(values.map((v) => hashOf({ s: v }))).size).toBe(1);
    const strings = z.object({ s: z.string() });
    const first = values.map((v) => parseCached(strings, { s: v }));
    for (const [i, v] of values.entries()) expect(first[i]!.data!.s).toBe(v);
    // The last four are still cached: the same result object comes back.
    for (const i of [2, 3, 4, 5]) expect(parseCached(strings, { s: values[i] })).toBe(first[i]);
    // The first two were dropped, and still answer right.
    for (const i of [0, 1]) expect(parseCached(strings, { s: values[i] }).data!.s).toBe(values[i]);
  });

  const keyed = z.object({ n: z.number(), s: z.string().optional() });
  it.each([
    {
      reason: "the same value under its key is the cached answer, whatever its key order",
      calls: [
        ["acme", { n: 1, s: "a" }],
        ["acme", { s: "a", n: 1 }],
      ],
      same: [[0, 1]],
    },
    {
      reason: "a key whose value changed answers for the new value, and for the old one again",
      calls: [
        ["acme", { n: 1 }],
        ["acme", { n: 2 }],
        ["acme", { n: 1 }],
      ],
      same: [[0, 2]],
    },
    {
      reason: "two keys with one value share the answer the hash cache holds",
      calls: [
        ["acme", { n: 3 }],
        ["globex", { n: 3 }],
      ],
      same: [[0, 1]],
    },
    {
      reason: "an invalid value is remembered under its key as an invalid one",
      calls: [
        ["acme", { n: "x" }],
        ["acme", { n: "x" }],
        ["acme", { n: 4 }],
      ],
      same: [[0, 1]],
    },
    {
      reason: "a key too long to keep still answers, from the hash cache",
      calls: [
        ["k".repeat(10_000), { n: 6 }],
        ["k".repeat(10_000), { n: 6 }],
      ],
      same: [[0, 1]],
    },
    {
      reason: "a value too large to cache is parsed every time, under a key too",
      calls: [
        ["big", { n: 5, s: "x".repeat(20_000) }],
        ["big", { n: 5, s: "x".repeat(20_000) }],
      ],
      same: [],
    },
  ] as const)("with a key: $reason", ({ calls, same }) => {
    const got = calls.map(([key, value]) => parseCached(keyed, value, key));
    for (const [i, [, value]] of calls.entries()) {
      const want = keyed.safeParse(value);
      expect(got[i]!.success).toBe(want.success);
      if (want.success) expect(got[i]!.data).toEqual(want.data);
      else expect(got[i]!.error!.issues).toEqual(want.error.issues);
    }
    for (const [i, j] of same) expect(got[j]).toBe(got[i]);
    for (let i = 1; i < got.length; i++)
      if (!same.some(([, j]) => j === i))
        for (let k = 0; k < i; k++) expect(got[i]).not.toBe(got[k]);
  });
});

describe("parseOrThrow", () => {
  const status = z.object({
    phase: z.enum(["Pending", "Ready"]),
    usage: z.object({ cpu: z.string() }).optional(),
  });

  it("answers what parse answers, in the schema's key order, and throws parse's error", () => {
    const value = { usage: { cpu: "1" }, phase: "Ready" };
    const got = parseOrThrow(status, value);
    expect(got).toEqual(status.parse(value));
    expect(JSON.stringify(got)).toBe('{"phase":"Ready","usage":{"cpu":"1"}}');
    // The same value again, in another key order, is the cached answer.
    expect(parseOrThrow(status, { phase: "Ready", usage: { cpu: "1" } })).toBe(got);
    const bad = { phase: "Gone" };
    expect(() => parseOrThrow(status, bad)).toThrow(z.ZodError);
    expect(() => parseOrThrow(status, bad)).toThrow(/phase/);
  });
});
