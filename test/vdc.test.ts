import { describe } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { run } from "./support/request.js";
import { tenant, vdc } from "./support/fixtures.js";
import { runCases } from "./support/table.js";
import { nothingProtected, refused, vdcRequirements } from "./support/wants.js";

const TENANT = tenant({
  spec: {
    tier: "professional",
    admins: { groups: ["acme-admins"] },
    quota: { cpu: "16", memory: "64Gi", storage: "1Ti", vms: 20, vdcs: 3 },
  },
});
const labels = { "crossvdc.io/tenant": "acme", "crossvdc.io/vdc": "acme-dev" };
const alone = { tenant: [TENANT], vdcs: [] };
const group = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name });
const user = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "User", name });

// Admission: acme-dev and acme-prod hold 14 of the tenant's 16 cpu, and two of its three VDCs.
const DEV = vdc({
  spec: { quota: { cpu: "6", memory: "24Gi", storage: "400Gi", vms: 8 } },
  created: "2026-01-01T00:00:00Z",
});
const PROD = vdc({
  name: "acme-prod",
  spec: { quota: { cpu: "8", memory: "32Gi", storage: "500Gi", vms: 10 } },
  created: "2026-01-02T00:00:00Z",
});
const GREEDY = vdc({
  name: "acme-greedy",
  spec: { quota: { cpu: "15" } },
  created: "2026-02-01T00:00:00Z",
});
const small = { quota: { cpu: "1", memory: "1Gi", storage: "1Gi", vms: 1 } };
/** acme-new refused for its spec; the desired state stays as it came. */
const invalid = (message: string) =>
  refused("InvalidSpec", `VDC acme-new: invalid spec: ${message}`);
const acmeNew = (spec: Record<string, unknown>) => vdc({ name: "acme-new", spec });
/** A new VDC beside acme-dev and acme-prod; a Fatal must return the namespace composed before. */
const admitting = (xr: KubeObject, tenants = [TENANT]) => ({
  xr,
  required: { tenant: tenants, vdcs: [DEV, PROD, xr] },
  desired: { namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: "acme-new" } } },
});

/** vdc-quota of a VDC with the default quota. */
const HARD = {
  "requests.cpu": "2",
  "requests.memory": "4Gi",
  "requests.storage": "50Gi",
  pods: "50",
  persistentvolumeclaims: "20",
  "count/virtualmachines.kubevirt.io": "2",
};
/** What the API server holds once an open VDC's objects exist, with the quota's usage. */
function observedOpen(): Record<string, KubeObject> {
  const composed = run({ xr: vdc({ spec: { network: { isolation: "open" } } }), required: alone });
  const observed = structuredClone(composed.resources);
  observed.namespace!.status = { phase: "Active" };
  observed.quota!.status = {
    hard: HARD,
    used: {
      "requests.cpu": "1500m",
      "requests.memory": "1536Mi",
      "requests.storage": "0",
      pods: "3",
      "count/virtualmachines.kubevirt.io": "2",
    },
  };
  return observed;
}

