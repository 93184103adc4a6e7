// VDC: one tenant's namespace with quota, limits, network isolation and members.
// Admission happens here: the VDC's quota must fit in what its tenant has left.
import { LimitRange } from "kubernetes-models/v1/LimitRange";
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import { API_VERSION, type XRDSpec } from "../api.js";
import {
  admitInOrder,
  chargingOrder,
  demandOf,
  fits,
  formatOne,
  parseBudget,
  zero,
  type Amounts,
} from "../budget.js";
import {
  compareText,
  composer,
  phaseEvents,
  TTL_SETTLING,
  TTL_STEADY,
  type Composed,
  type ComposeInput,
  type ComposeOutput,
  type KubeObject,
  type Refusal,
  type XRCondition,
} from "../compose.js";
import {
  existing,
  namespace,
  namespacePhase,
  roleBinding,
  subjectsOf,
  build,
  withLabels,
  type NamespacedProps,
} from "../k8s.js";
import { baselinePolicies, Namespaces, networkPolicy, Peer } from "../network-policy.js";
import {
  currentLocation,
  placedLabels,
  placementProblem,
  placementRequirements,
  placeResources,
  unwrapObserved,
  decidedCluster,
  decisionRequirements,
  DECISIONS_KEY,
  hubOnly,
  placementObjects,
  copiedSecret,
  memberKey,
  sentNotRead,
  type Location,
} from "../placement.js";
import { probed, probeKey, probeObject } from "../probe.js";
import { platformRequirement, platformSettings, type PlatformSettings } from "../platform.js";
import { isDnsLabel, LABEL_TENANT, LABEL_TYPE, LABEL_VDC, MAX_NAME, nameList } from "../names.js";
import { parseCached, parseOrThrow } from "../parse.js";
import { formatQuantity, parseQuantity, percent } from "../quantity.js";
import { merged } from "../speed.js";
import { BUDGET_KEYS, type Tier } from "../tenant/api.js";
import { budgetOf, tenantSpec } from "../tenant/api.js";
import {
  memberNamespaceRefusal,
  NAMESPACE_KEY,
  namespaceRefusal,
  namespaceRequirement,
  tenantNamespace,
} from "../namespaces.js";
import {
  DESTINATION_PROVIDER,
  QUOTA_KEYS,
  vdcSpec,
  vdcStatus,
  type QuotaKey,
  type VDCSpec,
} from "./api.js";
import { listed, PROTECTION_CONDITION, selfUsage, USAGE_KEY } from "../usage.js";
import {
  backupCredentials,
  composeDatabases,
  copiedCredentialsKey,
  databaseRequirements,
  isDatabaseKey,
  PVCS_KEY,
} from "./databases.js";
import { composeMigration, migrationRequirements } from "./migration.js";
import { volumeProbes } from "./volume-probes.js";
import {
  operatorPolicies,
  pathRequirements,
  VMS_KEY,
  type MigrationSourceEndpoint,
} from "./operator-paths.js";

/** What the placed path hands `here` besides the request. */
interface LocalInput extends ComposeInput<VDCSpec> {
  /**
   * New databases whose PVC names the member cluster has not been read for yet
   * (vdc/volume-probes.ts): they wait, not composed.
   */
  readonly unchecked?: ReadonlySet<string>;
  /** The member cluster the VDC is delivered to, for messages about its namespace there. */
  readonly cluster?: string;
}

