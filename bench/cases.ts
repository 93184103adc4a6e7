// The benchmark's inputs, built at run time from test/renders.yaml and
// from what the registry composes, so a kind or a field that lands later is
// picked up without editing the bench. Requests are completed the way
// Crossplane completes them: run the function in-process, fetch what it asks
// for from a pool of objects, run again until the ask is stable.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { RunFunctionRequest, Severity } from "@crossplane-org/function-sdk-typescript";
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
  /**
   * The same request encoded with its map and Struct keys in VARIANTS other
   * orders, as Crossplane's Go client sends it: Go writes protobuf maps in map
   * iteration order, which differs from call to call. The load rotates through
   * these, so no cache in the function gets to see one byte-identical request.
   */
  variants: Buffer[];
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

/**
 * Completes a request the way Crossplane does: fetch what the function requires
 * from `pool`, until the ask is stable.
 */
export function complete(
  xr: KubeObject,
  pool: KubeObject[],
  observed: KubeObject[] = [],
): RunFunctionRequest {
  const obs: Record<string, KubeObject> = {};
  for (const o of observed) {
    const n = o.metadata?.annotations?.[RESOURCE_NAME_ANNOTATION];
    if (n) obs[n] = o;
  }
  // A cluster holds what the XR composed too, and a requirement may name it (its namespace).
  const cluster = dedupe([...pool, ...observed]);
  let required: Record<string, KubeObject[]> = {};
  let req = request({ xr, observed: obs, required, tag: "bench" });
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const sel = fn.run(req).requirements?.resources ?? {};
    if (Object.keys(sel).every((k) => k in required)) return req;
    required = Object.fromEntries(
      Object.entries(sel).map(([k, s]) => [k, cluster.filter((o) => matches(s, o))]),
    );
    req = request({ xr, observed: obs, required, tag: "bench" });
  }
  return req;
}

export function outcomeOf(req: RunFunctionRequest): { outcome: string; fatal: boolean } {
  const rsp = fn.run(req);
  const f = rsp.results.find((r) => r.severity === Severity.SEVERITY_FATAL);
  if (f)
    return {
      outcome: `FATAL: ${f.message.length > 160 ? `${f.message.slice(0, 160)}…` : f.message}`,
      fatal: true,
    };
  return {
    outcome: `composed ${Object.keys(rsp.desired?.resources ?? {}).length} resources`,
    fatal: false,
  };
}

function relatedCount(req: RunFunctionRequest): number {
  return Object.values(req.requiredResources ?? {}).reduce((n, r) => n + (r.items?.length ?? 0), 0);
}

export const VARIANTS = 8;

function makeCase(name: string, what: string, single: boolean, req: RunFunctionRequest): Case {
  const { outcome, fatal } = outcomeOf(req);
  const encode = (r: RunFunctionRequest) => Buffer.from(RunFunctionRequest.encode(r).finish());
  const variants = Array.from({ length: VARIANTS }, (_, i) =>
    encode(shuffled(req, random(i + 1)) as RunFunctionRequest),
  );
  return {
    name,
    what,
    single,
    req,
    bytes: encode(req),
    variants,
    outcome,
    fatal,
    related: relatedCount(req),
  };
}

/**
 * A deep copy with every plain object's keys in an order drawn from `next`;
 * arrays and bytes keep theirs.
 */
export function shuffled(v: unknown, next: () => number): unknown {
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return v;
  if (Array.isArray(v)) return v.map((x) => shuffled(x, next));
  const keys = Object.keys(v);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return Object.fromEntries(
    keys.map((k) => [k, shuffled((v as Record<string, unknown>)[k], next)]),
  );
}

/** mulberry32: a seeded generator of numbers in [0, 1), so every run sends the same variants. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

/**
 * The non-fatal examples of a kind in test/renders.yaml; else those laid out as
 * examples/<dir>/*.yaml with <dir>/required.
 */
