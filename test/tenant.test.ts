import { describe } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { tenant, vdc } from "./support/fixtures.js";
import { runCases } from "./support/table.js";
import { refused, tenantRequirements } from "./support/wants.js";

const labels = { "crossvdc.io/tenant": "acme", "crossvdc.io/type": "tenant" };
const alice = { admins: { users: ["alice"] } };
const noVDCs = { vdcs: [] };

const NAMESPACE = {
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: "tenant-acme", labels },
};
const ADMINS = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: { name: "tenant-admins", namespace: "tenant-acme", labels },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
  subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
};
/** What the admission policy on VDCs asks of a tenant admin (package/people/vdc-admission.yaml). */
const TENANT_ROLE = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: { name: "crossvdc-tenant-acme", labels },
  rules: [
    {
      apiGroups: ["crossvdc.io"],
      resources: ["tenants"],
      resourceNames: ["acme"],
      verbs: ["get", "administer"],
    },
    {
      apiGroups: ["crossvdc.io"],
      resources: ["vdcs"],
      verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
  ],
};
const TENANT_ROLE_BINDING = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRoleBinding",
  metadata: { name: "crossvdc-tenant-acme", labels },
  roleRef: {
    apiGroup: "rbac.authorization.k8s.io",
    kind: "ClusterRole",
    name: "crossvdc-tenant-acme",
  },
  subjects: ADMINS.subjects,
};
/** Everything but the namespace and the policies, keyed as composed. */
const RBAC = {
  "rolebinding-admins": ADMINS,
  "clusterrole-admins": TENANT_ROLE,
  "clusterrolebinding-admins": TENANT_ROLE_BINDING,
};
/** Readiness of the RBAC objects: composed, observed or not. */
const rbacReady = (r: boolean) => ({
  "rolebinding-admins": r,
  "clusterrole-admins": r,
  "clusterrolebinding-admins": r,
});
const bothAdmins = [
  { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "acme-admins" },
  ...ADMINS.subjects,
];
const POLICIES = {
  "netpol-default-deny": {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "default-deny", namespace: "tenant-acme", labels },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  },
  "netpol-allow-same-namespace": {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "allow-same-namespace", namespace: "tenant-acme", labels },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    },
  },
  "netpol-allow-dns": {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "allow-dns", namespace: "tenant-acme", labels },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    },
  },
};
/** The status of a free-tier tenant without VDCs. */
const freeStatus = (phase: string) => ({
  namespace: "tenant-acme",
  phase,
  budget: { cpu: "8", memory: "16Gi", storage: "100Gi", vms: "5", vdcs: "2" },
  allocated: { cpu: "0", memory: "0", storage: "0", vms: "0", vdcs: "0" },
  remaining: { cpu: "8", memory: "16Gi", storage: "100Gi", vms: "5", vdcs: "2" },
  vdcs: [],
});
const withinBudget = {
  type: "BudgetAvailable",
  status: "True",
  reason: "WithinBudget",
  message: "0 VDC(s) within the budget",
};
/** Without VDCs nothing keeps the Tenant from being deleted (more in test/protection.test.ts). */
const deletable = {
  type: "DeletionProtected",
  status: "False",
  reason: "NoVDCs",
  message: "Tenant acme has no VDCs: it can be deleted",
};
/** What the API server holds once the namespace and binding exist. */
const observed = (nsPhase: string): Record<string, KubeObject> => ({
  namespace: { ...NAMESPACE, status: { phase: nsPhase } },
  ...RBAC,
});
/**
 * alice's tenant without isolation, in the phase it reported last, its namespace in this phase
 * and the binding observed.
 */
const observing = (p: { readonly was: string; readonly namespace: string }) => ({
  xr: tenant({ spec: { ...alice, networkIsolation: false }, status: { phase: p.was } }),
  observed: observed(p.namespace),
  required: noVDCs,
});
/** The namespace an earlier reconcile composed, which a Fatal must return as it came. */
const kept = {
  namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: "tenant-acme" } },
};
/** A request the tenant's spec makes refused: no VDCs, the namespace composed before. */
const refusing = (xr: KubeObject) => ({ xr, required: noVDCs, desired: kept });
const quantity = (field: string) =>
  `Tenant acme: invalid spec: ${field}: Invalid string: must match pattern ` +
  `/^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))` +
  `(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$/; ${field}: ` +
  `must be a non-negative Kubernetes quantity no larger than int64 (e.g. 500m, 4, 8Gi)`;