/** A VDC composed where Crossplane runs: what every VDC composed before placement existed. */
const here = composer({
  apiVersion: API_VERSION,
  kind: "VDC",
  spec: vdcSpec,

  requirements: (xr, _fetched, observed) => ({
    tenant: { apiVersion: API_VERSION, kind: "Tenant", matchName: xr.spec.tenantRef.name },
    // The tenant's VDCs only: the admission policy (package/people) makes every VDC carry this
    // label with its spec.tenantRef, and a VDC without it is refused below, so
    // none escapes the budget.
    vdcs: {
      apiVersion: API_VERSION,
      kind: "VDC",
      matchLabels: { labels: { [LABEL_TENANT]: xr.spec.tenantRef.name } },
    },
    ...migrationRequirements(xr.metadata.name, xr.spec, xr.status),
    ...databaseRequirements(xr.metadata.name, xr.spec, observed),
    // Where DNS and the operators run, for the isolation policies.
    ...platformRequirement(),
    ...pathRequirements(xr.metadata.name, xr.spec),
    // Its namespace, if it exists: one crossvdc did not create for this VDC is not adopted.
    ...namespaceRequirement(xr.metadata.name),
    // A VDC that is or was placed on a member cluster: its VMs, since they pin it there.
    ...placementRequirements(
      xr.metadata.name,
      xr.spec.placement !== undefined || currentLocation(xr.status, {}) !== undefined,
    ),
    // Placed by selector: what Open Cluster Management decided.
    ...decisionRequirements(xr.metadata.name, xr.spec.placement?.clusterSelector !== undefined),
  }),

  compose(input) {
    const { xr, observed, required } = input;
    const name = xr.metadata.name;
    const tenantName = xr.spec.tenantRef.name;
    const admission = admit(name, xr.metadata, xr.spec, required);
    if ("fatal" in admission) return admission;
    const { tenantSpec: owner, remaining } = admission;
    const platform = platformSettings(required);
    if ("fatal" in platform) return platform;
    const { settings } = platform;

    const ns = name;
    const labels = { [LABEL_TENANT]: tenantName, [LABEL_VDC]: name };
    const refusal = namespaceRefusal({
      kind: "VDC",
      name,
      namespace: ns,
      owner: withLabels(labels, { [LABEL_TYPE]: "vdc" }),
      settings,
      found: required[NAMESPACE_KEY],
    });
    if (refusal) return refusal;
    const resources: Record<string, Composed> = {
      namespace: namespace({
        name: ns,
        labels: withLabels(labels, {
          [LABEL_TYPE]: "vdc",
        }),
        observed: observed.namespace,
      }),
      quota: existing(
        resourceQuota({ namespace: ns, labels, quota: xr.spec.quota }),
        observed.quota,
      ),
      limits: existing(
        limitRange({ namespace: ns, labels, limits: xr.spec.limits }),
        observed.limits,
      ),
    };
    const netpols = policies({
      namespace: ns,
      labels,
      tenant: tenantName,
      spec: xr.spec,
      settings,
    });
    for (const key in netpols) resources[key] = existing(netpols[key]!, observed[key]);
    const m = xr.spec.members;
    const bindings = {
      admin: subjectsOf(owner.admins, m.admins),
      edit: subjectsOf(m.editors),
      view: subjectsOf(m.viewers),
    };
    for (const role of ["admin", "edit", "view"] as const) {
      const subjects = bindings[role];
      if (subjects.length === 0) continue;
      const key = `rolebinding-${role}`;
      resources[key] = existing(
        roleBinding({ name: `vdc-${role}`, namespace: ns, labels, clusterRole: role, subjects }),
        observed[key],
      );
    }

    const databases = composeDatabases({
      vdc: name,
      ns,
      labels,
      spec: xr.spec,
      tier: owner.tier,
      settings,
      observed,
      required,
      previouslyKept: keptBefore(xr.status),
      unchecked: (input as LocalInput).unchecked,
      cluster: (input as LocalInput).cluster,
    });
    if ("fatal" in databases) return databases;
    const migration = composeMigration({
      vdc: name,
      ns,
      labels,
      spec: xr.spec,
      observed,
      required,
    });
    if ("fatal" in migration) return migration;
    Object.assign(resources, databases.resources, migration.resources);
    if (xr.spec.network.isolation === "isolated") {
      const paths = operatorPolicies({
        namespace: ns,
        labels,
        settings,
        sources: composedSources(migration.resources),
        vms: required[VMS_KEY] ?? [],
      });
      for (const key in paths) resources[key] = existing(paths[key]!, observed[key]);
    }
    const protection = protectionOf({
      name,
      spec: xr.spec,
      kept: keptBefore(databases.status),
    });
    if (protection.reason)
      resources[USAGE_KEY] = selfUsage({
        kind: "VDC",
        name,
        labels,
        reason: protection.reason,
        observed: observed[USAGE_KEY],
      });

    const phase = namespacePhase(resources, observed.namespace);
    const status = parseOrThrow(
      vdcStatus,
      {
        namespace: ns,
        tenant: tenantName,
        phase,
        usage: usage(observed.quota),
        ...databases.status,
        ...migration.status,
      },
      name,
    );
    return {
      resources,
      status,
      conditions: [
        {
          type: "BudgetAdmitted",
          status: "True",
          reason: "WithinTenantBudget",
          message: `Admitted; tenant ${tenantName} has ${remaining} left`,
        },
        ...databases.conditions,
        ...migration.conditions,
        protection.condition,
      ],
      events: [
        ...phaseEvents(xr.status.phase, phase, {
          Ready: {
            severity: "Normal",
            reason: "VDCReady",
            message: `VDC ${name} is ready in namespace ${ns}`,
          },
          Failed: {
            severity: "Warning",
            reason: "NamespaceTerminating",
            message: `Namespace ${ns} is terminating`,
          },
        }),
        ...databases.events,
      ],
      ttlSeconds: phase === "Ready" ? TTL_STEADY : TTL_SETTLING,
    };
  },
});

/**
 * The VDC composer. Without spec.placement (and never placed) it is `here`, byte for byte; a
 * placed VDC is composed by `here` against what its Objects observe on the member cluster,
 * then wrapped for delivery (functions/placement.ts).
 */
