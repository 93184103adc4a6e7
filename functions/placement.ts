// VDCs on member clusters (issue 20). A VDC with spec.placement keeps its namespace and its
// people's RoleBindings on the hub, where its VirtualMachine XRs live; everything that belongs
// on the member cluster is wrapped in provider-kubernetes Objects in that hub namespace, and the
// Objects' observed manifests are unwrapped into the observed resources the composers already
// read, so status, quota usage and the "nothing lost" rules work as for a VDC on the hub.
//
// provider-kubernetes (crossplane-contrib/provider-kubernetes, the schemas pinned at 350ef9a):
// apis/namespaced/object/v1alpha1/types.go declares the namespaced Object; its controller
// (internal/controller/namespaced/object/object.go) applies spec.forProvider.manifest through
// the ClusterProviderConfig named in spec.providerConfigRef (resolveProviderConfig), and
// Observe writes the object it reads back to status.atProvider.manifest (setAtProvider).
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import { byName, type Composed, type KubeObject, type Refusal } from "./compose.js";
import { dnsName, LABEL_TENANT, LABEL_VDC, nameList } from "./names.js";
import type { PlatformSettings } from "./platform.js";
import { merged } from "./speed.js";
import { vmsRequirement } from "./vdc/operator-paths.js";

export const OBJECT_API_VERSION = "kubernetes.m.crossplane.io/v1alpha1";
export const OBJECT_KIND = "Object";
/** The member cluster an Object delivers to: `kubectl get objects -l crossvdc.io/cluster=east`. */
export const LABEL_CLUSTER = "crossvdc.io/cluster";

/** How the keys of probes (functions/probe.ts) start after `<cluster>/`; no composer key does. */
export const PROBE_KEY_PREFIX = "probe-";

/** The composition resource name of what `key` names, delivered to `cluster`. */
export function memberKey(cluster: string, key: string): string {
  return `${cluster}/${key}`;
}

/**
 * The Objects in `observed` that deliver to `cluster`, each with the key it wraps. Probes
 * (functions/probe.ts) are left out: what they read is not the VDC's.
 */
function* objectsOn(
  observed: Record<string, KubeObject>,
  cluster: string,
): Generator<[string, KubeObject]> {
  const prefix = memberKey(cluster, "");
  for (const key in observed) {
    if (!key.startsWith(prefix) || key.startsWith(PROBE_KEY_PREFIX, prefix.length)) continue;
    const o = observed[key]!;
    if (o.apiVersion === OBJECT_API_VERSION && o.kind === OBJECT_KIND)
      yield [key.slice(prefix.length), o];
  }
}

/** `v` when it is an object a manifest can be, else undefined. */
const manifestOf = (v: unknown): KubeObject | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as KubeObject) : undefined;

/**
 * The objects on `cluster` as the composers know them: each Object of that cluster keyed by the
 * key it wraps, as the object its status.atProvider.manifest says exists there. An Object not
 * observed yet (or not synced) gives nothing, as a local object not created yet does.
 */
export function unwrapObserved(
  observed: Record<string, KubeObject>,
  cluster: string,
): Record<string, KubeObject> {
  const out: Record<string, KubeObject> = {};
  for (const [key, o] of objectsOn(observed, cluster)) {
    const read = manifestOf((o.status as AtProvider | undefined)?.atProvider?.manifest);
    if (read) out[key] = read;
  }
  return out;
}

/**
 * The objects `cluster`'s Objects were sent to make there but have not read back yet (no
 * status.atProvider.manifest: just created, or never synced), keyed as `unwrapObserved` keys
 * them: each as its Object's spec.forProvider.manifest says. The object may already exist there,
 * so a composer that must not drop what exists (a database) counts these too.
 */
export function sentNotRead(
  observed: Record<string, KubeObject>,
  cluster: string,
): Record<string, KubeObject> {
  const out: Record<string, KubeObject> = {};
  for (const [key, o] of objectsOn(observed, cluster)) {
    if ((o.status as AtProvider | undefined)?.atProvider?.manifest) continue;
    const sent = manifestOf(
      (o.spec as { forProvider?: { manifest?: unknown } } | undefined)?.forProvider?.manifest,
    );
    if (sent) out[key] = sent;
  }
  return out;
}

interface AtProvider {
  atProvider?: { manifest?: unknown };
}

/**
 * The observed resources that are the hub's own (a Usage, the hub namespace): every key but
 * those of Objects delivering to a cluster (`<cluster>/<key>`).
 */
export function hubObserved(observed: Record<string, KubeObject>): Record<string, KubeObject> {
  const out: Record<string, KubeObject> = {};
  for (const key in observed) if (!key.includes("/")) out[key] = observed[key]!;
  return out;
}

