// VirtualMachine.spec.source.migration: a VM migrated into a KubeVirt VDC by
// Forklift. Input and expected output in full; the observed Plans, Migrations
// and VMs are shaped like what Forklift and KubeVirt write (see
// kubev2v/forklift pkg/controller/plan and pkg/controller/migration).
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { bytes as bytesOf, run, type Plain } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const API = "crossvdc.io/v1alpha1";
const FORKLIFT = "forklift.konveyor.io/v1beta1";

const source = (name: string, type: string, url: string) => ({
  name,
  type,
  url,
  secretRef: { name: `${name}-credentials` },
});
const DEV: KubeObject = {
  apiVersion: API,
  kind: "VDC",
  metadata: { name: "acme-dev", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: {
    tenantRef: { name: "acme" },
    quota: { cpu: 8, memory: "32Gi", vms: 4 },
    backend: { type: "kubevirt", storageClass: "ceph-rbd" },
    migration: {
      sources: [
        {
          ...source("vcenter", "vsphere", "https://vcenter.acme.example/sdk"),
          networkMap: [{ source: { name: "VM Network" } }],
          storageMap: [{ source: { name: "vsanDatastore" } }],
        },
        source("rhv", "ovirt", "https://rhv.acme.example/ovirt-engine/api"),
        source("osp", "openstack", "https://keystone.acme.example:5000/v3"),
        source("ocp-old", "openshift", "https://api.old.acme.example:6443"),
      ],
    },
  },
};
const LAB: KubeObject = {
  apiVersion: API,
  kind: "VDC",
  metadata: { name: "acme-lab", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: {
    tenantRef: { name: "acme" },
    backend: {
      type: "proxmox",
      providerConfigRef: { name: "pve", kind: "ClusterProviderConfig" },
      node: "pve1",
      datastore: "local-lvm",
      bridge: "vmbr0",
    },
  },
};
const labels = {
  "crossvdc.io/tenant": "acme",
  "crossvdc.io/vdc": "acme-dev",
  "crossvdc.io/vm": "legacy-erp",
};
const FEDORA = "https://images.example.com/fedora-41.qcow2";

function xr(
  spec: Record<string, unknown>,
  o: { name?: string; ns?: string; status?: Record<string, unknown> } = {},
): KubeObject {
  return {
    apiVersion: API,
    kind: "VirtualMachine",
    metadata: { name: o.name ?? "legacy-erp", namespace: o.ns ?? "acme-dev" },
    spec,
    ...(o.status ? { status: o.status } : {}),
  };
}
const warmById = {
  size: { cpu: 2, memory: "8Gi" },
  source: { migration: { source: "vcenter", vm: { id: "vm-2041" }, warm: true } },
};
const cold = (vmRef: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  size: { cpu: 2, memory: "8Gi" },
  source: { migration: { source: "vcenter", vm: vmRef, ...more } },
});

interface Call {
  xr: KubeObject;
  vdc?: KubeObject;
  vms?: KubeObject[];
  observed?: Record<string, KubeObject>;
  migrated?: KubeObject[];
  vmi?: KubeObject[];
}
/** Through the gRPC edge, as Crossplane calls it; every composed resource must be valid against its CRD. */
function compose(c: Call): Plain {
  const vdc = c.vdc ?? (c.xr.metadata?.namespace === "acme-lab" ? LAB : DEV);
  const out = run({
    xr: c.xr,
    observed: c.observed,
    required: { vdc: [vdc], vms: c.vms ?? [c.xr], vmi: c.vmi ?? [], migrated: c.migrated ?? [] },
  });
  for (const [key, r] of Object.entries(out.resources))
    expect([key, validateResource(r)]).toEqual([key, []]);
  return out;
}
const fatal = (out: Plain) => {
  expect(out.resources).toEqual({});
  expect(out.results).toHaveLength(1);
  expect(out.results[0]!.severity).toBe("FATAL");
  return out.results[0]!.message;
};

// ------------------------------------------------------------------ what Forklift and KubeVirt write

const PLAN_UID = "3f1c9a52-6d0e-4b7a-9f3e-1a2b3c4d5e01";
const MIGRATION_UID = "7a0e4c11-2b3d-4e5f-8a9b-0c1d2e3f4a02";
/** Defaults the API server adds from the Plan CRD (forklift.konveyor.io_plans.yaml). */
const PLAN_DEFAULTS = {
  migrateSharedDisks: true,
  preserveStaticIPs: true,
  runPreflightInspection: true,
  skipGuestConversion: false,
  useCompatibilityMode: true,
  xfsCompatibility: false,
};
const serverMeta = (uid: string, generation: number, resource: string) => ({
  uid,
  generation,
  resourceVersion: "918273",
  creationTimestamp: "2026-02-10T08:00:00Z",
  annotations: { "crossplane.io/composition-resource-name": resource },
  ownerReferences: [
    {
      apiVersion: API,
      kind: "VirtualMachine",
      name: "legacy-erp",
      uid: "0c9d8e7f-0000-4000-8000-00000000000a",
      controller: true,
      blockOwnerDeletion: true,
    },
  ],
});
const cond = (
  type: string,
  category: string,
  message: string,
  extra: Record<string, unknown> = {},
) => ({
  type,
  status: "True",
  category,
  message,
  lastTransitionTime: "2026-02-10T08:01:00Z",
  ...extra,
});
const READY = cond("Ready", "Required", "The migration plan is ready.");

/** A composed Plan as the API server returns it: metadata, CRD defaults and the status Forklift wrote. */
function observedPlan(
  composed: KubeObject,
  status: Record<string, unknown>,
  generation = 1,
): KubeObject {
  return {
    ...structuredClone(composed),
    metadata: {
      ...composed.metadata,
      labels: { ...composed.metadata?.labels, "crossplane.io/composite": "legacy-erp" },
      ...serverMeta(PLAN_UID, generation, "plan"),
    },
    spec: { ...PLAN_DEFAULTS, ...(composed.spec as object) },
    status: { observedGeneration: 1, ...status },
  };
}
function observedMigration(composed: KubeObject, status: Record<string, unknown>): KubeObject {
  return {
    ...structuredClone(composed),
    metadata: { ...composed.metadata, ...serverMeta(MIGRATION_UID, 1, "migration") },
    status: { observedGeneration: 1, ...status },
  };
}
const snapshotRef = (name: string, uid: string) => ({
  name,
  namespace: "acme-dev",
  uid,
  generation: 1,
});
const history = (conditions: unknown[]) => [
  {
    conditions,
    plan: snapshotRef("legacy-erp", PLAN_UID),
    migration: snapshotRef("legacy-erp", MIGRATION_UID),
    provider: {
      source: snapshotRef("vcenter", "6a7b0000-0000-4000-8000-000000000002"),
      destination: snapshotRef("host", "6a7b0000-0000-4000-8000-000000000003"),
    },
    map: {
      network: snapshotRef("vcenter-network", "6a7b0000-0000-4000-8000-000000000004"),
      storage: snapshotRef("vcenter-storage", "6a7b0000-0000-4000-8000-000000000005"),
    },
  },
];
const step = (
  name: string,
  description: string,
  phase: string,
  progress: { completed: number; total: number },
  more: Record<string, unknown> = {},
) => ({ name, description, phase, progress, ...more });
/** status.migration.vms[0] of the Plan (and status.vms[0] of the Migration). */
function forkliftVM(phase: string, pipeline: unknown[], more: Record<string, unknown> = {}) {
  return {
    id: "vm-2041",
    name: "legacy-erp",
    targetName: "legacy-erp",
    phase,
    pipeline,
    started: "2026-02-10T08:02:00Z",
    restorePowerState: "On",
    ...more,
  };
}
const copying = forkliftVM("CopyDisks", [
  step("Initialize", "Initialize migration.", "Completed", { completed: 1, total: 1 }),
  step(
    "DiskTransfer",
    "Transfer disks.",
    "Running",
    { completed: 20480, total: 61440 },
    { annotations: { unit: "MB" }, started: "2026-02-10T08:03:00Z" },
  ),
  step(
    "Cutover",
    "Finalize disk transfer.",
    "Pending",
    { completed: 0, total: 61440 },
    { annotations: { unit: "MB" } },
  ),
  step("ImageConversion", "Convert image to kubevirt.", "Pending", { completed: 0, total: 1 }),
  step("VirtualMachineCreation", "Create VM.", "Pending", { completed: 0, total: 1 }),
]);
const warmStatus = {
  consecutiveFailures: 0,
  failures: 0,
  successes: 1,
  nextPrecopyAt: "2026-02-10T09:03:00Z",
  precopies: [
    { snapshot: "snapshot-3021", start: "2026-02-10T08:03:00Z", end: "2026-02-10T08:33:00Z" },
  ],
};
const SUCCEEDED = cond("Succeeded", "Advisory", "The plan execution has SUCCEEDED.", {
  durable: true,
});
const succeededVM = forkliftVM(
  "Completed",
  [step("VirtualMachineCreation", "Create VM.", "Completed", { completed: 1, total: 1 })],
  {
    completed: "2026-02-10T10:41:00Z",
    conditions: [
      cond("Succeeded", "Advisory", "The VM migration has SUCCEEDED.", { durable: true }),
    ],
  },
);

const planStatus = {
  validating: {},
  blocked: {
    conditions: [
      cond("VMNotFound", "Critical", "VM not found.", {
        reason: "NotFound",
        items: ["id:vm-2041 "],
      }),
      cond("HostNotReady", "Warn", "VM host is in maintenance mode.", {
        reason: "InMaintenanceMode",
        items: ["id:vm-2041 "],
      }),
    ],
  },
  ready: { conditions: [READY] },
  executing: {
    conditions: [READY, cond("Executing", "Advisory", "The plan is EXECUTING.", { durable: true })],
    migration: { started: "2026-02-10T08:02:00Z", history: history([]), vms: [copying] },
  },
  precopying: {
    conditions: [READY, cond("Executing", "Advisory", "The plan is EXECUTING.", { durable: true })],
    migration: {
      started: "2026-02-10T08:02:00Z",
      history: history([]),
      vms: [{ ...forkliftVM("CopyingPaused", []), warm: warmStatus }],
    },
  },
  succeeded: {
    conditions: [READY, SUCCEEDED],
    migration: {
      started: "2026-02-10T08:02:00Z",
      completed: "2026-02-10T10:41:00Z",
      history: history([SUCCEEDED]),
      vms: [succeededVM],
    },
  },
  failed: {
    conditions: [
      READY,
      cond("Failed", "Advisory", "The plan execution has FAILED.", { durable: true }),
    ],
    migration: {
      started: "2026-02-10T08:02:00Z",
      completed: "2026-02-10T08:20:00Z",
      history: history([]),
      vms: [
        forkliftVM("Completed", [], {
          completed: "2026-02-10T08:20:00Z",
          error: {
            phase: "CreateDataVolumes",
            reasons: [
              'Get "https://svc-mtv:hunter2-vsphere@vcenter.acme.example/sdk/vimServiceVersions.xml": dial tcp 10.20.0.5:443: i/o timeout',
            ],
          },
          conditions: [
            cond("Failed", "Advisory", "The VM migration has FAILED.", { durable: true }),
          ],
        }),
      ],
    },
  },
  canceled: {
    conditions: [
      READY,
      cond("Canceled", "Advisory", "The plan execution has been CANCELED.", { durable: true }),
    ],
    migration: {
      started: "2026-02-10T08:02:00Z",
      completed: "2026-02-10T08:09:00Z",
      history: history([]),
      vms: [
        forkliftVM("Completed", [], {
          completed: "2026-02-10T08:09:00Z",
          conditions: [
            cond("Canceled", "Advisory", "The migration has been canceled.", {
              reason: "UserRequested",
              durable: true,
            }),
          ],
        }),
      ],
    },
  },
};
const MIGRATION_READY = cond("Ready", "Required", "The migration is ready.");
const migrationStatus = {
  new: {},
  running: {
    conditions: [MIGRATION_READY, cond("Running", "Required", "The migration is RUNNING.")],
    started: "2026-02-10T08:02:00Z",
    vms: [copying],
  },
  succeeded: {
    conditions: [
      MIGRATION_READY,
      cond("Succeeded", "Required", "The migration has SUCCEEDED.", { durable: true }),
    ],
    started: "2026-02-10T08:02:00Z",
    completed: "2026-02-10T10:41:00Z",
    vms: [succeededVM],
  },
  failed: {
    conditions: [
      MIGRATION_READY,
      cond("Failed", "Required", "The migration has FAILED.", { durable: true }),
    ],
    started: "2026-02-10T08:02:00Z",
    completed: "2026-02-10T08:20:00Z",
  },
  canceled: {
    conditions: [MIGRATION_READY],
    started: "2026-02-10T08:02:00Z",
    completed: "2026-02-10T08:09:00Z",
  },
};

/** The VM Forklift created (pkg/controller/plan/kubevirt.go): named by targetName, labelled with the plan, migration and source VM. */
function migratedVM(runStrategy: "Always" | "Halted", status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: {
      name: "legacy-erp",
      namespace: "acme-dev",
      uid: "5d4c3b2a-0000-4000-8000-0000000000b1",
      generation: 1,
      resourceVersion: "920114",
      creationTimestamp: "2026-02-10T10:38:00Z",
      labels: { migration: MIGRATION_UID, plan: PLAN_UID, vmID: "vm-2041", guestConverted: "true" },
      finalizers: ["kubevirt.io/virtualMachineControllerFinalize"],
    },
    spec: {
      runStrategy,
      template: {
        metadata: {
          labels: { ...labels, app: "legacy-erp" },
          annotations: {
            "vm.kubevirt.io/flavor": "",
            "vm.kubevirt.io/os": "",
            "vm.kubevirt.io/workload": "",
          },
        },
        spec: {
          domain: {
            cpu: { cores: 2, sockets: 1, threads: 1 },
            memory: { guest: "8Gi" },
            firmware: { serial: "4213a0c4-7d2e-11ee-b962-0242ac120002", bootloader: { bios: {} } },
            machine: { type: "q35" },
            features: { acpi: {} },
            devices: {
              disks: [
                { name: "vol-0", disk: { bus: "virtio" }, bootOrder: 1 },
                { name: "vol-1", disk: { bus: "virtio" } },
              ],
              interfaces: [
                { name: "net-0", masquerade: {}, model: "virtio", macAddress: "00:50:56:a1:2b:3c" },
              ],
            },
          },
          networks: [{ name: "net-0", pod: {} }],
          volumes: [
            { name: "vol-0", persistentVolumeClaim: { claimName: "legacy-erp-vm-2041-7k2xq" } },
            { name: "vol-1", persistentVolumeClaim: { claimName: "legacy-erp-vm-2041-p9w4d" } },
          ],
        },
      },
    },
    status,
  };
}
const RUNNING_VM = migratedVM("Always", {
  conditions: [
    {
      type: "Ready",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: "2026-02-10T10:42:10Z",
    },
    {
      type: "AgentConnected",
      status: "True",
      lastProbeTime: "2026-02-10T10:43:00Z",
      lastTransitionTime: null,
    },
  ],
  created: true,
  desiredGeneration: 1,
  observedGeneration: 1,
  printableStatus: "Running",
  ready: true,
  runStrategy: "Always",
});
const STOPPED_VM = migratedVM("Halted", {
  conditions: [
    {
      type: "Ready",
      status: "False",
      reason: "VMINotExists",
      message: "VMI does not exist",
      lastProbeTime: null,
      lastTransitionTime: "2026-02-10T10:41:30Z",
    },
  ],
  printableStatus: "Stopped",
  runStrategy: "Halted",
});
const VMI: KubeObject = {
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachineInstance",
  metadata: {
    name: "legacy-erp",
    namespace: "acme-dev",
    labels: { ...labels, app: "legacy-erp", "kubevirt.io/nodeName": "worker-3" },
  },
  status: {
    phase: "Running",
    nodeName: "worker-3",
    interfaces: [
      {
        name: "net-0",
        interfaceName: "eth0",
        infoSource: "domain, guest-agent",
        ipAddress: "10.244.3.41",
        ipAddresses: ["10.244.3.41", "fe80::250:56ff:fea1:2b3c"],
        mac: "00:50:56:a1:2b:3c",
      },
    ],
    guestOSInfo: { id: "rhel", name: "Red Hat Enterprise Linux", version: "8.9 (Ootpa)" },
  },
};

