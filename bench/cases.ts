// The benchmark's inputs, built at run time from examples/renders.yaml and
// from what the registry composes, so a kind or a field that lands later is
// picked up without editing the bench. Requests are completed the way
// Crossplane completes them: run the function in-process, fetch what it asks
// for from a pool of objects, run again until the ask is stable.
import { join } from "node:path";
import { RunFunctionRequest, RunFunctionResponse, Severity } from "@crossplane-org/function-sdk-typescript";
import type { Composer, KubeObject } from "../functions/compose.js";
import { Fn } from "../functions/fn.js";
import { composers } from "../functions/registry.js";
import { exampleRenders, root, type ExampleRender } from "../scripts/examples.js";
import { RESOURCE_NAME_ANNOTATION, loadObjects, matches } from "../scripts/render-lib.js";
import { request } from "../test/support/request.js";

export const fn = new Fn(composers);

export interface Case {
  name: string;
  what: string;
  /** Single-object cases are the ones the latency target applies to. */
  single: boolean;
  req: RunFunctionRequest;
  bytes: Buffer;
  /** How the function answers it in-process: "composed N resources" or "FATAL: ...". */
  outcome: string;
  fatal: boolean;
  /** Related objects the function has to read (required resources). */
  related: number;
}

export interface Skipped {
  name: string;
  why: string;
}

const MAX_ROUNDS = 5;

/** Completes a request the way Crossplane does: fetch what the function requires from `pool`, until the ask is stable. */
export function complete(xr: KubeObject, pool: KubeObject[], observed: KubeObject[] = []): RunFunctionRequest {
  const obs: Record<string, KubeObject> = {};
  for (const o of observed) {
    const n = o.metadata?.annotations?.[RESOURCE_NAME_ANNOTATION];
    if (n) obs[n] = o;
  }
  let required: Record<string, KubeObject[]> = {};
  let req = request({ xr, observed: obs, required, tag: "bench" });
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const sel = fn.run(req).requirements?.resources ?? {};
    if (Object.keys(sel).every((k) => k in required)) return req;
    required = Object.fromEntries(Object.entries(sel).map(([k, s]) => [k, pool.filter((o) => matches(s, o))]));
    req = request({ xr, observed: obs, required, tag: "bench" });
  }
  return req;
}

export function outcomeOf(req: RunFunctionRequest): { outcome: string; fatal: boolean } {
  const rsp = fn.run(req);
  const f = rsp.results.find((r) => r.severity === Severity.SEVERITY_FATAL);
  if (f) return { outcome: `FATAL: ${f.message.length > 160 ? `${f.message.slice(0, 160)}…` : f.message}`, fatal: true };
  return { outcome: `composed ${Object.keys(rsp.desired?.resources ?? {}).length} resources`, fatal: false };
}

function relatedCount(req: RunFunctionRequest): number {
  return Object.values(req.requiredResources ?? {}).reduce((n, r) => n + (r.items?.length ?? 0), 0);
}

function makeCase(name: string, what: string, single: boolean, req: RunFunctionRequest): Case {
  const { outcome, fatal } = outcomeOf(req);
  return { name, what, single, req, bytes: Buffer.from(RunFunctionRequest.encode(req).finish()), outcome, fatal, related: relatedCount(req) };
}

// ---- examples ---------------------------------------------------------------

interface Example {
  render: ExampleRender;
  xr: KubeObject;
  pool: KubeObject[];
  observed: KubeObject[];
}

function loadExample(e: ExampleRender): Example {
  const [xr] = loadObjects(join(root, e.xr));
  return {
    render: e,
    xr: xr!,
    pool: (e.required ?? []).flatMap((p) => loadObjects(join(root, p))),
    observed: (e.observed ?? []).flatMap((p) => loadObjects(join(root, p))),
  };
}

function examplesOf(kind: string): Example[] {
  return exampleRenders()
    .filter((e) => !e.fatal)
    .map(loadExample)
    .filter((e) => e.xr.kind === kind);
}

function composerOf(kind: string): Composer | undefined {
  return composers.find((c) => c.kind === kind);
}

/** The top-level keys of a zod object schema, looking through refinements, pipes and defaults. */
export function specKeys(schema: unknown): string[] {
  let s = schema as { shape?: Record<string, unknown>; _zod?: { def?: Record<string, unknown> } } | undefined;
  for (let i = 0; i < 10 && s; i++) {
    if (s.shape && typeof s.shape === "object") return Object.keys(s.shape);
    const def = s._zod?.def;
    s = (def?.in ?? def?.innerType ?? def?.schema) as typeof s;
  }
  return [];
}