export const vdc = composer({
  apiVersion: API_VERSION,
  kind: "VDC",
  spec: vdcSpec,
  requirements(xr, fetched, observed) {
    const asked = here.requirements(xr, fetched, observed);
    // On a member cluster a new database's PVC names are read there, by probes: not the hub's.
    const current = currentLocation(xr.status, observed);
    const onMember =
      (current !== undefined && current !== "hub") ||
      (xr.spec.placement !== undefined && current === undefined);
    if (!onMember || !(PVCS_KEY in asked)) return asked;
    const { [PVCS_KEY]: _, ...rest } = asked;
    return rest;
  },
  compose(input) {
    const { xr, observed, required } = input;
    const current = currentLocation(xr.status, observed);
    if (xr.spec.placement === undefined && (current === undefined || current === "hub"))
      return here.compose(input);
    const name = xr.metadata.name;
    const tenantName = xr.spec.tenantRef.name;
    const settings = platformSettings(required);
    const owner = parseCached(tenantSpec, required.tenant?.[0]?.spec ?? {}, tenantName);
    if ("fatal" in settings || !required.tenant?.[0] || !owner.success) {
      // A missing or invalid Tenant or setting: the local composer names it as for any VDC.
      const refused = here.compose(input);
      return "fatal" in refused
        ? refused
        : {
            reason: "InternalError",
            fatal: `VDC ${name}: internal error: placement without a valid Tenant`,
          };
    }
    const tenantClusters = owner.data.clusters.map((c) => c.name);
    const labels = placedLabels(tenantName, name);
    const selector = xr.spec.placement?.clusterSelector;
    // By selector: the cluster it lives on (a later decision does not move it), else OCM's.
    let target = xr.spec.placement?.cluster;
    let ocm: Record<string, Composed> = {};
    let decided: string | undefined;
    if (selector) {
      ocm = placementObjects({
        vdc: name,
        labels,
        clusterSet: settings.settings.clusterSet,
        selector,
        observed,
      });
      decided = decidedCluster(required[DECISIONS_KEY] ?? []);
      if (current !== undefined && current !== "hub") target = current.cluster;
      else if (decided !== undefined && tenantClusters.includes(decided)) target = decided;
      else return undecided({ input, current, decided, ocm, tenant: tenantName });
    }
    const databases = [
      ...xr.spec.databases.map((d) => d.name),
      ...[...keptBefore(xr.status)].filter((n) => !xr.spec.databases.some((d) => d.name === n)),
    ];
    const problem = placementProblem({
      vdc: name,
      target,
      current,
      tenantClusters,
      tenant: tenantName,
      settings: settings.settings,
      vms: required[VMS_KEY] ?? [],
      databases,
    });
    if (problem) return problem;
    // Back to the hub: the Objects on the old cluster go, as the move allows (nothing held).
    if (target === undefined) return here.compose(input);
    const unsupported = placedUnsupported(xr.spec);
    if (unsupported) return { reason: "InvalidSpec", fatal: `VDC ${name}: ${unsupported}` };
    const providerConfig = settings.settings.clusters[target]!.providerConfigRef.name;
    const how = selector ? `chosen by the Placement ${name}/${name}` : "named in spec.placement";
    // Not delivered to the target yet (a new placement, a move): what has the VDC's name there
    // is read first, so a namespace crossvdc did not create is never adopted (functions/probe.ts).
    // A VDC already there (or its namespace's Object observed) costs nothing more.
    const livesThere = current !== undefined && current !== "hub" && current.cluster === target;
    if (!livesThere && observed[memberKey(target, MEMBER_NAMESPACE_KEY)] === undefined) {
      const seen = probed(observed[probeKey(namespaceProbe(target, name))]);
      if (seen.state === "present") {
        const refusal = memberNamespaceRefusal({
          vdc: name,
          cluster: target,
          field: selector ? "spec.placement.clusterSelector" : "spec.placement.cluster",
          owner: withLabels(labels, { [LABEL_TYPE]: "vdc" }),
          found: seen.object,
        });
        if (refusal) return refusal;
      } else if (seen.state === "unknown")
        return checking({
          input,
          tier: owner.data.tier,
          current,
          target,
          providerConfig,
          how,
          labels,
          ocm,
        });
    }
    // Admission and every other rule as for any VDC, against what the cluster reports.
    const tier = owner.data.tier;
    const delivered = deliver({ input, tier, cluster: target, providerConfig, labels });
    if ("fatal" in delivered) return delivered;
    const { local, resources, unread } = delivered;
    Object.assign(resources, ocm);
    const stays =
      selector && decided !== undefined && decided !== target
        ? `; the PlacementDecision now names ${decided}, which is not followed: a VDC moves ` +
          `only by an explicit spec.placement.cluster`
        : "";
    return {
      resources,
      status: merged(local.status, { placement: { cluster: target } }),
      events: local.events,
      ttlSeconds: unread.size ? TTL_SETTLING : local.ttlSeconds,
      conditions: [
        ...local.conditions,
        ...(xr.spec.databases.length ? [volumesChecked(target, unread)] : []),
        {
          type: "Placed",
          status: "True",
          reason: "OnMemberCluster",
          message:
            `Delivered to cluster ${target} (${how}) through provider-kubernetes Objects in ` +
            `namespace ${name}${stays}`,
        },
      ],
    };
  },
});

/** What a composer returns when it composes. */
type Composition = Exclude<ComposeOutput, Refusal>;

/** The composer's key of the VDC's namespace: delivered as `<cluster>/namespace`. */
const MEMBER_NAMESPACE_KEY = "namespace";

