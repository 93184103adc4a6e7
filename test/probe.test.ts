// Probes (functions/probe.ts): observe-only Objects that read what exists on a member cluster
// before crossvdc delivers anything there, so an object someone else made is never adopted.
// Their keys and names never meet a wrapped object's or another probe's, they validate against
// provider-kubernetes' Object schema, and `probed` reads them as crossplane-runtime reports.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { memberKey, unwrapObserved, wrapObject } from "../functions/placement.js";
import {
  NOT_EXIST_MESSAGE,
  probed,
  probeKey,
  probeName,
  probeObject,
  type Probed,
  type ProbeProps,
} from "../functions/probe.js";
import { tenant, vdc, vm } from "./support/fixtures.js";
import { run } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const TENANT = tenant({
  spec: { tier: "professional", admins: { groups: ["acme-admins"] }, clusters: [{ name: "east" }] },
});
const SETTINGS: KubeObject = {
  apiVersion: "apiextensions.crossplane.io/v1beta1",
  kind: "EnvironmentConfig",
  metadata: { name: "crossvdc" },
  data: { clusters: { east: { providerConfigRef: { name: "east-kubeconfig" } } } },
};
/** A DNS-1123 subdomain, what an Object's name must be. */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labels = { "crossvdc.io/tenant": "acme", "crossvdc.io/vdc": "acme-dev" };
const NAMESPACE = { apiVersion: "v1", kind: "Namespace", name: "acme-dev" } as const;
const PVC = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  name: "orders-1",
  namespace: "acme-dev",
} as const;
const onEast = (target: ProbeProps["target"]): ProbeProps => ({
  target,
  cluster: "east",
  providerConfig: "east-kubeconfig",
  namespace: "acme-dev",
  labels,
});

describe("probeObject", () => {
  it.each([
    {
      reason: "a cluster-scoped target: the manifest names it, nothing else; only observed",
      props: onEast(NAMESPACE),
      want: {
        apiVersion: "kubernetes.m.crossplane.io/v1alpha1",
        kind: "Object",
        metadata: {
          name: "probe.east.namespace.acme-dev",
          namespace: "acme-dev",
          labels: { ...labels, "crossvdc.io/cluster": "east" },
        },
        spec: {
          forProvider: {
            manifest: { apiVersion: "v1", kind: "Namespace", metadata: { name: "acme-dev" } },
          },
          providerConfigRef: { kind: "ClusterProviderConfig", name: "east-kubeconfig" },
          managementPolicies: ["Observe"],
        },
      },
    },
    {
      reason: "a namespaced target is read in the VDC's namespace, the probe's own",
      props: onEast(PVC),
      want: {
        apiVersion: "kubernetes.m.crossplane.io/v1alpha1",
        kind: "Object",
        metadata: {
          name: "probe.east.persistentvolumeclaim.orders-1",
          namespace: "acme-dev",
          labels: { ...labels, "crossvdc.io/cluster": "east" },
        },
        spec: {
          forProvider: {
            manifest: {
              apiVersion: "v1",
              kind: "PersistentVolumeClaim",
              metadata: { name: "orders-1", namespace: "acme-dev" },
            },
          },
          providerConfigRef: { kind: "ClusterProviderConfig", name: "east-kubeconfig" },
          managementPolicies: ["Observe"],
        },
      },
    },
  ])("$reason", ({ props, want }) => {
    const o = probeObject(props);
    expect(o).toEqual(want);
    expect(validateResource(o)).toEqual([]);
    // Both exist while the check turns into delivery: never one Object for the two.
    expect(o.metadata?.name).not.toBe(
      wrapObject({ ...props, manifest: want.spec.forProvider.manifest }).metadata?.name,
    );
  });

  it.each([
    {
      reason: "a target in another namespace: its name would not tell it from the VDC's own",
      props: onEast({ ...PVC, namespace: "acme-prod" }),
      want: "probeObject: PersistentVolumeClaim acme-prod/orders-1 is not in the probe's namespace",
    },
  ])("$reason", ({ props, want }) => {
    expect(() => probeObject(props)).toThrow(want);
  });
});

