// Deleting never takes data silently: while a VDC holds databases with deletionProtection, while
// a Tenant has VDCs, and while a VirtualMachine has spec.deletionProtection, the XR composes a
// Crossplane Usage of itself whose reason the API server quotes when it refuses the delete
// (functions/usage.ts). Lifting the protection leaves the Usage out, so Crossplane deletes it and
// the next delete goes through; a Fatal keeps it, as it keeps everything.
import { describe } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { tenant, vdc, vm } from "./support/fixtures.js";
import { fatal, runCases } from "./support/table.js";

const ACME = tenant({ spec: { admins: { users: ["alice"] } } });
/** Room for two databases of the free tier's preset (1 CPU, 1Gi, 10Gi each) in the budget. */
const ROOMY = { cpu: 4, memory: "8Gi", storage: "50Gi" };
const db = (name: string, deletionProtection?: boolean) => ({
  name,
  ...(deletionProtection === undefined ? {} : { deletionProtection }),
});
const prod = (databases: object[], more: { labels?: Record<string, string> } = {}) =>
  vdc({ name: "acme-prod", spec: { quota: ROOMY, databases }, ...more });
const vdcRequired = (xr: KubeObject) => ({ tenant: [ACME], vdcs: [xr] });

const VDC_REASON =
  "VDC acme-prod holds databases with deletionProtection: billing, orders, which deleting the " +
  "VDC would delete with its namespace. To delete it, set deletionProtection: false on each in " +
  "spec.databases (one that left spec.databases: add its entry back with false), wait for the " +
  "VDC's next reconcile (within 2 minutes) to remove this protection, and delete it again";
const vdcUsage = (reason: string): KubeObject => ({
  apiVersion: "protection.crossplane.io/v1beta1",
  kind: "ClusterUsage",
  metadata: {
    name: "crossvdc-vdc-acme-prod",
    labels: { "crossvdc.io/tenant": "acme", "crossvdc.io/vdc": "acme-prod" },
  },
  spec: {
    of: { apiVersion: "crossvdc.io/v1alpha1", kind: "VDC", resourceRef: { name: "acme-prod" } },
    reason,
  },
});
/** What Crossplane's usage controller reports once it has marked the XR in use. */
const inForce = (usage: KubeObject): KubeObject => ({
  ...usage,
  status: { conditions: [{ type: "Ready", status: "True", reason: "Available" }] },
});
const protectedBy = (message: string, reason: string) => ({
  type: "DeletionProtected",
  status: "True",
  reason,
  message,
});
const condition = (type: string) => (out: { conditions: { type: string }[] }) =>
  out.conditions.find((c) => c.type === type);
const facets = {
  protection: condition("DeletionProtected"),
  /** Whether the XR counts its Usage ready: once the usage controller has marked the XR in use. */
  usageReady: (out: { ready: Record<string, boolean> }) => out.ready["deletion-protection"],
};

const acmeVDCs = (n: number) =>
  Array.from({ length: n }, (_, i) => vdc({ name: `acme-v${String(i).padStart(2, "0")}` }));
const TENANT_REASON = (vdcs: string) =>
  `Tenant acme still has VDCs ${vdcs}, which deleting the Tenant would leave without their ` +
  `tenant (its budget, its admins' rights). Delete the VDCs first; once the last is gone, the ` +
  `Tenant's next reconcile (within 2 minutes) removes this protection and it can be deleted`;
const tenantUsage = (reason: string): KubeObject => ({
  apiVersion: "protection.crossplane.io/v1beta1",
  kind: "ClusterUsage",
  metadata: {
    name: "crossvdc-tenant-acme",
    labels: { "crossvdc.io/tenant": "acme", "crossvdc.io/type": "tenant" },
  },
  spec: {
    of: { apiVersion: "crossvdc.io/v1alpha1", kind: "Tenant", resourceRef: { name: "acme" } },
    reason,
  },
});

const DEV = vdc({ spec: { quota: { cpu: 8, memory: "32Gi", vms: 4 } } });
const web = (spec: Record<string, unknown> = {}) =>
  vm({ spec: { image: { url: "https://images.example.com/fedora.qcow2" }, ...spec } });
const vmRequired = (xr: KubeObject) => ({ vdc: [DEV], vms: [xr], vmi: [] });
const VM_REASON =
  "VirtualMachine acme-dev/web has spec.deletionProtection: true: deleting it would delete its " +
  "VM and disks. To delete it, set spec.deletionProtection: false, wait for its next reconcile " +
  "(within 2 minutes) to remove this protection, and delete it again";
const VM_USAGE: KubeObject = {
  apiVersion: "protection.crossplane.io/v1beta1",
  kind: "Usage",
  metadata: {
    name: "crossvdc-virtualmachine-web",
    namespace: "acme-dev",
    labels: {
      "crossvdc.io/tenant": "acme",
      "crossvdc.io/vdc": "acme-dev",
      "crossvdc.io/vm": "web",
    },
  },
  spec: {
    of: {
      apiVersion: "crossvdc.io/v1alpha1",
      kind: "VirtualMachine",
      resourceRef: { name: "web" },
    },
    reason: VM_REASON,
  },
};