// ------------------------------------------------------------------ the composed Plan and Migration

const PLAN: KubeObject = {
  apiVersion: FORKLIFT,
  kind: "Plan",
  metadata: { name: "legacy-erp", namespace: "acme-dev", labels },
  spec: {
    description: "VirtualMachine acme-dev/legacy-erp, composed by crossvdc",
    provider: {
      source: { name: "vcenter", namespace: "acme-dev" },
      destination: { name: "host", namespace: "acme-dev" },
    },
    map: {
      network: { name: "vcenter-network", namespace: "acme-dev" },
      storage: { name: "vcenter-storage", namespace: "acme-dev" },
    },
    targetNamespace: "acme-dev",
    type: "warm",
    warm: true,
    deleteVmOnFailMigration: true,
    targetLabels: labels,
    vms: [{ id: "vm-2041", targetName: "legacy-erp" }],
  },
};
const MIGRATION: KubeObject = {
  apiVersion: FORKLIFT,
  kind: "Migration",
  metadata: { name: "legacy-erp", namespace: "acme-dev", labels },
  spec: { plan: { name: "legacy-erp", namespace: "acme-dev" } },
};

describe("VirtualMachine.spec.source.migration: the Plan", () => {
  it("composes a Plan for the one VM into the VDC namespace, through the source's Provider and maps, and no KubeVirt VM", () => {
    const out = compose({ xr: xr(warmById) });
    expect(out.results).toEqual([]);
    expect(out.resources).toEqual({ plan: PLAN });
    expect(out.ready).toEqual({ plan: false });
    expect(out.status).toEqual({
      backend: "kubevirt",
      phase: "Provisioning",
      state: "MigrationPending",
      ready: false,
      ipAddresses: [],
      cpu: 2,
      memory: "8Gi",
      migration: { phase: "Pending", message: "The Plan is being created", plan: "legacy-erp" },
    });
    expect(out.conditions).toEqual([
      {
        type: "QuotaAdmitted",
        status: "True",
        reason: "WithinQuota",
        message: "VDC acme-dev has vms 3, cpu 6, memory 24Gi left for VMs",
      },
    ]);
    expect(out.ttl).toBe(30);
  });

  it("asks Crossplane for the VM Forklift will create, besides the VDC, the namespace's VirtualMachines and the instance", () => {
    const out = run({ xr: xr(warmById) });
    expect(out.resources).toEqual({});
    expect(out.requirements).toEqual({
      vdc: { apiVersion: API, kind: "VDC", matchName: "acme-dev" },
      vms: {
        apiVersion: API,
        kind: "VirtualMachine",
        namespace: "acme-dev",
        matchLabels: { labels: {} },
      },
      vmi: {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachineInstance",
        namespace: "acme-dev",
        matchName: "legacy-erp",
      },
      migrated: {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachine",
        namespace: "acme-dev",
        matchName: "legacy-erp",
      },
    });
  });

  it.each([
    {
      name: "by id, cold (the default)",
      spec: cold({ id: "vm-2041" }),
      fields: { type: "cold", warm: false },
      vms: [{ id: "vm-2041", targetName: "legacy-erp" }],
    },
    {
      name: "by name, warm",
      spec: cold({ name: "legacy-erp-01" }, { warm: true }),
      fields: { type: "warm", warm: true },
      vms: [{ name: "legacy-erp-01", targetName: "legacy-erp" }],
    },
    {
      name: "by inventory path, powered on after the migration",
      spec: cold({ name: "/Datacenter/vm/finance/legacy-erp-01" }, { targetPowerState: "running" }),
      fields: { type: "cold", warm: false, targetPowerState: "on" },
      vms: [{ name: "/Datacenter/vm/finance/legacy-erp-01", targetName: "legacy-erp" }],
    },
    {
      name: "stopped after the migration",
      spec: cold({ id: "vm-2041" }, { targetPowerState: "stopped" }),
      fields: { type: "cold", warm: false, targetPowerState: "off" },
      vms: [{ id: "vm-2041", targetName: "legacy-erp" }],
    },
    {
      name: "as the source VM was",
      spec: cold({ id: "vm-2041" }, { targetPowerState: "auto" }),
      fields: { type: "cold", warm: false, targetPowerState: "auto" },
      vms: [{ id: "vm-2041", targetName: "legacy-erp" }],
    },
    {
      name: "from oVirt, warm",
      spec: {
        size: { instanceType: "medium" },
        source: {
          migration: {
            source: "rhv",
            vm: { id: "6b1f0e0a-1c5d-4f3e-9e1a-2f8c7d6e5b4a" },
            warm: true,
          },
        },
      },
      fields: {
        type: "warm",
        warm: true,
        provider: {
          source: { name: "rhv", namespace: "acme-dev" },
          destination: { name: "host", namespace: "acme-dev" },
        },
        map: {
          network: { name: "rhv-network", namespace: "acme-dev" },
          storage: { name: "rhv-storage", namespace: "acme-dev" },
        },
      },
      vms: [{ id: "6b1f0e0a-1c5d-4f3e-9e1a-2f8c7d6e5b4a", targetName: "legacy-erp" }],
    },
    {
      name: "from OpenShift, by namespace and name",
      spec: {
        source: { migration: { source: "ocp-old", vm: { name: "erp", namespace: "finance" } } },
      },
      fields: {
        type: "cold",
        warm: false,
        provider: {
          source: { name: "ocp-old", namespace: "acme-dev" },
          destination: { name: "host", namespace: "acme-dev" },
        },
        map: {
          network: { name: "ocp-old-network", namespace: "acme-dev" },
          storage: { name: "ocp-old-storage", namespace: "acme-dev" },
        },
      },
      vms: [{ name: "erp", namespace: "finance", targetName: "legacy-erp" }],
    },
  ])("$name", ({ spec, fields, vms }) => {
    const out = compose({ xr: xr(spec) });
    expect(out.results).toEqual([]);
    const {
      type: _t,
      warm: _w,
      vms: _v,
      provider: _p,
      map: _m,
      ...rest
    } = PLAN.spec as Record<string, unknown>;
    expect(out.resources.plan!.spec).toEqual({ ...rest, provider: _p, map: _m, ...fields, vms });
  });

  it("starts the Plan with a Migration once Forklift has validated it as composed (Ready, generation observed)", () => {
    const plan = observedPlan(PLAN, planStatus.ready);
    const out = compose({ xr: xr(warmById), observed: { plan } });
    expect(out.results).toEqual([]);
    // The Plan is re-emitted as composed (not as observed): nothing has started yet.
    expect(out.resources).toEqual({ plan: PLAN, migration: MIGRATION });
    expect(out.status?.migration).toEqual({
      phase: "Ready",
      message: "The Plan is ready; the Migration is being created",
      plan: "legacy-erp",
      migration: "legacy-erp",
    });
  });

  it.each([
    {
      name: "still validating",
      plan: observedPlan(PLAN, planStatus.validating),
      message: "Forklift is validating the Plan",
    },
    {
      name: "blocked: the Critical and Error conditions, with their items; warnings left out",
      plan: observedPlan(PLAN, planStatus.blocked),
      message: "VMNotFound: VM not found. (id:vm-2041)",
    },
    {
      name: "Ready for an earlier generation: Forklift has not validated the Plan as it is now",
      plan: {
        ...observedPlan(PLAN, planStatus.ready, 2),
        status: { ...planStatus.ready, observedGeneration: 1 },
      },
      message: "Forklift has not yet validated the Plan as it is now composed",
    },
    {
      name: "Ready, but for another VM than the spec now asks",
      plan: observedPlan(
        {
          ...PLAN,
          spec: { ...(PLAN.spec as object), vms: [{ id: "vm-1999", targetName: "legacy-erp" }] },
        },
        planStatus.ready,
      ),
      message: "Forklift has not yet validated the Plan as it is now composed",
    },
  ])("does not start a Plan $name", ({ plan, message }) => {
    const out = compose({ xr: xr(warmById), observed: { plan } });
    expect(out.results).toEqual([]);
    expect(Object.keys(out.resources)).toEqual(["plan"]);
    expect(out.resources.plan).toEqual(PLAN);
    expect(out.status?.migration).toEqual({ phase: "Pending", message, plan: "legacy-erp" });
  });

  it("says what the VDC reports about the source while Forklift has nothing to say", () => {
    const vdc = {
      ...DEV,
      status: {
        migration: {
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
        },
      },
    };
    expect(compose({ xr: xr(warmById), vdc }).status?.migration).toEqual({
      phase: "Pending",
      message:
        "migration source vcenter of the VDC is waiting for Secret acme-dev/vcenter-credentials: create it with the vsphere credentials",
      plan: "legacy-erp",
    });
  });

  it("sets the cutover of a warm migration on the Migration", () => {
    const spec = {
      ...warmById,
      source: { migration: { ...warmById.source.migration, cutover: "2026-02-14T22:00:00Z" } },
    };
    const out = compose({ xr: xr(spec), observed: { plan: observedPlan(PLAN, planStatus.ready) } });
    expect(out.resources.migration).toEqual({
      ...MIGRATION,
      spec: {
        plan: { name: "legacy-erp", namespace: "acme-dev" },
        cutover: "2026-02-14T22:00:00Z",
      },
    });
  });
});

