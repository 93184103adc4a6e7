// The charging walk shared by tenant budgets (VDCs) and VDC quotas (VMs):
// the order objects are charged in, and what a greedy walk in that order
// admits, refuses and takes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { admitInOrder, creationOrder } from "../functions/budget.js";
import type { KubeObject } from "../functions/compose.js";

const obj = (name: unknown, creationTimestamp?: unknown): KubeObject =>
  ({
    apiVersion: "v1",
    kind: "X",
    metadata: { name, ...(creationTimestamp === undefined ? {} : { creationTimestamp }) },
  }) as KubeObject;
const names = (xs: KubeObject[]) => xs.map((x) => x.metadata?.name);

describe("creationOrder", () => {
  it.each([
    {
      what: "oldest first",
      items: [
        obj("c", "2025-03-01T00:00:00Z"),
        obj("a", "2025-01-01T00:00:00Z"),
        obj("b", "2025-02-01T00:00:00Z"),
      ],
      order: ["a", "b", "c"],
    },
    {
      what: "by name within one timestamp",
      items: [
        obj("web-2", "2025-01-01T00:00:00Z"),
        obj("web-10", "2025-01-01T00:00:00Z"),
        obj("db", "2025-01-01T00:00:00Z"),
      ],
      order: ["db", "web-10", "web-2"],
    },
    {
      what: "one not created yet last, then by name",
      items: [obj("new-b"), obj("old", "2025-01-01T00:00:00Z"), obj("new-a")],
      order: ["old", "new-a", "new-b"],
    },
    {
      what: "a shorter timestamp before one it is the start of",
      items: [obj("b", "2025-01-01T00:00:00.5Z"), obj("a", "2025-01-01T00:00:00")],
      order: ["a", "b"],
    },
    {
      what: "names that are not strings compare as their text",
      items: [
        obj(10, "2025-01-01T00:00:00Z"),
        obj("9", "2025-01-01T00:00:00Z"),
        obj(undefined, "2025-01-01T00:00:00Z"),
      ],
      order: [undefined, 10, "9"],
    },
    { what: "nothing", items: [], order: [] },
  ])("$what", ({ items, order }) => {
    const before = [...items];
    expect(names(creationOrder(items))).toEqual(order);
    expect(items).toEqual(before); // a new array; the input is left as it was
  });

  it("is the order of creationTimestamp, then name, for any objects", () => {
    const stamp = fc.option(
      fc.constantFrom(
        "2025-01-01T00:00:00Z",
        "2025-01-01T00:00:01Z",
        "2024-12-31T23:59:59Z",
        "2025",
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.string({ maxLength: 4 }), ts: stamp }), { maxLength: 30 }),
        (rows) => {
          const items = rows.map((r) => obj(r.name, r.ts));
          const key = (o: KubeObject): [string, string] => [
            (o.metadata?.creationTimestamp as string | undefined) ?? "~",
            String(o.metadata?.name ?? ""),
          ];
          const got = creationOrder(items).map(key);
          for (let i = 1; i < got.length; i++) {
            const [a, b] = [got[i - 1]!, got[i]!];
            expect(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1])).toBe(true);
          }
          expect([...got].sort()).toEqual(items.map(key).sort());
        },
      ),
    );
  });
});

describe("admitInOrder", () => {
  const KEYS = ["cpu", "vms"] as const;
  type D = Record<(typeof KEYS)[number], bigint>;
  const walk = (demands: D[], limit: D) => {
    const r = admitInOrder(
      demands.map((d, i) => ({ name: `i${i}`, d })),
      KEYS,
      (x) => x.d,
      limit,
    );
    return {
      admitted: r.admitted.map((x) => x.name),
      refused: r.refused.map((x) => ({ name: x.item.name, over: x.over })),
      allocated: r.allocated,
    };
  };

  it.each([
    {
      what: "everything fits",
      demands: [
        { cpu: 2n, vms: 1n },
        { cpu: 3n, vms: 1n },
      ],
      limit: { cpu: 5n, vms: 2n },
      want: { admitted: ["i0", "i1"], refused: [], allocated: { cpu: 5n, vms: 2n } },
    },
    {
      what: "one that does not fit is skipped and a later, smaller one still fits",
      demands: [
        { cpu: 4n, vms: 1n },
        { cpu: 4n, vms: 1n },
        { cpu: 1n, vms: 1n },
      ],
      limit: { cpu: 6n, vms: 3n },
      want: {
        admitted: ["i0", "i2"],
        refused: [{ name: "i1", over: ["cpu"] }],
        allocated: { cpu: 5n, vms: 2n },
      },
    },
    {
      what: "a refusal names every key it is over",
      demands: [
        { cpu: 1n, vms: 1n },
        { cpu: 9n, vms: 5n },
      ],
      limit: { cpu: 4n, vms: 2n },
      want: {
        admitted: ["i0"],
        refused: [{ name: "i1", over: ["cpu", "vms"] }],
        allocated: { cpu: 1n, vms: 1n },
      },
    },
    {
      what: "exactly the limit fits",
      demands: [{ cpu: 4n, vms: 2n }],
      limit: { cpu: 4n, vms: 2n },
      want: { admitted: ["i0"], refused: [], allocated: { cpu: 4n, vms: 2n } },
    },
    {
      what: "a zero limit admits only zero demands",
      demands: [
        { cpu: 0n, vms: 0n },
        { cpu: 1n, vms: 0n },
      ],
      limit: { cpu: 0n, vms: 0n },
      want: {
        admitted: ["i0"],
        refused: [{ name: "i1", over: ["cpu"] }],
        allocated: { cpu: 0n, vms: 0n },
      },
    },
  ])("$what", ({ demands, limit, want }) => {
    expect(walk(demands, limit)).toEqual(want);
  });

  it(
    "admits an item exactly when what is already taken plus its demand stays within the " + "limit",
    () => {
      const amount = fc.bigInt({ min: 0n, max: 10n ** 20n });
      const d = fc.record({ cpu: amount, vms: fc.bigInt({ min: 0n, max: 5n }) });
      fc.assert(
        fc.property(fc.array(d, { maxLength: 40 }), d, (demands, limit) => {
          // The rule as the doc states it, summed from scratch.
          const taken: D = { cpu: 0n, vms: 0n };
          const want = {
            admitted: [] as string[],
            refused: [] as { name: string; over: string[] }[],
          };
          demands.forEach((x, i) => {
            const over = KEYS.filter((k) => taken[k] + x[k] > limit[k]);
            if (over.length) return void want.refused.push({ name: `i${i}`, over });
            for (const k of KEYS) taken[k] += x[k];
            want.admitted.push(`i${i}`);
          });
          expect(walk(demands, limit)).toEqual({ ...want, allocated: taken });
        }),
      );
    },
  );
});
