// VDCs on member clusters (issue 20): a VDC with spec.placement is delivered through
// provider-kubernetes Objects, reads its state back through them, and is never moved away from
// what pins it to a cluster (VMs, databases).
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { NOT_EXIST_MESSAGE, probeKey, probeObject } from "../functions/probe.js";
import { run } from "./support/request.js";
import { tenant, vdc, vm } from "./support/fixtures.js";
import { validateResource } from "./support/schemas.js";
import { at, runCases } from "./support/table.js";
import { nothingProtected, PLATFORM, refused, vmRequirements } from "./support/wants.js";

const TENANT = tenant({
  spec: {
    tier: "professional",
    admins: { groups: ["acme-admins"] },
    clusters: [{ name: "east" }, { name: "west" }],
  },
});
const LONER = tenant({ spec: { tier: "professional", admins: { groups: ["acme-admins"] } } });
const SETTINGS: KubeObject = {
  apiVersion: "apiextensions.crossplane.io/v1beta1",
  kind: "EnvironmentConfig",
  metadata: { name: "crossvdc" },
  data: {
    clusters: {
      east: { providerConfigRef: { name: "east-kubeconfig" } },
      west: { providerConfigRef: { name: "west-kubeconfig" } },
    },
  },
};
const placed = (cluster: string, spec: Record<string, unknown> = {}, more = {}) =>
  vdc({ spec: { placement: { cluster }, ...spec }, ...more });
const EAST = placed("east");
const onHub = { tenant: [TENANT], platform: [SETTINGS] };
const need = (xr: KubeObject, more: Record<string, KubeObject[]> = {}) => ({
  ...onHub,
  vdcs: [xr],
  vms: [],
  ...more,
});
const WEB = vm({
  spec: {
    image: { containerDisk: "quay.io/containerdisks/fedora:41" },
    size: { instanceType: "small" },
  },
});
const labels = { "crossvdc.io/tenant": "acme", "crossvdc.io/vdc": "acme-dev" };

/** The probe reading namespace acme-dev on `cluster` (functions/probe.ts), as composed. */
const probeOn = (cluster: string) =>
  probeObject({
    target: { apiVersion: "v1", kind: "Namespace", name: "acme-dev" },
    cluster,
    providerConfig: `${cluster}-kubeconfig`,
    namespace: "acme-dev",
    labels,
  });
const synced = (status: string, reason: string, message?: string) => ({
  type: "Synced",
  status,
  reason,
  ...(message ? { message } : {}),
});
/**
 * What the probe of namespace acme-dev on `cluster` reports, as observed: absent (Synced False,
 * crossplane-runtime's message for an observe-only resource whose object does not exist), the
 * namespace it read (Synced True), or an error (Synced False, another message).
 */
function probeSays(
  cluster: string,
  says: "absent" | KubeObject | { error: string },
): Record<string, KubeObject> {
  const status =
    says === "absent"
      ? { conditions: [synced("False", "ReconcileError", NOT_EXIST_MESSAGE)] }
      : "error" in says
        ? { conditions: [synced("False", "ReconcileError", says.error as string)] }
        : { atProvider: { manifest: says }, conditions: [synced("True", "ReconcileSuccess")] };
  const key = probeKey({ cluster, kind: "Namespace", name: "acme-dev" });
  return { [key]: { ...probeOn(cluster), status } };
}
/** Namespace acme-dev as a member cluster returns it, with these labels. */
const memberNamespace = (nsLabels: Record<string, string>, more = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: "acme-dev", labels: nsLabels, ...more },
  status: { phase: "Active" },
});
/** The labels crossvdc puts on a VDC's namespace: the VDC's own. */
const OURS = { ...labels, "crossvdc.io/type": "vdc" };

const OPEN_REQUIREMENTS = {
  tenant: { apiVersion: "crossvdc.io/v1alpha1", kind: "Tenant", matchName: "acme" },
  vdcs: {
    apiVersion: "crossvdc.io/v1alpha1",
    kind: "VDC",
    matchLabels: { labels: { "crossvdc.io/tenant": "acme" } },
  },
  platform: {
    apiVersion: "apiextensions.crossplane.io/v1beta1",
    kind: "EnvironmentConfig",
    matchName: "crossvdc",
  },
  // Its hub namespace, so one crossvdc did not create is not adopted (functions/namespaces.ts).
  namespace: { apiVersion: "v1", kind: "Namespace", matchName: "acme-dev" },
};
const VMS_REQUIREMENT = {
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VirtualMachine",
  namespace: "acme-dev",
  matchLabels: { labels: {} },
};

/** A database's backup credentials, as the tenant created them in the VDC's hub namespace. */
const S3: KubeObject = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "pg-backup-s3", namespace: "acme-dev" },
  data: { ACCESS_KEY_ID: "QUtJQS1odWItb25seQ==", ACCESS_SECRET_KEY: "aHViLXNlY3JldC12YWx1ZQ==" },
};
/** A CloudNativePG Cluster that runs, as its operator reports it. */
const HEALTHY = {
  phase: "Cluster in healthy state",
  instances: 1,
  readyInstances: 1,
  conditions: [{ type: "Ready", status: "True", reason: "ClusterIsReady" }],
};

/** What the same VDC composes on the hub: the manifests a placed one delivers. */
const local = run({ xr: vdc(), required: { tenant: [TENANT], vdcs: [vdc()] } }).resources;

/**
 * The Objects of `xr` as provider-kubernetes reports them once their manifests exist there: a
 * database's Cluster healthy, a copied Secret with the data patched in from the hub's. Composed
 * once the probe of `cluster` found no namespace acme-dev there.
 */
function observedOn(
  xr: KubeObject,
  cluster: string,
  required: Record<string, KubeObject[]> = need(xr),
  observed: Record<string, KubeObject> = {},
): Record<string, KubeObject> {
  const composed = run({
    xr,
    observed: { ...probeSays(cluster, "absent"), ...observed },
    required,
  }).resources;
  const out: Record<string, KubeObject> = {};
  for (const [key, r] of Object.entries(composed)) {
    // A probe goes once what it was for exists.
    if (key.startsWith(`${cluster}/probe-`)) continue;
    if (!key.startsWith(`${cluster}/`)) {
      const status =
        r.kind === "Namespace"
          ? { phase: "Active" }
          : r.kind === "ClusterUsage"
            ? { conditions: [{ type: "Ready", status: "True", reason: "Available" }] }
            : undefined;
      out[key] = { ...r, ...(status ? { status } : {}) };
      continue;
    }
    const manifest = structuredClone(
      (r.spec as { forProvider: { manifest: KubeObject } }).forProvider.manifest,
    );
    if (manifest.kind === "Namespace") manifest.status = { phase: "Active" };
    if (manifest.kind === "Cluster") manifest.status = HEALTHY;
    if (manifest.kind === "Secret") manifest.data = S3.data;
    if (manifest.kind === "ResourceQuota")
      manifest.status = {
        hard: { "requests.cpu": "2", "requests.memory": "4Gi" },
        used: { "requests.cpu": "500m", "requests.memory": "1Gi" },
      };
    out[key] = { ...r, status: { atProvider: { manifest } } };
  }
  return out;
}

/**
 * The keys a placed acme-dev composes without databases: its objects on `cluster` and its hub
 * namespace and RoleBinding, sorted.
 */
const placedKeys = (cluster: string) =>
  [
    ...[
      "limits",
      "namespace",
      "netpol-allow-dns",
      "netpol-allow-from-namespaces",
      "netpol-allow-same-namespace",
      "netpol-default-deny",
      "quota",
      "rolebinding-admin",
    ].map((k) => `${cluster}/${k}`),
    "namespace",
    "rolebinding-admin",
  ].sort();

/** The status of acme-dev on east in `phase`, its usage as observedOn's ResourceQuota reports. */
const onEast = (phase: string) => ({
  namespace: "acme-dev",
  tenant: "acme",
  phase,
  placement: { cluster: "east" },
  usage: {
    cpu: { used: "500m", hard: "2", percent: 25 },
    memory: { used: "1Gi", hard: "4Gi", percent: 25 },
  },
});

/** acme-dev admitted within acme's budget, as the selector cases see it. */
const ADMITTED = {
  type: "BudgetAdmitted",
  status: "True",
  reason: "WithinTenantBudget",
  message: "Admitted; tenant acme has cpu 62, memory 252Gi, storage 1998Gi, vms 48, vdcs 9 left",
};
const BY_LABEL = vdc({
  spec: { placement: { clusterSelector: { matchLabels: { site: "edge" } } } },
});
const decision = (cluster: string): KubeObject => ({
  apiVersion: "cluster.open-cluster-management.io/v1beta1",
  kind: "PlacementDecision",
  metadata: {
    name: "acme-dev-decision-1",
    namespace: "acme-dev",
    labels: { "cluster.open-cluster-management.io/placement": "acme-dev" },
  },
  status: { decisions: [{ clusterName: cluster, reason: "" }] },
});
const bySelector = (decisions: KubeObject[], more: Record<string, KubeObject[]> = {}) =>
  need(BY_LABEL, { "placement-decisions": decisions, ...more });