describe("status from the observed Plan and Migration", () => {
  const plan = (s: Record<string, unknown>) => observedPlan(PLAN, s);
  const migration = (s: Record<string, unknown>) => observedMigration(MIGRATION, s);
  const base = { backend: "kubevirt", ipAddresses: [], cpu: 2, memory: "8Gi" };
  const MIGRATION_NAMES = { plan: "legacy-erp", migration: "legacy-erp" };
  it.each([
    {
      name: "started: the step and its progress",
      was: "Ready",
      observed: { plan: plan(planStatus.executing), migration: migration(migrationStatus.running) },
      status: {
        ...base,
        phase: "Provisioning",
        state: "MigrationExecuting",
        ready: false,
        migration: {
          phase: "Executing",
          message: "CopyDisks: Transfer disks. 20480/61440 MB",
          ...MIGRATION_NAMES,
          started: "2026-02-10T08:02:00Z",
        },
      },
      events: [
        {
          severity: "NORMAL",
          reason: "MigrationStarted",
          message:
            "VirtualMachine acme-dev/legacy-erp: Forklift is migrating the VM from source vcenter",
        },
      ],
    },
    {
      name: "still executing: no event again",
      was: "Executing",
      observed: { plan: plan(planStatus.executing), migration: migration(migrationStatus.running) },
      status: {
        ...base,
        phase: "Provisioning",
        state: "MigrationExecuting",
        ready: false,
        migration: {
          phase: "Executing",
          message: "CopyDisks: Transfer disks. 20480/61440 MB",
          ...MIGRATION_NAMES,
          started: "2026-02-10T08:02:00Z",
        },
      },
      events: [],
    },
    {
      name: "warm, precopying until a cutover is set",
      was: "Executing",
      observed: {
        plan: plan(planStatus.precopying),
        migration: migration(migrationStatus.running),
      },
      status: {
        ...base,
        phase: "Provisioning",
        state: "MigrationExecuting",
        ready: false,
        migration: {
          phase: "Executing",
          message:
            "CopyingPaused: the disks are copied while the source VM runs; set spec.source.migration.cutover to stop it and finish",
          ...MIGRATION_NAMES,
          started: "2026-02-10T08:02:00Z",
        },
      },
      events: [],
    },
    {
      name: "Migration created, not yet picked up by Forklift",
      was: "Ready",
      observed: { plan: plan(planStatus.ready), migration: migration(migrationStatus.new) },
      status: {
        ...base,
        phase: "Provisioning",
        state: "MigrationReady",
        ready: false,
        migration: {
          phase: "Ready",
          message: "The Plan is ready; Forklift is starting the Migration",
          ...MIGRATION_NAMES,
        },
      },
      events: [],
    },
    {
      name: "failed: why, in the VM's error, with a URL's user info left out",
      was: "Executing",
      observed: { plan: plan(planStatus.failed), migration: migration(migrationStatus.failed) },
      status: {
        ...base,
        phase: "Failed",
        state: "MigrationFailed",
        ready: false,
        migration: {
          phase: "Failed",
          message:
            'CreateDataVolumes: Get "https://…@vcenter.acme.example/sdk/vimServiceVersions.xml": dial tcp 10.20.0.5:443: i/o timeout',
          ...MIGRATION_NAMES,
          started: "2026-02-10T08:02:00Z",
          completed: "2026-02-10T08:20:00Z",
        },
      },
      events: [
        {
          severity: "WARNING",
          reason: "MigrationFailed",
          message:
            'VirtualMachine acme-dev/legacy-erp: the migration from source vcenter failed: CreateDataVolumes: Get "https://…@vcenter.acme.example/sdk/vimServiceVersions.xml": dial tcp 10.20.0.5:443: i/o timeout',
        },
      ],
    },
    {
      name: "failed, and Forklift says no more than that",
      was: "Executing",
      observed: {
        plan: plan({
          ...planStatus.failed,
          migration: { started: "2026-02-10T08:02:00Z", completed: "2026-02-10T08:20:00Z" },
        }),
        migration: migration(migrationStatus.failed),
      },
      status: {
        ...base,
        phase: "Failed",
        state: "MigrationFailed",
        ready: false,
        migration: {
          phase: "Failed",
          message: "The plan execution has FAILED.",
          ...MIGRATION_NAMES,
          started: "2026-02-10T08:02:00Z",
          completed: "2026-02-10T08:20:00Z",
        },
      },
      events: [
        {
          severity: "WARNING",
          reason: "MigrationFailed",
          message:
            "VirtualMachine acme-dev/legacy-erp: the migration from source vcenter failed: The plan execution has FAILED.",
        },
      ],
    },
    {
      name: "canceled (spec.cancel of the Migration, by an admin)",
      was: "Executing",
      observed: { plan: plan(planStatus.canceled), migration: migration(migrationStatus.canceled) },
      status: {
        ...base,
        phase: "Failed",
        state: "MigrationCanceled",
        ready: false,
        migration: {
          phase: "Canceled",
          message: "The migration has been canceled.",
          ...MIGRATION_NAMES,
          started: "2026-02-10T08:02:00Z",
          completed: "2026-02-10T08:09:00Z",
        },
      },
      events: [
        {
          severity: "WARNING",
          reason: "MigrationCanceled",
          message:
            "VirtualMachine acme-dev/legacy-erp: the migration from source vcenter was canceled: The migration has been canceled.",
        },
      ],
    },
    {
      name: "succeeded, the migrated VM not yet seen",
      was: "Executing",
      observed: {
        plan: plan(planStatus.succeeded),
        migration: migration(migrationStatus.succeeded),
      },
      status: {
        ...base,
        phase: "Provisioning",
        state: "WaitingForMigratedVM",
        ready: false,
        migration: {
          phase: "Succeeded",
          message: "The plan execution has SUCCEEDED.",
          ...MIGRATION_NAMES,
          started: "2026-02-10T08:02:00Z",
          completed: "2026-02-10T10:41:00Z",
        },
      },
      events: [
        {
          severity: "NORMAL",
          reason: "MigrationSucceeded",
          message:
            "VirtualMachine acme-dev/legacy-erp: migrated from source vcenter; the migrated VM is adopted",
        },
      ],
    },
  ])("$name", ({ was, observed, status, events }) => {
    const out = compose({
      xr: xr(warmById, {
        status: { phase: "Provisioning", migration: { phase: was, plan: "legacy-erp" } },
      }),
      observed,
    });
    expect(out.results).toEqual(events);
    expect(out.status).toEqual(status);
    expect(out.ready).toEqual({ plan: false, migration: false });
    expect(out.ttl).toBe(30);
    expect(JSON.stringify(out)).not.toContain("hunter2");
  });

  it.each([
    {
      name: "running: phase, addresses and node as for a VM made from an image",
      vm: RUNNING_VM,
      vmi: [VMI],
      status: {
        phase: "Running",
        state: "Running",
        ready: true,
        ipAddresses: ["10.244.3.41"],
        node: "worker-3",
      },
      events: [
        {
          severity: "NORMAL",
          reason: "MigrationSucceeded",
          message:
            "VirtualMachine acme-dev/legacy-erp: migrated from source vcenter; the migrated VM is adopted",
        },
        {
          severity: "NORMAL",
          reason: "Running",
          message: "VirtualMachine acme-dev/legacy-erp is running",
        },
      ],
      ttl: 120,
    },
    {
      name: "stopped as Forklift left it (targetPowerState stopped: runStrategy Halted)",
      vm: STOPPED_VM,
      vmi: [],
      status: { phase: "Stopped", state: "Stopped", ready: true, ipAddresses: [] },
      events: [
        {
          severity: "NORMAL",
          reason: "MigrationSucceeded",
          message:
            "VirtualMachine acme-dev/legacy-erp: migrated from source vcenter; the migrated VM is adopted",
        },
        {
          severity: "NORMAL",
          reason: "Stopped",
          message: "VirtualMachine acme-dev/legacy-erp is stopped",
        },
      ],
      ttl: 120,
    },
    {
      name: "starting",
      vm: migratedVM("Always", {
        printableStatus: "Starting",
        ready: false,
        created: true,
        runStrategy: "Always",
      }),
      vmi: [],
      status: { phase: "Provisioning", state: "Starting", ready: false, ipAddresses: [] },
      events: [
        {
          severity: "NORMAL",
          reason: "MigrationSucceeded",
          message:
            "VirtualMachine acme-dev/legacy-erp: migrated from source vcenter; the migrated VM is adopted",
        },
      ],
      ttl: 30,
    },
  ])(
    "adopts the migrated VM once the Plan Succeeded, $name",
    ({ vm: migrated, vmi, status, events, ttl }) => {
      expect(validateResource(migrated)).toEqual([]);
      const observed = {
        plan: observedPlan(PLAN, planStatus.succeeded),
        migration: observedMigration(MIGRATION, migrationStatus.succeeded),
      };
      const out = compose({
        xr: xr(warmById, {
          status: { phase: "Provisioning", migration: { phase: "Executing", plan: "legacy-erp" } },
        }),
        observed,
        migrated: [migrated],
        vmi,
      });
      expect(out.results).toEqual(events);
      expect(out.status).toEqual({
        backend: "kubevirt",
        ...status,
        cpu: 2,
        memory: "8Gi",
        migration: {
          phase: "Succeeded",
          message: "The plan execution has SUCCEEDED.",
          plan: "legacy-erp",
          migration: "legacy-erp",
          started: "2026-02-10T08:02:00Z",
          completed: "2026-02-10T10:41:00Z",
        },
      });
      // The Plan and Migration stay composed, as observed: they are the record, and deleting them would not bring anything back.
      expect(Object.keys(out.resources).sort()).toEqual(["migration", "plan"]);
      expect(out.ready).toEqual({ plan: status.ready, migration: status.ready });
      expect(out.ttl).toBe(ttl);
    },
  );
});

