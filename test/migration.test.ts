import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { migrationNames } from "../functions/vdc/migration.js";
import { matches } from "../scripts/render-lib.js";
import { bytes, run } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const tenant: KubeObject = {
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "Tenant",
  metadata: { name: "acme" },
  spec: { tier: "professional", admins: { groups: ["acme-admins"] } },
};
const vdc = (
  migration: Record<string, unknown>,
  spec: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VDC",
  metadata: { name: "acme-dev" },
  spec: { tenantRef: { name: "acme" }, backend: { storageClass: "ceph-rbd" }, migration, ...spec },
});
const b64 = (s: string) => Buffer.from(s).toString("base64");
/** Values no output may ever contain. */
const SECRET_VALUES = ["hunter2-vsphere", "s3cr3t-token-value", "-----BEGIN CERTIFICATE-----MIIB"];
const secret = (
  name: string,
  data: Record<string, string>,
  stringData?: Record<string, string>,
): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name,
    namespace: "acme-dev",
    uid: "5e1c0000-0000-4000-8000-000000000001",
    resourceVersion: "42",
    creationTimestamp: "2026-01-04T09:00:00Z",
  },
  type: "Opaque",
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  ...(stringData ? { stringData } : {}),
});
const vcenterSecret = secret("vcenter-credentials", {
  user: "svc-mtv@vsphere.local",
  password: SECRET_VALUES[0]!,
  cacert: SECRET_VALUES[2]!,
});
const vcenter = {
  name: "vcenter",
  type: "vsphere",
  url: "https://vcenter.acme.example/sdk",
  secretRef: { name: "vcenter-credentials" },
  settings: { vddkInitImage: "registry.acme.example/vddk:8.0.3", sdkEndpoint: "vcenter" },
  networkMap: [
    { source: { name: "VM Network" } },
    { source: { id: "dvportgroup-1043" }, destination: { type: "multus", name: "vlan-120" } },
    { source: { name: "backup-net" }, destination: { type: "ignored" } },
  ],
  storageMap: [
    { source: { name: "datastore-ssd" } },
    {
      source: { id: "datastore-21" },
      storageClass: "ceph-rbd-slow",
      volumeMode: "Block",
      accessMode: "ReadWriteMany",
    },
  ],
};
const labels = {
  "crossvdc.io/tenant": "acme",
  "crossvdc.io/vdc": "acme-dev",
  "crossvdc.io/type": "migration",
};
const compose = (
  xr: KubeObject,
  secrets: Record<string, KubeObject[]>,
  observed: Record<string, KubeObject> = {},
  plans: KubeObject[] = [],
) =>
  run({
    xr,
    observed,
    required: { tenant: [tenant], vdcs: [], "migration-plans": plans, ...secrets },
  });

function fatal(out: ReturnType<typeof run>): string {
  expect(out.results).toHaveLength(1);
  expect(out.results[0]!.severity).toBe("FATAL");
  return out.results[0]!.message;
}

/** A Forklift Provider as the controller reports it. */
function observedProvider(name: string, status: "ready" | "connectionFailed"): KubeObject {
  const conditions =
    status === "ready"
      ? [
          {
            type: "ConnectionTestSucceeded",
            status: "True",
            category: "Required",
            reason: "Tested",
            message: "Connection test, succeeded.",
            lastTransitionTime: "2026-01-04T09:01:00Z",
          },
          {
            type: "Validated",
            status: "True",
            category: "Advisory",
            reason: "Completed",
            message: "Validation has been completed.",
            lastTransitionTime: "2026-01-04T09:01:00Z",
          },
          {
            type: "InventoryCreated",
            status: "True",
            category: "Required",
            reason: "Completed",
            message: "The inventory has been loaded.",
            lastTransitionTime: "2026-01-04T09:02:00Z",
          },
          {
            type: "Ready",
            status: "True",
            category: "Required",
            message: "The provider is ready.",
            lastTransitionTime: "2026-01-04T09:02:00Z",
          },
        ]
      : [
          {
            type: "ConnectionTestFailed",
            status: "True",
            category: "Critical",
            reason: "Tested",
            message:
              "Could not connect to the vCenter: x509: certificate signed by unknown authority.",
            lastTransitionTime: "2026-01-04T09:01:00Z",
          },
          {
            type: "Validated",
            status: "True",
            category: "Advisory",
            reason: "Completed",
            message: "Validation has been completed.",
            lastTransitionTime: "2026-01-04T09:01:00Z",
          },
        ];
  return {
    apiVersion: "forklift.konveyor.io/v1beta1",
    kind: "Provider",
    metadata: {
      name,
      namespace: "acme-dev",
      uid: "6a7b0000-0000-4000-8000-000000000002",
      generation: 1,
    },
    spec: {
      type: "vsphere",
      url: "https://vcenter.acme.example/sdk",
      secret: { name: "vcenter-credentials", namespace: "acme-dev" },
    },
    status: {
      conditions,
      observedGeneration: 1,
      phase: status === "ready" ? "Ready" : "ConnectionFailed",
      fingerprint: "AB:CD",
    },
  };
}
const readyMap = (kind: string, name: string): KubeObject => ({
  apiVersion: "forklift.konveyor.io/v1beta1",
  kind,
  metadata: { name, namespace: "acme-dev" },
  spec: {},
  status: {
    conditions: [
      {
        type: "Ready",
        status: "True",
        category: "Required",
        message: "The map is ready.",
        lastTransitionTime: "2026-01-04T09:03:00Z",
      },
    ],
    observedGeneration: 1,
  },
});