const acmeVDC = (name: string, quota: Record<string, unknown>, created: string) =>
  vdc({ name, spec: { quota }, created });
const longName = "a".repeat(57);

describe("Tenant composer", () => {
  runCases({
    Composes: {
      reason:
        "A tenant composes its namespace, the admins' binding and the isolation " +
        "policies, and reports the budget of its tier",
      xr: tenant({ spec: { admins: { groups: ["acme-admins"], users: ["alice"] } } }),
      required: noVDCs,
      want: {
        results: [],
        resources: {
          namespace: NAMESPACE,
          "rolebinding-admins": { ...ADMINS, subjects: bothAdmins },
          "clusterrole-admins": TENANT_ROLE,
          "clusterrolebinding-admins": { ...TENANT_ROLE_BINDING, subjects: bothAdmins },
          ...POLICIES,
        },
        ready: {
          namespace: false,
          ...rbacReady(false),
          "netpol-default-deny": false,
          "netpol-allow-same-namespace": false,
          "netpol-allow-dns": false,
        },
        status: freeStatus("Pending"),
        conditions: [withinBudget, deletable],
        ttl: 30,
      },
    },
    AsksForVDCsFirst: {
      reason:
        "Until Crossplane has fetched the VDCs the function asks for them and changes nothing",
      xr: tenant({ spec: alice }),
      desired: {},
      want: {
        results: [],
        resources: {},
        requirements: tenantRequirements(),
      },
    },
    NoIsolation: {
      reason: "Without network isolation no policies are composed",
      xr: tenant({ spec: { ...alice, networkIsolation: false } }),
      required: noVDCs,
      want: { resources: { namespace: NAMESPACE, ...RBAC } },
    },
    ReadyOnceNamespaceActive: {
      reason: "All observed and the namespace Active: Ready, with one event, and a steady poll",
      ...observing({ was: "Pending", namespace: "Active" }),
      want: {
        ready: { namespace: true, ...rbacReady(true) },
        status: freeStatus("Ready"),
        results: [
          {
            severity: "NORMAL",
            reason: "TenantReady",
            message: "Tenant acme is ready in namespace tenant-acme",
          },
        ],
        ttl: 120,
      },
    },
    AlreadyReady: {
      reason: "A tenant that was Ready already gets no repeated event",
      ...observing({ was: "Ready", namespace: "Active" }),
      want: {
        ready: { namespace: true, ...rbacReady(true) },
        status: freeStatus("Ready"),
        results: [],
        ttl: 120,
      },
    },
    NamespaceTerminating: {
      reason: "A terminating namespace fails the tenant, with a Warning",
      ...observing({ was: "Ready", namespace: "Terminating" }),
      want: {
        ready: { namespace: false, ...rbacReady(true) },
        status: freeStatus("Failed"),
        results: [
          {
            severity: "WARNING",
            reason: "NamespaceTerminating",
            message: "Namespace tenant-acme is terminating",
          },
        ],
        ttl: 30,
      },
    },
    BudgetOldestFirst: {
      reason:
        "The budget charges the tenant's VDCs oldest first, skips one that does not fit " +
        "and ignores other tenants'",
      xr: tenant({
        spec: { ...alice, tier: "professional", quota: { cpu: "10", memory: "20Gi" } },
      }),
      required: {
        vdcs: [
          acmeVDC(
            "acme-prod",
            { cpu: "6", memory: "8Gi", storage: "100Gi", vms: 4 },
            "2026-01-02T00:00:00Z",
          ),
          acmeVDC(
            "acme-dev",
            { cpu: "2500m", memory: "4Gi", storage: "50Gi", vms: 2 },
            "2026-01-01T00:00:00Z",
          ),
          acmeVDC(
            "acme-big",
            { cpu: "4", memory: "1Gi", storage: "1Gi", vms: 1 },
            "2026-01-03T00:00:00Z",
          ),
          // Labelled for acme by mistake (made before the admission policy):
          // charged to its tenantRef only.
          vdc({
            name: "other-dev",
            tenant: "other",
            labels: { "crossvdc.io/tenant": "acme" },
            spec: { quota: { cpu: "100", memory: "1Ti", storage: "1Ti", vms: 100 } },
            created: "2026-01-01T00:00:00Z",
          }),
        ],
      },
      want: {
        status: {
          namespace: "tenant-acme",
          phase: "Pending",
          budget: { cpu: "10", memory: "20Gi", storage: "2Ti", vms: "50", vdcs: "10" },
          allocated: { cpu: "8500m", memory: "12Gi", storage: "150Gi", vms: "6", vdcs: "2" },
          remaining: { cpu: "1500m", memory: "8Gi", storage: "1898Gi", vms: "44", vdcs: "8" },
          vdcs: ["acme-dev", "acme-prod"],
        },
        conditions: [
          {
            type: "BudgetAvailable",
            status: "False",
            reason: "OverBudget",
            message: "VDCs over the budget and refused: acme-big (cpu)",
          },
          {
            type: "DeletionProtected",
            status: "True",
            reason: "HasVDCs",
            message:
              "Tenant acme still has VDCs acme-big, acme-dev, acme-prod, which deleting the " +
              "Tenant would leave without their tenant (its budget, its admins' rights). Delete " +
              "the VDCs first; once the last is gone, the Tenant's next reconcile (within 2 " +
              "minutes) removes this protection and it can be deleted",
          },
        ],
      },
    },
    NoAdmins: {
      reason: "A tenant needs an admin; a Fatal names the field and keeps the desired state",
      ...refusing(tenant({ spec: { admins: { groups: [], users: [] } } })),
      want: refused(
        "InvalidSpec",
        "Tenant acme: invalid spec: spec.admins: at least one admin group or user is required",
      ),
    },
    UnknownTier: {
      reason: "A tier not in the list is refused, naming the ones there are",
      ...refusing(tenant({ spec: { tier: "gold", admins: { users: ["a"] } } })),
      want: refused(
        "InvalidSpec",
        "Tenant acme: invalid spec: spec.tier: Invalid option: expected one of " +
          '"demo"|"free"|"professional"|"enterprise"',
      ),
    },
    NegativeCPU: {
      reason: "A negative quota is refused as not a quantity",
      ...refusing(tenant({ spec: { admins: { users: ["a"] }, quota: { cpu: "-1" } } })),
      want: refused("InvalidSpec", quantity("spec.quota.cpu")),
    },
    MemoryNotAQuantity: {
      reason: "Memory must be a Kubernetes quantity",
      ...refusing(tenant({ spec: { admins: { users: ["a"] }, quota: { memory: "lots" } } })),
      want: refused("InvalidSpec", quantity("spec.quota.memory")),
    },
    FractionalVMs: {
      reason: "A number of VMs is whole",
      ...refusing(tenant({ spec: { admins: { users: ["a"] }, quota: { vms: 1.5 } } })),
      want: refused(
        "InvalidSpec",
        "Tenant acme: invalid spec: spec.quota.vms: Invalid input: expected int, " +
          "received number",
      ),
    },
    SpecNotAnObject: {
      reason: "A spec that is not an object is refused as a whole",
      ...refusing({ ...tenant(), spec: "acme" }),
      want: refused(
        "InvalidSpec",
        "Tenant acme: invalid spec: spec: Invalid input: expected object, received string",
      ),
    },
    NameTooLong: {
      reason: "A name whose namespace tenant-<name> would pass 63 characters is refused",
      xr: tenant({ name: longName, spec: { admins: { users: ["a"] } } }),
      required: noVDCs,
      want: refused(
        "InvalidSpec",
        `Tenant ${longName}: metadata.name: must be at most 56 characters, so that ` +
          `namespace tenant-${longName} is a valid name`,
      ),
    },
    Deterministic: {
      reason: "The same request gives the same bytes, whatever order the VDCs arrive in",
      xr: tenant({ spec: alice }),
      required: {
        vdcs: [
          acmeVDC("acme-a", { cpu: "1" }, "2026-01-01T00:00:00Z"),
          acmeVDC("acme-b", { cpu: "1" }, "2026-01-01T00:00:00Z"),
        ],
      },
      want: {
        sameBytesAs: [
          {
            xr: tenant({ spec: alice }),
            required: {
              vdcs: [
                acmeVDC("acme-b", { cpu: "1" }, "2026-01-01T00:00:00Z"),
                acmeVDC("acme-a", { cpu: "1" }, "2026-01-01T00:00:00Z"),
              ],
            },
          },
        ],
      },
    },
  });
});