describe("a started migration is frozen", () => {
  const started = {
    plan: observedPlan(PLAN, planStatus.executing),
    migration: observedMigration(MIGRATION, migrationStatus.running),
  };
  const asObserved = (o: KubeObject) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: "legacy-erp", namespace: "acme-dev", labels },
    spec: o.spec,
  });

  it("re-emits the Plan and Migration as observed, API server defaults included, so Forklift sees no change that would cancel the run", () => {
    const out = compose({
      xr: xr(warmById, { status: { migration: { phase: "Executing", plan: "legacy-erp" } } }),
      observed: started,
    });
    expect(out.results).toEqual([]);
    expect(out.resources).toEqual({
      plan: asObserved(started.plan),
      migration: asObserved(started.migration),
    });
    expect(out.resources.plan!.spec).toEqual({ ...PLAN_DEFAULTS, ...(PLAN.spec as object) });
  });

  it("takes a cutover, set or moved: the one change a running warm migration takes", () => {
    const at = (cutover: string) => ({
      ...warmById,
      source: { migration: { ...warmById.source.migration, cutover } },
    });
    const first = compose({ xr: xr(at("2026-02-14T22:00:00Z")), observed: started });
    expect(first.resources.migration!.spec).toEqual({
      plan: { name: "legacy-erp", namespace: "acme-dev" },
      cutover: "2026-02-14T22:00:00Z",
    });
    expect(first.resources.plan).toEqual(asObserved(started.plan));
    const moved = {
      ...started,
      migration: { ...started.migration, spec: first.resources.migration!.spec },
    };
    expect(
      compose({ xr: xr(at("2026-02-15T02:00:00+01:00")), observed: moved }).resources.migration!
        .spec,
    ).toEqual({
      plan: { name: "legacy-erp", namespace: "acme-dev" },
      cutover: "2026-02-15T02:00:00+01:00",
    });
    // Removing it does not withdraw it: the Migration keeps what it was given.
    expect(compose({ xr: xr(warmById), observed: moved }).resources.migration!.spec).toEqual({
      plan: { name: "legacy-erp", namespace: "acme-dev" },
      cutover: "2026-02-14T22:00:00Z",
    });
  });

  const tail =
    "Only cutover may still change: put the rest back as it was, and create a new VirtualMachine to migrate another VM";
  it.each([
    {
      name: "another VM",
      spec: cold({ id: "vm-2042" }, { warm: true }),
      now: "VM id vm-2042 from source vcenter, warm",
    },
    {
      name: "the same VM by name",
      spec: cold({ name: "legacy-erp-01" }, { warm: true }),
      now: "VM name legacy-erp-01 from source vcenter, warm",
    },
    {
      name: "another source",
      spec: {
        ...warmById,
        source: { migration: { source: "rhv", vm: { id: "vm-2041" }, warm: true } },
      },
      now: "VM id vm-2041 from source rhv, warm",
    },
    {
      name: "cold instead of warm",
      spec: cold({ id: "vm-2041" }),
      now: "VM id vm-2041 from source vcenter, cold",
    },
    {
      name: "a target power state",
      spec: cold({ id: "vm-2041" }, { warm: true, targetPowerState: "stopped" }),
      now: "VM id vm-2041 from source vcenter, warm, target power state stopped",
    },
  ])("refuses $name", ({ spec, now }) => {
    expect(fatal(compose({ xr: xr(spec), observed: started }))).toBe(
      `VirtualMachine acme-dev/legacy-erp: spec.source.migration: a started migration cannot be changed: this VirtualMachine migrates VM id vm-2041 from source vcenter, warm, not ${now}. ${tail}`,
    );
  });

  it("refuses a change after success too, even with the source gone from the VDC", () => {
    const vdc = { ...DEV, spec: { ...(DEV.spec as object), migration: { sources: [] } } };
    const done = {
      plan: observedPlan(PLAN, planStatus.succeeded),
      migration: observedMigration(MIGRATION, migrationStatus.succeeded),
    };
    expect(
      fatal(compose({ xr: xr(cold({ id: "vm-2042" }, { warm: true })), vdc, observed: done })),
    ).toBe(
      `VirtualMachine acme-dev/legacy-erp: spec.source.migration: a started migration cannot be changed: this VirtualMachine migrates VM id vm-2041 from source vcenter, warm, not VM id vm-2042 from source vcenter, warm. ${tail}`,
    );
    // Unchanged, it keeps reporting the adopted VM: decommissioning the source after the move breaks nothing.
    const out = compose({
      xr: xr(warmById),
      vdc,
      observed: done,
      migrated: [RUNNING_VM],
      vmi: [VMI],
    });
    expect(out.results.filter((r) => r.severity === "FATAL")).toEqual([]);
    expect(out.status).toMatchObject({
      phase: "Running",
      ipAddresses: ["10.244.3.41"],
      migration: { phase: "Succeeded" },
    });
  });

  const removed =
    "VirtualMachine acme-dev/legacy-erp: spec.source.migration: this VirtualMachine's VM was migrated by Forklift (Migration acme-dev/legacy-erp) and a started migration cannot be removed: a VM made from spec.image would be composed over the migrated one. Put spec.source.migration back as it was; create a new VirtualMachine for a VM made from an image";
  it.each<{
    name: string;
    observed: Record<string, KubeObject>;
    status: Record<string, unknown> | undefined;
  }>([
    { name: "while its Migration exists", observed: started, status: undefined },
    {
      name: "when only the Plan's history says it ran",
      observed: { plan: started.plan },
      status: undefined,
    },
    {
      name: "when only the XR's status remembers it started",
      observed: {},
      status: {
        migration: { phase: "Succeeded", plan: "legacy-erp", started: "2026-02-10T08:02:00Z" },
      },
    },
  ])("refuses to drop the migration for an image $name", ({ observed, status }) => {
    expect(
      fatal(
        compose({
          xr: xr(
            { size: { cpu: 2, memory: "8Gi" }, image: { url: FEDORA } },
            status ? { status } : {},
          ),
          observed,
        }),
      ),
    ).toBe(removed);
  });

  it("lets a migration that has not started give way to a VM made from an image: the Plan goes, nothing ran", () => {
    const out = compose({
      xr: xr({ size: { cpu: 2, memory: "8Gi" }, image: { url: FEDORA } }),
      observed: { plan: observedPlan(PLAN, planStatus.blocked) },
    });
    expect(out.results).toEqual([]);
    expect(Object.keys(out.resources).sort()).toEqual(["cloudinit", "vm"]);
    expect(out.status).not.toHaveProperty("migration");
  });

  it("never creates a Migration again once the Plan ran, though the Migration is gone", () => {
    const out = compose({
      xr: xr(warmById),
      observed: { plan: observedPlan(PLAN, planStatus.failed) },
    });
    expect(Object.keys(out.resources)).toEqual(["plan"]);
    expect(out.status?.migration).toMatchObject({
      phase: "Failed",
      plan: "legacy-erp",
      started: "2026-02-10T08:02:00Z",
    });
    expect(out.status?.migration).not.toHaveProperty("migration");
  });

  it("refuses to turn a VM made from an image into a migration, which would delete it", () => {
    const made = run({
      xr: xr({ image: { url: `${FEDORA}?token=abc` } }),
      required: { vdc: [DEV], vms: [], vmi: [] },
    }).resources.vm!;
    expect(fatal(compose({ xr: xr(warmById), observed: { vm: made } }))).toBe(
      "VirtualMachine acme-dev/legacy-erp: spec.source.migration: this VirtualMachine already exists as a VM made from url:https://images.example.com/fedora-41.qcow2?…, which a migration would replace and lose: put spec.image back, and create a new VirtualMachine to migrate a VM",
    );
  });
});

