// Tenant: a namespace for the tenant's own objects, its admins bound to
// `admin` there, isolation policies, and the budget its VDCs share.
import {
  ClusterRole,
  ClusterRoleBinding,
  type ISubject,
} from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { API_VERSION, GROUP, TENANT_ADMIN_VERB, type XRDSpec } from "../api.js";
import { allocate, format, parseBudget, zero } from "../budget.js";
import { parseOrThrow } from "../parse.js";
import {
  compareText,
  composer,
  phaseEvents,
  TTL_SETTLING,
  TTL_STEADY,
  type Composed,
  type KubeObject,
} from "../compose.js";
import { build, existing, namespace, namespacePhase, roleBinding, subjectsOf } from "../k8s.js";
import { baselinePolicies } from "../network-policy.js";
import { platformRequirement, platformSettings } from "../platform.js";
import {
  prefixedName,
  isDnsLabel,
  LABEL_TENANT,
  LABEL_TYPE,
  MAX_LISTED,
  MAX_NAME,
  nameList,
} from "../names.js";
import {
  NAMESPACE_KEY,
  namespaceRefusal,
  namespaceRequirement,
  TENANT_NAMESPACE_PREFIX,
  tenantNamespace,
} from "../namespaces.js";
import { listed, PROTECTION_CONDITION, selfUsage, USAGE_KEY } from "../usage.js";
import { BUDGET_KEYS } from "./api.js";
import { budgetOf, tenantSpec, tenantStatus } from "./api.js";
import { clusterRequirements, composeClusters } from "./clusters.js";

export { TENANT_NAMESPACE_PREFIX, tenantNamespace } from "../namespaces.js";

export const tenant = composer({
  apiVersion: API_VERSION,
  kind: "Tenant",
  spec: tenantSpec,

  requirements: (xr) => ({
    // Its VDCs, by the label the admission policy requires to equal spec.tenantRef (still filtered
    // by spec.tenantRef below: a VDC made before the policy may carry another tenant's label).
    vdcs: {
      apiVersion: API_VERSION,
      kind: "VDC",
      matchLabels: { labels: { [LABEL_TENANT]: xr.metadata.name } },
    },
    ...clusterRequirements(tenantNamespace(xr.metadata.name), xr.spec.clusters),
    // Where cluster DNS runs, for the isolation policies and the platform's namespaces.
    ...platformRequirement(),
    // Its home namespace, if it exists: one crossvdc did not create is not adopted.
    ...namespaceRequirement(tenantNamespace(xr.metadata.name)),
  }),

  compose({ xr, observed, required }) {
    const name = xr.metadata.name;
    const ns = tenantNamespace(name);
    if (ns.length > MAX_NAME) {
      return {
        fatal:
          `Tenant ${name}: metadata.name: must be at ` +
          `most ${MAX_NAME - TENANT_NAMESPACE_PREFIX.length} characters, so that ` +
          `namespace ${ns} is a valid name`,
        reason: "InvalidSpec",
      };
    }
    if (!isDnsLabel(ns))
      return {
        fatal:
          `Tenant ${name}: metadata.name: must be a DNS-1123 label (lower case ` +
          `alphanumerics and '-'), so that namespace ${ns} is a valid name`,
        reason: "InvalidSpec",
      };
    const platform = platformSettings(required);
    if ("fatal" in platform) return platform;
    const labels = { [LABEL_TENANT]: name, [LABEL_TYPE]: "tenant" };
    const refusal = namespaceRefusal({
      kind: "Tenant",
      name,
      namespace: ns,
      owner: labels,
      settings: platform.settings,
      found: required[NAMESPACE_KEY],
    });
    if (refusal) return refusal;
    const resources: Record<string, Composed> = {
      namespace: namespace({ name: ns, labels, observed: observed.namespace }),
    };
    const admins = subjectsOf(xr.spec.admins);
    resources["rolebinding-admins"] = existing(
      roleBinding({
        name: "tenant-admins",
        namespace: ns,
        labels,
        clusterRole: "admin",
        subjects: admins,
      }),
      observed["rolebinding-admins"],
    );
    for (const [key, obj] of Object.entries(adminRBAC({ tenant: name, labels, admins })))
      resources[key] = existing(obj, observed[key]);
    if (xr.spec.networkIsolation) {
      const policies = baselinePolicies({ namespace: ns, labels, dns: platform.settings.dns });
      for (const [key, policy] of Object.entries(policies))
        resources[key] = existing(policy, observed[key]);
    }

    const budget = budgetOf(xr.spec);
    let amounts;
    try {
      amounts = parseBudget(budget);
    } catch (err) {
      return {
        fatal: `Tenant ${name}: spec.quota: ${(err as Error).message}`,
        reason: "InvalidSpec",
      };
    }
    const alloc = allocate(required.vdcs ?? [], name, amounts);
    const remaining = zero();
    for (const k of BUDGET_KEYS) remaining[k] = amounts[k] - alloc.allocated[k];

    const clusters = composeClusters({
      tenant: name,
      ns,
      labels,
      clusters: xr.spec.clusters,
      vdcNamespaces: alloc.admitted,
      observed,
      required,
    });
    if ("fatal" in clusters) return clusters;
    Object.assign(resources, clusters.resources);

    // Its VDCs by spec.tenantRef, admitted or not: each would be left without its tenant.
    const vdcs = (required.vdcs ?? [])
      .filter(
        (v) => (v.spec as { tenantRef?: { name?: unknown } } | undefined)?.tenantRef?.name === name,
      )
      .map((v) => v.metadata?.name ?? "")
      .sort(compareText);
    const reason = vdcs.length
      ? `Tenant ${name} still has VDCs ${listed(vdcs)}, which deleting the Tenant would leave ` +
        `without their tenant (its budget, its admins' rights). Delete the VDCs first; once ` +
        `the last is gone, the Tenant's next reconcile (within 2 minutes) removes this ` +
        `protection and it can be deleted`
      : undefined;
    if (reason)
      resources[USAGE_KEY] = selfUsage({
        kind: "Tenant",
        name,
        labels,
        reason,
        observed: observed[USAGE_KEY],
      });

    const phase = namespacePhase(resources, observed.namespace);
    const status = parseOrThrow(
      tenantStatus,
      {
        namespace: ns,
        phase,
        budget,
        allocated: format(alloc.allocated),
        remaining: format(remaining),
        vdcs: alloc.admitted,
        ...clusters.status,
      },
      name,
    );
    const events = phaseEvents(xr.status.phase, phase, {
      Ready: {
        severity: "Normal",
        reason: "TenantReady",
        message: `Tenant ${name} is ready in namespace ${ns}`,
      },
      Failed: {
        severity: "Warning",
        reason: "NamespaceTerminating",
        message: `Namespace ${ns} is terminating`,
      },
    });
    const refused = alloc.refused.map((r) => `${r.name} (${r.over.join(", ")})`);
    return {
      resources,
      status,
      conditions: [
        refused.length
          ? {
              type: "BudgetAvailable",
              status: "False",
              reason: "OverBudget",
              message: `VDCs over the budget and refused: ${nameList(refused, MAX_LISTED, "; ")}`,
            }
          : {
              type: "BudgetAvailable",
              status: "True",
              reason: "WithinBudget",
              message: `${alloc.admitted.length} VDC(s) within the budget`,
            },
        ...clusters.conditions,
        reason
          ? { type: PROTECTION_CONDITION, status: "True", reason: "HasVDCs", message: reason }
          : {
              type: PROTECTION_CONDITION,
              status: "False",
              reason: "NoVDCs",
              message: `Tenant ${name} has no VDCs: it can be deleted`,
            },
      ],
      events,
      ttlSeconds: phase === "Ready" ? TTL_STEADY : TTL_SETTLING,
    };
  },
});