const PLACEMENT = {
  apiVersion: "cluster.open-cluster-management.io/v1beta1",
  kind: "Placement",
  metadata: { name: "acme-dev", namespace: "acme-dev", labels },
  spec: {
    clusterSets: ["default"],
    numberOfClusters: 1,
    predicates: [{ requiredClusterSelector: { labelSelector: { matchLabels: { site: "edge" } } } }],
  },
};
const BINDING = {
  apiVersion: "cluster.open-cluster-management.io/v1beta2",
  kind: "ManagedClusterSetBinding",
  metadata: { name: "default", namespace: "acme-dev", labels },
  spec: { clusterSet: "default" },
};

describe("VDC placement by clusterSelector", () => {
  runCases({
    WaitsForDecision: {
      reason:
        "A new VDC placed by selector composes the Placement (one cluster, from the settings' " +
        "cluster set) and the binding of that set in its hub namespace, with its hub namespace " +
        "and RoleBinding, and waits for OCM's decision",
      xr: BY_LABEL,
      required: bySelector([]),
      want: {
        names: ["namespace", "placement", "placement-binding", "rolebinding-admin"],
        at: { placement: PLACEMENT, "placement-binding": BINDING },
        status: { namespace: "acme-dev", tenant: "acme", phase: "Pending" },
        conditions: [
          ADMITTED,
          nothingProtected("acme-dev"),
          {
            type: "Placed",
            status: "False",
            reason: "WaitingForPlacementDecision",
            message:
              "Not on a member cluster: waiting for the PlacementDecision of Placement " +
              "acme-dev/acme-dev",
          },
        ],
        results: [],
      },
    },
    FollowsDecision: {
      reason:
        "Once the PlacementDecision names east, a tenant's cluster, the VDC is delivered there " +
        "and the Placement stays",
      xr: BY_LABEL,
      observed: probeSays("east", "absent"),
      required: bySelector([decision("east")]),
      want: {
        names: [...placedKeys("east"), "placement", "placement-binding"].sort(),
        at: { "east/quota.spec.providerConfigRef.name": "east-kubeconfig" },
        status: {
          namespace: "acme-dev",
          tenant: "acme",
          phase: "Pending",
          placement: { cluster: "east" },
        },
      },
    },
    DecisionNotAllowed: {
      reason:
        "A decision for a cluster the tenant may not use is not followed: a Warning and the " +
        "condition Placed say why, and the VDC stays where it is",
      xr: BY_LABEL,
      required: bySelector([decision("north")]),
      want: {
        names: ["namespace", "placement", "placement-binding", "rolebinding-admin"],
        results: [
          {
            severity: "WARNING",
            reason: "ClusterNotAllowed",
            message:
              "VDC acme-dev: the PlacementDecision of Placement acme-dev/acme-dev chose " +
              "cluster north, which is not one of tenant acme's clusters (Tenant " +
              "spec.clusters); it is not followed",
          },
        ],
      },
    },
    StaysAgainstNewDecision: {
      reason:
        "A VDC on east stays on east when the decision later names west: its disks live there; " +
        "the condition says the decision is not followed",
      xr: vdc({
        spec: { placement: { clusterSelector: { matchLabels: { site: "edge" } } } },
        status: { placement: { cluster: "east" } },
      }),
      required: bySelector([decision("west")]),
      want: {
        at: {
          "east/quota.spec.providerConfigRef.name": "east-kubeconfig",
          "west/quota": undefined,
        },
        conditions: [
          ADMITTED,
          nothingProtected("acme-dev"),
          {
            type: "Placed",
            status: "True",
            reason: "OnMemberCluster",
            message:
              "Delivered to cluster east (chosen by the Placement acme-dev/acme-dev) through " +
              "provider-kubernetes Objects in namespace acme-dev; the PlacementDecision now " +
              "names west, which is not followed: a VDC moves only by an explicit " +
              "spec.placement.cluster",
          },
        ],
      },
    },
    HubVDCKeepsWhatItHas: {
      reason:
        "A VDC on the hub given a selector keeps everything it has on the hub until a decision " +
        "comes: nothing is deleted while it waits",
      xr: BY_LABEL,
      observed: { quota: local.quota! },
      required: bySelector([]),
      want: {
        names: [
          "limits",
          "namespace",
          "netpol-allow-dns",
          "netpol-allow-from-namespaces",
          "netpol-allow-same-namespace",
          "netpol-default-deny",
          "placement",
          "placement-binding",
          "quota",
          "rolebinding-admin",
        ],
      },
    },
    HubVDCWithVMsNotMovedByDecision: {
      reason:
        "A decision does not move a hub VDC that holds VMs: the move is refused as for a named " +
        "cluster",
      xr: BY_LABEL,
      observed: { quota: local.quota! },
      required: bySelector([decision("east")], { vms: [WEB] }),
      want: {
        fatal: {
          reason: "Conflict",
          message:
            "VDC acme-dev: spec.placement.cluster: moving from the hub to cluster east is " +
            "refused while the VDC holds VMs (web): their disks and data live on the hub. " +
            "Remove them first, or remove spec.placement",
        },
      },
    },
    ClusterSetFromSettings: {
      reason: "The platform settings' clusterSet is the set the Placement chooses from and binds",
      xr: BY_LABEL,
      required: bySelector([], {
        platform: [{ ...SETTINGS, data: { ...(SETTINGS.data as object), clusterSet: "edge" } }],
      }),
      want: {
        at: {
          "placement.spec.clusterSets": ["edge"],
          "placement-binding.metadata.name": "edge",
          "placement-binding.spec.clusterSet": "edge",
        },
      },
    },
    DecidedWithoutProviderConfig: {
      reason:
        "A decided cluster of the tenant's that the platform settings cannot reach is a Fatal " +
        "naming the cluster",
      xr: BY_LABEL,
      required: bySelector([decision("west")], {
        platform: [
          { ...SETTINGS, data: { clusters: { east: { providerConfigRef: { name: "e" } } } } },
        ],
      }),
      want: {
        fatal: {
          reason: "WaitingForDependency",
          message:
            "VDC acme-dev: spec.placement.cluster: cluster west has no providerConfigRef in " +
            "the platform settings (EnvironmentConfig crossvdc data.clusters.west), so nothing " +
            "can be delivered to it",
        },
      },
    },
    InWithoutValues: {
      reason:
        "A requirement In with no values is refused by the schema, as Kubernetes refuses it: " +
        "OCM could never decide on it",
      xr: vdc({
        spec: {
          placement: {
            clusterSelector: { matchExpressions: [{ key: "site", operator: "In", values: [] }] },
          },
        },
      }),
      want: {
        fatal: {
          reason: "InvalidSpec",
          message:
            "VDC acme-dev: invalid spec: spec.placement.clusterSelector.matchExpressions[0]." +
            "values: must be non-empty for In and NotIn, and empty for Exists and DoesNotExist",
        },
      },
    },
    ExistsWithValues: {
      reason: "A requirement Exists with values is refused by the schema",
      xr: vdc({
        spec: {
          placement: {
            clusterSelector: {
              matchExpressions: [
                { key: "site", operator: "In", values: ["edge"] },
                { key: "gpu", operator: "Exists", values: ["true"] },
              ],
            },
          },
        },
      }),
      want: {
        fatal: {
          reason: "InvalidSpec",
          message:
            "VDC acme-dev: invalid spec: spec.placement.clusterSelector.matchExpressions[1]." +
            "values: must be non-empty for In and NotIn, and empty for Exists and DoesNotExist",
        },
      },
    },
    BothWays: {
      reason: "A placement with both a cluster and a selector is refused by the schema",
      xr: vdc({
        spec: {
          placement: { cluster: "east", clusterSelector: { matchLabels: { site: "edge" } } },
        },
      }),
      want: {
        fatal: {
          reason: "InvalidSpec",
          message:
            "VDC acme-dev: invalid spec: spec.placement: set exactly one of cluster and " +
            "clusterSelector",
        },
      },
    },
  });
});

