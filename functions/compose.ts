// The contract between the gRPC edge (fn.ts) and the composers: a composer is a
// pure function from (XR, observed, required resources) to (desired resources,
// status, conditions, results). It never sees protobuf, never logs, never reads
// a clock, so it can be tested by value and gives byte-identical output.
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import type { z } from "zod";

/** Any Kubernetes object, as it arrives in observed or required state. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * A parsed XR: metadata as Kubernetes sent it, spec as the composer's zod
 * schema made it (defaults applied).
 */
export interface XR<Spec> {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec: Spec;
  status: Record<string, unknown>;
}

export interface ComposeInput<Spec> {
  xr: XR<Spec>;
  /** Observed composed resources keyed by composition resource name. */
  observed: Record<string, KubeObject>;
  /** Required resources keyed by requirement name, as Crossplane fetched them. */
  required: Record<string, KubeObject[]>;
}

export interface Composed {
  resource: KubeObject;
  /** Ready when its observed state says so; Crossplane makes the XR Ready when all are. */
  ready: boolean;
}

/** A custom XR condition; Crossplane owns Ready/Synced/Healthy/UpToDate/Responsive. */
export interface XRCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message?: string;
}

/** A Normal or Warning result: becomes a Kubernetes event on the XR. */
export interface Event {
  severity: "Normal" | "Warning";
  reason: string;
  message: string;
}

/**
 * What class of failure a Fatal result reports: its `reason`, and the reason of any
 * condition that reports the same failure. One exported list, each with what it
 * means to the user; a new Fatal picks one of these (the README's Troubleshooting
 * table lists them, and a test keeps the two equal). Named like Crossplane's and
 * Kubernetes' own reasons (PascalCase, saying what is wrong, not where).
 */
export const FAILURE_REASONS = {
  InvalidSpec:
    "The XR's spec or metadata breaks a rule the schema cannot express; fix the field " +
    "the message names.",
  OverBudget:
    "A VDC asks for more than its tenant's budget has left after older VDCs; shrink the " +
    "VDC's spec.quota, delete VDCs, or raise the tenant's spec.quota or tier.",
  OverQuota:
    "A VM or database does not fit in its VDC's spec.quota or spec.limits; choose a " +
    "smaller size, delete VMs, or raise the VDC's quota or limits.",
  WaitingForDependency:
    "Something the XR needs does not exist or is not usable yet (its Tenant or VDC, a Secret " +
    "or its keys, a ManagedCluster, the platform settings in the EnvironmentConfig crossvdc); " +
    "create or fix it, and the next reconcile composes.",
  Conflict:
    "The spec is valid on its own but would replace or lose what exists (a started " +
    "migration, a disk, a database's storage, the backend of a VM) or take a name another " +
    "owner holds; put the field back, or follow the message's steps.",
  InternalError:
    "The function failed, not the XR: a composer bug, or a request Crossplane should not " +
    "send (a Composition for a kind this function does not compose); report it with the " +
    "function's logs.",
} as const;
export type FailureReason = keyof typeof FAILURE_REASONS;

/**
 * A refusal: one Fatal result with this message and reason; the desired state stays as it came in.
 */
export interface Refusal {
  fatal: string;
  reason: FailureReason;
}

/**
 * Whether a sub-composer's output is a refusal (for outputs that "fatal" in
 * cannot narrow, such as a Record).
 */
export function isRefusal(out: object): out is Refusal {
  return "fatal" in out;
}

/**
 * Thrown from `requirements`, which returns no output to refuse with; anything
 * else thrown is an InternalError.
 */
export class RefusalError extends Error {
  override name = "RefusalError";
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
  }
}

export type ComposeOutput =
  | Refusal
  | {
      resources: Record<string, Composed>;
      status: Record<string, unknown>;
      conditions: XRCondition[];
      events: Event[];
      /** Re-run interval: how stale status fed by unwatched required resources may get. */
      ttlSeconds: number;
    };

export interface Composer<Spec = unknown> {
  apiVersion: string;
  kind: string;
  /** zod schema of spec: the single source of truth for the XRD and for admission. */
  spec: z.ZodType<Spec>;
  /**
   * What the composer needs Crossplane to fetch before it can compose. `fetched` holds what
   * Crossplane fetched for the previous ask, so an ask can depend on it (Crossplane asks again
   * until the ask is stable); `observed`, the composed resources, so an ask can be made only
   * for what is not composed yet.
   */
  requirements(
    xr: XR<Spec>,
    fetched: Record<string, KubeObject[]>,
    observed: Record<string, KubeObject>,
  ): Record<string, ResourceSelector>;
  compose(input: ComposeInput<Spec>): ComposeOutput;
}

/** Declares a composer with its spec type inferred from the zod schema. */
export function composer<S extends z.ZodType>(
  c: Composer<z.output<S>> & { spec: S },
): Composer<z.output<S>> {
  return c;
}

export const TTL_SETTLING = 30;
export const TTL_STEADY = 120;

/** Reads a condition from an observed object, as Kubernetes and Crossplane write them. */
export function conditionOf(
  obj: KubeObject | undefined,
  type: string,
): { status?: string; reason?: string; message?: string } | undefined {
  const conditions = (obj?.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return (conditions as unknown[]).find(
    (c): c is { status?: string; reason?: string; message?: string } =>
      typeof c === "object" && c !== null && (c as { type?: unknown }).type === type,
  );
}

export function isConditionTrue(obj: KubeObject | undefined, type: string): boolean {
  return conditionOf(obj, type)?.status === "True";
}

/** Emits an event only when the phase changes, so a steady XR is not spammed on every reconcile. */
export function phaseEvents(
  previous: unknown,
  next: string,
  messages: Record<string, Event | undefined>,
): Event[] {
  if (previous === next) return [];
  const e = messages[next];
  return e ? [e] : [];
}

/** Sorted by name, so output never depends on the order Crossplane listed things in. */
export function byName<T extends KubeObject>(items: T[]): T[] {
  return [...items].sort((a, b) =>
    compareText(
      `${a.metadata?.namespace ?? ""}/${a.metadata?.name ?? ""}`,
      `${b.metadata?.namespace ?? ""}/${b.metadata?.name ?? ""}`,
    ),
  );
}

/**
 * A sort comparator for strings by UTF-16 code unit, the order every sorted
 * list in the output uses.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Formats a zod issue path the way kubectl does: spec.disks[0].size */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}