/**
 * What makes the tenant's admins its admins for the admission policy (package/people): the
 * custom verb on exactly this Tenant (resourceNames), and VDCs to work with. The RBAC
 * allows every VDC; the policy lets a write through only for a VDC whose spec.tenantRef
 * names a tenant the user administers. Crossplane may grant this: it holds `*` on both
 * kinds (its RBAC manager's role for every XRD), so no escalate or bind is needed.
 */
interface AdminRBACProps {
  /** The Tenant's name: the one Tenant its admins may administer. */
  readonly tenant: string;
  readonly labels: Record<string, string>;
  /** spec.admins as RBAC subjects. */
  readonly admins: ISubject[];
}

function adminRBAC({ tenant, labels, admins }: AdminRBACProps): Record<string, KubeObject> {
  // Cut only after a double dash (names.ts, rule 6): no other tenant's name can equal it.
  const name = prefixedName("crossvdc-tenant", tenant);
  return {
    "clusterrole-admins": build(ClusterRole, {
      metadata: { name, labels },
      rules: [
        {
          apiGroups: [GROUP],
          resources: ["tenants"],
          resourceNames: [tenant],
          verbs: ["get", TENANT_ADMIN_VERB],
        },
        {
          apiGroups: [GROUP],
          resources: ["vdcs"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
      ],
    }),
    "clusterrolebinding-admins": build(ClusterRoleBinding, {
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: admins,
    }),
  };
}

export const tenantXRD: XRDSpec = {
  kind: "Tenant",
  plural: "tenants",
  singular: "tenant",
  scope: "Cluster",
  categories: ["crossvdc"],
  description:
    "A tenant of the platform: namespace, administrators, network isolation and the " +
    "budget its VDCs share.",
  spec: tenantSpec,
  status: tenantStatus.meta({
    description: "Observed state of the tenant, as the composition function reports it.",
  }),
  printerColumns: [
    { name: "Display Name", type: "string", jsonPath: ".spec.displayName" },
    { name: "Tier", type: "string", jsonPath: ".spec.tier" },
    { name: "Namespace", type: "string", jsonPath: ".status.namespace" },
    { name: "Phase", type: "string", jsonPath: ".status.phase" },
    { name: "CPU Left", type: "string", jsonPath: ".status.remaining.cpu", priority: 1 },
    { name: "Memory Left", type: "string", jsonPath: ".status.remaining.memory", priority: 1 },
  ],
};