function examplesOf(kind: string): Example[] {
  const listed = exampleRenders()
    .filter((e) => !e.fatal)
    .map(loadExample)
    .filter((e) => e.xr.kind === kind);
  if (listed.length) return listed;
  const out: Example[] = [];
  for (const dir of readdirSync(join(root, "examples")).sort()) {
    const path = join(root, "examples", dir);
    if (["invalid", "observed", "required"].includes(dir) || !statSync(path).isDirectory())
      continue;
    for (const f of readdirSync(path)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()) {
      if (loadObjects(join(path, f))[0]?.kind !== kind) continue;
      const required = [`examples/${dir}/required`, "examples/tenants"].filter((p) =>
        existsSync(join(root, p)),
      );
      out.push(loadExample({ name: `${dir}/${f}`, xr: `examples/${dir}/${f}`, required }));
    }
  }
  return out;
}

/** The example of a kind that composes the most resources (the heaviest single object). */
function richest(examples: Example[]): { e: Example; req: RunFunctionRequest } | undefined {
  let best: { e: Example; req: RunFunctionRequest; n: number } | undefined;
  for (const e of examples) {
    const req = complete(e.xr, e.pool, e.observed);
    const rsp = fn.run(req);
    if (rsp.results.some((r) => r.severity === Severity.SEVERITY_FATAL)) continue;
    const n = Object.keys(rsp.desired?.resources ?? {}).length;
    if (!best || n > best.n) best = { e, req, n };
  }
  return best;
}

/** A VDC's namespace as crossvdc composes it: with the labels that say it is this VDC's. */
function createdNamespace(vdc: KubeObject): KubeObject {
  const name = vdc.metadata?.name ?? "";
  const tenant = (vdc.spec as { tenantRef?: { name?: string } } | undefined)?.tenantRef?.name;
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        "crossvdc.io/tenant": tenant ?? "",
        "crossvdc.io/vdc": name,
        "crossvdc.io/type": "vdc",
      },
    },
    status: { phase: "Active" },
  };
}