describe("deletion protection: a VDC's databases", () => {
  const both = prod([db("orders"), db("billing", true)]);
  runCases(
    {
      ProtectedDatabases: {
        reason:
          "Databases with deletionProtection (the default) make the VDC compose a ClusterUsage " +
          "of itself naming them, sorted, and how to lift it",
        xr: both,
        required: vdcRequired(both),
        want: {
          usageReady: false,
          at: { "deletion-protection": vdcUsage(VDC_REASON) },
          protection: protectedBy(VDC_REASON, "DatabasesProtected"),
        },
      },
      InForce: {
        reason: "The Usage is ready once Crossplane's usage controller reports it Ready",
        xr: both,
        required: vdcRequired(both),
        observed: { "deletion-protection": inForce(vdcUsage(VDC_REASON)) },
        want: {
          usageReady: true,
          at: { "deletion-protection.kind": "ClusterUsage" },
          protection: protectedBy(VDC_REASON, "DatabasesProtected"),
        },
      },
      Lifted: {
        reason:
          "With every database's protection lifted the Usage is left out, so Crossplane deletes " +
          "it and the VDC's delete goes through",
        xr: prod([db("orders", false), db("billing", false)]),
        required: vdcRequired(prod([db("orders", false), db("billing", false)])),
        observed: { "deletion-protection": inForce(vdcUsage(VDC_REASON)) },
        want: {
          at: { "deletion-protection": undefined },
          protection: {
            type: "DeletionProtected",
            status: "False",
            reason: "NothingProtected",
            message:
              "No database of VDC acme-prod has deletionProtection: deleting the VDC deletes its " +
              "namespace and everything in it",
          },
        },
      },
      OneOfTwo: {
        reason: "Only the protected database is named",
        xr: prod([db("orders", false), db("billing")]),
        required: vdcRequired(prod([db("orders", false), db("billing")])),
        want: {
          at: {
            "deletion-protection.spec.reason": VDC_REASON.replace("billing, orders", "billing"),
          },
        },
      },
      FatalKeepsIt: {
        reason:
          "A VDC refused for its label keeps its Usage with everything else: the Fatal returns " +
          "the desired state as it came",
        xr: prod([db("orders")], { labels: {} }),
        required: vdcRequired(prod([db("orders")])),
        desired: { "deletion-protection": vdcUsage(VDC_REASON) },
        want: {
          results: [
            fatal(
              'VDC acme-prod: metadata.labels["crossvdc.io/tenant"]: is missing but must be ' +
                '"acme" (spec.tenantRef.name): a tenant\'s VDCs find each other by this ' +
                "label for the budget, and the admission policy requires it. Label the VDC " +
                "(kubectl label vdc acme-prod crossvdc.io/tenant=acme --overwrite); what it " +
                "composed stays as it is until then",
              "InvalidSpec",
            ),
          ],
        },
      },
    },
    facets,
  );
});

describe("deletion protection: a Tenant's VDCs", () => {
  runCases(
    {
      HasVDCs: {
        reason: "A Tenant with VDCs composes a ClusterUsage of itself naming them",
        xr: ACME,
        required: { vdcs: acmeVDCs(3) },
        want: {
          at: { "deletion-protection": tenantUsage(TENANT_REASON("acme-v00, acme-v01, acme-v02")) },
          protection: protectedBy(TENANT_REASON("acme-v00, acme-v01, acme-v02"), "HasVDCs"),
        },
      },
      ManyVDCs: {
        reason: "The refusal names at most ten VDCs and says how many more, so it stays readable",
        xr: ACME,
        required: { vdcs: acmeVDCs(12) },
        want: {
          at: {
            "deletion-protection.spec.reason": TENANT_REASON(
              "acme-v00, acme-v01, acme-v02, acme-v03, acme-v04, acme-v05, acme-v06, acme-v07, " +
                "acme-v08, acme-v09 and 2 more",
            ),
          },
        },
      },
      NoVDCs: {
        reason: "Without VDCs nothing protects the Tenant: its last VDC gone, it can be deleted",
        xr: ACME,
        required: { vdcs: [] },
        observed: { "deletion-protection": inForce(tenantUsage(TENANT_REASON("acme-v00"))) },
        want: {
          at: { "deletion-protection": undefined },
          protection: {
            type: "DeletionProtected",
            status: "False",
            reason: "NoVDCs",
            message: "Tenant acme has no VDCs: it can be deleted",
          },
        },
      },
      OtherTenantsVDC: {
        reason:
          "A VDC of another tenant, even one labelled for this tenant by mistake, is not this " +
          "Tenant's",
        xr: ACME,
        required: {
          vdcs: [
            vdc({ name: "other-dev", tenant: "other", labels: { "crossvdc.io/tenant": "acme" } }),
          ],
        },
        want: { at: { "deletion-protection": undefined } },
      },
    },
    facets,
  );
});

describe("deletion protection: a VirtualMachine's spec.deletionProtection", () => {
  runCases(
    {
      Protected: {
        reason:
          "spec.deletionProtection: true makes the VM compose a Usage of itself in its namespace",
        xr: web({ deletionProtection: true }),
        required: vmRequired(web({ deletionProtection: true })),
        want: {
          at: { "deletion-protection": VM_USAGE },
          protection: protectedBy(
            "spec.deletionProtection: deleting VirtualMachine acme-dev/web is refused until it " +
              "is false",
            "DeletionProtection",
          ),
        },
      },
      ByDefaultNot: {
        reason: "Without spec.deletionProtection (default false) nothing protects the VM",
        xr: web(),
        required: vmRequired(web()),
        observed: { "deletion-protection": inForce(VM_USAGE) },
        want: {
          at: { "deletion-protection": undefined },
          protection: {
            type: "DeletionProtected",
            status: "False",
            reason: "NotProtected",
            message: "Deleting VirtualMachine acme-dev/web deletes its VM and disks",
          },
        },
      },
    },
    facets,
  );
});