/** Properties of `wrapObject()`. */
export interface WrapProps {
  /** The object to create on the member cluster. */
  readonly manifest: KubeObject;
  /** The ManagedCluster it goes to. */
  readonly cluster: string;
  /** The ClusterProviderConfig that reaches that cluster. */
  readonly providerConfig: string;
  /** The hub namespace the Object lives in: the VDC's. */
  readonly namespace: string;
  /** The Object's labels: the composer's, never input. */
  readonly labels: Record<string, string>;
  /**
   * Only read the object, never create, change or delete it (managementPolicies [Observe]):
   * for what the cluster makes itself, such as a VM's VirtualMachineInstance. Its manifest
   * names what to read (apiVersion, kind, name, namespace); provider-kubernetes gets the object
   * by those and treats an Object without Create or Update as up to date (handleObservation in
   * internal/controller/namespaced/object/object.go), so the manifest is never applied.
   * @default false
   */
  readonly observeOnly?: boolean;
}

/**
 * A provider-kubernetes Object that creates `manifest` on the member cluster. Its name is the
 * cluster, the kind and the name of what it wraps (hashed past 63 characters, by dnsName), so
 * two objects of one VDC never share an Object. Readiness stays the default SuccessfulCreate:
 * the function reads the observed manifest itself, as for a local object.
 */
export function wrapObject(p: WrapProps): KubeObject {
  const md = p.manifest.metadata ?? {};
  return {
    apiVersion: OBJECT_API_VERSION,
    kind: OBJECT_KIND,
    metadata: {
      name: dnsName(p.cluster, p.manifest.kind.toLowerCase(), md.name ?? ""),
      namespace: p.namespace,
      labels: Object.assign({}, p.labels, { [LABEL_CLUSTER]: p.cluster }),
    },
    spec: {
      forProvider: { manifest: p.manifest },
      providerConfigRef: { kind: "ClusterProviderConfig", name: p.providerConfig },
      ...(p.observeOnly ? { managementPolicies: ["Observe"] } : {}),
    },
  };
}

/** Properties of `copiedSecret()`. */
export interface CopiedSecretProps {
  /** The Secret in the VDC's hub namespace; its copy on the cluster has its name. */
  readonly name: string;
  /** The keys to copy; the copy holds only these. */
  readonly keys: readonly string[];
  readonly cluster: string;
  readonly providerConfig: string;
  /** The VDC's namespace, on the hub and on the cluster. */
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/**
 * An Object that keeps a copy of the hub Secret `name` (only `keys`) in the namespace of the
 * same name on the cluster, for what reads it there (a database's backup credentials). Its
 * manifest holds no data: provider-kubernetes copies each key with `spec.references[].patchesFrom`
 * on every observe, reading the hub Secret through its control-plane client (resolveReferencies,
 * `c.localClient`, in internal/controller/namespaced/object/object.go), and `toFieldPath` is
 * relative to `spec.forProvider.manifest` (patchFieldValueToObject in
 * apis/namespaced/object/v1alpha1/types.go). So the function never holds a value, and a rotated
 * Secret reaches the cluster on the Object's next poll. A key is quoted in brackets
 * (crossplane-runtime pkg/fieldpath): a dotted or all-digit key stays one field name.
 */
export function copiedSecret(p: CopiedSecretProps): KubeObject {
  const object = wrapObject({
    manifest: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
      type: "Opaque",
    },
    cluster: p.cluster,
    providerConfig: p.providerConfig,
    namespace: p.namespace,
    labels: p.labels,
  });
  const path = (key: string) => `data['${key}']`;
  const references = p.keys.map((key) => ({
    patchesFrom: {
      apiVersion: "v1",
      kind: "Secret",
      name: p.name,
      namespace: p.namespace,
      fieldPath: path(key),
    },
    toFieldPath: path(key),
  }));
  return merged(object, { spec: merged(object.spec ?? {}, { references }) });
}

/** Keys a placed VDC composes on the hub as well: its namespace and the people in it. */
export function staysOnHub(key: string): boolean {
  return key === "namespace" || key.startsWith("rolebinding-");
}

/** Crossplane's own objects (a Usage of the XR itself) protect the XR on the hub: never sent. */
export function hubOnlyKind(r: KubeObject): boolean {
  return r.apiVersion.startsWith("protection.crossplane.io/");
}

/**
 * What stays on the hub of what the composer made, ready as the hub reports it; a hub-only kind
 * as the composer judged it (it reads the hub's observed copy: a Usage is ready once Ready).
 */