describe("the VM's name is Forklift's to take", () => {
  const adoptedStatus = {
    backend: "kubevirt",
    phase: "Running",
    state: "Running",
    ready: true,
    ipAddresses: ["10.244.3.41"],
    node: "worker-3",
    cpu: 2,
    memory: "8Gi",
    migration: {
      phase: "Succeeded",
      message: "Adopted the VM Forklift migrated from vm-2041; its Plan and Migration are gone",
      plan: "legacy-erp",
    },
  };

  it("adopts the VM an earlier VirtualMachine migrated from the same source VM (deleted, then applied again): nothing is composed, nothing migrates twice", () => {
    const out = compose({ xr: xr(warmById), migrated: [RUNNING_VM], vmi: [VMI] });
    expect(out.results).toEqual([
      {
        severity: "NORMAL",
        reason: "MigrationSucceeded",
        message:
          "VirtualMachine acme-dev/legacy-erp: migrated from source vcenter; the migrated VM is adopted",
      },
      {
        severity: "NORMAL",
        reason: "Running",
        message: "VirtualMachine acme-dev/legacy-erp is running",
      },
    ]);
    expect(out.resources).toEqual({});
    expect(out.status).toEqual(adoptedStatus);
    // The next reconcile remembers it: no Plan is composed for it later either, and no event again.
    const again = compose({
      xr: xr(warmById, { status: adoptedStatus }),
      migrated: [RUNNING_VM],
      vmi: [VMI],
    });
    expect(again.results).toEqual([]);
    expect(again.resources).toEqual({});
    expect(again.status).toEqual(adoptedStatus);
  });

  it("adopts it though the source has since left the VDC", () => {
    const vdc = { ...DEV, spec: { ...(DEV.spec as object), migration: { sources: [] } } };
    expect(compose({ xr: xr(warmById), vdc, migrated: [RUNNING_VM], vmi: [VMI] }).status).toEqual(
      adoptedStatus,
    );
  });

  const foreign = {
    ...RUNNING_VM,
    metadata: { name: "legacy-erp", namespace: "acme-dev", labels: { app: "legacy-erp" } },
  };
  const waits =
    "A KubeVirt VirtualMachine acme-dev/legacy-erp exists that Forklift did not migrate from this source VM, and the migrated VM is created under this VirtualMachine's name: the Migration waits until the name is free. If it is the VM an earlier VirtualMachine migrated, refer to the source VM by vm.id to adopt it";
  it.each([
    {
      name: "a VM Forklift did not make",
      spec: warmById,
      migrated: foreign,
      plan: observedPlan(PLAN, planStatus.ready),
      message: waits,
    },
    {
      name: "a VM Forklift made from another source VM, the Plan blocked on it too",
      spec: warmById,
      migrated: {
        ...RUNNING_VM,
        metadata: {
          ...RUNNING_VM.metadata,
          labels: { ...RUNNING_VM.metadata?.labels, vmID: "vm-1999" },
        },
      },
      plan: observedPlan(PLAN, {
        conditions: [
          cond("VMAlreadyExists", "Critical", "Target VM already exists.", {
            reason: "NotUnique",
            items: ["id:vm-2041 "],
          }),
        ],
      }),
      message: `${waits}; Forklift: VMAlreadyExists: Target VM already exists. (id:vm-2041)`,
    },
    {
      name: "the migrated VM, but the source VM named, not identified",
      spec: cold({ name: "legacy-erp-01" }, { warm: true }),
      migrated: RUNNING_VM,
      plan: undefined,
      message: waits,
    },
  ])(
    "waits, starting no Migration, while the name is taken by $name",
    ({ spec, migrated, plan, message }) => {
      const out = compose({ xr: xr(spec), migrated: [migrated], observed: plan ? { plan } : {} });
      expect(out.results).toEqual([]);
      expect(Object.keys(out.resources)).toEqual(["plan"]);
      expect(out.status).toMatchObject({
        phase: "Provisioning",
        state: "MigrationPending",
        migration: { phase: "Pending", message, plan: "legacy-erp" },
      });
    },
  );

  it("reports a migration whose Plan and Migration are gone, and creates neither again", () => {
    const status = {
      phase: "Provisioning",
      migration: {
        phase: "Executing",
        plan: "legacy-erp",
        migration: "legacy-erp",
        started: "2026-02-10T08:02:00Z",
      },
    };
    const out = compose({ xr: xr(warmById, { status }) });
    expect(out.resources).toEqual({});
    expect(out.status?.migration).toEqual({
      phase: "Failed",
      message: "The Plan and Migration are gone, and no VM acme-dev/legacy-erp exists",
      plan: "legacy-erp",
      started: "2026-02-10T08:02:00Z",
    });
    expect(out.results).toEqual([
      {
        severity: "WARNING",
        reason: "MigrationFailed",
        message:
          "VirtualMachine acme-dev/legacy-erp: the migration from source vcenter failed: The Plan and Migration are gone, and no VM acme-dev/legacy-erp exists",
      },
    ]);
  });
});

