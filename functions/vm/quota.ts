// The VDC's vms, cpu and memory quota, enforced by the function for both
// backends (a ResourceQuota never sees a Proxmox VM). VMs are charged in
// creation order and admitted greedily, as VDCs are against their tenant's
// budget (budget.ts): an older VM keeps its share, one that does not fit is
// skipped without blocking newer ones. A VM counts whether running or not, so
// a stopped VM can always start again.
import { admitInOrder, creationOrder, overLimit } from "../budget.js";
import type { KubeObject } from "../compose.js";
import { nameList } from "../names.js";
import { parseCached } from "../parse.js";
import { formatQuantity, parseQuantity } from "../quantity.js";
import type { VDCSpec } from "../vdc/api.js";
import { sizeOf, sizeOnly, type Size } from "./api.js";

export const QUOTA_KEYS = ["vms", "cpu", "memory"] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];
export type Amounts = Record<QuotaKey, bigint>;

const UNIT: Record<QuotaKey, "count" | "cpu" | "bytes"> = {
  vms: "count",
  cpu: "cpu",
  memory: "bytes",
};

export function demandOf(size: Size): Amounts {
  return {
    vms: parseQuantity(1),
    cpu: parseQuantity(size.cpu),
    memory: parseQuantity(size.memory),
  };
}

/**
 * What another VirtualMachine holds; one whose size cannot be read counts as a
 * VM without cpu or memory (its own composer refuses it).
 */
function siblingDemand(vm: KubeObject): Amounts {
  // Only the size matters here; keying the cache on it alone keeps the key small.
  const r = parseCached(sizeOnly, { size: (vm.spec as { size?: unknown } | undefined)?.size });
  if (!r.success) return { vms: parseQuantity(1), cpu: 0n, memory: 0n };
  // A namespace's VMs share a few sizes, and parseCached returns the same frozen
  // result for each: their demand is worked out once, not once per VM.
  let d = demands.get(r.data);
  if (!d) demands.set(r.data, (d = Object.freeze(demandOf(sizeOf(r.data.size)))));
  return d;
}
const demands = new WeakMap<object, Readonly<Amounts>>();

export interface VDCQuota {
  name: string;
  limit: Amounts;
  /**
   * What the VDC's databases take of cpu and memory (VDC status.databaseDemand): VMs get the rest.
   */
  databases: Partial<Amounts>;
}

export function quotaOf(vdc: KubeObject, spec: VDCSpec): VDCQuota {
  const databases: Partial<Amounts> = {};
  const dd = (vdc.status as { databaseDemand?: Record<string, unknown> } | undefined)
    ?.databaseDemand;
  for (const k of ["cpu", "memory"] as const) {
    const v = dd?.[k];
    if (typeof v !== "string" && typeof v !== "number") continue;
    try {
      const n = parseQuantity(v);
      if (n > 0n) databases[k] = n;
    } catch {
      // An unreadable figure in a status is left out rather than guessed.
    }
  }
  const limit: Amounts = {
    vms: parseQuantity(spec.quota.vms),
    cpu: parseQuantity(spec.quota.cpu),
    memory: parseQuantity(spec.quota.memory),
  };
  for (const k of QUOTA_KEYS) {
    const taken = databases[k] ?? 0n;
    limit[k] = limit[k] > taken ? limit[k] - taken : 0n;
  }
  return { name: vdc.metadata?.name ?? "", limit, databases };
}

export type Verdict = { fits: true; left: string } | { fits: false; details: string };

/**
 * Whether this VM fits after the namespace's older VMs are charged. `siblings`
 * may include the VM itself.
 */
export function checkQuota(
  self: { name: string; creationTimestamp?: string; size: Size },
  siblings: KubeObject[],
  quota: VDCQuota,
  spec: VDCSpec,
): Verdict {
  const me: KubeObject = {
    apiVersion: "",
    kind: "",
    metadata: {
      name: self.name,
      ...(self.creationTimestamp ? { creationTimestamp: self.creationTimestamp } : {}),
    },
  };
  const others = siblings.filter((v) => v.metadata?.name !== self.name);
  const order = creationOrder([...others, me]);
  const demand = (v: KubeObject) => (v === me ? demandOf(self.size) : siblingDemand(v));
  const at = order.indexOf(me);
  const before = admitInOrder(order.slice(0, at), QUOTA_KEYS, demand, quota.limit);
  const mine = demandOf(self.size);
  const over = overLimit(QUOTA_KEYS, before.allocated, mine, quota.limit);
  if (over.length === 0) {
    // The walk goes on after this VM against what is left, so each sibling is charged once.
    const rest = Object.fromEntries(
      QUOTA_KEYS.map((k) => [k, quota.limit[k] - before.allocated[k] - mine[k]]),
    ) as Amounts;
    const later = admitInOrder(order.slice(at + 1), QUOTA_KEYS, demand, rest).allocated;
    return {
      fits: true,
      left: QUOTA_KEYS.map((k) => `${k} ${fmt(k, rest[k] - later[k])}`).join(", "),
    };
  }
  const details = over.map((k) => {
    const figure = `spec.quota.${k}`;
    const hard = k === "vms" ? String(spec.quota.vms) : spec.quota[k];
    const db = quota.databases[k] ? ` (databases take ${fmt(k, quota.databases[k])})` : "";
    const asks = k === "vms" ? "asks 1 more VM" : `asks ${fmt(k, mine[k])}`;
    return (
      `${k}: ${asks}, but VDC ${quota.name}'s ${figure} is ${hard}${db} and VMs ` +
      `use ${fmt(k, before.allocated[k])}: over ` +
      `by ${fmt(k, before.allocated[k] + mine[k] - quota.limit[k])}`
    );
  });
  const users = before.admitted
    .map((v) => v.metadata?.name)
    .filter((n): n is string => typeof n === "string" && n !== "");
  if (users.length) details.push(`in use by ${nameList(users)}`);
  return { fits: false, details: details.join("; ") };
}

function fmt(k: QuotaKey, v: bigint): string {
  return formatQuantity(v, UNIT[k]);
}