export function hubOnly(
  resources: Record<string, Composed>,
  observed: Record<string, KubeObject>,
): Record<string, Composed> {
  const out: Record<string, Composed> = {};
  for (const key in resources) {
    const r = resources[key]!.resource;
    if (hubOnlyKind(r)) {
      out[key] = resources[key]!;
      continue;
    }
    if (!staysOnHub(key)) continue;
    const seen = observed[key];
    const ready =
      key === "namespace"
        ? (seen?.status as { phase?: unknown } | undefined)?.phase === "Active"
        : seen !== undefined;
    out[key] = { resource: r, ready };
  }
  return out;
}

/** Properties of `placeResources()`. */
export interface PlaceProps {
  /** What the composer made for the cluster, by key, readiness from the unwrapped observed. */
  readonly resources: Record<string, Composed>;
  readonly cluster: string;
  readonly providerConfig: string;
  /** The VDC's namespace, on the hub and on the cluster. */
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The hub's own observed resources, for the readiness of what stays on the hub. */
  readonly observed: Record<string, KubeObject>;
}

/**
 * What a placed VDC composes: every resource wrapped for the cluster, plus the hub's copy of
 * its namespace and RoleBindings (VM XRs and people work in the hub namespace).
 */
export function placeResources(p: PlaceProps): Record<string, Composed> {
  const out = hubOnly(p.resources, p.observed);
  for (const key in p.resources) {
    const r = p.resources[key]!;
    if (hubOnlyKind(r.resource)) continue;
    out[memberKey(p.cluster, key)] = {
      resource: wrapObject({
        manifest: r.resource,
        cluster: p.cluster,
        providerConfig: p.providerConfig,
        namespace: p.namespace,
        labels: p.labels,
      }),
      ready: r.ready,
    };
  }
  return out;
}

/** Where a VDC lives now: a cluster, the hub, or nowhere yet (a new VDC). */
export type Location = { cluster: string } | "hub" | undefined;

/**
 * Where the VDC's objects are now: the cluster its status records, else the hub when the hub's
 * ResourceQuota of the VDC exists (it was composed there before placement), else nowhere.
 */
export function currentLocation(
  status: Record<string, unknown>,
  observed: Record<string, KubeObject>,
): Location {
  const placed = (status.placement as { cluster?: unknown } | undefined)?.cluster;
  if (typeof placed === "string" && placed !== "") return { cluster: placed };
  return observed.quota ? "hub" : undefined;
}

export function locationName(l: Location): string {
  return l === undefined ? "nowhere" : l === "hub" ? "the hub" : `cluster ${l.cluster}`;
}

/** The VirtualMachine XRs of the namespace, when the VDC is or was placed (to refuse a move). */
export function placementRequirements(
  ns: string,
  placed: boolean,
): Record<string, ResourceSelector> {
  return placed ? vmsRequirement(ns) : {};
}

/** Properties of `placementProblem()`. */
export interface PlacementCheck {
  readonly vdc: string;
  /** spec.placement.cluster, or undefined to live on the hub. */
  readonly target: string | undefined;
  readonly current: Location;
  /** Tenant.spec.clusters[].name of the VDC's tenant. */
  readonly tenantClusters: readonly string[];
  readonly tenant: string;
  readonly settings: PlatformSettings;
  /** The VirtualMachine XRs in the VDC's namespace. */
  readonly vms: readonly KubeObject[];
  /** The databases the VDC holds: in its spec, or kept by deletionProtection. */
  readonly databases: readonly string[];
}

/** Why the VDC cannot be placed where its spec says, or undefined when it can. */
export function placementProblem(c: PlacementCheck): Refusal | undefined {
  const what = `VDC ${c.vdc}`;
  if (c.target !== undefined) {
    if (!c.tenantClusters.includes(c.target))
      return {
        reason: "InvalidSpec",
        fatal:
          `${what}: spec.placement.cluster: cluster ${c.target} is not one of tenant ` +
          `${c.tenant}'s clusters (Tenant spec.clusters: ` +
          `${nameList(c.tenantClusters) || "none"}); ` +
          `a platform admin adds it there first`,
      };
    if (!c.settings.clusters[c.target])
      return {
        reason: "WaitingForDependency",
        fatal:
          `${what}: spec.placement.cluster: cluster ${c.target} has no providerConfigRef in the ` +
          `platform settings (EnvironmentConfig crossvdc data.clusters.${c.target}), so ` +
          `nothing can be delivered to it`,
      };
  }
  const from = c.current;
  const moving =
    from !== undefined && (from === "hub" ? c.target !== undefined : from.cluster !== c.target);
  if (!moving) return undefined;
  const vms = c.vms
    .map((v) => v.metadata?.name ?? "")
    .filter((n) => n !== "")
    .sort();
  if (vms.length === 0 && c.databases.length === 0) return undefined;
  const held = [
    ...(vms.length ? [`VMs (${nameList(vms)})`] : []),
    ...(c.databases.length ? [`databases (${nameList(c.databases)})`] : []),
  ].join(" and ");
  const to = c.target === undefined ? "the hub" : `cluster ${c.target}`;
  const back = from === "hub" ? "remove spec.placement" : `set it back to ${from.cluster}`;
  return {
    reason: "Conflict",
    fatal:
      `${what}: spec.placement${c.target === undefined ? "" : ".cluster"}: moving from ` +
      `${locationName(from)} to ${to} is refused while the VDC holds ${held}: their disks and ` +
      `data live on ${locationName(from)}. Remove them first, or ${back}`,
  };
}