describe("VDC composer", () => {
  runCases({
    Defaults: {
      reason:
        "From defaults a VDC composes its namespace, quota, limits, isolation and the " +
        "tenant admins' binding (no empty bindings for editors or viewers)",
      xr: vdc(),
      required: { tenant: [TENANT], vdcs: [vdc()] },
      want: {
        results: [],
        names: [
          "limits",
          "namespace",
          "netpol-allow-dns",
          "netpol-allow-from-namespaces",
          "netpol-allow-same-namespace",
          "netpol-default-deny",
          "quota",
          "rolebinding-admin",
        ],
        at: {
          namespace: {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
              name: "acme-dev",
              labels: {
                ...labels,
                // No alpha.kubevirt.io/auto-memory-limits-ratio: KubeVirt reads it only when a
                // ResourceQuota of the namespace has limits.memory (pkg/virt-controller/services
                // doesVMIRequireAutoResourceLimits), and vdc-quota has requests only.
                "crossvdc.io/type": "vdc",
              },
            },
          },
          quota: {
            apiVersion: "v1",
            kind: "ResourceQuota",
            metadata: { name: "vdc-quota", namespace: "acme-dev", labels },
            spec: {
              hard: HARD,
            },
          },
          limits: {
            apiVersion: "v1",
            kind: "LimitRange",
            metadata: { name: "vdc-limits", namespace: "acme-dev", labels },
            spec: {
              limits: [
                {
                  type: "Container",
                  default: { cpu: "1", memory: "1Gi" },
                  defaultRequest: { cpu: "100m", memory: "256Mi" },
                  max: { cpu: "8", memory: "32Gi" },
                },
              ],
            },
          },
          "netpol-allow-from-namespaces": {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "allow-from-namespaces", namespace: "acme-dev", labels },
            spec: {
              podSelector: {},
              policyTypes: ["Ingress"],
              ingress: [
                {
                  from: [
                    {
                      namespaceSelector: {
                        matchExpressions: [
                          {
                            key: "kubernetes.io/metadata.name",
                            operator: "In",
                            values: ["tenant-acme"],
                          },
                        ],
                      },
                    },
                  ],
                },
              ],
            },
          },
          "rolebinding-admin": {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "vdc-admin", namespace: "acme-dev", labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
            subjects: [group("acme-admins")],
          },
        },
        status: { namespace: "acme-dev", tenant: "acme", phase: "Pending" },
        conditions: [
          {
            type: "BudgetAdmitted",
            status: "True",
            reason: "WithinTenantBudget",
            message:
              "Admitted; tenant acme has cpu 14, memory 60Gi, storage 974Gi, vms 18, vdcs 2 left",
          },
          nothingProtected("acme-dev"),
        ],
      },
    },
    Members: {
      reason: "Members are bound to admin, edit and view, tenant admins first, without duplicates",
      xr: vdc({
        spec: {
          members: {
            admins: { groups: ["acme-admins", "ops"], users: ["bob"] },
            editors: { groups: ["devs"] },
            viewers: { users: ["auditor"] },
          },
        },
      }),
      required: alone,
      want: {
        at: {
          "rolebinding-admin.subjects": [group("acme-admins"), group("ops"), user("bob")],
          "rolebinding-edit.subjects": [group("devs")],
          "rolebinding-view.subjects": [user("auditor")],
        },
      },
    },
    IsolatedWithAllowances: {
      reason:
        "An isolated VDC admits the listed namespaces beside the tenant's, and the listed egress",
      xr: vdc({
        spec: {
          network: {
            allowFromNamespaces: ["monitoring"],
            allowEgress: [
              { cidr: "10.0.0.0/8", ports: [{ port: 443 }] },
              { cidr: "2001:db8::/32" },
            ],
          },
        },
      }),
      required: alone,
      want: {
        at: {
          ["netpol-allow-from-namespaces.spec.ingress.0.from.0" +
          ".namespaceSelector.matchExpressions.0.values"]: ["tenant-acme", "monitoring"],
          "netpol-allow-egress.spec": {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
              {
                to: [{ ipBlock: { cidr: "10.0.0.0/8" } }],
                ports: [{ port: 443, protocol: "TCP" }],
              },
              { to: [{ ipBlock: { cidr: "2001:db8::/32" } }] },
            ],
          },
        },
      },
    },
    Open: {
      reason: "An open VDC composes no network policies",
      xr: vdc({ spec: { network: { isolation: "open" } } }),
      required: alone,
      want: { names: ["limits", "namespace", "quota", "rolebinding-admin"] },
    },
    UsageAndReady: {
      reason:
        "Usage and percentages come from the observed ResourceQuota; the VDC is Ready " +
        "once everything is, with one event",
      xr: vdc({ spec: { network: { isolation: "open" } } }),
      observed: observedOpen(),
      required: alone,
      want: {
        ready: { limits: true, namespace: true, quota: true, "rolebinding-admin": true },
        status: {
          namespace: "acme-dev",
          tenant: "acme",
          phase: "Ready",
          usage: {
            cpu: { used: "1500m", hard: "2", percent: 75 },
            memory: { used: "1536Mi", hard: "4Gi", percent: 37 },
            storage: { used: "0", hard: "50Gi", percent: 0 },
            pods: { used: "3", hard: "50", percent: 6 },
            persistentVolumeClaims: { used: "0", hard: "20", percent: 0 },
            vms: { used: "2", hard: "2", percent: 100 },
          },
        },
        results: [
          {
            severity: "NORMAL",
            reason: "VDCReady",
            message: "VDC acme-dev is ready in namespace acme-dev",
          },
        ],
      },
    },
    OverBudgetCPU: {
      reason:
        "A VDC over the tenant's budget is refused, naming the figure, what is left, who " +
        "holds it and the excess",
      ...admitting(acmeNew({ quota: { cpu: "4", memory: "1Gi", storage: "1Gi", vms: 1 } })),
      want: refused(
        "OverBudget",
        "VDC acme-new: over the budget of tenant acme: spec.quota.cpu: asks 4 but " +
          "tenant acme has 2 of 16 left (held by acme-dev, acme-prod); over by 2",
      ),
    },
    OverBudgetTwice: {
      reason: "Every figure over the budget is named",
      ...admitting(acmeNew({ quota: { cpu: "1", memory: "9Gi", storage: "1Gi", vms: 3 } })),
      want: refused(
        "OverBudget",
        "VDC acme-new: over the budget of tenant acme: spec.quota.memory: asks 9Gi " +
          "but tenant acme has 8Gi of 64Gi left (held by acme-dev, acme-prod); over by " +
          "1Gi; spec.quota.vms: asks 3 but tenant acme has 2 of 20 left (held by " +
          "acme-dev, acme-prod); over by 1",
      ),
    },
    TenantMissing: {
      reason: "A VDC of a tenant that does not exist is refused",
      ...admitting(acmeNew({}), []),
      want: refused(
        "WaitingForDependency",
        'VDC acme-new: spec.tenantRef.name: Tenant "acme" does not exist',
      ),
    },
    NameNotPrefixed: {
      reason: "A VDC's name starts with its tenant's, so tenants cannot take each other's names",
      ...admitting(vdc({ name: "globex-dev" })),
      want: refused(
        "InvalidSpec",
        'VDC globex-dev: metadata.name: must start with "acme-" (the tenant\'s ' +
          "name), so tenants cannot take each other's names",
      ),
    },
    NoTenantLabel: {
      reason:
        "A VDC without the tenant label (made before the admission policy) would be " +
        "invisible to its siblings: refused, what it composed kept",
      ...admitting(vdc({ name: "acme-new", labels: {} })),
      want: refused(
        "InvalidSpec",
        'VDC acme-new: metadata.labels["crossvdc.io/tenant"]: is missing but must be ' +
          '"acme" (spec.tenantRef.name): a tenant\'s VDCs find each other by this label ' +
          "for the budget, and the admission policy requires it. Label the VDC (kubectl " +
          "label vdc acme-new crossvdc.io/tenant=acme --overwrite); what it composed " +
          "stays as it is until then",
      ),
    },
    OtherTenantsLabel: {
      reason: "A tenant label naming another tenant than spec.tenantRef is refused the same way",
      ...admitting(vdc({ name: "acme-new", labels: { "crossvdc.io/tenant": "globex" } })),
      want: refused(
        "InvalidSpec",
        'VDC acme-new: metadata.labels["crossvdc.io/tenant"]: is "globex" but must ' +
          'be "acme" (spec.tenantRef.name): a tenant\'s VDCs find each other by this ' +
          "label for the budget, and the admission policy requires it. Label the VDC " +
          "(kubectl label vdc acme-new crossvdc.io/tenant=acme --overwrite); what it " +
          "composed stays as it is until then",
      ),
    },
    BadEgressCIDR: {
      reason: "An egress CIDR is checked",
      ...admitting(acmeNew({ network: { allowEgress: [{ cidr: "10.0.0.0/33" }] } })),
      want: invalid(
        "spec.network.allowEgress[0].cidr: must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8",
      ),
    },
    DefaultAboveMax: {
      reason: "A default limit above the maximum is refused",
      ...admitting(acmeNew({ limits: { defaultCpu: "4", maxCpu: "2" } })),
      want: invalid("spec.limits.defaultCpu: must not exceed limits.maxCpu (2)"),
    },
    DuplicateNamespaces: {
      reason: "A namespace listed twice is refused, naming both places",
      ...admitting(acmeNew({ network: { allowFromNamespaces: ["a", "a"] } })),
      want: invalid(
        'spec.network.allowFromNamespaces[1]: duplicate namespace "a" (also at index 0)',
      ),
    },
    ProxmoxWithoutSettings: {
      reason: "A Proxmox backend needs its provider config, node, datastore and bridge",
      ...admitting(acmeNew({ backend: { type: "proxmox" } })),
      want: invalid(
        "spec.backend.providerConfigRef: required when " +
          "type is proxmox; spec.backend.node: required when type is proxmox; " +
          "spec.backend.datastore: required when type is proxmox; spec.backend.bridge: " +
          "required when type is proxmox",
      ),
    },
    ExactFit: {
      reason: "A VDC that takes exactly what is left is admitted",
      xr: acmeNew({ quota: { cpu: "2", memory: "8Gi", storage: "124Gi", vms: 2 } }),
      required: { tenant: [TENANT], vdcs: [DEV, PROD] },
      want: {
        results: [],
        conditions: [
          {
            type: "BudgetAdmitted",
            status: "True",
            reason: "WithinTenantBudget",
            message: "Admitted; tenant acme has cpu 0, memory 0, storage 0, vms 0, vdcs 0 left",
          },
          nothingProtected("acme-new"),
        ],
      },
    },
    OlderKeepsItsShare: {
      reason: "An older VDC stays admitted when a newer one takes too much",
      xr: DEV,
      required: { tenant: [TENANT], vdcs: [DEV, PROD, GREEDY] },
      want: { results: [] },
    },
    NewerOneRefused: {
      reason: "The newer VDC that takes too much is the one refused",
      xr: GREEDY,
      required: { tenant: [TENANT], vdcs: [DEV, PROD, GREEDY] },
      want: refused(
        "OverBudget",
        "VDC acme-greedy: over the budget of tenant acme: spec.quota.cpu: asks 15 " +
          "but tenant acme has 2 of 16 left (held by acme-dev, acme-prod); over by 13",
      ),
    },
    NumberOfVDCs: {
      reason: "Other tenants' VDCs do not count; the number of VDCs does",
      xr: vdc({ name: "acme-fourth", spec: small }),
      required: {
        tenant: [TENANT],
        vdcs: [
          vdc({ name: "globex-dev", tenant: "globex", spec: { quota: { cpu: "100" } } }),
          DEV,
          PROD,
          vdc({ name: "acme-third", spec: small, created: "2026-01-03T00:00:00Z" }),
        ],
      },
      want: refused(
        "OverBudget",
        "VDC acme-fourth: over the budget of tenant acme: number of VDCs: asks 1 but " +
          "tenant acme has 0 of 3 left (held by acme-dev, acme-prod, acme-third); over " +
          "by 1",
      ),
    },
    AsksForTenantAndVDCs: {
      reason: "A VDC asks for its tenant and every VDC, and composes nothing until it has them",
      xr: vdc(),
      want: {
        requirements: vdcRequirements(),
        resources: {},
      },
    },
    Deterministic: {
      reason: "The same request gives the same bytes",
      xr: vdc({ spec: { members: { editors: { users: ["z", "a"] } } } }),
      required: {
        tenant: [TENANT],
        vdcs: [vdc({ spec: { members: { editors: { users: ["z", "a"] } } } })],
      },
      want: { sameBytesAs: [] },
    },
  });
});
