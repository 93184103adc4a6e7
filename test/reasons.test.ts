// Every Fatal says what class of failure it is, in its reason: one case per class
// (and per way into it) through the real edge, as Crossplane calls the function.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { RunFunctionRequest } from "@crossplane-org/function-sdk-typescript";
import { describe, expect, it } from "vitest";
import { FAILURE_REASONS, type FailureReason, type KubeObject } from "../functions/compose.js";
import { Fn } from "../functions/fn.js";
import { composers } from "../functions/registry.js";
import { tenant } from "../functions/tenant/compose.js";
import { plain, run, type RequestParts } from "./support/request.js";

const API = "crossvdc.io/v1alpha1";
const CREATED = "2026-01-01T00:00:00Z";

const acme = (spec: Record<string, unknown> = {}, name = "acme"): KubeObject => ({
  apiVersion: API,
  kind: "Tenant",
  metadata: { name, creationTimestamp: CREATED },
  spec: { tier: "demo", admins: { users: ["alice"] }, ...spec },
});
const dev = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: API,
  kind: "VDC",
  // The tenant label the admission policy requires (functions/vdc/compose.ts
  // refuses a VDC without it).
  metadata: {
    name: "acme-dev",
    creationTimestamp: CREATED,
    labels: { "crossvdc.io/tenant": "acme" },
  },
  spec: { tenantRef: { name: "acme" }, quota: { cpu: 2, memory: "4Gi", vms: 2 }, ...spec },
});
const web = (spec: Record<string, unknown> = {}, namespace = "acme-dev"): KubeObject => ({
  apiVersion: API,
  kind: "VirtualMachine",
  metadata: { name: "web", namespace, creationTimestamp: CREATED },
  spec: { size: { instanceType: "small" }, image: { url: "https://example.com/f.qcow2" }, ...spec },
});
/** The platform settings, the EnvironmentConfig crossvdc, with this data. */
const settings = (data: unknown): KubeObject => ({
  apiVersion: "apiextensions.crossplane.io/v1beta1",
  kind: "EnvironmentConfig",
  metadata: { name: "crossvdc" },
  data,
});
const vmRequired = (vdc: KubeObject[] = [dev()]) => ({ vdc, vms: [], vmi: [] });

interface Case {
  reason: string;
  request: RequestParts;
  want: { reason: FailureReason; message: string };
}

const cases: Case[] = [
  {
    reason: "a spec the schema refuses",
    request: { xr: acme({ tier: "gold" }), required: { vdcs: [] } },
    want: { reason: "InvalidSpec", message: "Tenant acme: invalid spec: spec.tier:" },
  },
  {
    reason: "a name whose namespace would be too long",
    request: { xr: acme({}, "a".repeat(57)), required: { vdcs: [] } },
    want: { reason: "InvalidSpec", message: `Tenant ${"a".repeat(57)}: metadata.name:` },
  },
  {
    reason: "a VirtualMachine without a namespace, refused while asking for requirements",
    request: { xr: { ...web(), metadata: { name: "web" } } },
    want: { reason: "InvalidSpec", message: "VirtualMachine web: metadata.namespace: required" },
  },
  {
    reason: "a VM image the VDC's backend cannot boot",
    request: {
      xr: web({ image: { proxmoxTemplate: { vmId: 9000 } } }),
      required: vmRequired(),
    },
    want: {
      reason: "InvalidSpec",
      message: "VirtualMachine acme-dev/web: spec.image.proxmoxTemplate",
    },
  },
  {
    reason: "a VDC asking for more than its tenant's budget",
    request: {
      xr: dev({ quota: { cpu: 8, memory: "4Gi" } }),
      required: { tenant: [acme()], vdcs: [] },
    },
    want: { reason: "OverBudget", message: "VDC acme-dev: over the budget of tenant acme:" },
  },
  {
    reason: "a new VM over its VDC's quota",
    request: { xr: web({ size: { cpu: 4, memory: "4Gi" } }), required: vmRequired() },
    want: { reason: "OverQuota", message: "VirtualMachine acme-dev/web: over the quota of VDC" },
  },
  {
    reason: "a VDC whose Tenant does not exist",
    request: { xr: dev(), required: { tenant: [], vdcs: [] } },
    want: {
      reason: "WaitingForDependency",
      message: 'VDC acme-dev: spec.tenantRef.name: Tenant "acme" does not exist',
    },
  },
  {
    reason: "a Tenant under a malformed EnvironmentConfig crossvdc: the platform's fault",
    request: { xr: acme(), required: { vdcs: [], platform: [settings({ dns: { ports: [0] } })] } },
    want: {
      reason: "WaitingForDependency",
      message: "EnvironmentConfig crossvdc: data.dns.ports[0]:",
    },
  },
  {
    reason: "a VDC under an EnvironmentConfig crossvdc whose data is not an object",
    request: {
      xr: dev(),
      required: { tenant: [acme()], vdcs: [dev()], platform: [settings("openshift")] },
    },
    want: {
      reason: "WaitingForDependency",
      message: "EnvironmentConfig crossvdc: data: must be an object",
    },
  },
  {
    reason: "a VM in a namespace no VDC owns",
    request: { xr: web(), required: vmRequired([]) },
    want: {
      reason: "WaitingForDependency",
      message: "VirtualMachine acme-dev/web: metadata.namespace:",
    },
  },
  {
    reason: "a VM that exists on the other backend",
    request: {
      xr: web(),
      required: vmRequired(),
      observed: {
        vm: {
          apiVersion: "virtualenvironmentvm.proxmoxbpg.m.crossplane.io/v1alpha1",
          kind: "EnvironmentVM",
          metadata: { name: "web", namespace: "acme-dev" },
        },
      },
    },
    want: {
      reason: "Conflict",
      message: "VirtualMachine acme-dev/web: VDC acme-dev now runs VMs on kubevirt",
    },
  },
  {
    reason: "an XR of a kind this function does not compose",
    request: { xr: { apiVersion: API, kind: "Bucket", metadata: { name: "b" } } },
    want: { reason: "InternalError", message: "no composer for kind crossvdc.io/v1alpha1/Bucket" },
  },
];