const clone = <T>(v: T): T => structuredClone(v);

/** The list a spec field holds: the field itself, or the first list inside it (spec.migration.sources). */
function listAt(spec: Record<string, unknown>, key: string): { path: string; items: unknown[]; set(v: unknown[]): void } {
  const v = spec[key];
  if (Array.isArray(v)) return { path: key, items: v, set: (x) => (spec[key] = x) };
  if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (Array.isArray(x)) return { path: `${key}.${k}`, items: x, set: (y) => ((v as Record<string, unknown>)[k] = y) };
    }
  }
  return { path: key, items: [], set: () => {} };
}

/** Pads a list to `n` entries by cloning the first with a suffixed name (names are usually unique keys). */
function padList(items: unknown[], n: number): unknown[] {
  const out = [...items];
  for (let i = out.length; i < n && items.length; i++) {
    const c = clone(items[0]) as Record<string, unknown>;
    if (typeof c.name === "string") c.name = `${c.name.slice(0, 50)}-b${i}`;
    out.push(c);
  }
  return out;
}

// ---- big pools ----------------------------------------------------------------

/** Quotas nothing in the bench exceeds, so the full admission path runs rather than an early refusal. */
const HUGE_TENANT: Record<string, string | number> = { cpu: "1000000", memory: "10000Ti", storage: "10000Ti", vms: 1_000_000, vdcs: 1_000_000 };
const HUGE_VDC: Record<string, string | number> = { cpu: "100000", memory: "1000Ti", storage: "1000Ti", vms: 1_000_000, pods: 1_000_000, persistentVolumeClaims: 1_000_000 };

/** A copy with a quota no bench load exceeds (Tenants always; VDCs only when asked). */
function inflate(o: KubeObject, vdcsToo: boolean): KubeObject {
  if (o.apiVersion !== "crossvdc.io/v1alpha1" || !(o.kind === "Tenant" || (vdcsToo && o.kind === "VDC"))) return o;
  const c = clone(o);
  const spec = (c.spec ??= {}) as Record<string, unknown>;
  const quota = (spec.quota && typeof spec.quota === "object" ? spec.quota : {}) as Record<string, unknown>;
  Object.assign(quota, o.kind === "Tenant" ? HUGE_TENANT : HUGE_VDC);
  spec.quota = quota;
  if (o.kind === "Tenant") spec.tier = "enterprise";
  return c;
}

/** `n` copies of `template` under other names, created before the XR, so they are charged first. */
function siblings(template: KubeObject, n: number, prefix: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < n; i++) {
    const c = clone(template);
    const name = `${prefix}-s${i}`;
    c.metadata = { ...c.metadata, name, creationTimestamp: "2025-01-01T00:00:00Z" };
    delete c.status;
    out.push(c);
  }
  return out;
}

// ---- the cases ----------------------------------------------------------------

export interface Cases {
  cases: Case[];
  /** Sibling scaling series by kind: n -> case. */
  scaling: { kind: string; points: { n: number; c: Case }[] }[];
  skipped: Skipped[];
  notes: string[];
}