/** The VDC's namespace on `cluster`, as a probe reads it. */
function namespaceProbe(cluster: string, vdc: string) {
  return { cluster, kind: "Namespace", name: vdc };
}

/** Properties of `deliver()`. */
interface DeliverProps {
  readonly input: ComposeInput<VDCSpec>;
  /** The tenant's tier, which sizes a database without its own instances. */
  readonly tier: Tier;
  readonly cluster: string;
  /** The ClusterProviderConfig that reaches the cluster. */
  readonly providerConfig: string;
  readonly labels: Record<string, string>;
}

/**
 * The VDC on a member cluster: composed as on the hub against what its Objects there report,
 * then wrapped for delivery, with its hub namespace and RoleBindings (functions/placement.ts).
 */
function deliver(p: DeliverProps): Refusal | Delivered {
  const { xr, observed, required } = p.input;
  const there = unwrapObserved(observed, p.cluster);
  // The ClusterUsage that protects the VDC is the hub's own, and its readiness counts too.
  if (observed[USAGE_KEY]) there[USAGE_KEY] = observed[USAGE_KEY];
  // A database whose Object has not read its Cluster back yet exists as far as the rules go:
  // new, it would be probed and could be held back; dropped, kept as its annotation says.
  const sent = sentNotRead(observed, p.cluster);
  for (const key in sent) if (isDatabaseKey(key)) there[key] ??= sent[key]!;
  const delivery = {
    cluster: p.cluster,
    providerConfig: p.providerConfig,
    namespace: xr.metadata.name,
    labels: p.labels,
  };
  // A new database's PVC names are read on the cluster, not the hub: the PVCs there under
  // those names go to the same check (pvcClashes), and a database waits until all are read.
  const probes = volumeProbes({ spec: xr.spec, tier: p.tier, there, observed, ...delivery });
  const localInput: LocalInput = {
    xr,
    observed: there,
    required: merged(required, { [PVCS_KEY]: probes.present }),
    unchecked: new Set(probes.unread.keys()),
    cluster: p.cluster,
  };
  const local = here.compose(localInput);
  if ("fatal" in local) return local;
  const resources = placeResources({ resources: local.resources, observed, ...delivery });
  Object.assign(resources, probes.resources);
  // The backup credentials the databases read on the cluster: copies of the tenant's Secrets
  // in the hub namespace, whose keys the local composer checked (never their values).
  for (const [secret, keys] of backupCredentials(local.resources)) {
    const key = copiedCredentialsKey(secret);
    resources[memberKey(p.cluster, key)] = {
      resource: copiedSecret({ name: secret, keys, ...delivery }),
      ready: there[key] !== undefined,
    };
  }
  return { local, resources, unread: probes.unread };
}

/** What `deliver()` makes of a VDC on a cluster. */
interface Delivered {
  readonly local: Composition;
  readonly resources: Record<string, Composed>;
  /** New databases whose PVC names are not read on the cluster yet, with those names. */
  readonly unread: ReadonlyMap<string, string[]>;
}

/** Properties of `checking()`. */
interface CheckingProps {
  readonly input: ComposeInput<VDCSpec>;
  /** The tenant's tier. */
  readonly tier: Tier;
  /** Where the VDC lives now. */
  readonly current: Location;
  /** The cluster it is to be delivered to, whose namespace is being read. */
  readonly target: string;
  /** The ClusterProviderConfig that reaches the target. */
  readonly providerConfig: string;
  /** How the target was chosen, for the condition. */
  readonly how: string;
  readonly labels: Record<string, string>;
  /** The Placement and its binding, when placed by selector. */
  readonly ocm: Record<string, Composed>;
}

/**
 * A VDC to be delivered to a cluster whose namespace of its name is not read yet: what it has
 * where it is (all of it on the hub, on the cluster it moves from, or its hub namespace and
 * RoleBindings for a new VDC), its Placement, and the probe that reads the namespace on the
 * target; nothing for the target until the probe says the namespace is absent or the VDC's.
 */
