// How a tenant's budget is shared by its VDCs. Tenant status and VDC admission
// both call `allocate`, so what the Tenant reports is exactly what VDCs enforce.
//
// VDCs are charged in creation order (then by name): an older VDC keeps its
// share when a newer one asks for too much, and a VDC that does not fit is
// skipped rather than blocking the ones after it.
import { compareText, type KubeObject } from "./compose.js";
import { BUDGET_KEYS, type Budget, type BudgetKey } from "./tenant/api.js";
import { formatQuantity, parseQuantity } from "./quantity.js";

export type Amounts = Record<BudgetKey, bigint>;

const UNIT: Record<BudgetKey, "cpu" | "bytes" | "count"> = {
  cpu: "cpu",
  memory: "bytes",
  storage: "bytes",
  vms: "count",
  vdcs: "count",
};

export function zero(): Amounts {
  return { cpu: 0n, memory: 0n, storage: 0n, vms: 0n, vdcs: 0n };
}

export function parseBudget(b: Budget): Amounts {
  const out = zero();
  for (const k of BUDGET_KEYS) out[k] = parseQuantity(b[k]);
  return out;
}

export function format(a: Amounts): Budget {
  return Object.fromEntries(BUDGET_KEYS.map((k) => [k, formatQuantity(a[k], UNIT[k])])) as Budget;
}

export function formatOne(k: BudgetKey, v: bigint): string {
  return formatQuantity(v, UNIT[k]);
}

/**
 * What one VDC asks of its tenant. Unparseable figures count as zero: such a
 * VDC is refused by its own composer.
 */
export function demandOf(vdc: KubeObject): Amounts {
  const q = ((vdc.spec as { quota?: unknown } | undefined)?.quota ?? {}) as Record<string, unknown>;
  const d = zero();
  for (const k of ["cpu", "memory", "storage", "vms"] as const) {
    const v = q[k];
    if (typeof v !== "string" && typeof v !== "number") continue;
    try {
      d[k] = parseQuantity(v);
    } catch {
      d[k] = 0n;
    }
  }
  d.vdcs = parseQuantity(1);
  return d;
}

export function tenantOf(vdc: KubeObject): string | undefined {
  const name = (vdc.spec as { tenantRef?: { name?: unknown } } | undefined)?.tenantRef?.name;
  return typeof name === "string" ? name : undefined;
}

/** Oldest first (creationTimestamp, then name); one not created yet (no timestamp) comes last. */
export function creationOrder<T extends KubeObject>(items: T[]): T[] {
  // The keys are read once per item, not once per comparison, and the sort moves
  // indexes: admission sorts tens of thousands of objects, and a key object or a
  // joined string per item would be garbage the size of the request.
  const n = items.length;
  const times: string[] = new Array<string>(n);
  const names: string[] = new Array<string>(n);
  const index: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const md = items[i]!.metadata;
    // Malformed input (a timestamp that is not a string) sorts by its text, as names do:
    // the order only has to be total and the same every time.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    times[i] = String(md?.creationTimestamp ?? "~");
    names[i] = String(md?.name ?? "");
    index[i] = i;
  }
  index.sort((a, b) => compareText(times[a]!, times[b]!) || compareText(names[a]!, names[b]!));
  const out: T[] = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = items[index[i]!]!;
  return out;
}

/** The tenant's VDCs in charging order. */
export function chargingOrder(vdcs: KubeObject[], tenant: string): KubeObject[] {
  return creationOrder(vdcs.filter((v) => tenantOf(v) === tenant));
}

export interface Allocation {
  admitted: string[];
  refused: { name: string; over: BudgetKey[] }[];
  allocated: Amounts;
}

export function fits(allocated: Amounts, demand: Amounts, budget: Amounts): BudgetKey[] {
  return overLimit(BUDGET_KEYS, allocated, demand, budget);
}

/** Greedy allocation in charging order; deterministic for a given set of VDCs. */
export function allocate(vdcs: KubeObject[], tenant: string, budget: Amounts): Allocation {
  const r = admitInOrder(chargingOrder(vdcs, tenant), BUDGET_KEYS, demandOf, budget);
  return {
    admitted: r.admitted.map(nameOf),
    refused: r.refused.map((x) => ({ name: nameOf(x.item), over: x.over })),
    allocated: r.allocated,
  };
}

// The same greedy walk serves tenant budgets (VDCs) and VDC quotas (VirtualMachines).

/** The keys on which `allocated + demand` would exceed `limit`. */
export function overLimit<K extends string>(
  keys: readonly K[],
  allocated: Record<K, bigint>,
  demand: Record<K, bigint>,
  limit: Record<K, bigint>,
): K[] {
  return keys.filter((k) => allocated[k] + demand[k] > limit[k]);
}

/**
 * Charges items in the order given; one that does not fit what is left is
 * skipped, not blocking later ones.
 */
export function admitInOrder<K extends string, T>(
  items: readonly T[],
  keys: readonly K[],
  demand: (item: T) => Record<K, bigint>,
  limit: Record<K, bigint>,
): { admitted: T[]; refused: { item: T; over: K[] }[]; allocated: Record<K, bigint> } {
  // What is left, not what is taken: `demand > left` is `allocated + demand > limit`
  // without a bigint made per comparison, and an item that fits allocates nothing else.
  const left = {} as Record<K, bigint>;
  for (const k of keys) left[k] = limit[k];
  const admitted: T[] = [];
  const refused: { item: T; over: K[] }[] = [];
  for (const item of items) {
    const d = demand(item);
    let fits = true;
    for (const k of keys) {
      if (d[k] > left[k]) {
        fits = false;
        break;
      }
    }
    if (!fits) {
      refused.push({ item, over: keys.filter((k) => d[k] > left[k]) });
      continue;
    }
    // tsc types `Record<K, bigint>[K] - Record<K, bigint>[K]` as number; the rule sees bigint.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    for (const k of keys) left[k] = (left[k] as bigint) - (d[k] as bigint);
    admitted.push(item);
  }
  const allocated = {} as Record<K, bigint>;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- as above
  for (const k of keys) allocated[k] = (limit[k] as bigint) - (left[k] as bigint);
  return { admitted, refused, allocated };
}

function nameOf(o: KubeObject): string {
  return o.metadata?.name ?? "";
}