/** The labels of a VDC's Objects. */
export function placedLabels(tenant: string, vdc: string): Record<string, string> {
  return { [LABEL_TENANT]: tenant, [LABEL_VDC]: vdc };
}

// ---- placement by clusterSelector: Open Cluster Management chooses ------------------------------
// open-cluster-management-io/api v1.3.0 cluster/v1beta1/types_placement.go: a Placement selects
// from the ManagedClusterSets bound to its namespace (spec.clusterSets narrows them), picks at
// most numberOfClusters, and writes its choice to PlacementDecisions labelled
// cluster.open-cluster-management.io/placement=<placement name> (types_placementdecision.go
// PlacementLabel). cluster/v1beta2/types_managedclustersetbinding.go: a binding is named after
// the set it binds (spec.clusterSet must equal its name), and whoever creates it needs the
// verb create on managedclustersets/bind.

export const PLACEMENT_API_VERSION = "cluster.open-cluster-management.io/v1beta1";
export const BINDING_API_VERSION = "cluster.open-cluster-management.io/v1beta2";
export const PLACEMENT_LABEL = "cluster.open-cluster-management.io/placement";
/** Requirement key of the VDC's PlacementDecisions. */
export const DECISIONS_KEY = "placement-decisions";

/** The PlacementDecisions of the VDC's Placement (named like the VDC, in its namespace). */
export function decisionRequirements(
  ns: string,
  bySelector: boolean,
): Record<string, ResourceSelector> {
  if (!bySelector) return {};
  return {
    [DECISIONS_KEY]: {
      apiVersion: PLACEMENT_API_VERSION,
      kind: "PlacementDecision",
      namespace: ns,
      matchLabels: { labels: { [PLACEMENT_LABEL]: ns } },
    },
  };
}

/** The cluster the decisions name: the first non-empty one, PlacementDecisions by name. */
export function decidedCluster(decisions: KubeObject[]): string | undefined {
  for (const d of byName(decisions)) {
    const list = (d.status as { decisions?: unknown } | undefined)?.decisions;
    if (!Array.isArray(list)) continue;
    for (const c of list as { clusterName?: unknown }[])
      if (typeof c?.clusterName === "string" && c.clusterName !== "") return c.clusterName;
  }
  return undefined;
}

/** Properties of `placementObjects()`. */
export interface PlacementObjectsProps {
  /** The VDC: names the Placement and its namespace. */
  readonly vdc: string;
  readonly labels: Record<string, string>;
  readonly clusterSet: string;
  readonly selector: {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  readonly observed: Record<string, KubeObject>;
}

/** The Placement that chooses one cluster and the binding of its ManagedClusterSet, on the hub. */
export function placementObjects(p: PlacementObjectsProps): Record<string, Composed> {
  const labelSelector = {
    ...(p.selector.matchLabels ? { matchLabels: p.selector.matchLabels } : {}),
    ...(p.selector.matchExpressions ? { matchExpressions: p.selector.matchExpressions } : {}),
  };
  return {
    "placement-binding": {
      resource: {
        apiVersion: BINDING_API_VERSION,
        kind: "ManagedClusterSetBinding",
        metadata: { name: p.clusterSet, namespace: p.vdc, labels: p.labels },
        spec: { clusterSet: p.clusterSet },
      },
      ready: p.observed["placement-binding"] !== undefined,
    },
    placement: {
      resource: {
        apiVersion: PLACEMENT_API_VERSION,
        kind: "Placement",
        metadata: { name: p.vdc, namespace: p.vdc, labels: p.labels },
        spec: {
          clusterSets: [p.clusterSet],
          numberOfClusters: 1,
          predicates: [{ requiredClusterSelector: { labelSelector } }],
        },
      },
      ready: p.observed.placement !== undefined,
    },
  };
}
