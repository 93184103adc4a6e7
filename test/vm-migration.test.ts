// VirtualMachine.spec.source.migration: a VM migrated into a KubeVirt VDC by
// Forklift. Input and expected output in full; the observed Plans, Migrations
// and VMs are shaped like what Forklift and KubeVirt write (see
// kubev2v/forklift pkg/controller/plan and pkg/controller/migration).
import { describe } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { vm } from "./support/fixtures.js";
import { run, type Plain, type RequestParts } from "./support/request.js";
import { validateResource } from "./support/schemas.js";
import { runCases } from "./support/table.js";
import { refused, vmRequirements } from "./support/wants.js";

const API = "crossvdc.io/v1alpha1";
const FORKLIFT = "forklift.konveyor.io/v1beta1";

const source = (name: string, type: string, url: string) => ({
  name,
  type,
  url,
  secretRef: { name: `${name}-credentials` },
  networkMap: [{ source: { name: "VM Network" } }],
  storageMap: [{ source: { name: "vsanDatastore" } }],
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
        source("vcenter", "vsphere", "https://vcenter.acme.example/sdk"),
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

/** The VirtualMachine legacy-erp in acme-dev, or as told. */
const xr = (
  spec: Record<string, unknown>,
  o: { name?: string; ns?: string; status?: Record<string, unknown>; created?: string } = {},
) =>
  vm({
    name: o.name ?? "legacy-erp",
    namespace: o.ns ?? "acme-dev",
    spec,
    ...(o.status ? { status: o.status } : {}),
    ...(o.created ? { created: o.created } : {}),
  });
const warmById = {
  size: { cpu: 2, memory: "8Gi" },
  source: { migration: { source: "vcenter", vm: { id: "vm-2041" }, warm: true } },
};
const cold = (vmRef: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  size: { cpu: 2, memory: "8Gi" },
  source: { migration: { source: "vcenter", vm: vmRef, ...more } },
});

interface With {
  /** The namespace's VDC: acme-dev or acme-lab as above. */
  vdc?: KubeObject;
  /** The namespace's VirtualMachines; the VM alone unless told. */
  vms?: KubeObject[];
  observed?: Record<string, KubeObject>;
  /** The KubeVirt VM of the XR's name, if one exists (Forklift's, once migrated). */
  migrated?: KubeObject[];
  vmi?: KubeObject[];
}
/** The request once Crossplane has fetched what a VM asks for. */
function req(x: KubeObject, o: With = {}): RequestParts {
  return {
    xr: x,
    ...(o.observed ? { observed: o.observed } : {}),
    required: {
      vdc: [o.vdc ?? (x.metadata?.namespace === "acme-lab" ? LAB : DEV)],
      vms: o.vms ?? [x],
      vmi: o.vmi ?? [],
      migrated: o.migrated ?? [],
    },
  };
}

// ------------------------------------------------------------------ what
// Forklift and KubeVirt write

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

/**
 * A composed Plan as the API server returns it: metadata, CRD defaults and the
 * status Forklift wrote.
 */
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
              "Get " +
                '"https://svc-mtv:hunter2-vsphere@vcenter.acme.example' +
                '/sdk/vimServiceVersions.xml": ' +
                "dial tcp 10.20.0.5:443: i/o timeout",
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

/**
 * The VM Forklift created (pkg/controller/plan/kubevirt.go): named by
 * targetName, labelled with the plan, migration and source VM.
 */
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

// ------------------------------------------------------------------ the
// composed Plan and Migration

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

const NO_SOURCES = { ...DEV, spec: { ...(DEV.spec as object), migration: { sources: [] } } };
const plan = (s: Record<string, unknown>) => observedPlan(PLAN, s);
const migration = (s: Record<string, unknown>) => observedMigration(MIGRATION, s);
const STARTED = { plan: plan(planStatus.executing), migration: migration(migrationStatus.running) };
const DONE = { plan: plan(planStatus.succeeded), migration: migration(migrationStatus.succeeded) };
/** What the function re-emits of an observed object: no server-set metadata, no status. */
const asObserved = (o: KubeObject) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  metadata: { name: "legacy-erp", namespace: "acme-dev", labels },
  spec: o.spec,
});
/** The Migration's spec with this cutover. */
const cutoverAt = (cutover: string) => ({
  plan: { name: "legacy-erp", namespace: "acme-dev" },
  cutover,
});
/** The Plan composed as it is, not started, and why. */
const notStarted = (message: string) => ({
  results: [],
  resources: { plan: PLAN },
  migrationStatus: { phase: "Pending", message, plan: "legacy-erp" },
  inputIssues: [],
});
/** Started, its Migration given a cutover at 22:00Z. */
const STARTED_WITH_CUTOVER = {
  ...STARTED,
  migration: { ...STARTED.migration, spec: cutoverAt("2026-02-14T22:00:00Z") },
};
const withCutover = (cutover: string) => ({
  ...warmById,
  source: { migration: { ...warmById.source.migration, cutover } },
});
/** The Plan for `fields` over the warm-by-id one. */
const planSpec = (fields: Record<string, unknown>) => ({ ...(PLAN.spec as object), ...fields });
/** A Plan composed for `fields` over the warm-by-id one. */
const planned = (fields: Record<string, unknown>) => ({
  results: [],
  at: { "plan.spec": planSpec(fields) },
});
/** The Provider and maps of this migration source of the VDC. */
const through = (source: string) => ({
  provider: {
    source: { name: source, namespace: "acme-dev" },
    destination: { name: "host", namespace: "acme-dev" },
  },
  map: {
    network: { name: `${source}-network`, namespace: "acme-dev" },
    storage: { name: `${source}-storage`, namespace: "acme-dev" },
  },
});
const BASE = { backend: "kubevirt", ipAddresses: [], cpu: 2, memory: "8Gi" };
const NAMES = { plan: "legacy-erp", migration: "legacy-erp" };
const STARTED_AT = "2026-02-10T08:02:00Z";
/** legacy-erp as the last reconcile left it: its migration in this phase. */
const was = (phase: string) =>
  xr(warmById, { status: { phase: "Provisioning", migration: { phase, plan: "legacy-erp" } } });