describe("probeKey and probeName", () => {
  const long = `a${"b".repeat(251)}c`;
  const pvcProbe = "probe.east.persistentvolumeclaim-";
  const longHash = createHash("sha256")
    .update(`east\u0000persistentvolumeclaim\u0000${long}`)
    .digest("hex")
    .slice(0, 16);
  it.each([
    {
      reason: "the namespace on east: readable, the wrapped object's key and name differ",
      props: { cluster: "east", kind: "Namespace", name: "acme-dev" },
      key: "east/probe-namespace-acme-dev",
      name: "probe.east.namespace.acme-dev",
      wrapped: { key: "east/namespace", name: "east-namespace-acme-dev" },
    },
    {
      reason: "a dotted target name (a PVC's may be a DNS subdomain) comes last, as it is",
      props: { cluster: "east", kind: "PersistentVolumeClaim", name: "data.orders-1" },
      key: "east/probe-persistentvolumeclaim-data.orders-1",
      name: "probe.east.persistentvolumeclaim.data.orders-1",
      wrapped: { key: "east/pvc-data", name: "east-persistentvolumeclaim-data-orders-1" },
    },
    {
      reason: "past 253 characters the name is cut, with two dots where an uncut one has three",
      props: { cluster: "east", kind: "PersistentVolumeClaim", name: long },
      key: `east/probe-persistentvolumeclaim-${long}`,
      name: `${pvcProbe}${long.slice(0, 253 - pvcProbe.length - 17)}-${longHash}`,
      wrapped: { key: "east/pvc", name: wrapName("east", "PersistentVolumeClaim", long) },
    },
  ])("$reason", ({ props, key, name, wrapped }) => {
    expect(probeKey(props)).toBe(key);
    expect(key).not.toBe(wrapped.key);
    const got = probeName(props);
    expect(got).toBe(name);
    expect(got).toMatch(SUBDOMAIN);
    expect(got).not.toBe(wrapped.name);
  });

  /** Short DNS labels of a, b and `-`: `-` joins of different parts meet often. */
  const tiny = fc.stringMatching(/^[ab]([-ab]{0,5}[ab])?$/);
  /** Target names: DNS subdomains, short, dotted, or long enough to be cut. */
  const targetName = fc.oneof(
    tiny,
    fc.tuple(tiny, tiny).map(([a, b]) => `${a}.${b}`),
    fc.tuple(tiny, fc.integer({ min: 150, max: 253 })).map(([a, n]) => a.padEnd(n, "b")),
  );
  const kind = fc.constantFrom("Namespace", "PersistentVolumeClaim", "Secret");
  const target = fc.record({ cluster: tiny, kind, name: targetName });
  const id = (t: object) => JSON.stringify(t);

  it("keys and names are injective, valid, and never a wrapped object's name", () => {
    fc.assert(
      fc.property(fc.uniqueArray(target, { maxLength: 40, selector: id }), (ts) => {
        // Inputs crafted from the others' names, as an attacker would pick them: a probe's
        // name (or its tail) as a target name, a cluster named like the probe's head.
        const crafted = ts.flatMap((t) => {
          const n = probeName(t);
          return [
            { ...t, name: n },
            { ...t, name: n.slice(n.indexOf(".") + 1) },
            { ...t, name: n.slice(-16) },
            { ...t, cluster: `probe-${t.cluster}` },
          ].filter((c) => SUBDOMAIN.test(c.name));
        });
        const all = [...new Map([...ts, ...crafted].map((t) => [id(t), t])).values()];
        const names = all.map(probeName);
        expect(new Set(names).size).toBe(all.length);
        expect(new Set(all.map(probeKey)).size).toBe(all.length);
        const wrapped = new Set(all.map((t) => wrapName(t.cluster, t.kind, t.name)));
        for (const n of names) {
          expect(n, n).toMatch(SUBDOMAIN);
          expect(n.length, n).toBeLessThanOrEqual(253);
          expect(wrapped.has(n), n).toBe(false);
        }
      }),
    );
  });

  it("no composer key starts as a probe's: a VDC with databases, a placed one, a VM on it", () => {
    // What placeResources wraps is the hub composer's keys: a local VDC shows them all.
    const backup = { destinationPath: "s3://acme-backups/dev", s3CredentialsSecret: "backup-s3" };
    // A quota with room for the database and its backup sidecar.
    const quota = { cpu: "4", memory: "8Gi", storage: "100Gi" };
    const withDb = vdc({ spec: { databases: [{ name: "orders", version: 17, backup }], quota } });
    const s3: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "backup-s3", namespace: "acme-dev" },
      data: { ACCESS_KEY_ID: "QUtJQQ==", ACCESS_SECRET_KEY: "c2VjcmV0" },
    };
    const local = run({
      xr: withDb,
      required: { tenant: [TENANT], vdcs: [withDb], "backup-secret-backup-s3": [s3] },
    }).resources;
    const onEast = (x: KubeObject) => ({ ...x, status: { placement: { cluster: "east" } } });
    const east = onEast(vdc({ spec: { placement: { cluster: "east" } } }));
    const placed = run({
      xr: east,
      required: { tenant: [TENANT], platform: [SETTINGS], vdcs: [east], vms: [] },
    }).resources;
    const app = vm({
      name: "app",
      spec: {
        image: { url: "https://images.example/fedora-41.qcow2" },
        size: { instanceType: "small" },
        disks: [{ name: "data", size: "20Gi" }],
        cloudInit: { userData: "#cloud-config\n" },
      },
    });
    const onVm = run({
      xr: app,
      required: { vdc: [east], vms: [app], platform: [SETTINGS] },
    }).resources;
    const keys = [
      ...Object.keys(local).map((k) => memberKey("east", k)),
      ...Object.keys(placed),
      ...Object.keys(onVm),
    ];
    for (const k of ["east/database-orders", "east/namespace", "east/vm", "east/vmi"])
      expect(keys).toContain(k);
    expect(keys.filter((k) => k.startsWith("east/probe-"))).toEqual([]);
  });
});

