import { describe, expect, it } from "vitest";
import { clean } from "../functions/fn.js";

describe("clean", () => {
  it("drops undefined at any depth, keeping key order and the rest of each list", () => {
    const v = { a: 1, b: undefined, c: { d: [1, undefined, { e: undefined, f: "x" }], g: null }, h: [undefined] };
    const out = clean(v);
    expect(out).toStrictEqual({ a: 1, c: { d: [1, { f: "x" }], g: null }, h: [] });
    expect(Object.keys(out)).toEqual(["a", "c", "h"]);
    // The input is left as it was.
    expect(Object.keys(v)).toEqual(["a", "b", "c", "h"]);
    expect(v.c.d).toHaveLength(3);
  });

  it("returns what has nothing to drop as it is, and shares the parts that need no copy", () => {
    const same = { a: [1, { b: "x" }], c: { d: null } };
    expect(clean(same)).toBe(same);
    const mixed = { keep: { deep: [1, 2] }, drop: { x: undefined } };
    const out = clean(mixed);
    expect(out).not.toBe(mixed);
    expect(out.keep).toBe(mixed.keep);
    expect(out.drop).toStrictEqual({});
  });
});