const keyOf = (o: KubeObject) =>
  `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
function dedupe(objs: KubeObject[]): KubeObject[] {
  const seen = new Map<string, KubeObject>();
  for (const o of objs) if (!seen.has(keyOf(o))) seen.set(keyOf(o), o);
  return [...seen.values()];
}

function composerOf(kind: string): Composer | undefined {
  return composers.find((c) => c.kind === kind);
}

/** The top-level keys of a zod object schema, looking through refinements, pipes and defaults. */
export function specKeys(schema: unknown): string[] {
  let s = schema as
    { shape?: Record<string, unknown>; _zod?: { def?: Record<string, unknown> } } | undefined;
  for (let i = 0; i < 10 && s; i++) {
    if (s.shape && typeof s.shape === "object") return Object.keys(s.shape);
    const def = s._zod?.def;
    s = (def?.in ?? def?.innerType ?? def?.schema) as typeof s;
  }
  return [];
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * The list a spec field holds: the field itself, or the first list inside it
 * (spec.migration.sources).
 */
function listAt(
  spec: Record<string, unknown>,
  key: string,
): { path: string; items: unknown[]; set(v: unknown[]): void } {
  const v = spec[key];
  if (Array.isArray(v)) return { path: key, items: v, set: (x) => (spec[key] = x) };
  if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (Array.isArray(x))
        return {
          path: `${key}.${k}`,
          items: x,
          set: (y) => ((v as Record<string, unknown>)[k] = y),
        };
    }
  }
  return { path: key, items: [], set: () => {} };
}

/**
 * Pads a list to `n` entries by cloning the first with a suffixed name (names
 * are usually unique keys).
 */
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

/**
 * Quotas nothing in the bench exceeds, so the full admission path runs rather
 * than an early refusal.
 */
const HUGE_TENANT: Record<string, string | number> = {
  cpu: "100000000",
  memory: "1000000Ti",
  storage: "1000000Ti",
  vms: 1_000_000,
  vdcs: 1_000_000,
};
const HUGE_VDC: Record<string, string | number> = {
  cpu: "100000",
  memory: "1000Ti",
  storage: "1000Ti",
  vms: 1_000_000,
  pods: 1_000_000,
  persistentVolumeClaims: 1_000_000,
};

/** A copy with a quota no bench load exceeds (Tenants always; VDCs only when asked). */
function inflate(o: KubeObject, vdcsToo: boolean): KubeObject {
  if (
    o.apiVersion !== "crossvdc.io/v1alpha1" ||
    !(o.kind === "Tenant" || (vdcsToo && o.kind === "VDC"))
  )
    return o;
  const c = clone(o);
  const spec = (c.spec ??= {}) as Record<string, unknown>;
  const quota = (spec.quota && typeof spec.quota === "object" ? spec.quota : {}) as Record<
    string,
    unknown
  >;
  Object.assign(quota, o.kind === "Tenant" ? HUGE_TENANT : HUGE_VDC);
  spec.quota = quota;
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

/** A VDC of `tenant` shaped like `template`, labelled as the admission policy requires. */
function siblingVdc(template: KubeObject, tenant: string, name: string): KubeObject {
  const c = clone(template);
  c.metadata = {
    name,
    labels: { "crossvdc.io/tenant": tenant },
    creationTimestamp: "2025-01-01T00:00:00Z",
  };
  (c.spec as { tenantRef: { name: string } }).tenantRef = { name: tenant };
  delete c.status;
  return c;
}

// ---- the cases ----------------------------------------------------------------

export interface Cases {
  cases: Case[];
  /**
   * Sibling scaling series by kind. A point's case is built when the bench
   * gets to it and dropped after, so the 10,000-object requests (and their
   * decoded copies) are not live in the client through the other measurements.
   */
  scaling: { kind: string; at: (n: number) => Case }[];
  /**
   * One VDC reconcile on a cluster of `tenants` tenants with `perTenant` VDCs each (the VDC's
   * own tenant among them): the request as Crossplane answers the VDC's label selector, and,
   * for comparison, the one it sent when the VDC asked for every VDC of the cluster.
   */
  tenants?: (tenants: number, perTenant: number) => { selected: Case; everyVdc: () => Case };
  /**
   * One reconcile of a VDC placed on a member cluster (issue 20's example), in a fleet of
   * `clusters` member clusters and `vdcs` VDCs placed round-robin on them, ten per tenant, its
   * own tenant's ten among them.
   */
  fleet?: (clusters: number, vdcs: number) => Case;
  skipped: Skipped[];
  notes: string[];
}

/**
 * The judged scaling points: time must grow linearly from 100 to 1,000 to 10,000 related objects.
 */
export const SCALING_POINTS = [100, 1000, 10_000];
/**
 * Points past them, reported and not judged: whether the cost per further
 * object keeps growing past 10,000.
 */
export const BEYOND_POINTS = [20_000, 40_000];

export function buildCases(): Cases {
  const cases: Case[] = [];
  const skipped: Skipped[] = [];
  const notes: string[] = [];
  const scaling: Cases["scaling"] = [];

  // Tenant: the example that composes the most (managed clusters, if any example has them).
  const t = richest(examplesOf("Tenant"));
  if (t)
    cases.push(
      makeCase("tenant", `Tenant ${t.e.xr.metadata?.name} (${t.e.render.name})`, true, t.req),
    );
  else skipped.push({ name: "tenant", why: "no Tenant example that composes in examples/" });

  // VDC with quota, policies, 2 databases and 2 migration sources: the richest VDC example,
  // with the lists it lacks taken from the other VDC examples and padded to two entries.
  const vdcComposer = composerOf("VDC");
  const vdcKeys = specKeys(vdcComposer?.spec);
  const dbKey = vdcKeys.find((k) => /database/i.test(k));
  const migKey = vdcKeys.find((k) => /migration/i.test(k));
  const vdcExamples = examplesOf("VDC");
  const score = (e: Example) => {
    const s = (e.xr.spec ?? {}) as Record<string, unknown>;
    const n = (key: string | undefined) => (key ? Math.min(2, listAt(s, key).items.length) : 0);
    return (
      n(dbKey) * 100 +
      n(migKey) * 100 +
      (e.observed.length ? 10 : 0) +
      JSON.stringify(s).length / 1e6
    );
  };
  const vdcExample = [...vdcExamples].sort((a, b) => score(b) - score(a))[0];
  let vdcBase: { xr: KubeObject; pool: KubeObject[]; observed: KubeObject[] } | undefined;
  if (vdcExample) {
    const xr = clone(vdcExample.xr);
    const spec = (xr.spec ??= {}) as Record<string, unknown>;
    // Entries borrowed from other VDCs may name Secrets of their own namespace (a database's backup
    // credentials): the case's VDC gets copies in its namespace, as its tenant would create them.
    const examplePool = dedupe(vdcExamples.flatMap((e) => e.pool));
    const ns = xr.metadata?.name;
    const secretCopies = examplePool
      .filter((o) => o.kind === "Secret" && o.metadata?.namespace !== ns)
      .map((o) => {
        const copy = clone(o);
        return { ...copy, metadata: { ...copy.metadata, namespace: ns } };
      });
    // The VDC's namespace as crossvdc created it, which every reconcile after the first reads.
    const pool = dedupe([...examplePool, ...secretCopies, createdNamespace(xr)]);
    const parts: string[] = [];
    for (const [key, label] of [
      [dbKey, "databases"],
      [migKey, "migration sources"],
    ] as const) {
      if (!key) {
        notes.push(
          `VDC has no ${label} field yet (functions/vdc/api.ts): the VDC case runs ` +
            `without ${label}; re-run when it lands.`,
        );
        continue;
      }
      let list = listAt(spec, key);
      const donors = vdcExamples
        .filter((e) => e !== vdcExample)
        .map((e) => listAt(clone((e.xr.spec ?? {}) as Record<string, unknown>), key));
      if (list.items.length === 0) {
        const donor = donors.find((d) => d.items.length);
        if (!donor) {
          notes.push(
            `VDC has spec.${key} but no VDC example uses it: the VDC case runs ` +
              `without ${label}; re-run when one does.`,
          );
          continue;
        }
        // Put the donor's container (e.g. spec.migration) in place, then its list.
        const top = donor.path.split(".")[0]!;
        const donorSpec = vdcExamples.find(
          (e) => listAt((e.xr.spec ?? {}) as Record<string, unknown>, key).items.length,
        )!.xr.spec as Record<string, unknown>;
        spec[top] = clone(donorSpec[top]);
        list = listAt(spec, key);
      }
      list.set(padList(list.items, 2));
      parts.push(`${listAt(spec, key).items.length} ${label}`);
    }
    let req = complete(xr, pool, vdcExample.observed);
    let raised = "";
    if (outcomeOf(req).fatal) {
      // Databases count against the VDC quota, which counts against the tenant's budget: make room.
      const why = outcomeOf(req).outcome;
      spec.quota = {
        ...(spec.quota ?? {}),
        cpu: "64",
        memory: "256Gi",
        storage: "8Ti",
        pods: 1000,
        persistentVolumeClaims: 500,
      };
      req = complete(
        xr,
        pool.map((o) => inflate(o, false)),
        vdcExample.observed,
      );
      raised = ` (quota raised to fit: ${why.slice(0, 100)})`;
    }
    if (outcomeOf(req).fatal) {
      notes.push(
        `the merged VDC case is fatal (${outcomeOf(req).outcome}); it ` +
          `uses ${vdcExample.render.name} as written`,
      );
      req = complete(vdcExample.xr, vdcExample.pool, vdcExample.observed);
      parts.length = 0;
    } else if (raised) notes.push(`VDC case${raised}`);
    const policies =
      ((spec.network as { allowEgress?: unknown[] } | undefined)?.allowEgress?.length ?? 0) > 0
        ? "egress policies"
        : "policies";
    cases.push(
      makeCase(
        "vdc",
        `VDC ${xr.metadata?.name}: ` +
          `quota, ${policies}${parts.length ? `, ${parts.join(", ")}` : ""}`,
        true,
        req,
      ),
    );
    vdcBase = {
      xr: (req.observed?.composite?.resource as KubeObject) ?? xr,
      pool: raised ? pool.map((o) => inflate(o, false)) : pool,
      observed: vdcExample.observed,
    };
  } else skipped.push({ name: "vdc", why: "no VDC example in examples/" });

  // VirtualMachine.
  const vmComposer = composerOf("VirtualMachine");
  const vm = vmComposer ? richest(examplesOf("VirtualMachine")) : undefined;
  const vmExample = vm?.e;
  if (!vmComposer)
    skipped.push({ name: "vm", why: "VirtualMachine is not in functions/registry.ts yet" });
  else if (!vm)
    skipped.push({
      name: "vm",
      why: "VirtualMachine is registered but no example of it composes (examples/)",
    });
  else
    cases.push(
      makeCase(
        "vm",
        `VirtualMachine ${vm.e.xr.metadata?.namespace}/${vm.e.xr.metadata?.name} ` +
          `(${vm.e.render.name})`,
        true,
        vm.req,
      ),
    );

  // A VDC whose admission sees N sibling VDCs of its tenant.
  const vdcWith = (n: number): Case | undefined => {
    if (!vdcBase) return undefined;
    const { xr, pool, observed } = vdcBase;
    const tenantName = (xr.spec as { tenantRef?: { name?: string } }).tenantRef?.name ?? "";
    const others = pool.filter((o) => o.kind === "VDC" && o.metadata?.name !== xr.metadata?.name);
    const template = others[0] ?? xr;
    const big = [...pool.map((o) => inflate(o, false)), ...siblings(template, n, tenantName)];
    return makeCase(
      `vdc-${n}`,
      `VDC ${xr.metadata?.name}, admission over ${n} sibling VDCs like ${template.metadata?.name}`,
      false,
      complete(xr, big, observed),
    );
  };
  // A VM whose quota check sees N VMs.
  const vmWith = (n: number): Case | undefined => {
    if (!vmExample) return undefined;
    const { xr, pool, observed } = vmExample;
    const big = [
      ...pool.map((o) => inflate(o, true)),
      ...siblings(xr, n, String(xr.metadata?.name ?? "vm")),
    ];
    return makeCase(
      `vm-${n}`,
      `VirtualMachine ${xr.metadata?.name}, quota check over ${n} VMs like it`,
      false,
      complete(xr, big, observed),
    );
  };

  const v500 = vdcWith(500);
  if (v500) cases.push(v500);
  else skipped.push({ name: "vdc-500", why: "no VDC case" });
  const vm2000 = vmWith(2000);
  if (vm2000) cases.push(vm2000);
  else
    skipped.push({
      name: "vm-2000",
      why: vmComposer ? "no VirtualMachine example" : "VirtualMachine is not registered yet",
    });

  // A VDC among `tenants` tenants of `perTenant` VDCs each, all labelled as the
  // admission policy requires.
  const tenantsCase = (tenants: number, perTenant: number) => {
    const { xr, pool, observed } = vdcBase!;
    const own = (xr.spec as { tenantRef: { name: string } }).tenantRef.name;
    const template = pool.find((o) => o.kind === "VDC" && o.metadata?.name !== xr.metadata?.name);
    const vdcOf = (tenant: string, name: string) => siblingVdc(template ?? xr, tenant, name);
    const big: KubeObject[] = [
      ...pool.filter((o) => o.kind !== "VDC").map((o) => inflate(o, false)),
      xr,
    ];
    for (let j = 1; j < perTenant; j++) big.push(vdcOf(own, `${own}-t${j}`));
    const tenantTemplate = pool.find((o) => o.kind === "Tenant");
    for (let i = 1; i < tenants; i++) {
      const t = `t${String(i).padStart(4, "0")}`;
      if (tenantTemplate) big.push({ ...inflate(tenantTemplate, false), metadata: { name: t } });
      for (let j = 0; j < perTenant; j++) big.push(vdcOf(t, `${t}-v${j}`));
    }
    const what =
      `VDC ${xr.metadata?.name} among ${tenants.toLocaleString("en")} tenant(s) ` +
      `× ${perTenant} VDCs`;
    const selected = complete(xr, big, observed);
    // What the request was when a VDC asked for every VDC of the cluster (an empty selector):
    // built on demand, so its 5 MiB and 10,000 decoded objects are not live while the selected
    // requests are timed.
    const all = () =>
      request({
        xr,
        observed: Object.fromEntries(
          Object.entries(selected.observed?.resources ?? {}).map(([k, v]) => [
            k,
            v.resource as KubeObject,
          ]),
        ),
        required: {
          ...Object.fromEntries(
            Object.entries(selected.requiredResources ?? {}).map(([k, v]) => [
              k,
              (v.items ?? []).map((i) => i.resource as KubeObject),
            ]),
          ),
          vdcs: big.filter((o) => o.kind === "VDC"),
        },
        tag: "bench",
      });
    return {
      selected: makeCase(`tenants-${tenants}x${perTenant}`, what, true, selected),
      everyVdc: () =>
        makeCase(`tenants-${tenants}x${perTenant}-all`, `${what}, every VDC sent`, true, all()),
    };
  };

  if (vdcBase) scaling.push({ kind: "VDC siblings", at: (n) => vdcWith(n)! });
  if (vmExample) scaling.push({ kind: "VMs in quota check", at: (n) => vmWith(n)! });
  else
    skipped.push({
      name: "vm scaling",
      why: vmComposer ? "no VirtualMachine example" : "VirtualMachine is not registered yet",
    });

  // A placed VDC in a fleet: the platform settings name every member cluster's
  // ClusterProviderConfig, and every tenant's VDCs are spread over the clusters.
  const placedOf = (e: Example) =>
    (e.xr.spec as { placement?: { cluster?: unknown } }).placement?.cluster;
  const placed = examplesOf("VDC").find((e) => typeof placedOf(e) === "string");
  const fleetCase = (clusters: number, vdcs: number): Case => {
    const { xr, pool, observed } = placed!;
    const own = (xr.spec as { tenantRef: { name: string } }).tenantRef.name;
    const home = placedOf(placed!) as string;
    const names = [home];
    for (let i = 1; i < clusters; i++) names.push(`member-${String(i).padStart(3, "0")}`);
    const settings = pool.map((o) => {
      if (o.kind !== "EnvironmentConfig") return o;
      const c = clone(o);
      const data = (c.data ??= {}) as { clusters?: Record<string, unknown> };
      data.clusters = {
        ...Object.fromEntries(names.map((n) => [n, { providerConfigRef: { name: n } }])),
        ...data.clusters,
      };
      return c;
    });
    const template = pool.find((o) => o.kind === "VDC" && o.metadata?.name !== xr.metadata?.name);
    const vdcOf = (tenant: string, name: string, cluster: string): KubeObject => {
      const c = siblingVdc(template ?? xr, tenant, name);
      (c.spec as { placement?: unknown }).placement = { cluster };
      return c;
    };
    const big: KubeObject[] = [...settings.filter((o) => o.kind !== "VDC"), xr];
    const perTenant = 10;
    for (let j = 1; j < perTenant; j++) big.push(vdcOf(own, `${own}-f${j}`, names[j % clusters]!));
    const tenantTemplate = pool.find((o) => o.kind === "Tenant");
    for (let i = 1; i * perTenant < vdcs; i++) {
      const t = `f${String(i).padStart(4, "0")}`;
      if (tenantTemplate) big.push({ ...clone(tenantTemplate), metadata: { name: t } });
      for (let j = 0; j < perTenant; j++)
        big.push(vdcOf(t, `${t}-v${j}`, names[(i * perTenant + j) % clusters]!));
    }
    const what =
      `VDC ${xr.metadata?.name} on ${home} among ${clusters.toLocaleString("en")} ` +
      `cluster(s) × ${vdcs.toLocaleString("en")} VDCs`;
    return makeCase(`fleet-${clusters}x${vdcs}`, what, true, complete(xr, big, observed));
  };
  if (!placed) skipped.push({ name: "fleet", why: "no VDC example with spec.placement.cluster" });

  return {
    cases,
    scaling,
    tenants: vdcBase ? tenantsCase : undefined,
    fleet: placed ? fleetCase : undefined,
    skipped,
    notes,
  };
}
