import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseCached } from "../functions/parse.js";
import { vdcSpec } from "../functions/vdc/api.js";

describe("parseCached", () => {
  const schema = z.object({ n: z.number(), s: z.string().optional(), l: z.array(z.number().optional()).optional() });

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
    expect(parseCached(schema, { n: null }).error!.issues[0]!.message).not.toBe(schema.safeParse({ n: Number.NaN }).error!.issues[0]!.message);
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
});