describe("refusals", () => {
  it.each([
    {
      name: "a Proxmox VDC",
      xr: xr(warmById, { ns: "acme-lab" }),
      message:
        "VirtualMachine acme-lab/legacy-erp: spec.source.migration: VDC acme-lab runs VMs on Proxmox, and Forklift migrates VMs into KubeVirt only: migrate into a KubeVirt VDC",
    },
    {
      name: "a source the VDC does not have",
      xr: xr(cold({ id: "vm-2041" }, { source: "vcenter-old" })),
      message:
        'VirtualMachine acme-dev/legacy-erp: spec.source.migration.source: VDC acme-dev has no migration source "vcenter-old"; its sources are: vcenter, rhv, osp, ocp-old',
    },
    {
      name: "a VDC without sources",
      xr: xr(warmById),
      vdc: { ...DEV, spec: { ...(DEV.spec as object), migration: { sources: [] } } },
      message:
        "VirtualMachine acme-dev/legacy-erp: spec.source.migration.source: VDC acme-dev has no migration sources; its admins add them in the VDC's spec.migration.sources",
    },
    {
      name: "a warm migration from OpenStack",
      xr: xr({
        source: {
          migration: {
            source: "osp",
            vm: { id: "1d6e8f3a-0b2c-4d5e-8f9a-0b1c2d3e4f5a" },
            warm: true,
          },
        },
      }),
      message:
        "VirtualMachine acme-dev/legacy-erp: spec.source.migration.warm: source osp is openstack, and Forklift migrates warm from vsphere and ovirt sources only; set warm: false",
    },
    {
      name: "a VM namespace for a vSphere source",
      xr: xr(cold({ name: "erp", namespace: "finance" })),
      message:
        "VirtualMachine acme-dev/legacy-erp: spec.source.migration.vm.namespace: source vcenter is vsphere; a VM namespace applies to openshift sources only",
    },
    {
      name: "an OpenShift VM by name without its namespace",
      xr: xr({ source: { migration: { source: "ocp-old", vm: { name: "erp" } } } }),
      message:
        "VirtualMachine acme-dev/legacy-erp: spec.source.migration.vm.namespace: source ocp-old is openshift, whose VMs are named within a namespace: set vm.namespace with vm.name, or use vm.id",
    },
    {
      name: "a VLAN, as for any KubeVirt VM",
      xr: xr({ ...warmById, network: { vlan: 120 } }),
      message:
        "VirtualMachine acme-dev/legacy-erp: spec.network.vlan: VDC acme-dev runs VMs on KubeVirt, whose VMs use the pod network; VLANs are available in Proxmox VDCs only",
    },
  ])("$name", ({ xr: x, vdc, message }) => {
    expect(fatal(compose({ xr: x, vdc }))).toBe(message);
  });

  it("counts a migrating VM against the quota by its spec.size, and refuses one that does not fit before it starts", () => {
    const big = { ...warmById, size: { cpu: 6, memory: "8Gi" } };
    const web = {
      ...xr({ size: { instanceType: "large" }, image: { url: FEDORA } }, { name: "web" }),
      metadata: { name: "web", namespace: "acme-dev", creationTimestamp: "2026-02-01T00:00:00Z" },
    };
    expect(fatal(compose({ xr: xr(big), vms: [web, xr(big)] }))).toBe(
      "VirtualMachine acme-dev/legacy-erp: over the quota of VDC acme-dev: cpu: asks 6, but VDC acme-dev's spec.quota.cpu is 8 and VMs use 4: over by 2; in use by web; nothing is composed: choose a smaller size, delete VMs, or raise the VDC's quota",
    );
    // Once started it is kept, and says so.
    const out = compose({
      xr: xr(big),
      vms: [web, xr(big)],
      observed: {
        plan: observedPlan(PLAN, planStatus.executing),
        migration: observedMigration(MIGRATION, migrationStatus.running),
      },
    });
    expect(Object.keys(out.resources).sort()).toEqual(["migration", "plan"]);
    expect(out.conditions).toEqual([
      {
        type: "QuotaAdmitted",
        status: "False",
        reason: "OverQuota",
        message:
          "cpu: asks 6, but VDC acme-dev's spec.quota.cpu is 8 and VMs use 4: over by 2; in use by web; the VM exists and is kept",
      },
    ]);
    // So is the VM an earlier VirtualMachine migrated, adopted again.
    const adopted = compose({
      xr: xr(big),
      vms: [web, xr(big)],
      migrated: [RUNNING_VM],
      vmi: [VMI],
    });
    expect(adopted.results.filter((r) => r.severity === "FATAL")).toEqual([]);
    expect(adopted.conditions[0]).toMatchObject({
      type: "QuotaAdmitted",
      status: "False",
      reason: "OverQuota",
    });
  });

  // The zod schema and the XRD's CEL rules say the same, so admission refuses what the function would.
  it.each([
    {
      name: "neither image nor migration",
      spec: { size: { instanceType: "small" } },
      zod: "spec: set spec.image to create a VM, or spec.source.migration to migrate one (not both)",
      cel: "spec: set spec.image to create a VM, or spec.source.migration to migrate one (not both)",
    },
    {
      name: "both image and migration",
      spec: { ...warmById, image: { url: FEDORA } },
      zod: "spec: set spec.image to create a VM, or spec.source.migration to migrate one (not both)",
      cel: "spec: set spec.image to create a VM, or spec.source.migration to migrate one (not both)",
    },
    {
      name: "a VM by id and name",
      spec: cold({ id: "vm-2041", name: "legacy-erp-01" }),
      zod: "spec.source.migration.vm: set exactly one of id, name (got id, name)",
      cel: "spec.source.migration.vm: set exactly one of id, name",
    },
    {
      name: "a VM by neither",
      spec: cold({}),
      zod: "spec.source.migration.vm: set exactly one of id, name",
      cel: "spec.source.migration.vm: set exactly one of id, name",
    },
    {
      name: "a namespace with an id",
      spec: cold({ id: "vm-2041", namespace: "finance" }),
      zod: "spec.source.migration.vm.namespace: only with name",
      cel: "spec.source.migration.vm: namespace only with name",
    },
    {
      name: "a cutover of a cold migration",
      spec: cold({ id: "vm-2041" }, { cutover: "2026-02-14T22:00:00Z" }),
      zod: "spec.source.migration.cutover: only for warm migrations (warm: true)",
      cel: "spec.source.migration: cutover only for warm migrations (warm: true)",
    },
    {
      name: "a cutover that is no time",
      spec: cold({ id: "vm-2041" }, { warm: true, cutover: "tonight" }),
      zod: "spec.source.migration.cutover: Invalid ISO datetime",
      cel: "spec.source.migration.cutover: must match format",
    },
    {
      name: "Forklift's word for a power state",
      spec: cold({ id: "vm-2041" }, { targetPowerState: "on" }),
      zod: 'spec.source.migration.targetPowerState: Invalid option: expected one of "running"|"stopped"|"auto"',
      cel: "spec.source.migration.targetPowerState: must be one of",
    },
  ])("refuses $name, in the function and at admission", ({ spec, zod, cel }) => {
    const out = compose({ xr: xr(spec) });
    expect(out.results).toEqual([
      {
        severity: "FATAL",
        reason: "InvalidSpec",
        message: `VirtualMachine legacy-erp: invalid spec: ${zod}`,
      },
    ]);
    const admission = validateResource(xr(spec));
    expect(
      admission.some((e) => e.startsWith(`crossvdc.io/v1alpha1 VirtualMachine legacy-erp: ${cel}`)),
      JSON.stringify(admission),
    ).toBe(true);
  });

  // Fields without effect on a migrated VM: the API server refuses them; the function, should one reach it
  // (admitted before the rule, or past admission), composes the migration without them rather than stop.
  it.each([
    {
      name: "extra disks",
      more: { disks: [{ name: "data", size: "50Gi" }] },
      cel: "spec: spec.disks and spec.deleteDisks do not apply to a migrated VM: Forklift brings the source VM's disks",
    },
    {
      name: "disks to delete",
      more: { deleteDisks: ["data"] },
      cel: "spec: spec.disks and spec.deleteDisks do not apply to a migrated VM: Forklift brings the source VM's disks",
    },
    {
      name: "cloud-init user data and keys",
      more: {
        cloudInit: {
          userData: "#cloud-config\npassword: S3cr3t-Pa55\n",
          sshKeys: [
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFsaWNlLWtleS1mb3ItY3Jvc3N2ZGMtdGVzdHM alice@acme.example",
          ],
        },
      },
      cel: "spec: spec.cloudInit does not apply to a migrated VM: its guest is not initialised again",
    },
    {
      name: "running: false",
      more: { running: false },
      cel: "spec: spec.running: false does not apply to a migrated VM: set spec.source.migration.targetPowerState: stopped",
    },
  ])("refuses $name at admission; the function ignores them", ({ more, cel }) => {
    const spec = { ...warmById, ...more };
    expect(validateResource(xr(spec))).toContain(
      `crossvdc.io/v1alpha1 VirtualMachine legacy-erp: ${cel}`,
    );
    const out = compose({ xr: xr(spec) });
    expect(out.results).toEqual([]);
    expect(out.resources).toEqual({ plan: PLAN });
    expect(JSON.stringify(out)).not.toContain("S3cr3t");
  });

  it("admits the migrations the function composes", () => {
    for (const spec of [
      warmById,
      cold({ name: "/Datacenter/vm/finance/legacy-erp-01" }, { targetPowerState: "running" }),
      {
        ...warmById,
        source: { migration: { ...warmById.source.migration, cutover: "2026-02-14T22:00:00Z" } },
      },
    ]) {
      expect(validateResource(xr(spec))).toEqual([]);
    }
  });
});