describe("VDC placement", () => {
  runCases({
    DeliveredToCluster: {
      reason:
        "A VDC placed on east keeps its namespace and RoleBinding on the hub and wraps every " +
        "object it composes in an Object that east's ClusterProviderConfig delivers, the " +
        "manifest exactly what the hub would get, once its probe found no namespace acme-dev " +
        "on east (the probe is dropped: deleting an observe-only Object deletes nothing)",
      xr: EAST,
      observed: probeSays("east", "absent"),
      required: need(EAST),
      want: {
        names: placedKeys("east"),
        at: {
          "east/quota": {
            apiVersion: "kubernetes.m.crossplane.io/v1alpha1",
            kind: "Object",
            metadata: {
              name: "east-resourcequota-vdc-quota",
              namespace: "acme-dev",
              labels: { ...labels, "crossvdc.io/cluster": "east" },
            },
            spec: {
              forProvider: { manifest: local.quota },
              providerConfigRef: { kind: "ClusterProviderConfig", name: "east-kubeconfig" },
            },
          },
          "east/namespace.spec.forProvider.manifest": local.namespace,
          namespace: local.namespace,
          "rolebinding-admin": local["rolebinding-admin"],
        },
        status: {
          namespace: "acme-dev",
          tenant: "acme",
          phase: "Pending",
          placement: { cluster: "east" },
        },
      },
    },
    AsksForItsVMs: {
      reason:
        "A placed open VDC asks for the VirtualMachines in its namespace (an open hub VDC does " +
        "not), since they pin it to its cluster",
      xr: placed("east", { network: { isolation: "open" } }),
      want: { requirements: { ...OPEN_REQUIREMENTS, vms: VMS_REQUIREMENT } },
    },
    AsksAsBeforeWhenNeverPlaced: {
      reason: "A VDC never placed asks for what it asked before placement existed",
      xr: vdc({ spec: { network: { isolation: "open" } } }),
      want: { requirements: OPEN_REQUIREMENTS },
    },
    StillAsksOncePlaced: {
      reason:
        "A VDC whose status says it lives on east and whose placement was removed still asks " +
        "for its VMs: removing placement would move it to the hub",
      xr: vdc({
        spec: { network: { isolation: "open" } },
        status: { placement: { cluster: "east" } },
      }),
      want: { requirements: { ...OPEN_REQUIREMENTS, vms: VMS_REQUIREMENT } },
    },
    ObservedThroughObjects: {
      reason:
        "Once the Objects report their manifests (status.atProvider.manifest), the VDC is " +
        "Ready and its usage comes from the ResourceQuota on east, as it would from a local one",
      xr: EAST,
      observed: observedOn(EAST, "east"),
      required: need(EAST),
      want: {
        status: onEast("Ready"),
        ready: {
          "east/limits": true,
          "east/namespace": true,
          "east/netpol-allow-dns": true,
          "east/netpol-allow-from-namespaces": true,
          "east/netpol-allow-same-namespace": true,
          "east/netpol-default-deny": true,
          "east/quota": true,
          "east/rolebinding-admin": true,
          namespace: true,
          "rolebinding-admin": true,
        },
      },
    },
    NotSyncedYet: {
      reason:
        "An Object that exists but has not read its object back (no atProvider yet) is not " +
        "ready, as a local object not created yet",
      xr: EAST,
      observed: Object.fromEntries(
        Object.entries(observedOn(EAST, "east")).map(([k, o]) => [
          k,
          k === "east/namespace" ? { ...o, status: {} } : o,
        ]),
      ),
      required: need(EAST),
      want: {
        at: { "east/namespace.status": undefined },
        status: onEast("Pending"),
      },
    },
    ClusterNotTheTenants: {
      reason:
        "A cluster named in spec.placement.cluster that the tenant may not use (not in Tenant " +
        "spec.clusters) is a Fatal, and nothing changes",
      xr: placed("north"),
      required: need(placed("north")),
      desired: { namespace: local.namespace! },
      want: {
        fatal: {
          reason: "InvalidSpec",
          message:
            "VDC acme-dev: spec.placement.cluster: cluster north is not one of tenant acme's " +
            "clusters (Tenant spec.clusters: east, west); a platform admin adds it there first",
        },
      },
    },
    TenantWithoutClusters: {
      reason: "A tenant with no clusters may place nothing",
      xr: EAST,
      required: need(EAST, { tenant: [LONER] }),
      want: {
        fatal: {
          reason: "InvalidSpec",
          message:
            "VDC acme-dev: spec.placement.cluster: cluster east is not one of tenant acme's " +
            "clusters (Tenant spec.clusters: none); a platform admin adds it there first",
        },
      },
    },
    NoProviderConfig: {
      reason:
        "A cluster the platform settings give no providerConfigRef cannot be delivered to: a " +
        "Fatal naming the cluster and the setting",
      xr: EAST,
      required: need(EAST, {
        platform: [
          { ...SETTINGS, data: { clusters: { west: { providerConfigRef: { name: "w" } } } } },
        ],
      }),
      want: {
        fatal: {
          reason: "WaitingForDependency",
          message:
            "VDC acme-dev: spec.placement.cluster: cluster east has no providerConfigRef in " +
            "the platform settings (EnvironmentConfig crossvdc data.clusters.east), so nothing " +
            "can be delivered to it",
        },
      },
    },
    MalformedClusterSetting: {
      reason: "A cluster entry without its providerConfigRef is a malformed setting, named by path",
      xr: EAST,
      required: need(EAST, { platform: [{ ...SETTINGS, data: { clusters: { east: {} } } }] }),
      want: {
        fatal: {
          reason: "WaitingForDependency",
          message:
            "EnvironmentConfig crossvdc: data.clusters.east.providerConfigRef: Invalid input: " +
            "expected object, received undefined",
        },
      },
    },
    MoveRefusedWithVMs: {
      reason:
        "A VDC on east asked to move to west while a VM lives in it is refused: its disks are " +
        "on east",
      xr: placed("west", {}, { status: { placement: { cluster: "east" } } }),
      required: need(EAST, { vms: [WEB] }),
      want: {
        fatal: {
          reason: "Conflict",
          message:
            "VDC acme-dev: spec.placement.cluster: moving from cluster east to cluster west is " +
            "refused while the VDC holds VMs (web): their disks and data live on cluster east. " +
            "Remove them first, or set it back to east",
        },
      },
    },
    MoveRefusedFromHubWithVMs: {
      reason:
        "A VDC that lives on the hub (its ResourceQuota is there) with a VM is not placed: " +
        "placing it would move it",
      xr: EAST,
      observed: { quota: local.quota! },
      required: need(EAST, { vms: [WEB] }),
      want: {
        fatal: {
          reason: "Conflict",
          message:
            "VDC acme-dev: spec.placement.cluster: moving from the hub to cluster east is " +
            "refused while the VDC holds VMs (web): their disks and data live on the hub. " +
            "Remove them first, or remove spec.placement",
        },
      },
    },
    MoveBackRefusedWithDatabases: {
      reason:
        "Removing spec.placement from a VDC on east moves it to the hub; with a database it is " +
        "refused",
      xr: vdc({
        spec: { databases: [{ name: "orders", version: 17 }] },
        status: { placement: { cluster: "east" } },
      }),
      required: need(EAST),
      want: {
        fatal: {
          reason: "Conflict",
          message:
            "VDC acme-dev: spec.placement: moving from cluster east to the hub is refused " +
            "while the VDC holds databases (orders): their disks and data live on cluster " +
            "east. Remove them first, or set it back to east",
        },
      },
    },
    MoveWhenEmpty: {
      reason:
        "A VDC on east without VMs or databases moves to west: only west's Objects are " +
        "composed, so Crossplane deletes east's and with them the objects there, once west's " +
        "probe found no namespace acme-dev there",
      xr: placed("west", {}, { status: { placement: { cluster: "east" } } }),
      observed: { ...observedOn(EAST, "east"), ...probeSays("west", "absent") },
      required: need(EAST),
      want: {
        names: placedKeys("west"),
        at: { "west/quota.spec.providerConfigRef.name": "west-kubeconfig" },
      },
    },
    StaysWhereItIs: {
      reason:
        "A VDC on east whose spec still says east stays, VMs or not: the status only records it",
      xr: placed("east", {}, { status: { placement: { cluster: "east" } } }),
      required: need(EAST, { vms: [WEB] }),
      want: { at: { "east/quota.spec.providerConfigRef.name": "east-kubeconfig" } },
    },
    MigrationNotYet: {
      reason:
        "Migration sources on a placed VDC are refused, not half-built: Forklift would migrate " +
        "onto the hub",
      xr: placed("east", {
        migration: {
          sources: [
            {
              name: "vcenter",
              type: "vsphere",
              url: "https://vcenter.example.com/sdk",
              secretRef: { name: "vcenter-credentials" },
              networkMap: [{ source: { name: "VM Network" } }],
              storageMap: [{ source: { name: "datastore1" }, storageClass: "standard" }],
            },
          ],
        },
      }),
      // Crossplane answers the credentials Secret requirement (not created yet).
      required: need(EAST, { "secret-vcenter": [], "migration-plans": [] }),
      want: {
        fatal: {
          reason: "InvalidSpec",
          message:
            "VDC acme-dev: spec.migration.sources: migration sources are not supported on a " +
            "placed VDC yet (Forklift would migrate onto the hub); remove them or " +
            "spec.placement",
        },
      },
    },
  });
});

// ---- Databases on a placed VDC ------------------------------------------------------------

const BACKUP = { destinationPath: "s3://acme-pg/dev", s3CredentialsSecret: "pg-backup-s3" };
const ORDERS = { name: "orders", version: 17, backup: BACKUP };
const DB_QUOTA = { cpu: 8, memory: "32Gi", storage: "500Gi" };
const DB_LIMITS = { maxCpu: "4", maxMemory: "8Gi" };
/** acme-dev with `databases` (orders unless told), living on east unless `status` says else. */
const withDatabases = (
  databases: Record<string, unknown>[] = [ORDERS],
  status: Record<string, unknown> = { placement: { cluster: "east" } },
) => placed("east", { quota: DB_QUOTA, limits: DB_LIMITS, databases }, { status });
const dbNeed = (xr: KubeObject, more: Record<string, KubeObject[]> = {}) =>
  need(xr, { "backup-secret-pg-backup-s3": [S3], ...more });