describe("each Fatal carries the reason of its failure class", () => {
  it.each(cases)("$reason", ({ request, want }) => {
    const out = run(request);
    expect(out.results).toHaveLength(1);
    expect(out.results[0]).toMatchObject({ severity: "FATAL", reason: want.reason });
    expect(out.results[0]!.message.startsWith(want.message), out.results[0]!.message).toBe(true);
    expect(out.resources).toEqual({});
  });

  it.each([
    {
      reason: "a composer that throws is an InternalError, and the desired state is kept",
      fn: new Fn([
        {
          ...tenant,
          compose: () => {
            throw new Error("boom");
          },
        },
      ]),
      want: { reason: "InternalError", message: "Tenant acme: internal error: boom" },
    },
    {
      reason: "a request without an observed composite is an InternalError",
      fn: new Fn(composers),
      want: { reason: "InternalError", message: "the request has no observed composite resource" },
    },
  ])("$reason", ({ fn, want }) => {
    const xr = want.message.startsWith("Tenant") ? acme() : undefined;
    const req = RunFunctionRequest.fromPartial({
      observed: xr ? { composite: { resource: xr } } : {},
      // Everything the Tenant asks for, answered empty, so the composer runs.
      requiredResources: { vdcs: { items: [] }, platform: { items: [] }, namespace: { items: [] } },
    });
    expect(plain(fn.run(req)).results).toEqual([{ severity: "FATAL", ...want }]);
  });
});

/** Reasons set literally in functions/ (results, conditions, Fatals), and condition types. */
function reasonsInSource(): { reasons: Set<string>; types: Set<string> } {
  const reasons = new Set<string>();
  const types = new Set<string>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );
  for (const file of walk("functions")) {
    if (file.startsWith(join("functions", "wire"))) continue;
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(
      /\breason: (?:[^"\n]*\? )?"([A-Z][A-Za-z]+)"(?: : "([A-Z][A-Za-z]+)")?/g,
    ))
      for (const r of [m[1], m[2]]) if (r) reasons.add(r);
    for (const m of src.matchAll(/\btype: "([A-Z][A-Za-z]+)",\s*status:/g)) types.add(m[1]!);
    for (const m of src.matchAll(/\b[A-Z_]+_CONDITION = "([A-Z][A-Za-z]+)"/g)) types.add(m[1]!);
  }
  for (const r of Object.keys(FAILURE_REASONS)) reasons.add(r);
  return { reasons, types };
}

describe("the README's Troubleshooting table", () => {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("### Reasons and conditions"));
  const cells = new Set([...section.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]!));
  const { reasons, types } = reasonsInSource();
  it.each([
    ...[...reasons].sort().map((name) => ({ reason: `lists the reason ${name}`, name })),
    ...[...types].sort().map((name) => ({ reason: `lists the condition type ${name}`, name })),
  ])("$reason", ({ name }) => {
    expect(cells.has(name), `${name} is set by functions/ but not in the README table`).toBe(true);
  });
});