describe("VDC migration sources", () => {
  it("composes the source Provider, NetworkMap and StorageMap into the VDC, and the destination Provider", () => {
    const out = compose(vdc({ sources: [vcenter] }), { "secret-vcenter": [vcenterSecret] });
    expect(out.results).toEqual([]);
    const provider = {
      source: { name: "vcenter", namespace: "acme-dev" },
      destination: { name: "host", namespace: "acme-dev" },
    };
    expect(
      Object.fromEntries(Object.entries(out.resources).filter(([k]) => k.startsWith("migration-"))),
    ).toEqual({
      "migration-provider-vcenter": {
        apiVersion: "forklift.konveyor.io/v1beta1",
        kind: "Provider",
        metadata: { name: "vcenter", namespace: "acme-dev", labels },
        spec: {
          type: "vsphere",
          url: "https://vcenter.acme.example/sdk",
          secret: { name: "vcenter-credentials", namespace: "acme-dev" },
          settings: { sdkEndpoint: "vcenter", vddkInitImage: "registry.acme.example/vddk:8.0.3" },
        },
      },
      "migration-networkmap-vcenter": {
        apiVersion: "forklift.konveyor.io/v1beta1",
        kind: "NetworkMap",
        metadata: { name: "vcenter-network", namespace: "acme-dev", labels },
        spec: {
          provider,
          map: [
            { source: { name: "VM Network" }, destination: { type: "pod" } },
            {
              source: { id: "dvportgroup-1043" },
              destination: { type: "multus", name: "vlan-120", namespace: "acme-dev" },
            },
            { source: { name: "backup-net" }, destination: { type: "ignored" } },
          ],
        },
      },
      "migration-storagemap-vcenter": {
        apiVersion: "forklift.konveyor.io/v1beta1",
        kind: "StorageMap",
        metadata: { name: "vcenter-storage", namespace: "acme-dev", labels },
        spec: {
          provider,
          map: [
            { source: { name: "datastore-ssd" }, destination: { storageClass: "ceph-rbd" } },
            {
              source: { id: "datastore-21" },
              destination: {
                storageClass: "ceph-rbd-slow",
                accessMode: "ReadWriteMany",
                volumeMode: "Block",
              },
            },
          ],
        },
      },
      "migration-destination": {
        apiVersion: "forklift.konveyor.io/v1beta1",
        kind: "Provider",
        metadata: { name: "host", namespace: "acme-dev", labels },
        spec: { type: "openshift", url: "", secret: {} },
      },
    });
    expect(out.status?.migration).toEqual({
      destinationProvider: "host",
      sources: [
        {
          name: "vcenter",
          type: "vsphere",
          ready: false,
          connected: false,
          networkMap: "vcenter-network",
          storageMap: "vcenter-storage",
        },
      ],
    });
    expect(out.conditions).toContainEqual({
      type: "MigrationSourcesReady",
      status: "False",
      reason: "ProvidersNotReady",
      message: "Forklift has not validated and connected the providers of: vcenter",
    });
    for (const [key, r] of Object.entries(out.resources))
      expect([key, validateResource(r)]).toEqual([key, []]);
  });

  it("gives the names a Plan (and the VirtualMachine composer) references", () => {
    expect(migrationNames("acme-dev", "vcenter")).toEqual({
      namespace: "acme-dev",
      sourceProvider: "vcenter",
      destinationProvider: "host",
      networkMap: "vcenter-network",
      storageMap: "vcenter-storage",
    });
    const out = compose(vdc({ sources: [vcenter] }), { "secret-vcenter": [vcenterSecret] });
    const n = migrationNames("acme-dev", "vcenter");
    expect(out.resources["migration-provider-vcenter"]!.metadata).toMatchObject({
      name: n.sourceProvider,
      namespace: n.namespace,
    });
    expect(out.resources["migration-destination"]!.metadata).toMatchObject({
      name: n.destinationProvider,
      namespace: n.namespace,
    });
    expect(out.resources["migration-networkmap-vcenter"]!.metadata).toMatchObject({
      name: n.networkMap,
      namespace: n.namespace,
    });
    expect(out.resources["migration-storagemap-vcenter"]!.metadata).toMatchObject({
      name: n.storageMap,
      namespace: n.namespace,
    });
  });

  it("asks for each source's Secret in the VDC namespace under a deterministic key", () => {
    const out = run({
      xr: vdc({
        sources: [
          vcenter,
          {
            name: "rhv",
            type: "ovirt",
            url: "https://rhv.acme.example/ovirt-engine/api",
            secretRef: { name: "rhv-credentials" },
          },
        ],
      }),
    });
    expect(out.requirements).toEqual({
      tenant: { apiVersion: "crossvdc.io/v1alpha1", kind: "Tenant", matchName: "acme" },
      vdcs: { apiVersion: "crossvdc.io/v1alpha1", kind: "VDC", matchLabels: { labels: {} } },
      "secret-vcenter": {
        apiVersion: "v1",
        kind: "Secret",
        namespace: "acme-dev",
        matchName: "vcenter-credentials",
      },
      "secret-rhv": {
        apiVersion: "v1",
        kind: "Secret",
        namespace: "acme-dev",
        matchName: "rhv-credentials",
      },
      "migration-plans": {
        apiVersion: "forklift.konveyor.io/v1beta1",
        kind: "Plan",
        namespace: "acme-dev",
        matchLabels: { labels: {} },
      },
    });
    expect(out.resources).toEqual({});
  });

  describe("a source removed while a migration runs from it", () => {
    // What the VDC had while vcenter was in its spec: Provider, maps and the destination, as observed.
    const had = {
      "migration-provider-vcenter": observedProvider("vcenter", "ready"),
      "migration-networkmap-vcenter": readyMap("NetworkMap", "vcenter-network"),
      "migration-storagemap-vcenter": readyMap("StorageMap", "vcenter-storage"),
      "migration-destination": {
        ...observedProvider("host", "ready"),
        spec: { type: "openshift", url: "", secret: {} },
      },
    };
    const plan = (name: string, conditions: Record<string, unknown>[]): KubeObject => ({
      apiVersion: "forklift.konveyor.io/v1beta1",
      kind: "Plan",
      metadata: {
        name,
        namespace: "acme-dev",
        labels: { "crossvdc.io/vdc": "acme-dev", "crossvdc.io/vm": name },
      },
      spec: {
        provider: {
          source: { name: "vcenter", namespace: "acme-dev" },
          destination: { name: "host", namespace: "acme-dev" },
        },
        targetNamespace: "acme-dev",
        vms: [{ id: "vm-1", targetName: name }],
      },
      status: { conditions },
    });
    const executing = plan("erp", [
      {
        type: "Executing",
        status: "True",
        category: "Advisory",
        message: "The plan is EXECUTING.",
        lastTransitionTime: "2026-01-05T22:00:00Z",
      },
    ]);
    const succeeded = plan("crm", [
      {
        type: "Succeeded",
        status: "True",
        category: "Advisory",
        message: "The plan execution has SUCCEEDED.",
        lastTransitionTime: "2026-01-05T23:00:00Z",
      },
    ]);
    const withStatus = (x: KubeObject) => ({
      ...x,
      status: { migration: { destinationProvider: "host", sources: [{ name: "vcenter" }] } },
    });

    it("still asks for the Plans once the last source is gone, as long as the status lists sources", () => {
      const out = run({ xr: withStatus(vdc({ sources: [] })) });
      expect(out.requirements).toMatchObject({
        "migration-plans": { kind: "Plan", namespace: "acme-dev" },
      });
      expect(Object.keys(run({ xr: vdc({ sources: [] }) }).requirements ?? {})).not.toContain(
        "migration-plans",
      );
    });

    it("keeps its Provider, maps and the destination exactly as they are while a Plan from it is unfinished, and says so", () => {
      const out = compose(withStatus(vdc({ sources: [] })), {}, had, [executing, succeeded]);
      expect(out.results).toEqual([]);
      const strip = (o: KubeObject) => {
        const { status: _, ...rest } = structuredClone(o);
        const { uid: _u, generation: _g, ...md } = rest.metadata as Record<string, unknown>;
        return { ...rest, metadata: md };
      };
      expect(
        Object.fromEntries(
          Object.entries(out.resources).filter(([k]) => k.startsWith("migration-")),
        ),
      ).toEqual(Object.fromEntries(Object.entries(had).map(([k, v]) => [k, strip(v)])));
      expect(out.status?.migration).toEqual({
        destinationProvider: "host",
        sources: [
          {
            name: "vcenter",
            type: "vsphere",
            ready: true,
            connected: true,
            networkMap: "vcenter-network",
            storageMap: "vcenter-storage",
            keptFor: ["erp"],
          },
        ],
      });
      expect(out.conditions).toContainEqual({
        type: "MigrationSourcesProtected",
        status: "True",
        reason: "KeptForRunningMigrations",
        message:
          "Removed from spec.migration.sources but kept while migrations from them run: vcenter (Plan erp)",
      });
    });

    it("lets it go once every Plan from it is finished", () => {
      const out = compose(withStatus(vdc({ sources: [] })), {}, had, [
        succeeded,
        plan("old", [
          {
            type: "Failed",
            status: "True",
            category: "Critical",
            message: "failed",
            lastTransitionTime: "2026-01-05T23:00:00Z",
          },
        ]),
      ]);
      expect(Object.keys(out.resources).filter((k) => k.startsWith("migration-"))).toEqual([]);
      expect(out.status?.migration).toBeUndefined();
    });

    it("is kept for a Plan made by hand in the VDC namespace, one our VirtualMachines did not compose", () => {
      // As the MTV console makes it: no labels of ours, the provider reference without a namespace.
      const byHand: KubeObject = {
        apiVersion: "forklift.konveyor.io/v1beta1",
        kind: "Plan",
        metadata: { name: "wave-1", namespace: "acme-dev" },
        spec: {
          provider: { source: { name: "vcenter" }, destination: { name: "host" } },
          targetNamespace: "acme-dev",
          vms: [{ id: "vm-7" }],
        },
        status: {
          conditions: [
            {
              type: "Ready",
              status: "True",
              category: "Required",
              message: "The migration plan is ready.",
              lastTransitionTime: "2026-01-05T22:00:00Z",
            },
          ],
        },
      };
      // Fetched the way Crossplane fetches them: whatever in the cluster matches what the VDC asks for.
      const inCluster = [
        byHand,
        succeeded,
        { ...byHand, metadata: { name: "wave-1", namespace: "acme-prod" } },
      ];
      const asked = run({ xr: withStatus(vdc({ sources: [] })) }).requirements[
        "migration-plans"
      ] as ResourceSelector;
      const fetched = inCluster.filter((p) => matches(asked, p));
      expect(fetched.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual([
        "acme-dev/wave-1",
        "acme-dev/crm",
      ]);
      const out = compose(withStatus(vdc({ sources: [] })), {}, had, fetched);
      expect(
        Object.keys(out.resources)
          .filter((k) => k.startsWith("migration-"))
          .sort(),
      ).toEqual(Object.keys(had).sort());
      expect(
        (out.status?.migration as { sources: { name: string; keptFor?: string[] }[] }).sources.map(
          (x) => [x.name, x.keptFor],
        ),
      ).toEqual([["vcenter", ["wave-1"]]]);
    });

    it("is not kept for a Plan from a Provider of the same name in another namespace", () => {
      const elsewhere = {
        ...executing,
        spec: {
          ...(executing.spec as object),
          provider: {
            source: { name: "vcenter", namespace: "openshift-mtv" },
            destination: { name: "host", namespace: "acme-dev" },
          },
        },
      };
      const out = compose(withStatus(vdc({ sources: [] })), {}, had, [elsewhere]);
      expect(Object.keys(out.resources).filter((k) => k.startsWith("migration-"))).toEqual([]);
      expect(out.status?.migration).toBeUndefined();
    });

    it("keeps a removed source beside the ones still in the spec", () => {
      const rhv = {
        name: "rhv",
        type: "ovirt",
        url: "https://rhv.acme.example/ovirt-engine/api",
        secretRef: { name: "rhv-credentials" },
      };
      const rhvSecret = secret("rhv-credentials", { user: "u", password: "p", cacert: "c" });
      const out = compose(vdc({ sources: [rhv] }), { "secret-rhv": [rhvSecret] }, had, [executing]);
      expect(
        Object.keys(out.resources)
          .filter((k) => k.startsWith("migration-"))
          .sort(),
      ).toEqual([
        "migration-destination",
        "migration-networkmap-rhv",
        "migration-networkmap-vcenter",
        "migration-provider-rhv",
        "migration-provider-vcenter",
        "migration-storagemap-rhv",
        "migration-storagemap-vcenter",
      ]);
      expect(
        (out.status?.migration as { sources: { name: string; keptFor?: string[] }[] }).sources.map(
          (x) => [x.name, x.keptFor],
        ),
      ).toEqual([
        ["rhv", undefined],
        ["vcenter", ["erp"]],
      ]);
    });
  });

  describe("credentials contract", () => {
    const source = (type: string, url: string) => ({
      name: "src",
      type,
      url,
      secretRef: { name: "creds" },
    });
    const urls: Record<string, string> = {
      vsphere: "https://vcenter.acme.example/sdk",
      ovirt: "https://rhv.acme.example/ovirt-engine/api",
      openstack: "https://keystone.acme.example:5000/v3",
      openshift: "https://api.old.acme.example:6443",
      ova: "nfs.acme.example:/exports/ova",
    };
    it.each([
      { type: "vsphere", keys: { user: "u", password: "p" }, missing: undefined },
      {
        type: "vsphere",
        keys: { user: "u" },
        missing: 'lacks the key "password", which vsphere providers need',
      },
      {
        type: "vsphere",
        keys: { cacert: "c" },
        missing: 'lacks the keys "user", "password", which vsphere providers need',
      },
      { type: "ovirt", keys: { user: "u", password: "p", cacert: "c" }, missing: undefined },
      {
        type: "ovirt",
        keys: { user: "u", password: "p", insecureSkipVerify: "true" },
        missing: undefined,
      },
      {
        type: "ovirt",
        keys: { user: "u", password: "p", insecureSkipVerify: "false" },
        missing:
          'lacks the key "cacert" (unless insecureSkipVerify is "true"), which ovirt providers need',
      },
      {
        type: "ovirt",
        keys: { user: "u", password: "p" },
        missing:
          'lacks the key "cacert" (unless insecureSkipVerify is "true"), which ovirt providers need',
      },
      {
        type: "openstack",
        keys: { username: "u", password: "p", projectName: "x", userDomainName: "Default" },
        missing: undefined,
      },
      {
        type: "openstack",
        keys: { username: "u", password: "p", projectID: "x", userDomainID: "d" },
        missing: undefined,
      },
      {
        type: "openstack",
        keys: { applicationCredentialID: "i", applicationCredentialSecret: "s" },
        missing: undefined,
      },
      {
        type: "openstack",
        keys: { applicationCredentialName: "n", applicationCredentialSecret: "s", username: "u" },
        missing: undefined,
      },
      {
        type: "openstack",
        keys: { username: "u", password: "p", projectName: "x" },
        missing:
          'lacks the key "userDomainName" or "userDomainID", which openstack providers need; or, instead, an application credential: "applicationCredentialSecret" with "applicationCredentialID", or with "applicationCredentialName" and "userID" or "username"',
      },
      {
        type: "openstack",
        keys: { applicationCredentialName: "n", applicationCredentialSecret: "s" },
        missing:
          'lacks the keys "username", "password", "projectName" or "projectID", "userDomainName" or "userDomainID", which openstack providers need; or, instead, an application credential: "applicationCredentialSecret" with "applicationCredentialID", or with "applicationCredentialName" and "userID" or "username"',
      },
      { type: "openshift", keys: { token: "t" }, missing: undefined },
      {
        type: "openshift",
        keys: { cacert: "c" },
        missing: 'lacks the key "token", which openshift providers need',
      },
      { type: "ova", keys: { url: "nfs.acme.example:/exports/ova" }, missing: undefined },
      { type: "ova", keys: {}, missing: 'lacks the key "url", which ova providers need' },
    ])("$type with $keys", ({ type, keys, missing }) => {
      const out = compose(vdc({ sources: [source(type, urls[type]!)] }), {
        "secret-src": [secret("creds", keys as Record<string, string>)],
      });
      if (missing === undefined) {
        expect(out.results).toEqual([]);
        expect(out.resources["migration-provider-src"]!.spec).toMatchObject({
          type,
          url: urls[type],
        });
      } else {
        expect(fatal(out)).toBe(
          `VDC acme-dev: spec.migration.sources[0] (src): Secret acme-dev/creds ${missing}`,
        );
      }
    });

    it("counts keys given as stringData too", () => {
      const out = compose(vdc({ sources: [source("vsphere", urls.vsphere!)] }), {
        "secret-src": [secret("creds", { user: "u" }, { password: "p" })],
      });
      expect(out.results).toEqual([]);
    });

    it("never puts a credential value in desired state, status, conditions or results", () => {
      const ok = compose(vdc({ sources: [vcenter] }), { "secret-vcenter": [vcenterSecret] });
      const broken = compose(vdc({ sources: [vcenter] }), {
        "secret-vcenter": [
          secret("vcenter-credentials", { user: SECRET_VALUES[1]!, cacert: SECRET_VALUES[2]! }),
        ],
      });
      expect(fatal(broken)).toContain('lacks the key "password"');
      for (const out of [ok, broken]) {
        const text = JSON.stringify(out) + JSON.stringify(out).replace(/\\"/g, '"');
        for (const v of SECRET_VALUES) {
          expect(text).not.toContain(v);
          expect(text).not.toContain(b64(v));
        }
      }
    });

    it("waits for the Secret of a new source, composing the rest of the VDC", () => {
      const out = compose(vdc({ sources: [vcenter] }), { "secret-vcenter": [] });
      expect(out.results).toEqual([]);
      expect(Object.keys(out.resources).filter((k) => k.startsWith("migration-"))).toEqual([
        "migration-destination",
      ]);
      expect(out.resources.namespace).toBeDefined();
      expect(out.status?.migration).toEqual({
        destinationProvider: "host",
        sources: [
          {
            name: "vcenter",
            type: "vsphere",
            ready: false,
            connected: false,
            networkMap: "vcenter-network",
            storageMap: "vcenter-storage",
            waiting:
              "waiting for Secret acme-dev/vcenter-credentials: create it with the vsphere credentials",
          },
        ],
      });
      expect(out.conditions).toContainEqual({
        type: "MigrationSourcesReady",
        status: "False",
        reason: "WaitingForDependency",
        message:
          "Not composed yet: vcenter (waiting for Secret acme-dev/vcenter-credentials: create it with the vsphere credentials)",
      });
    });

    it("refuses to drop an existing Provider whose Secret is gone: Fatal keeps it", () => {
      const out = compose(
        vdc({ sources: [vcenter] }),
        { "secret-vcenter": [] },
        { "migration-provider-vcenter": observedProvider("vcenter", "ready") },
      );
      expect(fatal(out)).toBe(
        "VDC acme-dev: spec.migration.sources[0].secretRef.name: Secret acme-dev/vcenter-credentials no longer exists; restore it, or remove the source to delete its Provider",
      );
    });
  });

  it.each([
    {
      name: "connected and ready",
      provider: observedProvider("vcenter", "ready"),
      status: { ready: true, connected: true, phase: "Ready" },
      condition: {
        type: "MigrationSourcesReady",
        status: "True",
        reason: "ProvidersReady",
        message: "1 source(s) ready",
      },
    },
    {
      name: "connection failed",
      provider: observedProvider("vcenter", "connectionFailed"),
      status: { ready: false, connected: false, phase: "ConnectionFailed" },
      condition: {
        type: "MigrationSourcesReady",
        status: "False",
        reason: "ProvidersNotReady",
        message: "Forklift has not validated and connected the providers of: vcenter",
      },
    },
  ])("status from the observed Provider: $name", ({ provider, status, condition }) => {
    const observed = {
      "migration-provider-vcenter": provider,
      "migration-networkmap-vcenter": readyMap("NetworkMap", "vcenter-network"),
      "migration-storagemap-vcenter": readyMap("StorageMap", "vcenter-storage"),
      "migration-destination": {
        ...observedProvider("host", "ready"),
        spec: { type: "openshift", url: "", secret: {} },
      },
    };
    const out = compose(
      vdc({ sources: [vcenter] }),
      { "secret-vcenter": [vcenterSecret] },
      observed,
    );
    expect(out.status?.migration).toEqual({
      destinationProvider: "host",
      sources: [
        {
          name: "vcenter",
          type: "vsphere",
          ...status,
          networkMap: "vcenter-network",
          storageMap: "vcenter-storage",
        },
      ],
    });
    expect(out.ready).toMatchObject({
      "migration-provider-vcenter": status.ready,
      "migration-networkmap-vcenter": true,
      "migration-storagemap-vcenter": true,
      "migration-destination": true,
    });
    expect(out.conditions).toContainEqual(condition);
  });

  it.each([
    {
      name: "vSphere URL without /sdk",
      src: { ...vcenter, url: "https://vcenter.acme.example" },
      message: "spec.migration.sources[0].url: must be the SDK endpoint, ending in /sdk",
    },
    {
      name: "plain http",
      src: { ...vcenter, url: "http://vcenter.acme.example/sdk" },
      message: "spec.migration.sources[0].url: must be an https URL",
    },
    {
      name: "OVA not an NFS share",
      src: { ...vcenter, type: "ova", url: "https://ova.acme.example/vms" },
      message: "spec.migration.sources[0].url: must be an NFS share",
    },
    {
      name: "a source named host",
      src: { ...vcenter, name: "host" },
      message: 'spec.migration.sources[0].name: "host" is the VDC\'s destination provider',
    },
    {
      name: "multus without a name",
      src: { ...vcenter, networkMap: [{ source: { name: "a" }, destination: { type: "multus" } }] },
      message: "spec.migration.sources[0].networkMap[0].destination: name is required for multus",
    },
    {
      name: "map entry without a source",
      src: { ...vcenter, storageMap: [{ source: {} }] },
      message: "spec.migration.sources[0].storageMap[0].source: set name or id",
    },
  ])("refuses bad sources with the field path: $name", ({ src, message }) => {
    expect(
      fatal(compose(vdc({ sources: [src] }), { "secret-vcenter": [vcenterSecret] })),
    ).toContain(message);
  });

  it("needs a storage class for every datastore: the entry's or the VDC's", () => {
    const out = compose(vdc({ sources: [vcenter] }, { backend: {} }), {
      "secret-vcenter": [vcenterSecret],
    });
    expect(fatal(out)).toContain(
      "spec.migration.sources[0].storageMap[0].storageClass: required when spec.backend.storageClass is not set",
    );
  });

  it("refuses migration into a Proxmox VDC", () => {
    const backend = {
      type: "proxmox",
      providerConfigRef: { name: "pve" },
      node: "pve1",
      datastore: "local-lvm",
      bridge: "vmbr0",
    };
    expect(
      fatal(
        compose(vdc({ sources: [vcenter] }, { backend }), { "secret-vcenter": [vcenterSecret] }),
      ),
    ).toContain("spec.migration.sources: migration needs backend.type kubevirt");
  });

  it("composes nothing for migration without sources", () => {
    const out = compose(vdc({}), {});
    expect(Object.keys(out.resources).filter((k) => k.startsWith("migration-"))).toEqual([]);
    expect(out.status).not.toHaveProperty("migration");
  });

  it("is deterministic", () => {
    const req = {
      xr: vdc({ sources: [vcenter] }),
      required: { tenant: [tenant], vdcs: [], "secret-vcenter": [vcenterSecret] },
    };
    expect(bytes(req).equals(bytes(req))).toBe(true);
  });
});