describe("unwrapObserved", () => {
  it.each([
    {
      reason: "a probe reads someone else's object: never the VDC's own as the composers see it",
      observed: {
        "east/namespace": observedObject("east-namespace-acme-dev", { metadata: { name: "a" } }),
        [probeKey({ cluster: "east", kind: "Namespace", name: "acme-dev" })]: {
          ...probeObject(onEast(NAMESPACE)),
          status: { atProvider: { manifest: { metadata: { name: "acme-dev" } } } },
        },
      },
      want: ["namespace"],
    },
  ])("$reason", ({ observed, want }) => {
    expect(Object.keys(unwrapObserved(observed, "east"))).toEqual(want);
  });
});

describe("probed", () => {
  const ns: KubeObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "acme-dev", labels: { team: "payments" } },
    status: { phase: "Active" },
  };
  const synced = (status: string, reason: string, message = "") => ({
    type: "Synced",
    status,
    reason,
    ...(message ? { message } : {}),
  });
  const probe = (status: Record<string, unknown> | undefined): KubeObject => ({
    ...probeObject(onEast(NAMESPACE)),
    ...(status ? { status } : {}),
  });
  const cases: { reason: string; observed: KubeObject | undefined; want: Probed }[] = [
    {
      reason: "not in observed: Crossplane has not created the probe yet",
      observed: undefined,
      want: { state: "unknown" },
    },
    {
      reason: "created, not reconciled by provider-kubernetes yet: no status",
      observed: probe(undefined),
      want: { state: "unknown" },
    },
    {
      reason: "the object is there: provider-kubernetes wrote it to atProvider, Synced True",
      observed: probe({
        atProvider: { manifest: ns },
        conditions: [
          { type: "Ready", status: "True", reason: "Available" },
          synced("True", "ReconcileSuccess"),
        ],
      }),
      want: { state: "present", object: ns },
    },
    {
      reason: "no such object: observe-only and ResourceExists false (reconciler.go)",
      observed: probe({ conditions: [synced("False", "ReconcileError", NOT_EXIST_MESSAGE)] }),
      want: { state: "absent" },
    },
    {
      reason: "deleted since it was read: the manifest left in status is stale, the condition not",
      observed: probe({
        atProvider: { manifest: ns },
        conditions: [synced("False", "ReconcileError", NOT_EXIST_MESSAGE)],
      }),
      want: { state: "absent" },
    },
    {
      reason: "the exact message matters: the upstream literal, as crossplane-runtime wraps it",
      observed: probe({
        conditions: [
          synced(
            "False",
            "ReconcileError",
            "observe failed: cannot get object: Unauthorized: external resource does not exist",
          ),
        ],
      }),
      want: { state: "unknown" },
    },
    {
      reason: "the cluster is out of reach: an error, not an absence; an old manifest not trusted",
      observed: probe({
        atProvider: { manifest: ns },
        conditions: [
          synced(
            "False",
            "ReconcileError",
            "connect failed: cannot get provider config: ClusterProviderConfig east not found",
          ),
        ],
      }),
      want: { state: "unknown" },
    },
    {
      reason: "management policies disabled in the provider: refused before any observation",
      observed: probe({
        conditions: [
          synced(
            "False",
            "ReconcileError",
            "`spec.managementPolicies` is set to a non-default value but the feature is not " +
              "enabled.",
          ),
        ],
      }),
      want: { state: "unknown" },
    },
    {
      reason: "Synced True but nothing read: not a probe provider-kubernetes reconciled",
      observed: probe({ conditions: [synced("True", "ReconcileSuccess")] }),
      want: { state: "unknown" },
    },
    {
      reason: "paused (crossplane.io/paused): the reconciler reads nothing",
      observed: probe({
        atProvider: { manifest: ns },
        conditions: [synced("False", "ReconcilePaused", "Reconciliation is paused")],
      }),
      want: { state: "unknown" },
    },
  ];
  it.each(cases)("$reason", ({ observed, want }) => {
    expect(probed(observed)).toEqual(want);
  });
});

/** The name `wrapObject` gives the Object delivering `kind` `name` to `cluster`. */
function wrapName(cluster: string, kind: string, name: string): string {
  return wrapObject({
    manifest: { apiVersion: "v1", kind, metadata: { name } },
    cluster,
    providerConfig: "x",
    namespace: "acme-dev",
    labels: {},
  }).metadata!.name!;
}

/** An Object as provider-kubernetes reports it once `manifest` exists on the cluster. */
function observedObject(name: string, manifest: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "kubernetes.m.crossplane.io/v1alpha1",
    kind: "Object",
    metadata: { name, namespace: "acme-dev" },
    spec: {},
    status: { atProvider: { manifest } },
  };
}
