import { describe, expect, it } from "vitest";
import { formatQuantity, parseQuantity, percent, QuantityError } from "../functions/quantity.js";

const G = 1_000_000_000n; // nano-units per unit

describe("parseQuantity", () => {
  it.each([
    ["0", 0n],
    ["1", G],
    [2, 2n * G],
    ["+3", 3n * G],
    ["100m", 100_000_000n],
    ["1500m", 1_500_000_000n],
    ["250u", 250_000n],
    ["7n", 7n],
    ["1k", 1_000n * G],
    ["1M", 10n ** 6n * G],
    ["1G", 10n ** 9n * G],
    ["1T", 10n ** 12n * G],
    ["1P", 10n ** 15n * G],
    ["1E", 10n ** 18n * G],
    ["1Ki", 1024n * G],
    ["1Mi", 1024n ** 2n * G],
    ["1Gi", 1024n ** 3n * G],
    ["1Ti", 1024n ** 4n * G],
    ["1Pi", 1024n ** 5n * G],
    ["2Ei", 2n * 1024n ** 6n * G],
    ["1.5Gi", 1536n * 1024n ** 2n * G],
    ["0.5", G / 2n],
    [".5", G / 2n],
    ["1.", G],
    ["1e3", 1000n * G],
    ["1E3", 1000n * G],
    ["1.5e-3", 1_500_000n],
    ["1e+2", 100n * G],
    ["0.1n", 1n], // Kubernetes rounds a fraction of its smallest unit up
  ])("%s", (input, nano) => {
    expect(parseQuantity(input)).toBe(nano);
  });

  it.each([
    ["-1"],
    ["1Gb"],
    ["abc"],
    [""],
    ["1.5.5"],
    ["1 Gi"],
    ["9Ei"],
    ["9223372036854775808"],
    ["1e19"],
    ["1e400"],
    ["1KiB"],
  ])("refuses %s", (input) => {
    expect(() => parseQuantity(input)).toThrow(QuantityError);
  });

  it("accepts the largest int64 and refuses one more", () => {
    expect(parseQuantity("9223372036854775807")).toBe(9223372036854775807n * G);
    expect(() => parseQuantity("9223372036854775808")).toThrow(/too large/);
  });

  it("sums exactly where floats would not", () => {
    expect(parseQuantity("0.1") + parseQuantity("0.2")).toBe(parseQuantity("300m"));
    expect(parseQuantity("1.5Gi") + parseQuantity("512Mi")).toBe(parseQuantity("2Gi"));
  });
});

describe("formatQuantity", () => {
  it.each([
    [0n, "bytes", "0"],
    [2n * 1024n ** 3n * G, "bytes", "2Gi"],
    [1536n * 1024n ** 2n * G, "bytes", "1536Mi"],
    [1000n * G, "bytes", "1000"],
    [1_500_000_000n, "cpu", "1500m"],
    [4n * G, "cpu", "4"],
    [-2n * G, "cpu", "-2"],
    [250_000n, "cpu", "250u"],
    [7n, "cpu", "7n"],
    [12n * G, "count", "12"],
  ] as const)("%s as %s is %s", (nano, kind, text) => {
    expect(formatQuantity(nano, kind)).toBe(text);
    expect(parseQuantity(text.replace(/^-/, ""))).toBe(nano < 0n ? -nano : nano);
  });
});

describe("percent", () => {
  it.each([
    [1n, 4n, 25],
    [1n, 3n, 33.33],
    [0n, 0n, 0],
    [1n, 0n, 100],
    [5n, 4n, 125],
  ])("%s of %s is %s%%", (used, hard, p) => {
    expect(percent(used, hard)).toBe(p);
  });
});