/**
 * The keys of acme-dev on east while its new database orders waits (for its PVC probe or its
 * backup credentials): its policy and probe are there, its Cluster is not; the hub holds the
 * Usage that protects it.
 */
const ORDERS_WAITING = [
  ...placedKeys("east"),
  "deletion-protection",
  "east/netpol-allow-databases",
  "east/probe-persistentvolumeclaim-orders-1",
].sort();
/** What orders composes in the same VDC on the hub: the manifests the placed one delivers. */
const ordersOnHub = (() => {
  const xr = vdc({ spec: { quota: DB_QUOTA, limits: DB_LIMITS, databases: [ORDERS] } });
  return run({ xr, required: { tenant: [TENANT], vdcs: [xr], "backup-secret-pg-backup-s3": [S3] } })
    .resources;
})();
/** Platform settings that name the namespace of the Prometheus that scrapes tenants. */
const MONITORED: KubeObject = {
  ...SETTINGS,
  data: { ...(SETTINGS.data as object), monitoring: { namespace: "monitoring" } },
};
const monitoredOnHub = (() => {
  const xr = vdc({ spec: { quota: DB_QUOTA, limits: DB_LIMITS, databases: [ORDERS] } });
  const required = {
    tenant: [TENANT],
    vdcs: [xr],
    platform: [MONITORED],
    "backup-secret-pg-backup-s3": [S3],
  };
  return run({ xr, required }).resources;
})();
/** The probes of PVC names on east as provider-kubernetes reports them: nothing there. */
const absent = (...pvcs: string[]): Record<string, KubeObject> =>
  Object.fromEntries(
    pvcs.map((name) => [
      `east/probe-persistentvolumeclaim-${name}`,
      {
        ...probeObject({
          target: { apiVersion: "v1", kind: "PersistentVolumeClaim", name, namespace: "acme-dev" },
          cluster: "east",
          providerConfig: "east-kubeconfig",
          namespace: "acme-dev",
          labels,
        }),
        status: {
          conditions: [
            {
              type: "Synced",
              status: "False",
              reason: "ReconcileError",
              message: NOT_EXIST_MESSAGE,
            },
          ],
        },
      },
    ]),
  );
/** orders' Objects as east reports them: the Cluster healthy, the Secret copied. */
const ordersOnEast = (databases: Record<string, unknown>[] = [ORDERS]) =>
  observedOn(
    withDatabases(databases),
    "east",
    dbNeed(withDatabases(databases)),
    absent("orders-1"),
  );
/** The copy of pg-backup-s3 on east: no data in the function's output, only where it comes from. */
const COPIED_SECRET = {
  apiVersion: "kubernetes.m.crossplane.io/v1alpha1",
  kind: "Object",
  metadata: {
    name: "east-secret-pg-backup-s3",
    namespace: "acme-dev",
    labels: { ...labels, "crossvdc.io/cluster": "east" },
  },
  spec: {
    forProvider: {
      manifest: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "pg-backup-s3", namespace: "acme-dev", labels },
        type: "Opaque",
      },
    },
    providerConfigRef: { kind: "ClusterProviderConfig", name: "east-kubeconfig" },
    references: ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"].map((key) => ({
      patchesFrom: {
        apiVersion: "v1",
        kind: "Secret",
        name: "pg-backup-s3",
        namespace: "acme-dev",
        fieldPath: `data['${key}']`,
      },
      toFieldPath: `data['${key}']`,
    })),
  },
};
/** New databases' PVC names all read on east, or none new. */
const CHECKED = {
  type: "DatabaseVolumesChecked",
  status: "True",
  reason: "Checked",
  message: "No database waits for a check of cluster east",
};
/** A PVC on east, as its probe reads it back. */
const pvc = (name: string, pvcLabels: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: "acme-dev", labels: pvcLabels },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } },
  status: { phase: "Bound" },
});
/** The probe of `object`'s name on east, as provider-kubernetes reports it: found. */
const present = (object: KubeObject): Record<string, KubeObject> => {
  const [key, probe] = Object.entries(absent(object.metadata!.name!))[0]!;
  return {
    [key]: {
      ...probe,
      status: {
        atProvider: { manifest: object },
        conditions: [{ type: "Synced", status: "True", reason: "ReconcileSuccess" }],
      },
    },
  };
};
const KEPT_ORDERS = {
  type: "DatabasesProtected",
  status: "True",
  reason: "KeptByDeletionProtection",
};