export function buildCases(scalingNs = [100, 1000, 10_000]): Cases {
  const cases: Case[] = [];
  const skipped: Skipped[] = [];
  const notes: string[] = [];
  const scaling: Cases["scaling"] = [];

  // Tenant.
  const t = examplesOf("Tenant")[0];
  if (t) cases.push(makeCase("tenant", `Tenant ${t.xr.metadata?.name} (${t.render.name})`, true, complete(t.xr, t.pool, t.observed)));
  else skipped.push({ name: "tenant", why: "no Tenant example in examples/renders.yaml" });

  // VDC with quota, policies, 2 databases and 2 migration sources.
  const vdcComposer = composerOf("VDC");
  const vdcKeys = specKeys(vdcComposer?.spec);
  const dbKey = vdcKeys.find((k) => /database/i.test(k));
  const migKey = vdcKeys.find((k) => /migration/i.test(k));
  const score = (e: Example) => {
    const s = (e.xr.spec ?? {}) as Record<string, unknown>;
    const n = (key: string | undefined) => (key ? Math.min(2, listAt(s, key).items.length) : 0);
    return n(dbKey) * 100 + n(migKey) * 100 + (e.observed.length ? 10 : 0) + JSON.stringify(s).length / 1e6;
  };
  const vdcExample = examplesOf("VDC").sort((a, b) => score(b) - score(a))[0];
  let vdcBase: { xr: KubeObject; pool: KubeObject[]; observed: KubeObject[] } | undefined;
  if (vdcExample) {
    const xr = clone(vdcExample.xr);
    const spec = (xr.spec ?? {}) as Record<string, unknown>;
    const parts: string[] = [];
    for (const [key, label] of [[dbKey, "databases"], [migKey, "migration sources"]] as const) {
      if (!key) {
        notes.push(`VDC has no ${label} field yet (functions/vdc/api.ts): the VDC case runs without ${label}; re-run when it lands.`);
        continue;
      }
      const list = listAt(spec, key);
      if (list.items.length === 0) {
        notes.push(`VDC has spec.${key} but no VDC example in examples/renders.yaml uses it: the VDC case runs without ${label}; re-run when one does.`);
        continue;
      }
      list.set(padList(list.items, 2));
      parts.push(`${listAt(spec, key).items.length} ${label} (spec.${list.path})`);
    }
    let req = complete(xr, vdcExample.pool, vdcExample.observed);
    if (outcomeOf(req).fatal && parts.length) {
      notes.push(`padding ${parts.join(" and ")} made ${vdcExample.render.name} fatal (${outcomeOf(req).outcome}); the VDC case uses the example as written`);
      req = complete(vdcExample.xr, vdcExample.pool, vdcExample.observed);
    }
    const policies = ((spec.network as { allowEgress?: unknown[] } | undefined)?.allowEgress?.length ?? 0) > 0 ? "egress policies" : "policies";
    cases.push(makeCase("vdc", `VDC ${xr.metadata?.name}: quota, ${policies}${parts.length ? `, ${parts.join(", ")}` : ""}`, true, req));
    vdcBase = { xr, pool: vdcExample.pool, observed: vdcExample.observed };
  } else skipped.push({ name: "vdc", why: "no VDC example in examples/renders.yaml" });

  // VirtualMachine.
  const vmComposer = composerOf("VirtualMachine");
  const vmExample = vmComposer ? examplesOf("VirtualMachine")[0] : undefined;
  if (!vmComposer) skipped.push({ name: "vm", why: "VirtualMachine is not in functions/registry.ts yet" });
  else if (!vmExample) skipped.push({ name: "vm", why: "VirtualMachine is registered but examples/renders.yaml has no VirtualMachine example" });
  else cases.push(makeCase("vm", `VirtualMachine ${vmExample.xr.metadata?.name} (${vmExample.render.name})`, true, complete(vmExample.xr, vmExample.pool, vmExample.observed)));

  // A VDC whose admission sees N sibling VDCs of its tenant.
  const vdcWith = (n: number): Case | undefined => {
    if (!vdcBase) return undefined;
    const { xr, pool, observed } = vdcBase;
    const tenantName = (xr.spec as { tenantRef?: { name?: string } }).tenantRef?.name ?? "";
    const others = pool.filter((o) => o.kind === "VDC" && o.metadata?.name !== xr.metadata?.name);
    const template = others[0] ?? xr;
    const big = [...pool.map((o) => inflate(o, false)), ...siblings(template, n, tenantName)];
    return makeCase(`vdc-${n}`, `VDC ${xr.metadata?.name}, admission over ${n} sibling VDCs`, false, complete(xr, big, observed));
  };
  // A VM whose quota check sees N VMs.
  const vmWith = (n: number): Case | undefined => {
    if (!vmExample) return undefined;
    const { xr, pool, observed } = vmExample;
    const big = [...pool.map((o) => inflate(o, true)), ...siblings(xr, n, String(xr.metadata?.name ?? "vm"))];
    return makeCase(`vm-${n}`, `VirtualMachine ${xr.metadata?.name}, quota check over ${n} VMs`, false, complete(xr, big, observed));
  };

  const v500 = vdcWith(500);
  if (v500) cases.push(v500);
  else skipped.push({ name: "vdc-500", why: "no VDC case" });
  const vm2000 = vmWith(2000);
  if (vm2000) cases.push(vm2000);
  else skipped.push({ name: "vm-2000", why: vmComposer ? "no VirtualMachine example" : "VirtualMachine is not registered yet" });

  if (vdcBase) scaling.push({ kind: "VDC siblings", points: scalingNs.map((n) => ({ n, c: vdcWith(n)! })) });
  if (vmExample) scaling.push({ kind: "VMs in quota check", points: scalingNs.map((n) => ({ n, c: vmWith(n)! })) });
  else skipped.push({ name: "vm scaling", why: vmComposer ? "no VirtualMachine example" : "VirtualMachine is not registered yet" });

  return { cases, scaling, skipped, notes };
}

export function responseBytes(req: RunFunctionRequest): number {
  return RunFunctionResponse.encode(fn.run(req)).finish().length;
}