function checking(p: CheckingProps): ComposeOutput {
  const { xr, observed, required } = p.input;
  const name = xr.metadata.name;
  const { current } = p;
  let resources: Record<string, Composed>;
  let local: Composition;
  let status: Record<string, unknown>;
  let where: string;
  if (current === "hub" || current === undefined) {
    const kept = current === "hub" ? stayOnHub(p.input) : notPlacedYet(p.input);
    if ("fatal" in kept) return kept;
    ({ local, resources, status } = kept);
    where = current === "hub" ? "; until then it stays on the hub" : "";
  } else {
    const settings = platformSettings(required);
    const reach = "fatal" in settings ? undefined : settings.settings.clusters[current.cluster];
    if (!reach)
      return {
        reason: "WaitingForDependency",
        fatal:
          `VDC ${name}: status.placement.cluster: cluster ${current.cluster}, where the VDC ` +
          `lives, has no providerConfigRef in the platform settings (EnvironmentConfig ` +
          `crossvdc data.clusters.${current.cluster}), so its Objects there cannot be kept ` +
          `while it moves to cluster ${p.target}`,
      };
    const from = deliver({
      input: p.input,
      tier: p.tier,
      cluster: current.cluster,
      providerConfig: reach.providerConfigRef.name,
      labels: p.labels,
    });
    if ("fatal" in from) return from;
    ({ local, resources } = from);
    status = merged(local.status, { placement: { cluster: current.cluster } });
    where = `; until then it stays on cluster ${current.cluster}`;
  }
  const target = namespaceProbe(p.target, name);
  const probe = probeObject({
    target: { apiVersion: "v1", kind: "Namespace", name },
    cluster: p.target,
    providerConfig: p.providerConfig,
    namespace: name,
    labels: p.labels,
  });
  const key = probeKey(target);
  // Not ready: the VDC is not where its spec says yet.
  resources[key] = { resource: probe, ready: false };
  Object.assign(resources, p.ocm);
  const reports = syncedMessage(observed[key]);
  return {
    resources,
    status,
    conditions: [
      ...local.conditions,
      {
        type: "Placed",
        status: "False",
        reason: "CheckingCluster",
        message:
          `Not delivered to cluster ${p.target} (${p.how}) yet: reading namespace ${name} ` +
          `there first, through the observe-only Object ${probe.metadata!.name!}, so a ` +
          `namespace crossvdc did not create is never adopted${where}` +
          (reports ? `; the Object reports: ${reports}` : ""),
      },
    ],
    events: local.events,
    ttlSeconds: TTL_SETTLING,
  };
}