describe("Databases on a placed VDC", () => {
  runCases(
    {
      Delivered: {
        reason:
          "A placed VDC's database is delivered to its cluster: the Cluster, ObjectStore, " +
          "ScheduledBackup and the isolation policy that lets the operator in, each in an " +
          "Object, the manifests exactly what the hub would get; the ClusterUsage that protects " +
          "the VDC stays on the hub",
        xr: withDatabases(),
        observed: absent("orders-1"),
        required: dbNeed(withDatabases()),
        want: {
          names: [
            ...ORDERS_WAITING,
            "east/backup-orders",
            "east/database-orders",
            "east/objectstore-orders",
            "east/s3-credentials-pg-backup-s3",
          ].sort(),
          at: {
            "east/database-orders.spec.forProvider.manifest": ordersOnHub["database-orders"],
            "east/objectstore-orders.spec.forProvider.manifest": ordersOnHub["objectstore-orders"],
            "east/backup-orders.spec.forProvider.manifest": ordersOnHub["backup-orders"],
            "east/netpol-allow-databases.spec.forProvider.manifest":
              ordersOnHub["netpol-allow-databases"],
            "deletion-protection": ordersOnHub["deletion-protection"],
          },
          "condition.volumes": CHECKED,
          "ready.database": {
            "east/backup-orders": false,
            "east/database-orders": false,
            "east/objectstore-orders": false,
            "east/s3-credentials-pg-backup-s3": false,
          },
        },
      },
      PodMonitorDelivered: {
        reason:
          "Where the platform settings name a Prometheus, the database's PodMonitor goes to " +
          "east with the rest, and the policy lets that namespace scrape it there",
        xr: withDatabases(),
        observed: absent("orders-1"),
        required: dbNeed(withDatabases(), { platform: [MONITORED] }),
        want: {
          at: {
            "east/podmonitor-orders.spec.forProvider.manifest.kind": "PodMonitor",
            "east/podmonitor-orders.spec.forProvider.manifest": monitoredOnHub["podmonitor-orders"],
            "east/netpol-allow-databases.spec.forProvider.manifest":
              monitoredOnHub["netpol-allow-databases"],
          },
        },
      },
      BackupCredentialsCopied: {
        reason:
          "The tenant's backup credentials Secret stays in the hub namespace; an Object composes " +
          "its copy on east, the keys CloudNativePG reads patched in by provider-kubernetes from " +
          "the hub Secret, so the function's output never holds a value",
        xr: withDatabases(),
        observed: absent("orders-1"),
        required: dbNeed(withDatabases()),
        want: { at: { "east/s3-credentials-pg-backup-s3": COPIED_SECRET }, leaked: [] },
      },
      ReadyFromTheCluster: {
        reason:
          "Once east reports the Cluster healthy (the Object's status.atProvider.manifest), the " +
          "database is ready with its instance counts, as on the hub, and the copied Secret's " +
          "values read back there stay out of the output",
        xr: withDatabases(),
        observed: ordersOnEast(),
        required: dbNeed(withDatabases()),
        want: {
          status: {
            ...onEast("Ready"),
            databases: [
              {
                name: "orders",
                ready: true,
                phase: "Cluster in healthy state",
                instances: 1,
                readyInstances: 1,
                host: "orders-rw.acme-dev.svc",
                secretName: "orders-app",
                backups: true,
              },
            ],
            // orders' instance and its backup sidecar (the LimitRange's default requests)
            databaseDemand: { cpu: "2100m", memory: "4352Mi", storage: "50Gi" },
          },
          "ready.database": {
            "east/backup-orders": true,
            "east/database-orders": true,
            "east/objectstore-orders": true,
            "east/s3-credentials-pg-backup-s3": true,
          },
          "ready.all": true,
          leaked: [],
          probes: [],
          "condition.volumes": CHECKED,
        },
      },
      WaitsForBackupCredentials: {
        reason:
          "A new database whose hub Secret lacks a key waits, as on the hub: nothing of it, and " +
          "no copy of the Secret, is delivered",
        xr: withDatabases(),
        required: dbNeed(withDatabases(), {
          "backup-secret-pg-backup-s3": [{ ...S3, data: { ACCESS_KEY_ID: "QUtJQQ==" } }],
        }),
        want: {
          names: ORDERS_WAITING,
          "status.databases": [
            {
              name: "orders",
              ready: false,
              phase: "WaitingForBackupCredentials",
              host: "orders-rw.acme-dev.svc",
              secretName: "orders-app",
              backups: true,
              backupCredentials: "Secret acme-dev/pg-backup-s3 lacks the key ACCESS_SECRET_KEY",
            },
          ],
        },
      },
      ChecksTheClusterFirst: {
        reason:
          "A new database first reads, on east, the PVC name its Cluster would take (orders-1) " +
          "through an observe-only probe; until the probe answers it waits: charged and " +
          "reported, not composed, and the VDC reconciles again soon",
        xr: withDatabases(),
        required: dbNeed(withDatabases()),
        want: {
          names: ORDERS_WAITING,
          at: {
            "east/probe-persistentvolumeclaim-orders-1": {
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
          "status.databases": [
            {
              name: "orders",
              ready: false,
              phase: "WaitingForClusterCheck",
              host: "orders-rw.acme-dev.svc",
              secretName: "orders-app",
              backups: true,
            },
          ],
          "condition.volumes": {
            type: "DatabaseVolumesChecked",
            status: "False",
            reason: "CheckingCluster",
            message:
              "New databases wait until cluster east is checked for PVCs under the names " +
              "CloudNativePG would give theirs, not read yet: orders (orders-1)",
          },
          ttl: 30,
          "requirements.pvcs": undefined,
        },
      },
      EachInstanceProbed: {
        reason:
          "A database of two instances takes orders-1 and orders-2: it waits while either is " +
          "unread, and the condition names the one still unread",
        xr: withDatabases([{ ...ORDERS, size: { instances: 2 } }]),
        observed: absent("orders-1"),
        required: dbNeed(withDatabases([{ ...ORDERS, size: { instances: 2 } }])),
        want: {
          probes: [
            "east/probe-persistentvolumeclaim-orders-1",
            "east/probe-persistentvolumeclaim-orders-2",
          ],
          "at.database": undefined,
          "condition.volumes": expect.objectContaining({
            message: expect.stringContaining("not read yet: orders (orders-2)") as string,
          }) as object,
        },
      },
      ForeignPVCRefused: {
        reason:
          "A PVC on east under the name orders' first instance would take, held by a VM's " +
          "DataVolume, refuses the database (Conflict), as the hub's PVCs do: its Cluster would " +
          "adopt the disk. The message names the cluster the namespace is on",
        xr: withDatabases(),
        observed: present(pvc("orders-1", { "crossvdc.io/vm": "orders" })),
        required: dbNeed(withDatabases()),
        want: refused(
          "Conflict",
          "VDC acme-dev: spec.databases[0].name: CloudNativePG names the PVCs of database " +
            "orders orders-<n> and orders-<n>-wal, and namespace acme-dev on cluster east has " +
            "a PVC of another owner under such a name: orders-1 (VirtualMachine orders); " +
            "nothing is composed: rename the database",
        ),
      },
      OwnPVCNotInTheWay: {
        reason:
          "A PVC on east that CloudNativePG labelled for orders (left by a Cluster being " +
          "replaced) is its own: the database is composed",
        xr: withDatabases(),
        observed: present(pvc("orders-1", { "cnpg.io/cluster": "orders" })),
        required: dbNeed(withDatabases()),
        want: {
          "at.database": ordersOnHub["database-orders"],
          "condition.volumes": CHECKED,
        },
      },
      NewNextToExisting: {
        reason:
          "A new database waiting for its probe holds back only itself: orders, which east " +
          "reports, stays composed as it is, unprobed",
        xr: withDatabases([ORDERS, { ...ORDERS, name: "billing" }]),
        observed: ordersOnEast(),
        required: dbNeed(withDatabases([ORDERS, { ...ORDERS, name: "billing" }])),
        want: {
          probes: ["east/probe-persistentvolumeclaim-billing-1"],
          "at.database": ordersOnHub["database-orders"],
          "at.billing": undefined,
          "status.databases": [
            expect.objectContaining({ name: "orders", ready: true }) as object,
            expect.objectContaining({ name: "billing", phase: "WaitingForClusterCheck" }) as object,
          ],
        },
      },
      KeptWhenDropped: {
        reason:
          "A protected database dropped from the spec stays on east as east reports it: its " +
          "protection annotation is read back through the Object's status.atProvider.manifest, " +
          "and its backups keep their credentials",
        xr: withDatabases([]),
        observed: ordersOnEast(),
        required: dbNeed(withDatabases([])),
        want: {
          at: {
            "east/database-orders.spec.forProvider.manifest": ordersOnHub["database-orders"],
            "east/objectstore-orders.spec.forProvider.manifest": ordersOnHub["objectstore-orders"],
            "east/backup-orders.spec.forProvider.manifest": ordersOnHub["backup-orders"],
            "east/s3-credentials-pg-backup-s3": COPIED_SECRET,
            "deletion-protection.spec.reason": expect.stringContaining("orders") as string,
          },
          "status.databases": [
            {
              name: "orders",
              ready: true,
              phase: "Cluster in healthy state",
              instances: 1,
              readyInstances: 1,
              host: "orders-rw.acme-dev.svc",
              secretName: "orders-app",
              backups: true,
              kept: true,
            },
          ],
          condition: {
            ...KEPT_ORDERS,
            message: expect.stringContaining("orders (removed from") as string,
          },
          results: [
            {
              severity: "NORMAL",
              reason: "VDCReady",
              message: "VDC acme-dev is ready in namespace acme-dev",
            },
            {
              severity: "WARNING",
              reason: "DatabaseKept",
              message:
                "Database orders is kept: removed from spec.databases, and its " +
                "deletionProtection is true. To delete it, set deletionProtection: false on its " +
                "entry in spec.databases, apply, then remove the entry",
            },
          ],
        },
      },
      KeptBeforeReadBack: {
        reason:
          "A protected database dropped from the spec right after its Object was created, " +
          "before provider-kubernetes read the Cluster back (no status.atProvider yet), is kept " +
          "as the Object sent it: the Cluster may already exist on east",
        xr: withDatabases([]),
        observed: Object.fromEntries(
          Object.entries(ordersOnEast()).map(([k, o]) => [
            k,
            k === "east/database-orders" ? { ...o, status: {} } : o,
          ]),
        ),
        required: dbNeed(withDatabases([])),
        want: {
          at: {
            "east/database-orders.spec.forProvider.manifest": ordersOnHub["database-orders"],
          },
          "status.databases": [
            {
              name: "orders",
              ready: false,
              host: "orders-rw.acme-dev.svc",
              secretName: "orders-app",
              backups: true,
              kept: true,
            },
          ],
        },
      },
      UnprotectedDroppedGoes: {
        reason:
          "A database east reports with deletionProtection false that leaves the spec is no " +
          "longer composed (Crossplane deletes its Objects, and they what they made on east), " +
          "and with it the copy of its credentials",
        xr: withDatabases([]),
        observed: ordersOnEast([{ ...ORDERS, deletionProtection: false }]),
        required: dbNeed(withDatabases([])),
        want: {
          names: placedKeys("east"),
        },
      },
      DowngradeKeptAsObserved: {
        reason:
          "A version that would replace the PostgreSQL 17 cluster east runs is not applied while " +
          "deletionProtection holds: the Cluster stays as east reports it",
        xr: withDatabases([{ ...ORDERS, version: 16 }]),
        observed: ordersOnEast(),
        required: dbNeed(withDatabases([{ ...ORDERS, version: 16 }])),
        want: {
          at: {
            "east/database-orders.spec.forProvider.manifest": ordersOnHub["database-orders"],
          },
          condition: {
            ...KEPT_ORDERS,
            message: expect.stringContaining(
              "orders (version 16 would replace the running PostgreSQL 17 cluster",
            ) as string,
          },
        },
      },
      StorageNeverShrinks: {
        reason:
          "Storage east reports at 50Gi does not shrink to 20Gi: a Fatal, and nothing changes",
        xr: withDatabases([{ ...ORDERS, size: { storage: "20Gi" } }]),
        observed: ordersOnEast(),
        required: dbNeed(withDatabases([{ ...ORDERS, size: { storage: "20Gi" } }])),
        want: refused(
          "Conflict",
          "VDC acme-dev: spec.databases[0].size.storage: cannot shrink from 50Gi to 20Gi: " +
            "storage only grows; set size.storage to at least 50Gi",
        ),
      },
      MoveRefusedWithKeptDatabase: {
        reason:
          "A database kept on east after leaving the spec still pins the VDC there: moving it " +
          "to west is refused",
        xr: placed(
          "west",
          { quota: DB_QUOTA, limits: DB_LIMITS },
          {
            status: { placement: { cluster: "east" }, databases: [{ name: "orders", kept: true }] },
          },
        ),
        observed: ordersOnEast(),
        required: dbNeed(withDatabases([])),
        want: refused(
          "Conflict",
          "VDC acme-dev: spec.placement.cluster: moving from cluster east to cluster west is " +
            "refused while the VDC holds databases (orders): their disks and data live on " +
            "cluster east. Remove them first, or set it back to east",
        ),
      },
    },
    {
      /** Secret values of the hub Secret that appear anywhere in the response. */
      leaked: (out) =>
        Object.values(S3.data as Record<string, string>).filter((v) =>
          JSON.stringify(out).includes(v),
        ),
      "status.databases": (out) => (out.status as { databases?: unknown }).databases,
      condition: (out) => out.conditions.find((c) => c.type === "DatabasesProtected"),
      /** The readiness of the database's Objects and its credentials' copy. */
      "ready.database": (out) =>
        Object.fromEntries(
          Object.entries(out.ready).filter(
            ([k]) => /orders|pg-backup-s3/.test(k) && !k.includes("/probe-"),
          ),
        ),
      /** The probes composed, by key. */
      probes: (out) => Object.keys(out.resources).filter((k) => k.includes("/probe-")),
      /** Whether new databases' PVC names were read on the cluster. */
      "condition.volumes": (out) => out.conditions.find((c) => c.type === "DatabaseVolumesChecked"),
      /** What the VDC asks the hub for under the PVC requirement. */
      "requirements.pvcs": (out) => out.requirements.pvcs,
      /** orders' Cluster as delivered to east. */
      "at.database": (out) => at(out.resources, "east/database-orders.spec.forProvider.manifest"),
      "at.billing": (out) => at(out.resources, "east/database-billing.spec.forProvider.manifest"),
      /** Whether everything composed, on the hub and on east, is ready. */
      "ready.all": (out) => Object.values(out.ready).every((r) => r),
    },
  );
});

// ---- The member namespace is never taken over ----------------------------------------------

/** What a VDC composes for east once it may deliver there: the same for absent and ours. */
const ON_EAST = placedKeys("east");
/** The condition Placed while the probe on `cluster` has no answer. */
const checkingOn = (cluster: string, how: string, more = "") => ({
  type: "Placed",
  status: "False",
  reason: "CheckingCluster",
  message:
    `Not delivered to cluster ${cluster} (${how}) yet: reading namespace acme-dev there ` +
    `first, through the observe-only Object probe.${cluster}.namespace.acme-dev, so a ` +
    `namespace crossvdc did not create is never adopted${more}`,
});
const NAMED = "named in spec.placement";
/** The refusal of a foreign namespace acme-dev on `cluster`, held as `whose` says. */
const takenOn = (cluster: string, field: string, whose: string) => ({
  reason: "Conflict" as const,
  message:
    `VDC acme-dev: ${field}: namespace acme-dev exists on cluster ${cluster} and crossvdc did ` +
    `not create it for VDC acme-dev (${whose}); delivering the VDC there would adopt it, with ` +
    `all it holds, and delete it with the VDC. To hand it over, label it on cluster ` +
    `${cluster} (kubectl label namespace acme-dev crossvdc.io/tenant=acme ` +
    `crossvdc.io/type=vdc crossvdc.io/vdc=acme-dev --overwrite): crossvdc then manages it ` +
    `and deletes it with the VDC. Or place the VDC on another cluster`,
});
const LACKS = "it lacks crossvdc.io/tenant=acme, crossvdc.io/type=vdc, crossvdc.io/vdc=acme-dev";

describe("VDC placement: the member namespace is never taken over", () => {
  runCases({
    ChecksBeforeDelivering: {
      reason:
        "A new VDC placed on east first reads namespace acme-dev on east through an " +
        "observe-only Object (server-side apply would adopt one someone else made): its hub " +
        "namespace and RoleBinding, the probe, nothing for east yet; Placed False says what it " +
        "waits for, and it re-runs soon",
      xr: EAST,
      required: need(EAST),
      want: {
        names: ["east/probe-namespace-acme-dev", "namespace", "rolebinding-admin"],
        at: { "east/probe-namespace-acme-dev": probeOn("east") },
        ready: {
          "east/probe-namespace-acme-dev": false,
          namespace: false,
          "rolebinding-admin": false,
        },
        status: { namespace: "acme-dev", tenant: "acme", phase: "Pending" },
        conditions: [ADMITTED, nothingProtected("acme-dev"), checkingOn("east", NAMED)],
        results: [],
        ttl: 30,
      },
    },
    CheckingKeepsItsUsageReady: {
      reason:
        "A new VDC with a protected database, waiting for east's namespace to be read, judges " +
        "the ClusterUsage that protects it by the hub's copy: Ready there, ready here",
      xr: withDatabases([ORDERS], {}),
      observed: {
        "deletion-protection": {
          ...ordersOnHub["deletion-protection"]!,
          status: { conditions: [{ type: "Ready", status: "True", reason: "Available" }] },
        },
      },
      required: dbNeed(withDatabases([ORDERS], {})),
      want: {
        ready: {
          "deletion-protection": true,
          "east/probe-namespace-acme-dev": false,
          namespace: false,
          "rolebinding-admin": false,
        },
      },
    },
    StillCheckingSaysWhy: {
      reason:
        "A probe that cannot read east (its ClusterProviderConfig fails) is no answer: the VDC " +
        "keeps waiting, and the condition repeats the Object's own message",
      xr: EAST,
      observed: probeSays("east", {
        error: "connect failed: cannot get provider config: east-kubeconfig not found",
      }),
      required: need(EAST),
      want: {
        names: ["east/probe-namespace-acme-dev", "namespace", "rolebinding-admin"],
        conditions: [
          ADMITTED,
          nothingProtected("acme-dev"),
          checkingOn(
            "east",
            NAMED,
            "; the Object reports: connect failed: cannot get provider config: " +
              "east-kubeconfig not found",
          ),
        ],
      },
    },
    AbsentDelivers: {
      reason:
        "The probe found no namespace acme-dev on east: the VDC is delivered, the probe dropped",
      xr: EAST,
      observed: probeSays("east", "absent"),
      required: need(EAST),
      want: {
        names: ON_EAST,
        status: {
          namespace: "acme-dev",
          tenant: "acme",
          phase: "Pending",
          placement: { cluster: "east" },
        },
      },
    },
    OursDelivers: {
      reason:
        "Namespace acme-dev on east carries crossvdc's labels for this VDC (it made it there " +
        "before, or an admin handed it over): the VDC is delivered",
      xr: EAST,
      observed: probeSays("east", memberNamespace(OURS)),
      required: need(EAST),
      want: { names: ON_EAST },
    },
    ForeignRefused: {
      reason:
        "Namespace acme-dev on east is someone else's (Helm made it): a Conflict Fatal naming " +
        "the cluster, the namespace, its holder and how to hand it over; nothing changes",
      xr: EAST,
      observed: probeSays(
        "east",
        memberNamespace({ "app.kubernetes.io/managed-by": "Helm", team: "payments" }),
      ),
      required: need(EAST),
      desired: { namespace: local.namespace! },
      want: {
        fatal: takenOn(
          "east",
          "spec.placement.cluster",
          `${LACKS}; app.kubernetes.io/managed-by="Helm"`,
        ),
      },
    },
    AnotherTenantsRefused: {
      reason:
        "Namespace acme-dev on east is labelled for tenant globex and owned by an Argo CD " +
        "Application: refused, naming both",
      xr: EAST,
      observed: probeSays(
        "east",
        memberNamespace(
          { "crossvdc.io/tenant": "globex", "crossvdc.io/vdc": "acme-dev" },
          {
            ownerReferences: [
              {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Application",
                name: "payments",
                uid: "1",
              },
            ],
          },
        ),
      ),
      required: need(EAST),
      want: {
        fatal: takenOn(
          "east",
          "spec.placement.cluster",
          'it is labelled for tenant "globex"; owned by Application "payments"',
        ),
      },
    },
    PartlyOursRefused: {
      reason:
        "Labelled for this tenant and VDC but not as a VDC's namespace (no crossvdc.io/type): " +
        "crossvdc did not make it; the same rule as on the hub",
      xr: EAST,
      observed: probeSays("east", memberNamespace(labels)),
      required: need(EAST),
      want: { fatal: takenOn("east", "spec.placement.cluster", "it lacks crossvdc.io/type=vdc") },
    },
    SelectorChecksTheDecidedCluster: {
      reason:
        "Placed by selector, the decided cluster is read first too, the Placement and its " +
        "binding composed meanwhile",
      xr: BY_LABEL,
      required: bySelector([decision("east")]),
      want: {
        names: [
          "east/probe-namespace-acme-dev",
          "namespace",
          "placement",
          "placement-binding",
          "rolebinding-admin",
        ],
        conditions: [
          ADMITTED,
          nothingProtected("acme-dev"),
          checkingOn("east", "chosen by the Placement acme-dev/acme-dev"),
        ],
      },
    },
    SelectorForeignRefused: {
      reason: "A foreign namespace on the decided cluster is refused, naming the selector",
      xr: BY_LABEL,
      observed: probeSays("east", memberNamespace({})),
      required: bySelector([decision("east")]),
      want: { fatal: takenOn("east", "spec.placement.clusterSelector", LACKS) },
    },
    HubVDCKeepsAllWhileChecking: {
      reason:
        "A VDC on the hub (no VMs, no databases) placed on east keeps everything on the hub " +
        "while east is read: nothing is deleted before it can move",
      xr: EAST,
      observed: { quota: local.quota! },
      required: need(EAST),
      want: {
        names: [
          "east/probe-namespace-acme-dev",
          "limits",
          "namespace",
          "netpol-allow-dns",
          "netpol-allow-from-namespaces",
          "netpol-allow-same-namespace",
          "netpol-default-deny",
          "quota",
          "rolebinding-admin",
        ],
        conditions: [
          ADMITTED,
          nothingProtected("acme-dev"),
          checkingOn("east", NAMED, "; until then it stays on the hub"),
        ],
      },
    },
    MoveKeepsTheOldClusterWhileChecking: {
      reason:
        "A VDC on east moved to west keeps its Objects on east, and its status says it lives " +
        "there, until west's namespace is read: a refused move loses nothing",
      xr: placed("west", {}, { status: { placement: { cluster: "east" } } }),
      observed: observedOn(EAST, "east"),
      required: need(EAST),
      want: {
        names: [...ON_EAST, "west/probe-namespace-acme-dev"].sort(),
        at: {
          "west/probe-namespace-acme-dev.spec.providerConfigRef.name": "west-kubeconfig",
          "east/quota.spec.providerConfigRef.name": "east-kubeconfig",
        },
        status: onEast("Ready"),
      },
    },
    MoveRefusedOnForeign: {
      reason:
        "West holds a namespace acme-dev of its own: the move is refused and east's Objects " +
        "stay as they came",
      xr: placed("west", {}, { status: { placement: { cluster: "east" } } }),
      observed: { ...observedOn(EAST, "east"), ...probeSays("west", memberNamespace({})) },
      required: need(EAST),
      want: { fatal: takenOn("west", "spec.placement.cluster", LACKS) },
    },
    SteadyStateNoProbe: {
      reason:
        "Once its namespace's Object is observed the VDC reads nothing more: no probe, the " +
        "same objects as before",
      xr: placed("east", {}, { status: { placement: { cluster: "east" } } }),
      observed: observedOn(EAST, "east"),
      required: need(EAST),
      want: { names: ON_EAST },
    },
    AlreadyThereNoProbe: {
      reason:
        "A VDC whose status says it lives on east was delivered there: its namespace Object " +
        "not observed yet (Crossplane creating it) is no reason to read east again",
      xr: placed("east", {}, { status: { placement: { cluster: "east" } } }),
      required: need(EAST),
      want: { names: ON_EAST },
    },
  });
});

// ---- VirtualMachines on a placed VDC ------------------------------------------------------

/** A VDC that lives on east: its status says so (the VM follows the status, not the spec). */
const LIVES_ON_EAST = placed("east", {}, { status: { placement: { cluster: "east" } } });
/** A VM with a root disk and a data disk from DataVolume templates, and user data. */
const APP = vm({
  name: "app",
  spec: {
    image: { url: "https://images.example/fedora-41.qcow2" },
    size: { instanceType: "small" },
    rootDisk: { size: "20Gi" },
    disks: [{ name: "data", size: "20Gi" }],
    cloudInit: { userData: "#cloud-config\npackages: [nginx]\n" },
  },
});
const withAppSpec = (spec: Record<string, unknown>) =>
  ({ ...APP, spec: { ...(APP.spec as object), ...spec } }) as KubeObject;
const vmNeed = (xr: KubeObject, more: Record<string, KubeObject[]> = {}) => ({
  vdc: [LIVES_ON_EAST],
  vms: [xr],
  platform: [SETTINGS],
  ...more,
});
/** What APP composes in the same VDC on the hub: the manifests a placed one delivers. */
const appOnHub = run({ xr: APP, required: { vdc: [vdc()], vms: [APP], vmi: [] } }).resources;
const manifestOf = (key: string) => appOnHub[key];

/**
 * APP's Objects on east as provider-kubernetes reports them: each with the object it reads
 * back in status.atProvider.manifest, the VM running and its instance on node-1.
 */
function appObserved(xr: KubeObject = APP): Record<string, KubeObject> {
  const composed = run({ xr, required: vmNeed(xr) }).resources;
  const out: Record<string, KubeObject> = {};
  for (const [key, r] of Object.entries(composed)) {
    const manifest = structuredClone(
      (r.spec as { forProvider: { manifest: KubeObject } }).forProvider.manifest,
    );
    if (manifest.kind === "VirtualMachine")
      manifest.status = { printableStatus: "Running", ready: true };
    if (manifest.kind === "VirtualMachineInstance")
      manifest.status = {
        phase: "Running",
        nodeName: "node-1",
        interfaces: [{ name: "default", ipAddress: "10.128.0.7", ipAddresses: ["10.128.0.7"] }],
      };
    out[key] = { ...r, status: { atProvider: { manifest } } };
  }
  return out;
}

describe("VirtualMachine on a placed VDC", () => {
  runCases({
    AsksForTheSettingsNotTheInstance: {
      reason:
        "A VM of a VDC on east asks for the platform settings (the ClusterProviderConfig that " +
        "reaches east) and not for its VirtualMachineInstance on the hub, which need not serve " +
        "KubeVirt kinds: the instance is read on east through an Object",
      xr: APP,
      required: { vdc: [LIVES_ON_EAST] },
      want: { requirements: { ...vmRequirements(), platform: PLATFORM } },
    },
    DeliveredThroughObjects: {
      reason:
        "A new VM of a VDC on east is the hub's VM and cloud-init Secret, each wrapped in an " +
        "Object that east's ClusterProviderConfig delivers, plus an observe-only Object that " +
        "reads its instance; the XR stays on the hub, Provisioning until east reports the VM",
      xr: APP,
      required: vmNeed(APP),
      want: {
        names: ["east/cloudinit", "east/vm", "east/vmi"],
        at: {
          "east/vm.metadata": {
            name: "east-virtualmachine-app",
            namespace: "acme-dev",
            labels: { ...labels, "crossvdc.io/vm": "app", "crossvdc.io/cluster": "east" },
          },
          "east/vm.spec": {
            forProvider: { manifest: manifestOf("vm") },
            providerConfigRef: { kind: "ClusterProviderConfig", name: "east-kubeconfig" },
          },
          "east/cloudinit.spec.forProvider.manifest": manifestOf("cloudinit"),
          "east/vmi.spec": {
            managementPolicies: ["Observe"],
            forProvider: {
              manifest: {
                apiVersion: "kubevirt.io/v1",
                kind: "VirtualMachineInstance",
                metadata: { name: "app", namespace: "acme-dev" },
              },
            },
            providerConfigRef: { kind: "ClusterProviderConfig", name: "east-kubeconfig" },
          },
        },
        ready: { "east/cloudinit": false, "east/vm": false, "east/vmi": true },
        status: {
          backend: "kubevirt",
          phase: "Provisioning",
          ready: false,
          ipAddresses: [],
          cpu: 1,
          memory: "2Gi",
        },
      },
    },
    StatusFromTheCluster: {
      reason:
        "Once the Objects read the VM and its instance back, the XR's phase, readiness, IP and " +
        "node come from east, as they would from the hub",
      xr: APP,
      observed: appObserved(),
      required: vmNeed(APP),
      want: {
        ready: { "east/cloudinit": true, "east/vm": true, "east/vmi": true },
        status: {
          backend: "kubevirt",
          phase: "Running",
          state: "Running",
          ready: true,
          ipAddresses: ["10.128.0.7"],
          node: "node-1",
          cpu: 1,
          memory: "2Gi",
        },
      },
    },
    NoInstanceReaderWhileStopped: {
      reason:
        "A VM asked to stop has no instance, and an observe-only Object of a missing object " +
        "is an error in provider-kubernetes: the reader is composed only while the VM runs " +
        "(removing it deletes nothing on east)",
      xr: withAppSpec({ running: false }),
      required: vmNeed(withAppSpec({ running: false })),
      want: {
        names: ["east/cloudinit", "east/vm"],
        at: { "east/vm.spec.forProvider.manifest.spec.runStrategy": "Halted" },
      },
    },
    RootDiskNeverReplaced: {
      reason:
        "The root disk's image is read from the VM east reports (its ledger annotations), so " +
        "a new image is refused across the boundary as on the hub",
      xr: withAppSpec({ image: { url: "https://images.example/fedora-42.qcow2" } }),
      observed: appObserved(),
      required: vmNeed(APP),
      want: refused(
        "Conflict",
        "VirtualMachine acme-dev/app: spec.image: the root disk was made from " +
          "url:https://images.example/fedora-41.qcow2 and cannot be replaced by " +
          "url:https://images.example/fedora-42.qcow2: a new image means a new root disk and " +
          "the data on the current one would be lost. Keep spec.image as it was, or create a " +
          "new VirtualMachine from the new image and delete this one once its data is no " +
          "longer needed; nothing was changed",
      ),
    },
    DisksNeverShrink: {
      reason: "A data disk east reports at 20Gi does not shrink to 10Gi",
      xr: withAppSpec({ disks: [{ name: "data", size: "10Gi" }] }),
      observed: appObserved(),
      required: vmNeed(APP),
      want: refused(
        "Conflict",
        'VirtualMachine acme-dev/app: spec.disks[0].size: cannot shrink disk "data" from 20Gi ' +
          "to 10Gi: disks only grow, set it to 20Gi or more; nothing was changed",
      ),
    },
    DeletionProtectionOnTheHub: {
      reason:
        "deletionProtection's Usage protects the XR, which is on the hub: it is composed there, " +
        "never wrapped for the cluster",
      xr: withAppSpec({ deletionProtection: true }),
      required: vmNeed(withAppSpec({ deletionProtection: true })),
      want: {
        names: ["deletion-protection", "east/cloudinit", "east/vm", "east/vmi"],
        at: {
          "deletion-protection.apiVersion": "protection.crossplane.io/v1beta1",
          "deletion-protection.metadata.namespace": "acme-dev",
          "deletion-protection.spec.of": {
            apiVersion: "crossvdc.io/v1alpha1",
            kind: "VirtualMachine",
            resourceRef: { name: "app" },
          },
        },
      },
    },
    QuotaOnTheHub: {
      reason:
        "Quota admission stays on the hub and counts the VDC's VMs wherever they run: a new VM " +
        "that does not fit is refused before anything is delivered",
      xr: withAppSpec({ size: { instanceType: "xlarge" } }),
      required: vmNeed(withAppSpec({ size: { instanceType: "xlarge" } }), {
        vdc: [
          placed("east", { quota: { cpu: 2 } }, { status: { placement: { cluster: "east" } } }),
        ],
      }),
      want: {
        results: [
          {
            severity: "FATAL",
            reason: "OverQuota",
            message: expect.stringContaining("over the quota of VDC acme-dev") as string,
          },
        ],
      },
    },
    WaitsForItsVDCToBePlaced: {
      reason:
        "A new VM of a VDC whose spec places it but whose status does not say where yet waits, " +
        "rather than be made on the hub and moved",
      xr: APP,
      required: vmNeed(APP, { vdc: [EAST] }),
      want: refused(
        "WaitingForDependency",
        "VirtualMachine acme-dev/app: metadata.namespace: VDC acme-dev is to live on a member " +
          "cluster (spec.placement) and is not placed yet (no status.placement.cluster); the " +
          "VM is composed on that cluster once it is",
      ),
    },
    AHubVMKeepsReadingItsInstance: {
      reason:
        "A VM running on the hub while its VDC's move to east is refused (it holds VMs) keeps " +
        "asking the hub for its VirtualMachineInstance, where it runs: without it its IP would " +
        "leave status for as long as the move is refused",
      xr: APP,
      observed: { vm: { ...manifestOf("vm")!, status: { printableStatus: "Running" } } },
      required: { vdc: [EAST] },
      want: { requirements: vmRequirements({ instance: "app" }) },
    },
    AHubVMKeepsItsIP: {
      reason:
        "With its instance read on the hub, that VM's IP and node stay in status, as before the " +
        "VDC's spec named a cluster",
      xr: APP,
      observed: {
        vm: { ...manifestOf("vm")!, status: { printableStatus: "Running", ready: true } },
      },
      required: {
        vdc: [EAST],
        vms: [APP],
        vmi: [
          {
            apiVersion: "kubevirt.io/v1",
            kind: "VirtualMachineInstance",
            metadata: { name: "app", namespace: "acme-dev" },
            status: {
              phase: "Running",
              nodeName: "hub-node-2",
              interfaces: [{ name: "default", ipAddress: "10.0.0.9", ipAddresses: ["10.0.0.9"] }],
            },
          },
        ],
      },
      want: {
        names: ["cloudinit", "vm"],
        status: {
          backend: "kubevirt",
          phase: "Running",
          state: "Running",
          ready: true,
          ipAddresses: ["10.0.0.9"],
          node: "hub-node-2",
          cpu: 1,
          memory: "2Gi",
        },
      },
    },
    AHubVMStaysOnTheHub: {
      reason:
        "A VM that exists on the hub stays there while its VDC's spec names a cluster (the VDC " +
        "refuses that move while it holds VMs)",
      xr: APP,
      observed: { vm: { ...manifestOf("vm")!, status: { printableStatus: "Running" } } },
      required: { vdc: [EAST], vms: [APP], vmi: [] },
      want: { names: ["cloudinit", "vm"] },
    },
    NeverMovedBetweenClusters: {
      reason:
        "A VM that exists on the hub is not composed on east, where its VDC now lives: that " +
        "would make a new VM there and delete this one with its disks",
      xr: APP,
      observed: { vm: { ...manifestOf("vm")!, status: { printableStatus: "Running" } } },
      required: vmNeed(APP),
      want: refused(
        "Conflict",
        "VirtualMachine acme-dev/app: this VM exists on the hub, and VDC acme-dev lives on " +
          "member cluster east: VMs are not moved between clusters, as that would lose their " +
          "disks; nothing was changed",
      ),
    },
    ClusterWithoutProviderConfig: {
      reason:
        "A VDC on a cluster the platform settings cannot reach: a Fatal naming the cluster " +
        "and the setting",
      xr: APP,
      required: vmNeed(APP, { platform: [] }),
      want: refused(
        "WaitingForDependency",
        "VirtualMachine acme-dev/app: metadata.namespace: VDC acme-dev lives on member " +
          "cluster east, which has no providerConfigRef in the platform settings " +
          "(EnvironmentConfig crossvdc data.clusters.east), so nothing can be delivered to it",
      ),
    },
    ProxmoxNotDelivered: {
      reason:
        "A Proxmox VDC's VMs are provider-proxmox-bpg resources, not objects on the cluster: " +
        "on a placed VDC they are refused rather than wrapped",
      xr: APP,
      required: vmNeed(APP, {
        vdc: [
          placed(
            "east",
            {
              backend: {
                type: "proxmox",
                providerConfigRef: { name: "pve-lab", kind: "ClusterProviderConfig" },
                node: "pve1",
                datastore: "local-lvm",
                bridge: "vmbr0",
              },
            },
            { status: { placement: { cluster: "east" } } },
          ),
        ],
      }),
      want: refused(
        "InvalidSpec",
        "VirtualMachine acme-dev/app: metadata.namespace: VDC acme-dev lives on member " +
          "cluster east and runs VMs on Proxmox, whose VMs crossvdc does not deliver to " +
          "member clusters; nothing was composed",
      ),
    },
    MigrationNotYet: {
      reason: "A migration into a placed VDC is refused, not half-built: Forklift runs on the hub",
      xr: vm({
        name: "legacy",
        spec: {
          size: { instanceType: "small" },
          source: { migration: { source: "vcenter", vm: { name: "legacy" } } },
        },
      }),
      required: vmNeed(APP),
      want: refused(
        "InvalidSpec",
        "VirtualMachine acme-dev/legacy: spec.source.migration: VDC acme-dev lives on member " +
          "cluster east, and migrations into a placed VDC are not supported yet (Forklift " +
          "runs on the hub); nothing was composed",
      ),
    },
  });
});

// The same rule in the XRD, as the API server enforces it: the CEL rule of
// spec.placement.clusterSelector.matchExpressions[] in apis/vdcs/definition.yaml.
describe("the VDC XRD checks a selector requirement's values", () => {
  const RULE = "must be non-empty for In and NotIn, and empty for Exists and DoesNotExist";
  const cases: { name: string; reason: string; requirement: object; want: boolean }[] = [
    {
      name: "InWithValues",
      reason: "In with values is a selector OCM can decide on",
      requirement: { key: "site", operator: "In", values: ["edge"] },
      want: false,
    },
    {
      name: "NotInWithoutValues",
      reason: "NotIn needs values",
      requirement: { key: "site", operator: "NotIn" },
      want: true,
    },
    {
      name: "InWithEmptyValues",
      reason: "An empty list is no values",
      requirement: { key: "site", operator: "In", values: [] },
      want: true,
    },
    {
      name: "Exists",
      reason: "Exists takes no values",
      requirement: { key: "gpu", operator: "Exists" },
      want: false,
    },
    {
      name: "DoesNotExistWithValues",
      reason: "DoesNotExist with values is refused",
      requirement: { key: "gpu", operator: "DoesNotExist", values: ["true"] },
      want: true,
    },
  ];
  it.each(cases)("$name", ({ reason, requirement, want }) => {
    const xr = vdc({
      spec: { placement: { clusterSelector: { matchExpressions: [requirement] } } },
    });
    const errors = validateResource(JSON.parse(JSON.stringify(xr)) as KubeObject);
    expect(
      errors.some((e) => e.includes(RULE)),
      `${reason}: ${errors.join("; ")}`,
    ).toBe(want);
    if (!want) expect(errors, reason).toEqual([]);
  });
});
