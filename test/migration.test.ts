// VDC.spec.migration.sources: Forklift Providers, NetworkMaps and StorageMaps into the VDC,
// the credentials contract of each provider type, and sources kept while a Plan runs from them.
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { migrationNames } from "../functions/vdc/migration.js";
import { matches } from "../scripts/render-lib.js";
import { tenant, vdc } from "./support/fixtures.js";
import { run, type Plain, type RequestParts } from "./support/request.js";
import { validateResource } from "./support/schemas.js";
import { runCases } from "./support/table.js";
import { refused, secretSelector, vdcRequirements } from "./support/wants.js";

const TENANT = tenant({ spec: { tier: "professional", admins: { groups: ["acme-admins"] } } });
/**
 * acme-dev with these migration settings, on KubeVirt with storage class
 * ceph-rbd unless `spec` says otherwise.
 */
const migrating = (migration: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  vdc({ spec: { backend: { storageClass: "ceph-rbd" }, migration, ...spec } });
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
const VCENTER_SECRET = secret("vcenter-credentials", {
  user: "svc-mtv@vsphere.local",
  password: SECRET_VALUES[0]!,
  cacert: SECRET_VALUES[2]!,
});
const VCENTER = {
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
/** The request once Crossplane has fetched the tenant, the VDCs, these Secrets and the Plans. */
const withSecrets = (
  xr: KubeObject,
  secrets: Record<string, KubeObject[]>,
  observed?: Record<string, KubeObject>,
  plans: KubeObject[] = [],
): RequestParts => ({
  xr,
  ...(observed ? { observed } : {}),
  required: { tenant: [TENANT], vdcs: [], "migration-plans": plans, ...secrets },
});
/** acme-dev with vcenter changed by `change` (and its own spec by `spec`), the Secret found. */
const vcenterWith = (change: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  withSecrets(migrating({ sources: [{ ...VCENTER, ...change }] }, spec), {
    "secret-vcenter": [VCENTER_SECRET],
  });
const WITH_VCENTER = vcenterWith({});
/** A source refused with the field path; the desired state stays as it came. */
const invalid = (message: string) =>
  refused("InvalidSpec", `VDC acme-dev: invalid spec: ${message}`);

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
/** A map as composed, once Forklift has validated it. */
const readyMap = (composed: KubeObject): KubeObject => ({
  ...structuredClone(composed),
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

// What the VDC had while vcenter was in its spec: Provider, maps and the destination, as observed.
const COMPOSED = run(WITH_VCENTER).resources;
const HAD = {
  "migration-provider-vcenter": observedProvider("vcenter", "ready"),
  "migration-networkmap-vcenter": readyMap(COMPOSED["migration-networkmap-vcenter"]!),
  "migration-storagemap-vcenter": readyMap(COMPOSED["migration-storagemap-vcenter"]!),
  "migration-destination": {
    ...observedProvider("host", "ready"),
    spec: { type: "openshift", url: "", secret: {} },
  },
};
/** HAD as composed: what the API server and Forklift added taken off. */
const HAD_AS_COMPOSED = Object.fromEntries(
  Object.entries(HAD).map(([k, v]: [string, KubeObject]) => {
    const o = structuredClone(v);
    delete o.status;
    const metadata = { ...o.metadata };
    delete metadata.uid;
    delete metadata.generation;
    return [k, { ...o, metadata }];
  }),
);
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
const planCondition = (type: string, category: string, message: string) => ({
  type,
  status: "True",
  category,
  message,
  lastTransitionTime: "2026-01-05T22:00:00Z",
});
const EXECUTING = plan("erp", [planCondition("Executing", "Advisory", "The plan is EXECUTING.")]);
const SUCCEEDED = plan("crm", [
  planCondition("Succeeded", "Advisory", "The plan execution has SUCCEEDED."),
]);
const FAILED = plan("old", [planCondition("Failed", "Critical", "failed")]);
/** The same Plan run from a Provider named vcenter in another namespace. */
const ELSEWHERE = {
  ...EXECUTING,
  spec: {
    ...(EXECUTING.spec as object),
    provider: {
      source: { name: "vcenter", namespace: "openshift-mtv" },
      destination: { name: "host", namespace: "acme-dev" },
    },
  },
};
/**
 * A Plan as the MTV console makes it: no labels of ours, the provider reference
 * without a namespace.
 */
const BY_HAND: KubeObject = {
  apiVersion: "forklift.konveyor.io/v1beta1",
  kind: "Plan",
  metadata: { name: "wave-1", namespace: "acme-dev" },
  spec: {
    provider: { source: { name: "vcenter" }, destination: { name: "host" } },
    targetNamespace: "acme-dev",
    vms: [{ id: "vm-7" }],
  },
  status: {
    conditions: [planCondition("Ready", "Required", "The migration plan is ready.")],
  },
};
/** A VDC whose sources are all gone, whose status still lists vcenter. */
const EMPTIED = {
  ...migrating({ sources: [] }),
  status: { migration: { destinationProvider: "host", sources: [{ name: "vcenter" }] } },
};
/** The least a source maps: one network, one datastore. */
const MAPS = {
  networkMap: [{ source: { name: "VM Network" } }],
  storageMap: [{ source: { name: "datastore1" } }],
};
const RHV = {
  name: "rhv",
  type: "ovirt",
  url: "https://rhv.acme.example/ovirt-engine/api",
  secretRef: { name: "rhv-credentials" },
  ...MAPS,
};

// The credentials contract: one source src of each type, its Secret creds with these keys.
const URLS: Record<string, string> = {
  vsphere: "https://vcenter.acme.example/sdk",
  ovirt: "https://rhv.acme.example/ovirt-engine/api",
  openstack: "https://keystone.acme.example:5000/v3",
  openshift: "https://api.old.acme.example:6443",
  ova: "nfs.acme.example:/exports/ova",
};
const src = (type: string, keys: Record<string, string>, stringData?: Record<string, string>) =>
  withSecrets(
    migrating({
      sources: [{ name: "src", type, url: URLS[type], secretRef: { name: "creds" }, ...MAPS }],
    }),
    { "secret-src": [secret("creds", keys, stringData)] },
  );
/** What a source whose Secret has the keys it needs composes. */
const accepted = (type: string) => ({
  results: [],
  at: {
    "migration-provider-src.spec": {
      type,
      url: URLS[type],
      secret: { name: "creds", namespace: "acme-dev" },
    },
  },
});
/** A Fatal for a Secret that lacks keys: the VDC waits for the tenant to fix it. */
const lacking = (missing: string) =>
  refused(
    "WaitingForDependency",
    `VDC acme-dev: spec.migration.sources[0] (src): Secret acme-dev/creds ${missing}`,
  );
/** The Fatal for a vsphere or ovirt Secret without a CA, as Forklift refuses it. */
const lackingCA = (type: string) =>
  lacking(
    `lacks the key "ca.crt" or "cacert" (unless insecureSkipVerify is "true"), which ` +
      `${type} providers need`,
  );
const OPENSTACK_OR =
  "which openstack providers need; or, instead, an application credential: " +
  '"applicationCredentialSecret" with "applicationCredentialID", or with ' +
  '"applicationCredentialName" and "userID" or "username"';

const vcenterStatus = (more: Record<string, unknown>) => ({
  destinationProvider: "host",
  sources: [
    {
      name: "vcenter",
      type: "vsphere",
      ...more,
      networkMap: "vcenter-network",
      storageMap: "vcenter-storage",
    },
  ],
});
const sourcesReady = (status: string, reason: string, message: string) => ({
  type: "MigrationSourcesReady",
  status,
  reason,
  message,
});
const NOT_CONNECTED = sourcesReady(
  "False",
  "ProvidersNotReady",
  "Forklift has not validated and connected the providers of: vcenter",
);
const NONE_KEPT = {
  type: "MigrationSourcesProtected",
  status: "False",
  reason: "NoneKept",
  message: "No migration source is kept against the spec",
};
/** vcenter in the spec, everything observed, the Provider as given. */
const observedWith = (provider: KubeObject) =>
  withSecrets(
    migrating({ sources: [VCENTER] }),
    { "secret-vcenter": [VCENTER_SECRET] },
    {
      ...HAD,
      "migration-provider-vcenter": provider,
    },
  );

const migrationOnly = <T>(m: Record<string, T>) =>
  Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith("migration-")));
const facets = {
  /** The composed migration objects. */
  migration: (out: Plain) => migrationOnly(out.resources),
  /** Their names, sorted. */
  migrationNames: (out: Plain) => Object.keys(migrationOnly(out.resources)).sort(),
  migrationReady: (out: Plain) => migrationOnly(out.ready),
  migrationStatus: (out: Plain) => out.status?.migration,
  migrationConditions: (out: Plain) => out.conditions.filter((c) => c.type.startsWith("Migration")),
  /** The names a Plan (and the VirtualMachine composer) references. */
  namesForPlans: () => migrationNames("acme-dev", "vcenter"),
  /** Which of the Plans in the cluster match what the VDC asks for, as Crossplane fetches them. */
  fetchedPlans: (out: Plain) =>
    [BY_HAND, SUCCEEDED, { ...BY_HAND, metadata: { name: "wave-1", namespace: "acme-prod" } }]
      .filter((p) => matches(out.requirements["migration-plans"] as ResourceSelector, p))
      .map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
  /** Credential values anywhere in the response, as written or in base64. */
  leaked: (out: Plain) => {
    const text = JSON.stringify(out) + JSON.stringify(out).replace(/\\"/g, '"');
    return SECRET_VALUES.filter((v) => text.includes(v) || text.includes(b64(v)));
  },
};
const PLANS_SELECTOR = {
  apiVersion: "forklift.konveyor.io/v1beta1",
  kind: "Plan",
  namespace: "acme-dev",
  matchLabels: { labels: {} },
};
const TENANT_AND_VDCS = vdcRequirements();
const provider = {
  source: { name: "vcenter", namespace: "acme-dev" },
  destination: { name: "host", namespace: "acme-dev" },
};

describe("VDC migration sources", () => {
  runCases(
    {
      Composes: {
        reason:
          "A source becomes a Provider, NetworkMap and StorageMap into the VDC, beside " +
          "the destination Provider",
        ...WITH_VCENTER,
        want: {
          results: [],
          migration: {
            "migration-provider-vcenter": {
              apiVersion: "forklift.konveyor.io/v1beta1",
              kind: "Provider",
              metadata: { name: "vcenter", namespace: "acme-dev", labels },
              spec: {
                type: "vsphere",
                url: "https://vcenter.acme.example/sdk",
                secret: { name: "vcenter-credentials", namespace: "acme-dev" },
                settings: {
                  sdkEndpoint: "vcenter",
                  vddkInitImage: "registry.acme.example/vddk:8.0.3",
                },
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
          },
          migrationStatus: vcenterStatus({ ready: false, connected: false }),
          migrationConditions: [NOT_CONNECTED, NONE_KEPT],
        },
      },
      NamesForPlans: {
        reason:
          "The names a Plan (and the VirtualMachine composer) references are the composed ones",
        ...WITH_VCENTER,
        want: {
          namesForPlans: {
            namespace: "acme-dev",
            sourceProvider: "vcenter",
            destinationProvider: "host",
            networkMap: "vcenter-network",
            storageMap: "vcenter-storage",
          },
          at: {
            "migration-provider-vcenter.metadata.name": "vcenter",
            "migration-provider-vcenter.metadata.namespace": "acme-dev",
            "migration-destination.metadata.name": "host",
            "migration-destination.metadata.namespace": "acme-dev",
            "migration-networkmap-vcenter.metadata.name": "vcenter-network",
            "migration-networkmap-vcenter.metadata.namespace": "acme-dev",
            "migration-storagemap-vcenter.metadata.name": "vcenter-storage",
            "migration-storagemap-vcenter.metadata.namespace": "acme-dev",
          },
        },
      },
      AsksForSecrets: {
        reason: "Each source's Secret is asked for in the VDC namespace under a deterministic key",
        xr: migrating({ sources: [VCENTER, RHV] }),
        want: {
          requirements: {
            ...TENANT_AND_VDCS,
            "secret-vcenter": secretSelector({
              namespace: "acme-dev",
              name: "vcenter-credentials",
            }),
            "secret-rhv": secretSelector({ namespace: "acme-dev", name: "rhv-credentials" }),
            "migration-plans": PLANS_SELECTOR,
          },
          resources: {},
        },
      },

      // A source removed while a migration runs from it
      AsksForPlansWhileStatusListsSources: {
        reason:
          "The Plans are still asked for once the last source is gone, as long as the " +
          "status lists sources; Crossplane fetches those of the VDC namespace, made by " +
          "hand too",
        xr: EMPTIED,
        want: {
          requirements: { ...TENANT_AND_VDCS, "migration-plans": PLANS_SELECTOR },
          fetchedPlans: ["acme-dev/wave-1", "acme-dev/crm"],
        },
      },
      NoPlansWithoutSources: {
        reason: "Without sources in the spec or the status, no Plans are asked for",
        xr: migrating({ sources: [] }),
        want: { requirements: TENANT_AND_VDCS },
      },
      KeptWhilePlanRuns: {
        reason:
          "A removed source's Provider, maps and the destination stay exactly as they " +
          "are while a Plan from it is unfinished, and the VDC says so",
        ...withSecrets(EMPTIED, {}, HAD, [EXECUTING, SUCCEEDED]),
        want: {
          results: [],
          migration: HAD_AS_COMPOSED,
          migrationStatus: vcenterStatus({ ready: true, connected: true, keptFor: ["erp"] }),
          migrationConditions: [
            {
              type: "MigrationSourcesProtected",
              status: "True",
              reason: "KeptForRunningMigrations",
              message:
                "Removed from spec.migration.sources but kept while migrations from them " +
                "run: vcenter (Plan erp)",
            },
          ],
        },
      },
      LetGoOncePlansFinish: {
        reason: "A removed source goes once every Plan from it has finished",
        ...withSecrets(EMPTIED, {}, HAD, [SUCCEEDED, FAILED]),
        want: { migrationNames: [], migrationStatus: undefined },
      },
      KeptForPlanByHand: {
        reason:
          "A Plan made by hand in the VDC namespace, one our VirtualMachines did not " +
          "compose, keeps its source too",
        ...withSecrets(EMPTIED, {}, HAD, [BY_HAND, SUCCEEDED]),
        want: {
          migrationNames: Object.keys(HAD).sort(),
          migrationStatus: vcenterStatus({ ready: true, connected: true, keptFor: ["wave-1"] }),
        },
      },
      NotKeptForOtherNamespace: {
        reason: "A Plan from a Provider of the same name in another namespace keeps nothing",
        ...withSecrets(EMPTIED, {}, HAD, [ELSEWHERE]),
        want: { migrationNames: [], migrationStatus: undefined },
      },
      KeptBesideSourcesInSpec: {
        reason: "A removed source is kept beside the ones still in the spec",
        ...withSecrets(
          migrating({ sources: [RHV] }),
          { "secret-rhv": [secret("rhv-credentials", { user: "u", password: "p", cacert: "c" })] },
          HAD,
          [EXECUTING],
        ),
        want: {
          migrationNames: [
            "migration-destination",
            "migration-networkmap-rhv",
            "migration-networkmap-vcenter",
            "migration-provider-rhv",
            "migration-provider-vcenter",
            "migration-storagemap-rhv",
            "migration-storagemap-vcenter",
          ],
          migrationStatus: {
            destinationProvider: "host",
            sources: [
              {
                name: "rhv",
                type: "ovirt",
                ready: false,
                connected: false,
                networkMap: "rhv-network",
                storageMap: "rhv-storage",
              },
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
          },
        },
      },

      // The credentials contract
      // vSphere and oVirt as Forklift 2.11 and 2.12 validate them (pkg/controller/provider/
      // validation.go): a CA under "ca.crt" or "cacert" (pkg/lib/util/util.go GetCACert, 2.12),
      // non-empty, unless insecureSkipVerify parses true with Go's strconv.ParseBool.
      VSphere: {
        reason: "vSphere needs user, password and the CA, here as ca.crt",
        ...src("vsphere", { user: "u", password: "p", "ca.crt": "c" }),
        want: accepted("vsphere"),
      },
      VSphereDeprecatedCACert: {
        reason:
          "vSphere takes the CA under the deprecated cacert (the one key Forklift 2.11 reads)",
        ...src("vsphere", { user: "u", password: "p", cacert: "c" }),
        want: accepted("vsphere"),
      },
      VSphereInsecure: {
        reason: 'vSphere needs no CA when insecureSkipVerify is "true"',
        ...src("vsphere", { user: "u", password: "p", insecureSkipVerify: "true" }),
        want: accepted("vsphere"),
      },
      VSphereWithoutCA: {
        reason: "vSphere without a CA is refused, as Forklift refuses it",
        ...src("vsphere", { user: "u", password: "p" }),
        want: lackingCA("vsphere"),
      },
      VSphereEmptyCA: {
        reason: "An empty ca.crt is no CA (GetCACert needs a value)",
        ...src("vsphere", { user: "u", password: "p", "ca.crt": "" }),
        want: lackingCA("vsphere"),
      },
      VSphereWithoutPassword: {
        reason: "vSphere without a password is refused, naming the key",
        ...src("vsphere", { user: "u", "ca.crt": "c" }),
        want: lacking('lacks the key "password", which vsphere providers need'),
      },
      VSphereWithoutUserAndPassword: {
        reason: "Every missing key is named",
        ...src("vsphere", { cacert: "c" }),
        want: lacking('lacks the keys "user", "password", which vsphere providers need'),
      },
      OVirt: {
        reason: "oVirt needs user, password and the CA, here as ca.crt",
        ...src("ovirt", { user: "u", password: "p", "ca.crt": "c" }),
        want: accepted("ovirt"),
      },
      OVirtDeprecatedCACert: {
        reason: "oVirt takes the CA under the deprecated cacert",
        ...src("ovirt", { user: "u", password: "p", cacert: "c" }),
        want: accepted("ovirt"),
      },
      OVirtInsecure: {
        reason: 'oVirt without a CA when insecureSkipVerify is "true"',
        ...src("ovirt", { user: "u", password: "p", insecureSkipVerify: "true" }),
        want: accepted("ovirt"),
      },
      OVirtInsecureAsGoReadsIt: {
        reason: 'insecureSkipVerify "1" is true to strconv.ParseBool, so no CA is needed',
        ...src("ovirt", { user: "u", password: "p", insecureSkipVerify: "1" }),
        want: accepted("ovirt"),
      },
      OVirtNotInsecure: {
        reason: 'oVirt needs a CA when insecureSkipVerify is "false"',
        ...src("ovirt", { user: "u", password: "p", insecureSkipVerify: "false" }),
        want: lackingCA("ovirt"),
      },
      OVirtInsecureWithSpace: {
        reason: 'insecureSkipVerify "true " does not parse in Go, so Forklift wants a CA',
        ...src("ovirt", { user: "u", password: "p", insecureSkipVerify: "true " }),
        want: lackingCA("ovirt"),
      },
      OVirtWithoutCA: {
        reason: "oVirt without a CA is refused, and every missing key is named",
        ...src("ovirt", { user: "u" }),
        want: lacking(
          'lacks the keys "password", "ca.crt" or "cacert" (unless insecureSkipVerify is ' +
            '"true"), which ovirt providers need',
        ),
      },
      OpenStackByName: {
        reason: "OpenStack with a user, project and domain by name",
        ...src("openstack", {
          username: "u",
          password: "p",
          projectName: "x",
          userDomainName: "Default",
        }),
        want: accepted("openstack"),
      },
      OpenStackByID: {
        reason: "OpenStack with a project and domain by ID",
        ...src("openstack", { username: "u", password: "p", projectID: "x", userDomainID: "d" }),
        want: accepted("openstack"),
      },
      OpenStackAppCredentialByID: {
        reason: "OpenStack with an application credential by ID",
        ...src("openstack", { applicationCredentialID: "i", applicationCredentialSecret: "s" }),
        want: accepted("openstack"),
      },
      OpenStackAppCredentialByName: {
        reason: "OpenStack with an application credential by name and the user",
        ...src("openstack", {
          applicationCredentialName: "n",
          applicationCredentialSecret: "s",
          username: "u",
        }),
        want: accepted("openstack"),
      },
      OpenStackWithoutDomain: {
        reason: "OpenStack without a user domain is refused, naming the alternative",
        ...src("openstack", { username: "u", password: "p", projectName: "x" }),
        want: lacking(`lacks the key "userDomainName" or "userDomainID", ${OPENSTACK_OR}`),
      },
      OpenStackAppCredentialWithoutUser: {
        reason: "An application credential by name needs the user",
        ...src("openstack", { applicationCredentialName: "n", applicationCredentialSecret: "s" }),
        want: lacking(
          `lacks the keys "username", "password", "projectName" or "projectID", ` +
            `"userDomainName" or "userDomainID", ${OPENSTACK_OR}`,
        ),
      },
      OpenShift: {
        reason: "OpenShift needs a token",
        ...src("openshift", { token: "t" }),
        want: accepted("openshift"),
      },
      OpenShiftWithoutToken: {
        reason: "OpenShift without a token is refused",
        ...src("openshift", { cacert: "c" }),
        want: lacking('lacks the key "token", which openshift providers need'),
      },
      OVA: {
        reason: "OVA needs the url",
        ...src("ova", { url: "nfs.acme.example:/exports/ova" }),
        want: accepted("ova"),
      },
      OVAWithoutURL: {
        reason: "OVA without the url is refused",
        ...src("ova", {}),
        want: lacking('lacks the key "url", which ova providers need'),
      },
      StringData: {
        reason: "Keys given as stringData count too",
        ...src("vsphere", { user: "u" }, { password: "p", "ca.crt": "c" }),
        want: { results: [] },
      },
      NoCredentialInOutput: {
        reason: "No credential value reaches desired state, status, conditions or results",
        ...WITH_VCENTER,
        want: { leaked: [] },
      },
      NoCredentialInFatal: {
        reason: "Nor a Fatal about the Secret",
        ...withSecrets(migrating({ sources: [VCENTER] }), {
          "secret-vcenter": [
            secret("vcenter-credentials", { user: SECRET_VALUES[1]!, cacert: SECRET_VALUES[2]! }),
          ],
        }),
        want: {
          fatal: {
            reason: "WaitingForDependency",
            message:
              "VDC acme-dev: spec.migration.sources[0] (vcenter): Secret " +
              'acme-dev/vcenter-credentials lacks the key "password", which vsphere ' +
              "providers need",
          },
          leaked: [],
        },
      },
      WaitsForSecret: {
        reason: "A new source waits for its Secret; the rest of the VDC is composed",
        ...withSecrets(migrating({ sources: [VCENTER] }), { "secret-vcenter": [] }),
        want: {
          results: [],
          migrationNames: ["migration-destination"],
          at: { "namespace.metadata.name": "acme-dev" },
          migrationStatus: vcenterStatus({
            ready: false,
            connected: false,
            waiting:
              "waiting for Secret acme-dev/vcenter-credentials: create it with the " +
              "vsphere credentials",
          }),
          migrationConditions: [
            sourcesReady(
              "False",
              "WaitingForDependency",
              "Not composed yet: vcenter (waiting for Secret " +
                "acme-dev/vcenter-credentials: create it with the vsphere credentials)",
            ),
            NONE_KEPT,
          ],
        },
      },
      KeepsProviderWithoutSecret: {
        reason: "An existing Provider whose Secret is gone is not dropped: the Fatal keeps it",
        ...withSecrets(
          migrating({ sources: [VCENTER] }),
          { "secret-vcenter": [] },
          { "migration-provider-vcenter": observedProvider("vcenter", "ready") },
        ),
        want: refused(
          "WaitingForDependency",
          "VDC acme-dev: spec.migration.sources[0].secretRef.name: Secret " +
            "acme-dev/vcenter-credentials no longer exists; restore it, or remove the " +
            "source to delete its Provider",
        ),
      },

      // Status from the observed Provider
      ProviderReady: {
        reason: "A connected and ready Provider makes the source ready",
        ...observedWith(observedProvider("vcenter", "ready")),
        want: {
          migrationStatus: vcenterStatus({ ready: true, connected: true, phase: "Ready" }),
          migrationReady: {
            "migration-provider-vcenter": true,
            "migration-networkmap-vcenter": true,
            "migration-storagemap-vcenter": true,
            "migration-destination": true,
          },
          migrationConditions: [
            sourcesReady("True", "ProvidersReady", "1 source(s) ready"),
            NONE_KEPT,
          ],
        },
      },
      ProviderConnectionFailed: {
        reason: "A Provider that cannot connect leaves the source not ready",
        ...observedWith(observedProvider("vcenter", "connectionFailed")),
        want: {
          migrationStatus: vcenterStatus({
            ready: false,
            connected: false,
            phase: "ConnectionFailed",
          }),
          migrationReady: {
            "migration-provider-vcenter": false,
            "migration-networkmap-vcenter": true,
            "migration-storagemap-vcenter": true,
            "migration-destination": true,
          },
          migrationConditions: [NOT_CONNECTED, NONE_KEPT],
        },
      },

      // Bad sources, refused with the field path
      RefusesVSphereURLWithoutSDK: {
        reason: "A vSphere URL is the SDK endpoint",
        ...vcenterWith({ url: "https://vcenter.acme.example" }),
        want: invalid(
          "spec.migration.sources[0].url: must be the " +
            "SDK endpoint, ending in /sdk (e.g. https://vcenter.example.com/sdk)",
        ),
      },
      RefusesSourceNameOver55: {
        reason: "A source's maps are <name>-network and <name>-storage: both must fit in 63",
        ...vcenterWith({ name: "v".repeat(56) }),
        want: invalid(
          "spec.migration.sources[0].name: Too big: expected string to have <=55 characters",
        ),
      },
      RefusesPlainHTTP: {
        reason: "A source URL is https",
        ...vcenterWith({ url: "http://vcenter.acme.example/sdk" }),
        want: invalid("spec.migration.sources[0].url: must be an https URL"),
      },
      RefusesOVANotNFS: {
        reason: "An OVA source is an NFS share",
        ...vcenterWith({ type: "ova", url: "https://ova.acme.example/vms" }),
        want: invalid(
          "spec.migration.sources[0].url: must be an NFS " +
            "share such as nfs.example.com:/exports/ova",
        ),
      },
      RefusesSourceNamedHost: {
        reason: "host is the destination provider's name",
        ...vcenterWith({ name: "host" }),
        want: invalid(`spec.migration.sources[0].name: "host" is the VDC's destination provider`),
      },
      RefusesMultusWithoutName: {
        reason: "A multus destination names its network",
        ...withSecrets(
          migrating({
            sources: [
              {
                ...VCENTER,
                networkMap: [{ source: { name: "a" }, destination: { type: "multus" } }],
              },
            ],
          }),
          { "secret-vcenter": [VCENTER_SECRET] },
        ),
        want: invalid(
          "spec.migration.sources[0].networkMap[0].destination: name is required for " +
            "multus and only allowed for multus",
        ),
      },
      RefusesSourceWithoutNetworkMap: {
        reason:
          "An omitted networkMap would compose an empty map and leave every VM unmapped: the " +
          "function cannot fill it from Forklift's inventory",
        ...vcenterWith({ networkMap: undefined }),
        want: invalid(
          "spec.migration.sources[0].networkMap: Invalid " +
            "input: expected array, received undefined",
        ),
      },
      RefusesEmptyStorageMap: {
        reason: "An empty storageMap is refused with why it needs entries",
        ...vcenterWith({ storageMap: [] }),
        want: invalid(
          "spec.migration.sources[0].storageMap: needs at " +
            "least one entry: the function cannot read Forklift's inventory of the source to " +
            "fill the map in: list every datastore the migrated VMs use",
        ),
      },
      RefusesMapEntryWithoutSource: {
        reason: "A map entry names its source",
        ...vcenterWith({ storageMap: [{ source: {} }] }),
        want: invalid("spec.migration.sources[0].storageMap[0].source: set name or id"),
      },
      RefusesDatastoreWithoutStorageClass: {
        reason: "Every datastore needs a storage class: the entry's or the VDC's",
        ...vcenterWith({}, { backend: {} }),
        want: invalid(
          "spec.migration.sources[0].storageMap[0].storageClass: required when " +
            "spec.backend.storageClass is not set",
        ),
      },
      RefusesProxmox: {
        reason: "Forklift migrates into KubeVirt only",
        ...vcenterWith(
          {},
          {
            backend: {
              type: "proxmox",
              providerConfigRef: { name: "pve" },
              node: "pve1",
              datastore: "local-lvm",
              bridge: "vmbr0",
            },
          },
        ),
        want: invalid(
          "spec.migration.sources: migration needs " +
            "backend.type kubevirt; " +
            "spec.migration.sources[0].storageMap[0].storageClass: required when " +
            "spec.backend.storageClass is not set",
        ),
      },
      NoSources: {
        reason: "Without sources nothing of this is composed or reported",
        ...withSecrets(migrating({}), {}),
        want: { migrationNames: [], migrationStatus: undefined },
      },
      Deterministic: {
        reason: "The same request gives the same bytes",
        xr: migrating({ sources: [VCENTER] }),
        required: { tenant: [TENANT], vdcs: [], "secret-vcenter": [VCENTER_SECRET] },
        want: { sameBytesAs: [] },
      },
    },
    facets,
  );
});

// The same rule in the XRD, as the API server enforces it: the CEL rules of
// spec.migration.sources[] in apis/vdcs/definition.yaml, evaluated with @bufbuild/cel.
describe("the VDC XRD requires each source's maps", () => {
  const cel = (map: string, what: string) =>
    `${map} needs at least one entry: the function cannot read Forklift's inventory of the` +
    ` source to fill the map in: list every ${what} the migrated VMs use`;
  const NETWORK = cel("networkMap", "network");
  const STORAGE = cel("storageMap", "datastore");
  const cases: { name: string; reason: string; source: object; want: string[] }[] = [
    { name: "BothMaps", reason: "A source with both maps passes", source: VCENTER, want: [] },
    {
      name: "NoNetworkMap",
      reason: "An omitted networkMap fails the rule",
      source: { ...VCENTER, networkMap: undefined },
      want: [NETWORK],
    },
    {
      name: "EmptyNetworkMap",
      reason: "An empty networkMap fails the rule",
      source: { ...VCENTER, networkMap: [] },
      want: [NETWORK],
    },
    {
      name: "NoStorageMap",
      reason: "An omitted storageMap fails the rule",
      source: { ...VCENTER, storageMap: undefined },
      want: [STORAGE],
    },
    {
      name: "NoMaps",
      reason: "Each missing map is its own error",
      source: { ...VCENTER, networkMap: [], storageMap: [] },
      want: [NETWORK, STORAGE],
    },
  ];
  it.each(cases)("$name", ({ reason, source, want }) => {
    const xr = JSON.parse(JSON.stringify(migrating({ sources: [source] }))) as KubeObject;
    const errors = validateResource(xr);
    const celErrors = [NETWORK, STORAGE].filter((m) => errors.some((e) => e.includes(m)));
    expect(celErrors, reason).toEqual(want);
    if (!want.length) expect(errors, reason).toEqual([]);
  });
});