describe("determinism", () => {
  it("gives the same bytes for the same request, whatever order Crossplane lists the VMs in", () => {
    const self = {
      ...xr(warmById),
      metadata: {
        name: "legacy-erp",
        namespace: "acme-dev",
        creationTimestamp: "2026-02-10T07:00:00Z",
      },
    };
    const others = ["a", "b"].map((n, i) => ({
      ...xr({ image: { url: FEDORA } }, { name: n }),
      metadata: {
        name: n,
        namespace: "acme-dev",
        creationTimestamp: `2026-02-0${i + 1}T00:00:00Z`,
      },
    }));
    const observed = {
      plan: observedPlan(PLAN, planStatus.succeeded),
      migration: observedMigration(MIGRATION, migrationStatus.succeeded),
    };
    const req = (vms: KubeObject[]) => ({
      xr: self,
      observed,
      required: { vdc: [DEV], vms, vmi: [VMI], migrated: [RUNNING_VM] },
    });
    const a = bytesOf(req([self, ...others]));
    expect(bytesOf(req([self, ...others]))).toEqual(a);
    expect(bytesOf(req([...others].reverse().concat(self)))).toEqual(a);
    // And the Plan a new XR gets does not depend on anything but its spec and the VDC.
    expect(compose({ xr: xr(warmById) }).resources).toEqual(
      compose({ xr: xr(warmById), vms: [...others, xr(warmById)] }).resources,
    );
  });
});

describe("fixtures", () => {
  it("are valid for their CRDs and schemas, as the API server would hold them", () => {
    const all = [
      ...Object.values(planStatus).map((s) => observedPlan(PLAN, s)),
      ...Object.values(migrationStatus).map((s) => observedMigration(MIGRATION, s)),
      RUNNING_VM,
      STOPPED_VM,
      { ...xr(warmById), status: {} },
    ];
    for (const o of all) expect(validateResource(o)).toEqual([]);
  });
});