const event = (severity: string, reason: string, message: string) => ({
  severity,
  reason,
  message,
});
/**
 * Plan and Migration not ready while the run is unfinished, polled soon, no credential shown;
 * what the case observed valid as the API server would hold it.
 */
const UNFINISHED = {
  ready: { plan: false, migration: false },
  ttl: 30,
  hunter2Shown: false,
  inputIssues: [],
};
const MIGRATED = event(
  "NORMAL",
  "MigrationSucceeded",
  "VirtualMachine acme-dev/legacy-erp: migrated from source vcenter; the migrated VM is adopted",
);
const RUNNING = event("NORMAL", "Running", "VirtualMachine acme-dev/legacy-erp is running");
const executing = (message: string) => ({
  ...BASE,
  phase: "Provisioning",
  state: "MigrationExecuting",
  ready: false,
  migration: { phase: "Executing", message, ...NAMES, started: STARTED_AT },
});
const COPYING = "CopyDisks: Transfer disks. 20480/61440 MB";
const SUCCEEDED_MIGRATION = {
  phase: "Succeeded",
  message: "The plan execution has SUCCEEDED.",
  ...NAMES,
  started: STARTED_AT,
  completed: "2026-02-10T10:41:00Z",
};
/** A migration that ended without a VM: Failed, in this state, as Forklift says. */
const ended = (p: {
  readonly state: string;
  readonly phase: string;
  readonly message: string;
  readonly completed: string;
}) => ({
  ...BASE,
  phase: "Failed",
  state: p.state,
  ready: false,
  migration: {
    phase: p.phase,
    message: p.message,
    ...NAMES,
    started: STARTED_AT,
    completed: p.completed,
  },
});
const adoptedOnce = (status: Record<string, unknown>) => ({
  ...BASE,
  ...status,
  migration: SUCCEEDED_MIGRATION,
});
/** Adopted on the reconcile that saw the Plan succeed, running on worker-3. */
const ADOPTED_RUNNING = adoptedOnce({
  phase: "Running",
  state: "Running",
  ready: true,
  ipAddresses: ["10.244.3.41"],
  node: "worker-3",
});
const ADOPTED_STATUS = {
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
const CHANGE_TAIL =
  "Only cutover may still change: put the rest back as it was, and create a new " +
  "VirtualMachine to migrate another VM";
const changed = (now: string) =>
  refused(
    "Conflict",
    `VirtualMachine acme-dev/legacy-erp: spec.source.migration: a started migration cannot ` +
      `be changed: this VirtualMachine migrates VM id vm-2041 from source vcenter, warm, ` +
      `not ${now}. ${CHANGE_TAIL}`,
  );
const REMOVED =
  "VirtualMachine acme-dev/legacy-erp: spec.source.migration: this VirtualMachine's VM " +
  "was migrated by Forklift (Migration acme-dev/legacy-erp) and a started migration " +
  "cannot be removed: a VM made from spec.image would be composed over the migrated one. " +
  "Put spec.source.migration back as it was; create a new VirtualMachine for a VM made " +
  "from an image";
const FROM_IMAGE = { size: { cpu: 2, memory: "8Gi" }, image: { url: FEDORA } };
const FOREIGN = {
  ...RUNNING_VM,
  metadata: { name: "legacy-erp", namespace: "acme-dev", labels: { app: "legacy-erp" } },
};
const WAITS =
  "A KubeVirt VirtualMachine acme-dev/legacy-erp exists that Forklift did not migrate " +
  "from this source VM, and the migrated VM is created under this VirtualMachine's name: " +
  "the Migration waits until the name is free. If it is the VM an earlier VirtualMachine " +
  "migrated, refer to the source VM by vm.id to adopt it";
const pending = (message: string) => ({
  ...BASE,
  phase: "Provisioning",
  state: "MigrationPending",
  ready: false,
  migration: { phase: "Pending", message, plan: "legacy-erp" },
});
// Quota: web (large, 4 cpu) takes half of acme-dev's 8 cpu before legacy-erp (6 cpu).
const BIG = { ...warmById, size: { cpu: 6, memory: "8Gi" } };
const WEB = xr(
  { size: { instanceType: "large" }, image: { url: FEDORA } },
  { name: "web", created: "2026-02-01T00:00:00Z" },
);
const OVER_CPU =
  "cpu: asks 6, but VDC acme-dev's spec.quota.cpu is 8 and VMs use 4: over by 2; in use by web";
/** A migrating VM without spec.deletionProtection: deleting it keeps the migrated VM. */
const NOT_PROTECTED = {
  type: "DeletionProtected",
  status: "False",
  reason: "NotProtected",
  message:
    "Deleting VirtualMachine acme-dev/legacy-erp deletes its Plan and Migration; " +
    "the migrated VM is kept",
};
const KEPT_OVER_QUOTA = [
  {
    type: "QuotaAdmitted",
    status: "False",
    reason: "OverQuota",
    message: `${OVER_CPU}; the VM exists and is kept`,
  },
  NOT_PROTECTED,
];
/** legacy-erp refused for its spec; the desired state stays as it came. */
const invalid = (message: string) =>
  refused("InvalidSpec", `VirtualMachine acme-dev/legacy-erp: ${message}`);
/** The zod Fatal and the start of the XRD's CEL refusal for the same spec. */
const bothRefuse = (zod: string, cel: string) => ({
  fatal: {
    reason: "InvalidSpec" as const,
    message: `VirtualMachine legacy-erp: invalid spec: ${zod}`,
  },
  admissionRefuses: `crossvdc.io/v1alpha1 VirtualMachine legacy-erp: ${cel}`,
});
const ONE_OF =
  "spec: set spec.image to create a VM, or spec.source.migration to migrate one (not both)";
/** A field the API server refuses for a migrated VM and the function composes without. */
const ignored = (cel: string) => ({
  admission: [`crossvdc.io/v1alpha1 VirtualMachine legacy-erp: ${cel}`],
  results: [],
  resources: { plan: PLAN },
  passwordShown: false,
});
const DISKS_CEL =
  "spec: spec.disks and spec.deleteDisks do not apply to a migrated VM: Forklift brings " +
  "the source VM's disks";
// Determinism: legacy-erp beside a and b.
const SELF = xr(warmById, { created: "2026-02-10T07:00:00Z" });
const OTHERS = ["a", "b"].map((n, i) =>
  xr({ image: { url: FEDORA } }, { name: n, created: `2026-02-0${i + 1}T00:00:00Z` }),
);

const facets = {
  migrationStatus: (out: Plain) => out.status?.migration,
  passwordShown: (out: Plain) => JSON.stringify(out).includes("S3cr3t"),
  hunter2Shown: (out: Plain) => JSON.stringify(out).includes("hunter2"),
  /** What the API server says of the XR, by the XRD's schema and CEL rules. */
  admission: (_: Plain, r: RequestParts) => validateResource(r.xr),
  /** The API server's first refusal of the XR (the XRD's schema or CEL rules). */
  admissionRefuses: (_: Plain, r: RequestParts) =>
    validateResource(r.xr).find((e) => e.startsWith("crossvdc.io/v1alpha1 VirtualMachine")),
  /**
   * What the case observes and fetches (the XR, the Plan and Migration with Forklift's status,
   * the KubeVirt VM Forklift made) is valid for its CRD, as the API server would hold it.
   */
  inputIssues: (_: Plain, r: RequestParts) =>
    [r.xr, ...Object.values(r.observed ?? {}), ...(r.required?.migrated ?? [])].flatMap((o) =>
      validateResource(o),
    ),
};

describe("VirtualMachine.spec.source.migration", () => {
  runCases(
    {
      // The Plan
      ComposesPlan: {
        reason:
          "A migrating VM composes a Plan for the one VM into the VDC namespace, through " +
          "the source's Provider and maps, and no KubeVirt VM",
        ...req(xr(warmById)),
        want: {
          results: [],
          resources: { plan: PLAN },
          ready: { plan: false },
          status: pending("The Plan is being created"),
          conditions: [
            {
              type: "QuotaAdmitted",
              status: "True",
              reason: "WithinQuota",
              message: "VDC acme-dev has vms 3, cpu 6, memory 24Gi left for VMs",
            },
            NOT_PROTECTED,
          ],
          ttl: 30,
        },
      },
      AsksForMigratedVM: {
        reason:
          "Once its VDC is known to run on KubeVirt, it asks besides the VDC, the namespace's " +
          "VirtualMachines and the instance for the VM Forklift will create",
        xr: xr(warmById),
        required: { vdc: [DEV], vms: [] },
        want: {
          resources: {},
          requirements: {
            ...vmRequirements({ instance: "legacy-erp" }),
            migrated: {
              apiVersion: "kubevirt.io/v1",
              kind: "VirtualMachine",
              namespace: "acme-dev",
              matchName: "legacy-erp",
            },
          },
        },
      },
      PlanByIDCold: {
        reason: "By id, cold (the default)",
        ...req(xr(cold({ id: "vm-2041" }))),
        want: planned({ type: "cold", warm: false }),
      },
      PlanByNameWarm: {
        reason: "By name, warm",
        ...req(xr(cold({ name: "legacy-erp-01" }, { warm: true }))),
        want: planned({ vms: [{ name: "legacy-erp-01", targetName: "legacy-erp" }] }),
      },
      PlanByPathPoweredOn: {
        reason: "By inventory path, powered on after the migration",
        ...req(
          xr(
            cold({ name: "/Datacenter/vm/finance/legacy-erp-01" }, { targetPowerState: "running" }),
          ),
        ),
        want: planned({
          type: "cold",
          warm: false,
          targetPowerState: "on",
          vms: [{ name: "/Datacenter/vm/finance/legacy-erp-01", targetName: "legacy-erp" }],
        }),
      },
      PlanStoppedAfter: {
        reason: "Stopped after the migration",
        ...req(xr(cold({ id: "vm-2041" }, { targetPowerState: "stopped" }))),
        want: planned({ type: "cold", warm: false, targetPowerState: "off" }),
      },
      PlanAsSourceWas: {
        reason: "Powered as the source VM was",
        ...req(xr(cold({ id: "vm-2041" }, { targetPowerState: "auto" }))),
        want: planned({ type: "cold", warm: false, targetPowerState: "auto" }),
      },
      PlanFromOVirtWarm: {
        reason: "From oVirt, warm, through its own Provider and maps",
        ...req(
          xr({
            size: { instanceType: "medium" },
            source: {
              migration: {
                source: "rhv",
                vm: { id: "6b1f0e0a-1c5d-4f3e-9e1a-2f8c7d6e5b4a" },
                warm: true,
              },
            },
          }),
        ),
        want: planned({
          ...through("rhv"),
          vms: [{ id: "6b1f0e0a-1c5d-4f3e-9e1a-2f8c7d6e5b4a", targetName: "legacy-erp" }],
        }),
      },
      PlanFromOpenShift: {
        reason: "From OpenShift, by namespace and name",
        ...req(
          xr({
            source: { migration: { source: "ocp-old", vm: { name: "erp", namespace: "finance" } } },
          }),
        ),
        want: planned({
          type: "cold",
          warm: false,
          ...through("ocp-old"),
          vms: [{ name: "erp", namespace: "finance", targetName: "legacy-erp" }],
        }),
      },
      StartsOnceValidated: {
        reason:
          "A Migration starts the Plan once Forklift has validated it as composed " +
          "(Ready, generation observed); the Plan is re-emitted as composed, as nothing " +
          "has started",
        ...req(xr(warmById), { observed: { plan: plan(planStatus.ready) } }),
        want: {
          results: [],
          resources: { plan: PLAN, migration: MIGRATION },
          inputIssues: [],
          migrationStatus: {
            phase: "Ready",
            message: "The Plan is ready; the Migration is being created",
            ...NAMES,
          },
        },
      },
      NotStartedValidating: {
        reason: "A Plan still validating is not started",
        ...req(xr(warmById), { observed: { plan: plan(planStatus.validating) } }),
        want: notStarted("Forklift is validating the Plan"),
      },
      NotStartedBlocked: {
        reason:
          "A blocked Plan is not started; the status gives the Critical and Error " +
          "conditions with their items, warnings left out",
        ...req(xr(warmById), { observed: { plan: plan(planStatus.blocked) } }),
        want: notStarted("VMNotFound: VM not found. (id:vm-2041)"),
      },
      NotStartedEarlierGeneration: {
        reason: "Ready for an earlier generation: Forklift has not validated the Plan as it is now",
        ...req(xr(warmById), {
          observed: {
            plan: {
              ...observedPlan(PLAN, planStatus.ready, 2),
              status: { ...planStatus.ready, observedGeneration: 1 },
            },
          },
        }),
        want: notStarted("Forklift has not yet validated the Plan as it is now composed"),
      },
      NotStartedOtherVM: {
        reason: "Ready, but for another VM than the spec now asks",
        ...req(xr(warmById), {
          observed: {
            plan: observedPlan(
              { ...PLAN, spec: planSpec({ vms: [{ id: "vm-1999", targetName: "legacy-erp" }] }) },
              planStatus.ready,
            ),
          },
        }),
        want: notStarted("Forklift has not yet validated the Plan as it is now composed"),
      },
      SaysWhatVDCReports: {
        reason:
          "While Forklift has nothing to say, the status says what the VDC reports about " +
          "the source",
        ...req(xr(warmById), {
          vdc: {
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
                      "waiting for Secret acme-dev/vcenter-credentials: create it with " +
                      "the vsphere credentials",
                  },
                ],
              },
            },
          },
        }),
        want: {
          migrationStatus: {
            phase: "Pending",
            message:
              "migration source vcenter of the VDC is waiting for Secret " +
              "acme-dev/vcenter-credentials: create it with the vsphere credentials",
            plan: "legacy-erp",
          },
        },
      },
      SetsCutover: {
        reason: "A warm migration's cutover is set on the Migration",
        ...req(xr(withCutover("2026-02-14T22:00:00Z")), {
          observed: { plan: plan(planStatus.ready) },
        }),
        want: {
          at: {
            migration: {
              ...MIGRATION,
              spec: cutoverAt("2026-02-14T22:00:00Z"),
            },
          },
        },
      },

      // Status from the observed Plan and Migration
      StatusStarted: {
        reason: "Started: the step and its progress, with one event",
        ...req(was("Ready"), { observed: STARTED }),
        want: {
          results: [
            event(
              "NORMAL",
              "MigrationStarted",
              "VirtualMachine acme-dev/legacy-erp: Forklift is migrating the VM from " +
                "source vcenter",
            ),
          ],
          status: executing(COPYING),
          ...UNFINISHED,
        },
      },
      StatusStillExecuting: {
        reason: "Still executing: no event again",
        ...req(was("Executing"), { observed: STARTED }),
        want: {
          results: [],
          status: executing(COPYING),
          ...UNFINISHED,
        },
      },
      StatusPrecopying: {
        reason: "Warm, precopying until a cutover is set, and saying so",
        ...req(was("Executing"), {
          observed: {
            plan: plan(planStatus.precopying),
            migration: migration(migrationStatus.running),
          },
        }),
        want: {
          results: [],
          status: executing(
            "CopyingPaused: the disks are copied while the source VM runs; set " +
              "spec.source.migration.cutover to stop it and finish",
          ),
          ...UNFINISHED,
        },
      },
      StatusMigrationNotPickedUp: {
        reason: "The Migration created, not yet picked up by Forklift",
        ...req(was("Ready"), {
          observed: { plan: plan(planStatus.ready), migration: migration(migrationStatus.new) },
        }),
        want: {
          results: [],
          status: {
            ...BASE,
            phase: "Provisioning",
            state: "MigrationReady",
            ready: false,
            migration: {
              phase: "Ready",
              message: "The Plan is ready; Forklift is starting the Migration",
              ...NAMES,
            },
          },
          ...UNFINISHED,
        },
      },
      StatusFailed: {
        reason: "Failed: why, in the VM's error, with a URL's user info left out",
        ...req(was("Executing"), {
          observed: { plan: plan(planStatus.failed), migration: migration(migrationStatus.failed) },
        }),
        want: {
          results: [
            event(
              "WARNING",
              "MigrationFailed",
              "VirtualMachine acme-dev/legacy-erp: the migration from source vcenter " +
                "failed: CreateDataVolumes: Get " +
                '"https://…@vcenter.acme.example/sdk/vimServiceVersions.xml": dial tcp ' +
                "10.20.0.5:443: i/o timeout",
            ),
          ],
          status: ended({
            state: "MigrationFailed",
            phase: "Failed",
            message:
              "CreateDataVolumes: Get " +
              '"https://…@vcenter.acme.example/sdk/vimServiceVersions.xml": dial tcp ' +
              "10.20.0.5:443: i/o timeout",
            completed: "2026-02-10T08:20:00Z",
          }),
          ...UNFINISHED,
        },
      },
      StatusFailedSaysNoMore: {
        reason: "Failed, and Forklift says no more than that",
        ...req(was("Executing"), {
          observed: {
            plan: plan({
              ...planStatus.failed,
              migration: { started: STARTED_AT, completed: "2026-02-10T08:20:00Z" },
            }),
            migration: migration(migrationStatus.failed),
          },
        }),
        want: {
          results: [
            event(
              "WARNING",
              "MigrationFailed",
              "VirtualMachine acme-dev/legacy-erp: the migration from source vcenter " +
                "failed: The plan execution has FAILED.",
            ),
          ],
          status: ended({
            state: "MigrationFailed",
            phase: "Failed",
            message: "The plan execution has FAILED.",
            completed: "2026-02-10T08:20:00Z",
          }),
          ...UNFINISHED,
        },
      },
      StatusCanceled: {
        reason: "Canceled (spec.cancel of the Migration, by an admin)",
        ...req(was("Executing"), {
          observed: {
            plan: plan(planStatus.canceled),
            migration: migration(migrationStatus.canceled),
          },
        }),
        want: {
          results: [
            event(
              "WARNING",
              "MigrationCanceled",
              "VirtualMachine acme-dev/legacy-erp: the migration from source vcenter was " +
                "canceled: The migration has been canceled.",
            ),
          ],
          status: ended({
            state: "MigrationCanceled",
            phase: "Canceled",
            message: "The migration has been canceled.",
            completed: "2026-02-10T08:09:00Z",
          }),
          ...UNFINISHED,
        },
      },
      StatusSucceededNoVMYet: {
        reason: "Succeeded, the migrated VM not yet seen",
        ...req(was("Executing"), { observed: DONE }),
        want: {
          results: [MIGRATED],
          status: {
            ...BASE,
            phase: "Provisioning",
            state: "WaitingForMigratedVM",
            ready: false,
            migration: SUCCEEDED_MIGRATION,
          },
          ...UNFINISHED,
        },
      },
      AdoptsRunning: {
        reason:
          "Once the Plan Succeeded the migrated VM is adopted: running, with phase, " +
          "addresses and node as for a VM made from an image; the Plan and Migration stay " +
          "composed, as observed, as the record",
        ...req(was("Executing"), { observed: DONE, migrated: [RUNNING_VM], vmi: [VMI] }),
        want: {
          inputIssues: [],
          results: [MIGRATED, RUNNING],
          status: ADOPTED_RUNNING,
          names: ["migration", "plan"],
          ready: { plan: true, migration: true },
          ttl: 120,
        },
      },
      ProtectedAfterMigration: {
        reason:
          "spec.deletionProtection on a migrated VM composes a Usage of the XR saying the " +
          "migrated VM is kept anyway: it is adopted, never composed, so no delete of the XR " +
          "takes it",
        ...req(
          xr(
            { ...warmById, deletionProtection: true },
            {
              status: {
                phase: "Provisioning",
                migration: { phase: "Executing", plan: "legacy-erp" },
              },
            },
          ),
          { observed: DONE, migrated: [RUNNING_VM], vmi: [VMI] },
        ),
        want: {
          names: ["deletion-protection", "migration", "plan"],
          at: {
            "deletion-protection.kind": "Usage",
            "deletion-protection.spec.of": {
              apiVersion: API,
              kind: "VirtualMachine",
              resourceRef: { name: "legacy-erp" },
            },
            "deletion-protection.spec.reason":
              "VirtualMachine acme-dev/legacy-erp has spec.deletionProtection: true: deleting it " +
              "would delete its Plan and Migration (the migrated VM is kept). To delete it, set " +
              "spec.deletionProtection: false, wait for its next reconcile (within 2 minutes) to " +
              "remove this protection, and delete it again",
          },
        },
      },
      AdoptsStopped: {
        reason:
          "Adopted stopped as Forklift left it (targetPowerState stopped: runStrategy Halted)",
        ...req(was("Executing"), { observed: DONE, migrated: [STOPPED_VM] }),
        want: {
          inputIssues: [],
          results: [
            MIGRATED,
            event("NORMAL", "Stopped", "VirtualMachine acme-dev/legacy-erp is stopped"),
          ],
          status: adoptedOnce({ phase: "Stopped", state: "Stopped", ready: true }),
          names: ["migration", "plan"],
          ready: { plan: true, migration: true },
          ttl: 120,
        },
      },
      AdoptsStarting: {
        reason: "Adopted while starting",
        ...req(was("Executing"), {
          observed: DONE,
          migrated: [
            migratedVM("Always", {
              printableStatus: "Starting",
              ready: false,
              created: true,
              runStrategy: "Always",
            }),
          ],
        }),
        want: {
          inputIssues: [],
          results: [MIGRATED],
          status: adoptedOnce({ phase: "Provisioning", state: "Starting", ready: false }),
          names: ["migration", "plan"],
          ready: { plan: false, migration: false },
          ttl: 30,
        },
      },

      // A started migration is frozen
      FrozenAsObserved: {
        reason:
          "A started Plan and Migration are re-emitted as observed, API server defaults " +
          "included, so Forklift sees no change that would cancel the run",
        ...req(
          xr(warmById, { status: { migration: { phase: "Executing", plan: "legacy-erp" } } }),
          {
            observed: STARTED,
          },
        ),
        want: {
          results: [],
          resources: { plan: asObserved(STARTED.plan), migration: asObserved(STARTED.migration) },
          at: { "plan.spec": { ...PLAN_DEFAULTS, ...(PLAN.spec as object) } },
        },
      },
      FrozenTakesCutover: {
        reason: "A cutover is the one change a running warm migration takes",
        ...req(xr(withCutover("2026-02-14T22:00:00Z")), { observed: STARTED }),
        want: {
          at: {
            "migration.spec": cutoverAt("2026-02-14T22:00:00Z"),
            plan: asObserved(STARTED.plan),
          },
        },
      },
      FrozenTakesMovedCutover: {
        reason: "A cutover can be moved",
        ...req(xr(withCutover("2026-02-15T02:00:00+01:00")), {
          observed: STARTED_WITH_CUTOVER,
        }),
        want: {
          at: {
            "migration.spec": cutoverAt("2026-02-15T02:00:00+01:00"),
          },
        },
      },
      FrozenKeepsCutover: {
        reason: "Removing the cutover does not withdraw it: the Migration keeps what it was given",
        ...req(xr(warmById), {
          observed: STARTED_WITH_CUTOVER,
        }),
        want: {
          at: {
            "migration.spec": cutoverAt("2026-02-14T22:00:00Z"),
          },
        },
      },
      RefusesAnotherVM: {
        reason: "A started migration does not change to another VM",
        ...req(xr(cold({ id: "vm-2042" }, { warm: true })), { observed: STARTED }),
        want: changed("VM id vm-2042 from source vcenter, warm"),
      },
      RefusesSameVMByName: {
        reason: "Nor to the same VM by name",
        ...req(xr(cold({ name: "legacy-erp-01" }, { warm: true })), { observed: STARTED }),
        want: changed("VM name legacy-erp-01 from source vcenter, warm"),
      },
      RefusesAnotherSource: {
        reason: "Nor to another source",
        ...req(
          xr({
            ...warmById,
            source: { migration: { source: "rhv", vm: { id: "vm-2041" }, warm: true } },
          }),
          { observed: STARTED },
        ),
        want: changed("VM id vm-2041 from source rhv, warm"),
      },
      RefusesColdInsteadOfWarm: {
        reason: "Nor from warm to cold",
        ...req(xr(cold({ id: "vm-2041" })), { observed: STARTED }),
        want: changed("VM id vm-2041 from source vcenter, cold"),
      },
      RefusesTargetPowerState: {
        reason: "Nor to a target power state",
        ...req(xr(cold({ id: "vm-2041" }, { warm: true, targetPowerState: "stopped" })), {
          observed: STARTED,
        }),
        want: changed("VM id vm-2041 from source vcenter, warm, target power state stopped"),
      },
      RefusesChangeAfterSuccess: {
        reason: "A change is refused after success too, even with the source gone from the VDC",
        ...req(xr(cold({ id: "vm-2042" }, { warm: true })), { vdc: NO_SOURCES, observed: DONE }),
        want: changed("VM id vm-2042 from source vcenter, warm"),
      },
      UnchangedAfterSourceGone: {
        reason:
          "Unchanged, it keeps reporting the adopted VM: decommissioning the source " +
          "after the move breaks nothing",
        ...req(xr(warmById), {
          vdc: NO_SOURCES,
          observed: DONE,
          migrated: [RUNNING_VM],
          vmi: [VMI],
        }),
        want: {
          results: [MIGRATED, RUNNING],
          status: ADOPTED_RUNNING,
        },
      },
      RefusesDropWhileMigrationExists: {
        reason: "A started migration is not dropped for an image while its Migration exists",
        ...req(xr(FROM_IMAGE), { observed: STARTED }),
        want: refused("Conflict", REMOVED),
      },
      RefusesDropOnPlanHistory: {
        reason: "Nor when only the Plan's history says it ran",
        ...req(xr(FROM_IMAGE), { observed: { plan: STARTED.plan } }),
        want: refused("Conflict", REMOVED),
      },
      RefusesDropOnStatus: {
        reason: "Nor when only the XR's status remembers it started",
        ...req(
          xr(FROM_IMAGE, {
            status: { migration: { phase: "Succeeded", plan: "legacy-erp", started: STARTED_AT } },
          }),
        ),
        want: refused("Conflict", REMOVED),
      },
      GivesWayBeforeStart: {
        reason:
          "A migration that has not started gives way to a VM made from an image: the " +
          "Plan goes, nothing ran",
        ...req(xr(FROM_IMAGE), { observed: { plan: plan(planStatus.blocked) } }),
        want: { results: [], names: ["cloudinit", "vm"], migrationStatus: undefined },
      },
      NoMigrationAgain: {
        reason:
          "A Migration is never created again once the Plan ran, though the Migration is gone",
        ...req(xr(warmById), { observed: { plan: plan(planStatus.failed) } }),
        want: {
          names: ["plan"],
          migrationStatus: {
            phase: "Failed",
            message:
              "CreateDataVolumes: Get " +
              '"https://…@vcenter.acme.example/sdk/vimServiceVersions.xml": dial tcp ' +
              "10.20.0.5:443: i/o timeout",
            plan: "legacy-erp",
            started: STARTED_AT,
            completed: "2026-02-10T08:20:00Z",
          },
        },
      },
      RefusesImageToMigration: {
        reason: "A VM made from an image does not become a migration, which would delete it",
        ...req(xr(warmById), {
          observed: {
            vm: run({
              xr: xr({ image: { url: `${FEDORA}?token=abc` } }),
              required: { vdc: [DEV], vms: [], vmi: [] },
            }).resources.vm!,
          },
        }),
        want: refused(
          "Conflict",
          "VirtualMachine acme-dev/legacy-erp: spec.source.migration: this " +
            "VirtualMachine already exists as a VM made from " +
            "url:https://images.example.com/fedora-41.qcow2?…, which a migration would " +
            "replace and lose: put spec.image back, and create a new VirtualMachine to " +
            "migrate a VM",
        ),
      },

      // The VM's name is Forklift's to take
      AdoptsEarlierMigration: {
        reason:
          "The VM an earlier VirtualMachine migrated from the same source VM (deleted, " +
          "then applied again) is adopted: nothing is composed, nothing migrates twice",
        ...req(xr(warmById), { migrated: [RUNNING_VM], vmi: [VMI] }),
        want: { results: [MIGRATED, RUNNING], resources: {}, status: ADOPTED_STATUS },
      },
      RemembersAdoption: {
        reason: "The next reconcile remembers it: no Plan later either, and no event again",
        ...req(xr(warmById, { status: ADOPTED_STATUS }), { migrated: [RUNNING_VM], vmi: [VMI] }),
        want: { results: [], resources: {}, status: ADOPTED_STATUS },
      },
      AdoptsAfterSourceLeft: {
        reason: "It is adopted though the source has since left the VDC",
        ...req(xr(warmById), { vdc: NO_SOURCES, migrated: [RUNNING_VM], vmi: [VMI] }),
        want: { status: ADOPTED_STATUS },
      },
      WaitsForNameTakenByOther: {
        reason: "While a VM Forklift did not make holds the name, no Migration starts",
        ...req(xr(warmById), { migrated: [FOREIGN], observed: { plan: plan(planStatus.ready) } }),
        want: { results: [], names: ["plan"], status: pending(WAITS) },
      },
      WaitsForNameTakenByOtherMigration: {
        reason:
          "Nor while a VM Forklift made from another source VM holds it, the Plan " +
          "blocked on it too",
        ...req(xr(warmById), {
          migrated: [
            {
              ...RUNNING_VM,
              metadata: {
                ...RUNNING_VM.metadata,
                labels: { ...RUNNING_VM.metadata?.labels, vmID: "vm-1999" },
              },
            },
          ],
          observed: {
            plan: plan({
              conditions: [
                cond("VMAlreadyExists", "Critical", "Target VM already exists.", {
                  reason: "NotUnique",
                  items: ["id:vm-2041 "],
                }),
              ],
            }),
          },
        }),
        want: {
          results: [],
          names: ["plan"],
          status: pending(
            `${WAITS}; Forklift: VMAlreadyExists: Target VM already exists. (id:vm-2041)`,
          ),
        },
      },
      WaitsForSourceNamedNotIdentified: {
        reason:
          "Nor when the source VM is named, not identified, so the migrated VM is not known as its",
        ...req(xr(cold({ name: "legacy-erp-01" }, { warm: true })), { migrated: [RUNNING_VM] }),
        want: { results: [], names: ["plan"], status: pending(WAITS) },
      },
      ReportsGoneMigration: {
        reason:
          "A migration whose Plan and Migration are gone is reported, and neither is created again",
        ...req(
          xr(warmById, {
            status: {
              phase: "Provisioning",
              migration: { phase: "Executing", ...NAMES, started: STARTED_AT },
            },
          }),
        ),
        want: {
          resources: {},
          migrationStatus: {
            phase: "Failed",
            message: "The Plan and Migration are gone, and no VM acme-dev/legacy-erp exists",
            plan: "legacy-erp",
            started: STARTED_AT,
          },
          results: [
            event(
              "WARNING",
              "MigrationFailed",
              "VirtualMachine acme-dev/legacy-erp: the migration from source vcenter " +
                "failed: The Plan and Migration are gone, and no VM acme-dev/legacy-erp " +
                "exists",
            ),
          ],
        },
      },

      // Refusals
      RefusesProxmox: {
        reason: "Forklift migrates VMs into KubeVirt only",
        ...req(xr(warmById, { ns: "acme-lab" })),
        want: refused(
          "InvalidSpec",
          "VirtualMachine acme-lab/legacy-erp: spec.source.migration: VDC acme-lab " +
            "runs VMs on Proxmox, and Forklift migrates VMs into KubeVirt only: migrate " +
            "into a KubeVirt VDC",
        ),
      },
      RefusesUnknownSource: {
        reason: "A source the VDC does not have is refused, naming those it has",
        ...req(xr(cold({ id: "vm-2041" }, { source: "vcenter-old" }))),
        want: invalid(
          "spec.source.migration.source: VDC " +
            'acme-dev has no migration source "vcenter-old"; its sources are: vcenter, ' +
            "rhv, osp, ocp-old",
        ),
      },
      RefusesVDCWithoutSources: {
        reason: "A VDC without sources says who adds them",
        ...req(xr(warmById), { vdc: NO_SOURCES }),
        want: invalid(
          "spec.source.migration.source: VDC " +
            "acme-dev has no migration sources; its admins add them in the VDC's " +
            "spec.migration.sources",
        ),
      },
      RefusesWarmFromOpenStack: {
        reason: "Forklift migrates warm from vSphere and oVirt only",
        ...req(
          xr({
            source: {
              migration: {
                source: "osp",
                vm: { id: "1d6e8f3a-0b2c-4d5e-8f9a-0b1c2d3e4f5a" },
                warm: true,
              },
            },
          }),
        ),
        want: invalid(
          "spec.source.migration.warm: source " +
            "osp is openstack, and Forklift migrates warm from vsphere and ovirt " +
            "sources only; set warm: false",
        ),
      },
      RefusesNamespaceForVSphere: {
        reason: "A VM namespace applies to OpenShift sources only",
        ...req(xr(cold({ name: "erp", namespace: "finance" }))),
        want: invalid(
          "spec.source.migration.vm.namespace: " +
            "source vcenter is vsphere; a VM namespace applies to openshift sources " +
            "only",
        ),
      },
      RefusesOpenShiftNameWithoutNamespace: {
        reason: "An OpenShift VM by name needs its namespace",
        ...req(xr({ source: { migration: { source: "ocp-old", vm: { name: "erp" } } } })),
        want: invalid(
          "spec.source.migration.vm.namespace: " +
            "source ocp-old is openshift, whose VMs are named within a namespace: set " +
            "vm.namespace with vm.name, or use vm.id",
        ),
      },
      RefusesVLAN: {
        reason: "A VLAN is refused, as for any KubeVirt VM",
        ...req(xr({ ...warmById, network: { vlan: 120 } })),
        want: invalid(
          "spec.network.vlan: VDC acme-dev runs " +
            "VMs on KubeVirt, whose VMs use the pod network; VLANs are available in " +
            "Proxmox VDCs only",
        ),
      },
      QuotaBySize: {
        reason:
          "A migrating VM counts against the quota by its spec.size; one that does not " +
          "fit is refused before it starts",
        ...req(xr(BIG), { vms: [WEB, xr(BIG)] }),
        want: refused(
          "OverQuota",
          `VirtualMachine acme-dev/legacy-erp: over the quota of VDC ` +
            `acme-dev: ${OVER_CPU}; nothing is composed: choose a smaller size, delete ` +
            `VMs, or raise the VDC's quota`,
        ),
      },
      QuotaKeepsStarted: {
        reason: "Once started it is kept over the quota, and says so",
        ...req(xr(BIG), { vms: [WEB, xr(BIG)], observed: STARTED }),
        want: { names: ["migration", "plan"], conditions: KEPT_OVER_QUOTA },
      },
      QuotaKeepsAdopted: {
        reason: "So is the VM an earlier VirtualMachine migrated, adopted again",
        ...req(xr(BIG), { vms: [WEB, xr(BIG)], migrated: [RUNNING_VM], vmi: [VMI] }),
        want: {
          results: [
            event(
              "WARNING",
              "OverQuota",
              `VirtualMachine acme-dev/legacy-erp is over the quota of VDC ` +
                `acme-dev: ${OVER_CPU}; it is kept`,
            ),
            MIGRATED,
            RUNNING,
          ],
          conditions: KEPT_OVER_QUOTA,
        },
      },

      // The zod schema and the XRD's CEL rules say the same, so admission
      // refuses what the function would
      RefusesNeitherImageNorMigration: {
        reason: "A VM is made from an image or migrated",
        ...req(xr({ size: { instanceType: "small" } })),
        want: bothRefuse(ONE_OF, ONE_OF),
      },
      RefusesImageAndMigration: {
        reason: "Not both",
        ...req(xr({ ...warmById, image: { url: FEDORA } })),
        want: bothRefuse(ONE_OF, ONE_OF),
      },
      RefusesVMByIDAndName: {
        reason: "A source VM is named by id or name",
        ...req(xr(cold({ id: "vm-2041", name: "legacy-erp-01" }))),
        want: bothRefuse(
          "spec.source.migration.vm: set exactly one of id, name (got id, name)",
          "spec.source.migration.vm: set exactly one of id, name",
        ),
      },
      RefusesVMByNeither: {
        reason: "A source VM is named",
        ...req(xr(cold({}))),
        want: bothRefuse(
          "spec.source.migration.vm: set exactly one of id, name",
          "spec.source.migration.vm: set exactly one of id, name",
        ),
      },
      RefusesNamespaceWithID: {
        reason: "A namespace goes with a name only",
        ...req(xr(cold({ id: "vm-2041", namespace: "finance" }))),
        want: bothRefuse(
          "spec.source.migration.vm.namespace: only with name",
          "spec.source.migration.vm: namespace only with name",
        ),
      },
      RefusesColdCutover: {
        reason: "A cutover is for warm migrations",
        ...req(xr(cold({ id: "vm-2041" }, { cutover: "2026-02-14T22:00:00Z" }))),
        want: bothRefuse(
          "spec.source.migration.cutover: only for warm migrations (warm: true)",
          "spec.source.migration: cutover only for warm migrations (warm: true)",
        ),
      },
      RefusesCutoverNoTime: {
        reason: "A cutover is a time",
        ...req(xr(cold({ id: "vm-2041" }, { warm: true, cutover: "tonight" }))),
        want: bothRefuse(
          "spec.source.migration.cutover: Invalid ISO datetime",
          `spec.source.migration.cutover: must match pattern ` +
            `"^(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|` +
            `[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|` +
            `(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))` +
            `T(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?` +
            `(?:Z|([+-](?:[01]\\d|2[0-3]):[0-5]\\d)))$" ` +
            `(got string "tonight")`,
        ),
      },
      RefusesForkliftPowerState: {
        reason: "A power state in our words, not Forklift's",
        ...req(xr(cold({ id: "vm-2041" }, { targetPowerState: "on" }))),
        want: bothRefuse(
          "spec.source.migration.targetPowerState: Invalid option: expected one of " +
            '"running"|"stopped"|"auto"',
          'spec.source.migration.targetPowerState: must be one of "running", "stopped", ' +
            '"auto" (got string "on")',
        ),
      },

      // Fields without effect on a migrated VM: the API server refuses them;
      // the function, should one reach it (admitted before the rule, or past
      // admission), composes the migration without them.
      IgnoresDisks: {
        reason: "Extra disks: Forklift brings the source VM's",
        ...req(xr({ ...warmById, disks: [{ name: "data", size: "50Gi" }] })),
        want: ignored(DISKS_CEL),
      },
      IgnoresDeleteDisks: {
        reason: "Disks to delete, likewise",
        ...req(xr({ ...warmById, deleteDisks: ["data"] })),
        want: ignored(DISKS_CEL),
      },
      IgnoresCloudInit: {
        reason: "Cloud-init: the guest is not initialised again, and its password goes nowhere",
        ...req(
          xr({
            ...warmById,
            cloudInit: {
              userData: "#cloud-config\npassword: S3cr3t-Pa55\n",
              sshKeys: [
                "ssh-ed25519 " +
                  "AAAAC3NzaC1lZDI1NTE5AAAAIGFsaWNlLWtleS1mb3ItY3Jvc3N2ZGMtdGVzdHM " +
                  "alice@acme.example",
              ],
            },
          }),
        ),
        want: ignored(
          "spec: spec.cloudInit does not apply to a migrated VM: its guest is not " +
            "initialised again",
        ),
      },
      IgnoresRunningFalse: {
        reason: "running: false, which targetPowerState says for a migrated VM",
        ...req(xr({ ...warmById, running: false })),
        want: ignored(
          "spec: spec.running: false does not apply to a migrated VM: set " +
            "spec.source.migration.targetPowerState: stopped",
        ),
      },
      AdmitsWarmByID: {
        reason: "The API server admits the migrations the function composes: warm by id",
        ...req(xr(warmById, { status: {} })),
        want: { admission: [], results: [] },
      },
      AdmitsByPath: {
        reason: "By inventory path, powered on",
        ...req(
          xr(
            cold({ name: "/Datacenter/vm/finance/legacy-erp-01" }, { targetPowerState: "running" }),
          ),
        ),
        want: { admission: [], results: [] },
      },
      AdmitsCutover: {
        reason: "With a cutover",
        ...req(xr(withCutover("2026-02-14T22:00:00Z"))),
        want: { admission: [], results: [] },
      },

      // Determinism
      Deterministic: {
        reason: "The same request gives the same bytes, whatever order Crossplane lists the VMs in",
        ...req(SELF, {
          vms: [SELF, ...OTHERS],
          observed: DONE,
          migrated: [RUNNING_VM],
          vmi: [VMI],
        }),
        want: {
          sameBytesAs: [
            req(SELF, {
              vms: [...OTHERS].reverse().concat(SELF),
              observed: DONE,
              migrated: [RUNNING_VM],
              vmi: [VMI],
            }),
          ],
        },
      },
      PlanIndependentOfOtherVMs: {
        reason: "The Plan a new XR gets depends on nothing but its spec and the VDC",
        ...req(xr(warmById), { vms: [...OTHERS, xr(warmById)] }),
        want: { resources: { plan: PLAN } },
      },
    },
    facets,
  );
});