/** What a probe's Synced condition says, if anything: why it has no answer yet. */
function syncedMessage(o: KubeObject | undefined): string | undefined {
  const conditions = (o?.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  const synced = (conditions as { type?: unknown; message?: unknown }[]).find(
    (c) => c?.type === "Synced",
  );
  const m = synced?.message;
  return typeof m === "string" && m !== "" ? m.slice(0, MAX_REPORTED) : undefined;
}

/** How much of a provider's message a condition repeats. */
const MAX_REPORTED = 256;

/**
 * Whether the placed VDC's new databases wait for their PVC names to be read on the cluster:
 * one there under such a name, of another owner, would be adopted by the new Cluster.
 */
function volumesChecked(cluster: string, unread: ReadonlyMap<string, string[]>): XRCondition {
  if (unread.size === 0)
    return {
      type: VOLUMES_CHECKED,
      status: "True",
      reason: "Checked",
      message: `No database waits for a check of cluster ${cluster}`,
    };
  const waiting = [...unread.keys()]
    .sort(compareText)
    .map((db) => `${db} (${nameList(unread.get(db)!)})`);
  return {
    type: VOLUMES_CHECKED,
    status: "False",
    reason: "CheckingCluster",
    message:
      `New databases wait until cluster ${cluster} is checked for PVCs under the names ` +
      `CloudNativePG would give theirs, not read yet: ${waiting.join("; ")}`,
  };
}

/** The condition of a placed VDC with databases: are new databases' PVC names read there? */
export const VOLUMES_CHECKED = "DatabaseVolumesChecked";

/** What a VDC keeps where it is while it waits to be delivered to a cluster. */
interface Kept {
  readonly local: Composition;
  /** A copy the caller may add to (its Placement, a probe). */
  readonly resources: Record<string, Composed>;
  readonly status: Record<string, unknown>;
}

/** A VDC on the hub waiting to move: all of it stays there, as composed for the hub. */
function stayOnHub(input: ComposeInput<VDCSpec>): Refusal | Kept {
  const local = here.compose(input);
  if ("fatal" in local) return local;
  return { local, resources: { ...local.resources }, status: local.status };
}

/**
 * A new VDC waiting for a cluster (a decision, or the target's namespace to be read): composed
 * with nothing of its own observed but its Usage on the hub, and of that only what stays on the
 * hub, so nothing is sent anywhere yet.
 */
function notPlacedYet(input: ComposeInput<VDCSpec>): Refusal | Kept {
  const { xr, observed, required } = input;
  const usage = observed[USAGE_KEY];
  const local = here.compose({ xr, observed: usage ? { [USAGE_KEY]: usage } : {}, required });
  if ("fatal" in local) return local;
  return {
    local,
    resources: hubOnly(local.resources, observed),
    status: { namespace: xr.metadata.name, tenant: xr.spec.tenantRef.name, phase: "Pending" },
  };
}

interface UndecidedProps {
  readonly input: ComposeInput<VDCSpec>;
  readonly current: Location;
  /** The cluster OCM decided on, which the tenant may not use; undefined: no decision yet. */
  readonly decided: string | undefined;
  /** The Placement and its binding. */
  readonly ocm: Record<string, Composed>;
  readonly tenant: string;
}

/**
 * A VDC placed by selector with no cluster to go to yet: its Placement and binding, and what it
 * has where it is (all of it on the hub, or its hub namespace and RoleBindings for a new VDC);
 * a decision the tenant may not use is not followed, with a Warning and the condition Placed.
 */
function undecided(p: UndecidedProps): ComposeOutput {
  const { xr } = p.input;
  const onHub = p.current === "hub";
  const kept = onHub ? stayOnHub(p.input) : notPlacedYet(p.input);
  if ("fatal" in kept) return kept;
  const { local, resources, status } = kept;
  Object.assign(resources, p.ocm);
  const name = xr.metadata.name;
  const why =
    p.decided === undefined
      ? `waiting for the PlacementDecision of Placement ${name}/${name}`
      : `the PlacementDecision of Placement ${name}/${name} chose cluster ${p.decided}, which ` +
        `is not one of tenant ${p.tenant}'s clusters (Tenant spec.clusters); it is not followed`;
  return {
    resources,
    status,
    conditions: [
      ...local.conditions,
      {
        type: "Placed",
        status: "False",
        reason: p.decided === undefined ? "WaitingForPlacementDecision" : "ClusterNotAllowed",
        message: `Not on a member cluster: ${why}`,
      },
    ],
    events:
      p.decided === undefined
        ? local.events
        : [
            ...local.events,
            { severity: "Warning", reason: "ClusterNotAllowed", message: `VDC ${name}: ${why}` },
          ],
    ttlSeconds: TTL_SETTLING,
  };
}

/**
 * What a placed VDC cannot have yet, so it is refused rather than half-built: Forklift's
 * destination would be the hub.
 */
function placedUnsupported(spec: VDCSpec): string | undefined {
  if (spec.migration.sources.length)
    return (
      "spec.migration.sources: migration sources are not supported on a placed VDC yet " +
      "(Forklift would migrate onto the hub); remove them or spec.placement"
    );
  return undefined;
}

/**
 * The migration sources whose Provider is composed, in the spec or kept for a
 * running Plan: what Forklift's pods connect to.
 */
function composedSources(resources: Record<string, Composed>): MigrationSourceEndpoint[] {
  const out: MigrationSourceEndpoint[] = [];
  for (const key in resources) {
    const r = resources[key]!.resource;
    if (r.kind !== "Provider" || r.metadata?.name === DESTINATION_PROVIDER) continue;
    const spec = r.spec as { type?: unknown; url?: unknown } | undefined;
    if (typeof spec?.type === "string" && typeof spec.url === "string")
      out.push({ type: spec.type as MigrationSourceEndpoint["type"], url: spec.url });
  }
  return out;
}

interface ProtectionProps {
  readonly name: string;
  readonly spec: VDCSpec;
  /** Databases kept by deletionProtection after leaving the spec (or a change replacing them). */
  readonly kept: ReadonlySet<string>;
}

/**
 * What deleting the VDC would take that deletionProtection keeps: its databases with
 * deletionProtection, kept ones too. The reason goes on the VDC's ClusterUsage, so the API
 * server's refusal names them. (A VirtualMachine's spec.deletionProtection guards that XR only:
 * reading every VM of the namespace on each VDC reconcile is not done; see the README.)
 */
function protectionOf(p: ProtectionProps): { reason?: string; condition: XRCondition } {
  const databases = [
    ...new Set([
      ...p.spec.databases.filter((d) => d.deletionProtection).map((d) => d.name),
      ...p.kept,
    ]),
  ].sort(compareText);
  if (databases.length === 0)
    return {
      condition: {
        type: PROTECTION_CONDITION,
        status: "False",
        reason: "NothingProtected",
        message:
          `No database of VDC ${p.name} has deletionProtection: ` +
          `deleting the VDC deletes its namespace and everything in it`,
      },
    };
  const reason =
    `VDC ${p.name} holds databases with deletionProtection: ${listed(databases)}, which ` +
    `deleting the VDC would delete with its namespace. To delete it, set deletionProtection: ` +
    `false on each in spec.databases (one that left spec.databases: add its entry back with ` +
    `false), wait for the VDC's next reconcile (within 2 minutes) to remove this protection, ` +
    `and delete it again`;
  return {
    reason,
    condition: {
      type: PROTECTION_CONDITION,
      status: "True",
      reason: "DatabasesProtected",
      message: reason,
    },
  };
}

/** Names of the databases the XR's status last reported as kept by deletionProtection. */
function keptBefore(status: { databases?: unknown }): Set<string> {
  const dbs = Array.isArray(status.databases)
    ? (status.databases as { name?: unknown; kept?: unknown }[])
    : [];
  return new Set(
    dbs
      .filter((d) => d && d.kept === true && typeof d.name === "string")
      .map((d) => d.name as string),
  );
}

type Admission = Refusal | { tenantSpec: ReturnType<typeof tenantSpec.parse>; remaining: string };

/** Name, tenant and budget checks; any failure is Fatal so nothing existing is touched. */
function admit(
  name: string,
  metadata: { creationTimestamp?: string; labels?: Record<string, string> },
  spec: VDCSpec,
  required: Record<string, KubeObject[]>,
): Admission {
  const created = metadata.creationTimestamp;
  const tenantName = spec.tenantRef.name;
  const what = `VDC ${name}`;
  if (!name.startsWith(`${tenantName}-`) || name.length === tenantName.length + 1) {
    return {
      fatal:
        `${what}: metadata.name: must start with "${tenantName}-" (the tenant's name), so ` +
        `tenants cannot take each other's names`,
      reason: "InvalidSpec",
    };
  }
  if (name.length > MAX_NAME)
    return {
      fatal:
        `${what}: metadata.name: must be at most ${MAX_NAME} characters, because it names ` +
        `the VDC's namespace`,
      reason: "InvalidSpec",
    };
  if (!isDnsLabel(name))
    return {
      fatal:
        `${what}: metadata.name: must be a DNS-1123 label (lower case alphanumerics and ` +
        `'-'), because it names the VDC's namespace`,
      reason: "InvalidSpec",
    };
  const label = labelProblem(name, tenantName, metadata.labels);
  if (label) return { fatal: `${what}: ${label}`, reason: "InvalidSpec" };
  const owner = required.tenant?.[0];
  if (!owner)
    return {
      fatal: `${what}: spec.tenantRef.name: Tenant "${tenantName}" does not exist`,
      reason: "WaitingForDependency",
    };
  const parsed = parseCached(tenantSpec, owner.spec ?? {}, tenantName);
  if (!parsed.success)
    return {
      fatal:
        `${what}: spec.tenantRef.name: Tenant "${tenantName}" has an invalid spec; fix the ` +
        `Tenant first`,
      reason: "WaitingForDependency",
    };
  let budget: Amounts;
  try {
    budget = parseBudget(budgetOf(parsed.data));
  } catch (err) {
    return {
      fatal:
        `${what}: spec.tenantRef.name: Tenant "${tenantName}" ` +
        `spec.quota: ${(err as Error).message}`,
      reason: "WaitingForDependency",
    };
  }
  // Charge the VDCs created before this one, then this one: older VDCs keep their share.
  const self: KubeObject = {
    apiVersion: API_VERSION,
    kind: "VDC",
    metadata: { name, creationTimestamp: created },
    spec,
  };
  const siblings = (required.vdcs ?? []).filter((v) => v.metadata?.name !== name);
  const order = chargingOrder([...siblings, self], tenantName);
  const at = order.indexOf(self);
  // One walk in charging order: the VDCs before this one, this one, then the rest
  // against what is left, so each sibling's demand is computed once.
  const { allocated, admitted: held } = admitInOrder(
    order.slice(0, at),
    BUDGET_KEYS,
    demandOf,
    budget,
  );
  const admitted = held.map((v) => v.metadata?.name ?? "");
  const demand = demandOf(self);
  const over = fits(allocated, demand, budget);
  if (over.length) {
    const details = over.map((k) => {
      const excess = allocated[k] + demand[k] - budget[k];
      const figure = k === "vdcs" ? "number of VDCs" : `spec.quota.${k}`;
      return (
        `${figure}: asks ${formatOne(k, demand[k])} but tenant ${tenantName} ` +
        `has ${formatOne(k, budget[k] - allocated[k])} of ${formatOne(k, budget[k])} left ` +
        `(held by ${nameList(admitted) || "no other VDC"}); over by ${formatOne(k, excess)}`
      );
    });
    return {
      fatal: `${what}: over the budget of tenant ${tenantName}: ${details.join("; ")}`,
      reason: "OverBudget",
    };
  }
  // What the tenant has left once every admitted VDC, older or newer, is charged.
  const rest = zero();
  for (const k of BUDGET_KEYS) rest[k] = budget[k] - allocated[k] - demand[k];
  const later = admitInOrder(order.slice(at + 1), BUDGET_KEYS, demandOf, rest).allocated;
  const left = zero();
  for (const k of BUDGET_KEYS) left[k] = rest[k] - later[k];
  const remaining =
    `cpu ${formatOne("cpu", left.cpu)}, memory ${formatOne("memory", left.memory)}, ` +
    `storage ${formatOne("storage", left.storage)}, vms ${formatOne("vms", left.vms)}, ` +
    `vdcs ${formatOne("vdcs", left.vdcs)}`;
  return { tenantSpec: parsed.data, remaining };
}

/**
 * Why the VDC's tenant label is wrong, if it is. Siblings find each other by it, so a VDC
 * without it (made before the admission policy) would be invisible to its tenant's budget.
 */
export function labelProblem(
  name: string,
  tenant: string,
  labels: Record<string, string> | undefined,
): string | undefined {
  const got: unknown = labels?.[LABEL_TENANT];
  if (got === tenant) return undefined;
  const now =
    typeof got === "string" ? `is ${JSON.stringify(got.slice(0, MAX_NAME))}` : "is missing";
  return (
    `metadata.labels["${LABEL_TENANT}"]: ${now} but must be "${tenant}" ` +
    `(spec.tenantRef.name): a tenant's VDCs find each other by this label for the budget, ` +
    `and the admission policy requires it. Label the VDC (kubectl label ` +
    `vdc ${name} ${LABEL_TENANT}=${tenant} --overwrite); what it composed stays as it is ` +
    `until then`
  );
}

/** Properties of the VDC's ResourceQuota. */
interface ResourceQuotaProps extends NamespacedProps {
  /** spec.quota: one hard limit per quota key. */
  readonly quota: VDCSpec["quota"];
}

/** ResourceQuota `vdc-quota`: spec.quota as the ResourceQuota's hard limits. */
function resourceQuota(props: ResourceQuotaProps): KubeObject {
  const hard: Record<string, string> = {};
  for (const key in QUOTA_KEYS)
    hard[QUOTA_KEYS[key as QuotaKey]] = String(props.quota[key as QuotaKey]);
  return build(ResourceQuota, {
    metadata: { name: "vdc-quota", namespace: props.namespace, labels: props.labels },
    spec: { hard },
  });
}

/** Properties of the VDC's LimitRange. */
interface LimitRangeProps extends NamespacedProps {
  /** spec.limits: container defaults and maxima. */
  readonly limits: VDCSpec["limits"];
}

/** LimitRange `vdc-limits`: spec.limits for every container of the VDC. */
function limitRange(props: LimitRangeProps): KubeObject {
  const limits = props.limits;
  return build(LimitRange, {
    metadata: { name: "vdc-limits", namespace: props.namespace, labels: props.labels },
    spec: {
      limits: [
        {
          type: "Container",
          default: { cpu: limits.defaultCpu, memory: limits.defaultMemory },
          defaultRequest: { cpu: limits.defaultRequestCpu, memory: limits.defaultRequestMemory },
          max: { cpu: limits.maxCpu, memory: limits.maxMemory },
        },
      ],
    },
  });
}

interface PoliciesProps {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly tenant: string;
  readonly spec: VDCSpec;
  readonly settings: PlatformSettings;
}

/**
 * An isolated VDC's own policies: the baseline, its tenant's and the listed
 * namespaces in, the listed egress out.
 */
function policies(p: PoliciesProps): Record<string, KubeObject> {
  const net = p.spec.network;
  if (net.isolation === "open") return {};
  const common = { namespace: p.namespace, labels: p.labels };
  const out = baselinePolicies({ dns: p.settings.dns, ...common });
  const tenantNs = tenantNamespace(p.tenant);
  out["netpol-allow-from-namespaces"] = networkPolicy({
    name: "allow-from-namespaces",
    ingress: [
      {
        from: [
          Peer.pods({
            namespace: Namespaces.anyOf([
              tenantNs,
              ...net.allowFromNamespaces.filter((n) => n !== tenantNs),
            ]),
          }),
        ],
      },
    ],
    ...common,
  });
  if (net.allowEgress.length) {
    out["netpol-allow-egress"] = networkPolicy({
      name: "allow-egress",
      egress: net.allowEgress.map((e) => ({
        to: [Peer.ipBlock(e.cidr)],
        ports: e.ports.length
          ? e.ports.map((port) => ({ port: port.port, protocol: port.protocol }))
          : undefined,
      })),
      ...common,
    });
  }
  return out;
}

/**
 * Usage per quota key from the observed ResourceQuota's status, as `kubectl
 * describe quota` shows it.
 */
function usage(observed: KubeObject | undefined): Record<string, unknown> | undefined {
  const st = observed?.status as
    { used?: Record<string, string>; hard?: Record<string, string> } | undefined;
  if (!st?.hard) return undefined;
  const out: Record<string, unknown> = {};
  for (const key in QUOTA_KEYS) {
    const rq = QUOTA_KEYS[key as QuotaKey];
    const hard = st.hard[rq];
    if (hard === undefined) continue;
    const used = st.used?.[rq] ?? "0";
    try {
      const u = parseQuantity(used);
      const h = parseQuantity(hard);
      out[key] = {
        used: formatQuantity(
          u,
          key === "memory" || key === "storage" ? "bytes" : key === "cpu" ? "cpu" : "count",
        ),
        hard,
        percent: Math.floor(percent(u, h)),
      };
    } catch {
      // A quantity Kubernetes wrote but we cannot read is left out rather than guessed.
    }
  }
  return out;
}

export const vdcXRD: XRDSpec = {
  kind: "VDC",
  plural: "vdcs",
  singular: "vdc",
  scope: "Cluster",
  categories: ["crossvdc"],
  description:
    "A virtual data center: a namespace of one tenant with quota, limits, network " +
    "isolation and members.",
  spec: vdcSpec,
  status: vdcStatus.meta({
    description: "Observed state of the VDC, as the composition function reports it.",
  }),
  printerColumns: [
    { name: "Tenant", type: "string", jsonPath: ".spec.tenantRef.name" },
    { name: "Display Name", type: "string", jsonPath: ".spec.displayName", priority: 1 },
    { name: "Phase", type: "string", jsonPath: ".status.phase" },
    { name: "CPU", type: "string", jsonPath: ".spec.quota.cpu" },
    { name: "Memory", type: "string", jsonPath: ".spec.quota.memory" },
    { name: "CPU Used %", type: "integer", jsonPath: ".status.usage.cpu.percent", priority: 1 },
    {
      name: "Memory Used %",
      type: "integer",
      jsonPath: ".status.usage.memory.percent",
      priority: 1,
    },
  ],
};
