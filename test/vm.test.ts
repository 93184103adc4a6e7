// VirtualMachine composer: KubeVirt and Proxmox VMs, their status, quota, limits, and the
// changes refused because they would lose data. Each case runs through the gRPC edge as
// Crossplane calls it, with the VM's VDC and the namespace's VMs as required resources.
import { describe } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { vdc, vm, withSpec, type VMProps } from "./support/fixtures.js";
import { run, type Plain, type RequestParts } from "./support/request.js";
import { runCases } from "./support/table.js";
import { refused, vmRequirements } from "./support/wants.js";

const KEY_ALICE =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFsaWNlLWtleS1mb3ItY3Jvc3N2ZGMtdGVzdHM alice@acme.example";
const KEY_BOB =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJvYi1rZXktZm9yLWNyb3NzdmRjLXRlc3RzLTAx bob@acme.example";
const FEDORA = "https://images.example.com/fedora-41.qcow2";
const DEBIAN = "https://images.example.com/debian-12.raw";
const FEDORA_CD = "quay.io/containerdisks/fedora:41";

const DEV = vdc({
  spec: {
    quota: { cpu: 8, memory: "32Gi", vms: 4 },
    backend: { type: "kubevirt", storageClass: "standard" },
  },
  created: "2026-01-01T00:00:00Z",
});
const LAB_BACKEND = {
  type: "proxmox",
  providerConfigRef: { name: "pve", kind: "ClusterProviderConfig" },
  node: "pve1",
  datastore: "local-lvm",
  bridge: "vmbr0",
  vlan: 120,
};
const LAB = vdc({
  name: "acme-lab",
  spec: { quota: { cpu: 8, memory: "32Gi", vms: 4 }, backend: LAB_BACKEND },
  created: "2026-01-01T00:00:00Z",
});
/** LAB with its backend changed. */
const labWith = (backend: Record<string, unknown>) =>
  withSpec(LAB, { backend: { ...LAB_BACKEND, ...backend } });
const pcr = { name: "pve", kind: "ClusterProviderConfig" };

/** web refused for its spec; the desired state stays as it came. */
const invalid = (message: string) =>
  refused("InvalidSpec", `VirtualMachine web: invalid spec: ${message}`);
/** web in acme-dev, or as told. */
const web = (spec: Record<string, unknown>, p: VMProps = {}) => vm({ spec, ...p });
/** web (or as told) in acme-dev, from the Fedora image at FEDORA. */
const fedora = (spec: Record<string, unknown>, p: VMProps = {}) =>
  web({ image: { url: FEDORA }, ...spec }, p);
/** app in the Proxmox VDC acme-lab. */
const app = (spec: Record<string, unknown>, p: VMProps = {}) =>
  vm({ name: "app", namespace: "acme-lab", spec, ...p });
const labels = (name: string, vdcName = "acme-dev") => ({
  "crossvdc.io/tenant": "acme",
  "crossvdc.io/vdc": vdcName,
  "crossvdc.io/vm": name,
});

interface InVDC {
  /** The VDC of the namespace: acme-dev or acme-lab as above; null for none. */
  vdc?: KubeObject | null;
  /** The namespace's VirtualMachines; the VM alone unless told. */
  vms?: KubeObject[];
  vmi?: KubeObject[];
  observed?: Record<string, KubeObject>;
}
/** The request Crossplane sends once it has fetched what the VM asked for. */
function inVDC(xr: KubeObject, o: InVDC = {}): RequestParts {
  const own = xr.metadata?.namespace === "acme-lab" ? LAB : DEV;
  return {
    xr,
    ...(o.observed ? { observed: o.observed } : {}),
    required: {
      vdc: o.vdc === null ? [] : [o.vdc ?? own],
      vms: o.vms ?? [xr],
      vmi: o.vmi ?? [],
    },
  };
}
/** What an earlier reconcile composed, to observe in the next. */
const composed = (xr: KubeObject, o: InVDC = {}) => run(inVDC(xr, o)).resources;

const decode = (secret: KubeObject | undefined) =>
  Buffer.from(
    String((secret as { data?: { userdata?: string } } | undefined)?.data?.userdata ?? ""),
    "base64",
  ).toString("utf8");
const facets = {
  /** The user data in the cloud-init Secret, with the multipart boundary made fixed. */
  userdata: (out: Plain) =>
    decode(out.resources.cloudinit).replace(/crossvdc-[0-9a-f]{24}/g, "crossvdc-BOUNDARY"),
  /** Whether the password in the user data shows anywhere but the Secret. */
  passwordShown: (out: Plain) =>
    JSON.stringify([out.resources.vm, out.status, out.conditions, out.results]).includes("S3cr3t"),
};

const kubevirt = (s: Record<string, unknown>, cpu = 2, memory = "4Gi") => ({
  backend: "kubevirt",
  ...s,
  cpu,
  memory,
});
const proxmox = (s: Record<string, unknown>, cpu = 1, memory = "2Gi") => ({
  backend: "proxmox",
  ...s,
  cpu,
  memory,
});
/** The domain and status of a VM of this size: as many cores and as much memory. */
const sized = (p: { readonly cores: number; readonly memory: string }) => ({
  at: {
    "vm.spec.template.spec.domain.cpu": { cores: p.cores, sockets: 1, threads: 1 },
    "vm.spec.template.spec.domain.resources": domain(p.cores, p.memory),
  },
  status: kubevirt(provisioning, p.cores, p.memory),
});
const provisioning = { phase: "Provisioning", ready: false, ipAddresses: [] };
const event = (severity: string, reason: string, message: string) => ({
  severity,
  reason,
  message,
});

// Observed KubeVirt objects, shaped like what the API server returns.
/** The composed VM plus the metadata and status KubeVirt wrote. */
function observedVM(composedVM: KubeObject, status: Record<string, unknown>): KubeObject {
  const o = structuredClone(composedVM);
  o.metadata = {
    ...o.metadata,
    uid: "0b1c2d3e-0000-4000-8000-000000000001",
    generation: 1,
    resourceVersion: "48213",
    creationTimestamp: "2026-02-01T09:00:01Z",
    finalizers: ["kubevirt.io/virtualMachineControllerFinalize"],
  };
  o.status = status;
  return o;
}
const RUNNING_STATUS = {
  conditions: [
    {
      lastProbeTime: null,
      lastTransitionTime: "2026-02-01T09:01:10Z",
      status: "True",
      type: "Ready",
    },
    {
      lastProbeTime: null,
      lastTransitionTime: null,
      message:
        "cannot migrate VMI: PVC web-root is not shared, live migration requires that " +
        "all PVCs must be shared (using ReadWriteMany access mode)",
      reason: "DisksNotLiveMigratable",
      status: "False",
      type: "LiveMigratable",
    },
    {
      lastProbeTime: "2026-02-01T09:01:30Z",
      lastTransitionTime: null,
      status: "True",
      type: "AgentConnected",
    },
  ],
  created: true,
  desiredGeneration: 1,
  observedGeneration: 1,
  printableStatus: "Running",
  ready: true,
  runStrategy: "Always",
  volumeSnapshotStatuses: [
    {
      enabled: false,
      name: "root",
      reason:
        "No VolumeSnapshotClass: Volume snapshots are not configured for this " +
        "StorageClass [standard] [root]",
    },
  ],
};
const VMI: KubeObject = {
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachineInstance",
  metadata: {
    name: "web",
    namespace: "acme-dev",
    labels: { ...labels("web"), "kubevirt.io/nodeName": "worker-2" },
    ownerReferences: [
      {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachine",
        name: "web",
        uid: "0b1c2d3e-0000-4000-8000-000000000001",
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
  status: {
    activePods: { "5f0e7a4c-0000-4000-8000-000000000002": "worker-2" },
    conditions: [
      {
        lastProbeTime: null,
        lastTransitionTime: "2026-02-01T09:01:09Z",
        status: "True",
        type: "Ready",
      },
    ],
    guestOSInfo: {
      id: "fedora",
      kernelRelease: "6.11.4-301.fc41.x86_64",
      name: "Fedora Linux",
      version: "41 (Cloud Edition)",
      versionId: "41",
    },
    interfaces: [
      {
        infoSource: "domain, guest-agent",
        interfaceName: "eth0",
        ipAddress: "10.244.2.17",
        ipAddresses: ["10.244.2.17", "fd10:244:2::11", "fe80::5054:ff:fe12:3456"],
        mac: "52:54:00:12:34:56",
        name: "default",
        queueCount: 1,
      },
    ],
    launcherContainerImageVersion: "quay.io/kubevirt/virt-launcher:v1.5.0",
    migrationMethod: "BlockMigration",
    nodeName: "worker-2",
    phase: "Running",
    qosClass: "Guaranteed",
  },
};
/** The status of web running on worker-2, as its instance reports. */
const RUNNING = kubevirt({
  phase: "Running",
  state: "Running",
  ready: true,
  ipAddresses: ["10.244.2.17", "fd10:244:2::11"],
  node: "worker-2",
});
const MEDIUM = { size: { instanceType: "medium" }, image: { url: FEDORA } };
/** web as medium from FEDORA, with the phase the last reconcile reported. */
const medium = (was?: string, more: Record<string, unknown> = {}) =>
  web({ ...MEDIUM, ...more }, was ? { status: { phase: was } } : { status: {} });
const MEDIUM_VM = composed(web(MEDIUM)).vm!;
const HALTED_VM = composed(web({ ...MEDIUM, running: false })).vm!;
const NO_VMI = {
  type: "Ready",
  status: "False",
  reason: "VMINotExists",
  message: "VMI does not exist",
};

// Observed Proxmox objects, as the provider reports them.
const READY_SYNCED = [
  {
    type: "Ready",
    status: "True",
    reason: "Available",
    lastTransitionTime: "2026-02-01T09:03:00Z",
  },
  {
    type: "Synced",
    status: "True",
    reason: "ReconcileSuccess",
    lastTransitionTime: "2026-02-01T09:01:00Z",
  },
];
/**
 * A composed Proxmox resource once the provider made it: Ready, Synced, with
 * these atProvider fields.
 */
const ready = (r: KubeObject, atProvider: Record<string, unknown> = {}): KubeObject => ({
  ...structuredClone(r),
  status: { atProvider, conditions: READY_SYNCED },
});
const withConditions = (
  r: KubeObject,
  atProvider: Record<string, unknown>,
  conditions: Record<string, unknown>[],
): KubeObject => ({ ...structuredClone(r), status: { atProvider, conditions } });
const CREATING = {
  type: "Ready",
  status: "False",
  reason: "Creating",
  lastTransitionTime: "2026-02-01T09:01:00Z",
};
const TEMPLATE_APP = app({ image: { proxmoxTemplate: { vmId: 9000 } } });
const TEMPLATE_APP_VM = composed(TEMPLATE_APP).vm!;
const AT_PROVIDER = {
  id: "142",
  vmId: 142,
  nodeName: "pve1",
  started: true,
  ipv4Addresses: [["127.0.0.1"], ["10.0.0.5"]],
  ipv6Addresses: [["::1"], ["fe80::be24:11ff:fe5a:1b2c"]],
  macAddresses: ["00:00:00:00:00:00", "BC:24:11:5A:1B:2C"],
  networkInterfaceNames: ["lo", "eth0"],
};

// Proxmox: an image download, then the VM from it.
const DOWNLOAD_APP = app({
  size: { cpu: 2, memory: "3Gi" },
  image: { url: DEBIAN },
  disks: [{ name: "data", size: "100Gi" }],
  cloudInit: { sshKeys: [KEY_ALICE] },
});
// Proxmox: a template clone with a user-data snippet.
const CLONE_APP = app({
  image: { proxmoxTemplate: { vmId: 9000, node: "pve2" } },
  rootDisk: { size: "32Gi" },
  network: { vlan: 300 },
  running: false,
  cloudInit: { userData: "#cloud-config\npackages: [qemu-guest-agent]\n", sshKeys: [KEY_ALICE] },
});
// Proxmox: a VM made on pve1 and local-lvm, whose VDC then moves to pve3 and ceph-vm.
const MOVED_LAB = labWith({ node: "pve3", datastore: "ceph-vm" });
const FILES_SPEC = { image: { url: DEBIAN }, cloudInit: { userData: "#cloud-config\n" } };
const BUILT_SPEC = { ...FILES_SPEC, disks: [{ name: "data", size: "100Gi" }] };
const BUILT = (() => {
  const files = composed(app(BUILT_SPEC));
  const built = composed(app(BUILT_SPEC), {
    observed: { image: ready(files.image!), cloudinit: ready(files.cloudinit!) },
  });
  return {
    image: ready(built.image!),
    cloudinit: ready(built.cloudinit!),
    vm: ready(built.vm!, { nodeName: "pve1", vmId: 142 }),
  };
})();
// Proxmox: files on the VDC's file datastore cephfs, which then moves to nfs.
const CEPHFS = labWith({ fileDatastore: "cephfs" });
const NFS = labWith({ fileDatastore: "nfs" });
const ON_CEPHFS = (() => {
  const files = composed(app(FILES_SPEC), { vdc: CEPHFS });
  const observed = { image: ready(files.image!), cloudinit: ready(files.cloudinit!) };
  return { ...observed, vm: ready(composed(app(FILES_SPEC), { vdc: CEPHFS, observed }).vm!) };
})();

// Quota: acme-dev has 4 VMs, 8 cpu and 32Gi for VMs.
const vmAt = (name: string, created: string, size: Record<string, unknown>) =>
  fedora({ size }, { name, created });
const large = { instanceType: "large" };
const overQuota = (name: string, details: string) =>
  refused(
    "OverQuota",
    `VirtualMachine acme-dev/${name}: over the quota of VDC acme-dev: ${details}; nothing ` +
      `is composed: choose a smaller size, delete VMs, or raise the VDC's quota`,
  );
const admitted = (left: string) => [
  {
    type: "QuotaAdmitted",
    status: "True",
    reason: "WithinQuota",
    message: `VDC acme-dev has ${left} left for VMs`,
  },
];
/** A VM without spec.deletionProtection says what deleting it deletes (test/protection.test.ts). */
const notProtected = (vm: string) => ({
  type: "DeletionProtected",
  status: "False",
  reason: "NotProtected",
  message: `Deleting VirtualMachine acme-dev/${vm} deletes its VM and disks`,
});
const TWO_LARGE = [
  vmAt("a", "2026-02-01T01:00:00Z", large),
  vmAt("b", "2026-02-01T02:00:00Z", large),
];
const SMALL_C = vmAt("c", "2026-02-01T03:00:00Z", { instanceType: "small" });
const SMALL_C_VM = composed(SMALL_C).vm!;
const CPU_FULL =
  "cpu: asks 1, but VDC acme-dev's spec.quota.cpu is 8 and VMs use 8: over by 1; in use by a, b";

// Limits: quota enough for any of these VMs, so only the LimitRange's limits decide.
const roomy = (limits?: Record<string, string>) =>
  withSpec(DEV, { quota: { cpu: 64, memory: "256Gi", vms: 4 }, ...(limits ? { limits } : {}) });
const big = (size: Record<string, unknown>) => fedora({ size }, { name: "big" });
const overLimits = (problems: string) =>
  refused(
    "OverQuota",
    `VirtualMachine acme-dev/big: spec.size: ${problems}: the VDC's LimitRange would ` +
      `refuse the VM's launcher pod, so the VM could never start; nothing is composed: ` +
      `choose a smaller size, or raise the VDC's spec.limits`,
  );
const domain = (cpu: number, memory: string) => ({
  requests: { cpu: String(cpu), memory },
  limits: { cpu: String(cpu), memory },
});
const BIG_16 = composed(big({ cpu: 16, memory: "32Gi" }), {
  vdc: roomy({ maxCpu: "16", maxMemory: "48Gi" }),
}).vm!;
const BIG_4 = composed(big({ cpu: 4, memory: "8Gi" }), { vdc: roomy() }).vm!;

// Nothing lost: web exists with a 30Gi root and disks data (50Gi) and logs (10Gi).
const DISKS = {
  size: { instanceType: "small" },
  image: { url: FEDORA },
  rootDisk: { size: "30Gi" },
  disks: [
    { name: "data", size: "50Gi" },
    { name: "logs", size: "10Gi" },
  ],
};
const DISKS_VM = composed(web(DISKS)).vm!;
/** web changed from DISKS, against the VM that exists. */
const changed = (change: Record<string, unknown>) =>
  inVDC(web({ ...DISKS, ...change }), { observed: { vm: DISKS_VM } });
/** A refused change's message: every one is a Conflict with what the VM already is. */
const refusedChange = (message: string) =>
  refused("Conflict", `VirtualMachine acme-dev/web: ${message}; nothing was changed`);
const newImage = (from: string, to: string) =>
  `spec.image: the root disk was made from ${from} and cannot be replaced by ${to}: a ` +
  `new image means a new root disk and the data on the current one would be lost. Keep ` +
  `spec.image as it was, or create a new VirtualMachine from the new image and delete ` +
  `this one once its data is no longer needed`;
const diskAnnotations = (root: string, disks: string) => ({
  "crossvdc.io/root-image": `url:${FEDORA}`,
  "crossvdc.io/root-disk-size": root,
  "crossvdc.io/disks": disks,
});
const SLOTS_SPEC = {
  image: { proxmoxTemplate: { vmId: 9000 } },
  disks: [
    { name: "data", size: "50Gi" },
    { name: "logs", size: "10Gi" },
  ],
};
const SLOTS_VM = composed(app(SLOTS_SPEC)).vm!;

// Determinism: web beside a and b.
const DETERMINED = web(
  {
    size: { instanceType: "medium" },
    image: { url: FEDORA },
    disks: [{ name: "data", size: "5Gi" }],
    cloudInit: { userData: "#!/bin/sh\ntrue\n", sshKeys: [KEY_ALICE] },
  },
  { created: "2026-02-01T03:00:00Z" },
);
const OTHERS = [
  fedora({}, { name: "a", created: "2026-02-01T01:00:00Z" }),
  fedora({}, { name: "b", created: "2026-02-01T02:00:00Z" }),
];

const ROOT_TEMPLATE = (source: Record<string, unknown>, storage = "20Gi", sc = "standard") => ({
  metadata: { name: "web-root", labels: labels("web") },
  spec: {
    ...source,
    storage: { resources: { requests: { storage } }, storageClassName: sc },
  },
});

/** A VM whose root disk is the DataVolume web-root from this template, noted as made. */
const rootDataVolume = (p: {
  readonly template: ReturnType<typeof ROOT_TEMPLATE>;
  /** crossvdc.io/root-image: what the root disk was made from. */
  readonly image: string;
  /** crossvdc.io/root-disk-size. */
  readonly size: string;
}) => ({
  results: [],
  at: {
    "vm.spec.template.spec.volumes.0": { name: "root", dataVolume: { name: "web-root" } },
    "vm.spec.dataVolumeTemplates": [p.template],
    "vm.metadata.annotations": {
      "crossvdc.io/root-image": p.image,
      "crossvdc.io/root-disk-size": p.size,
      "crossvdc.io/disks": "{}",
    },
  },
});

/** User data that installs the QEMU guest agent and starts it. */
const STARTS_AGENT =
  "#cloud-config\npackages:\n  - qemu-guest-agent\nruncmd:\n" +
  "  - systemctl enable --now qemu-guest-agent\n";
/**
 * app from template 9000 with this spec, what it composed first observed as made; with `was`, its
 * EnvironmentVM made too, with the guest agent as `was` says.
 */
function filesMade(p: { readonly spec: Record<string, unknown>; readonly was?: boolean }) {
  const xr = app({ image: { proxmoxTemplate: { vmId: 9000 } }, ...p.spec });
  const observed: Record<string, KubeObject> = Object.fromEntries(
    Object.entries(composed(xr)).map(([k, r]) => [k, ready(r)] as const),
  );
  if (p.was !== undefined) {
    const made = composed(xr, { observed }).vm!;
    const forProvider = (made.spec as { forProvider: Record<string, unknown> }).forProvider;
    observed.vm = ready({
      ...made,
      spec: {
        ...(made.spec as Record<string, unknown>),
        forProvider: { ...forProvider, agent: [{ enabled: p.was }] },
      },
    });
  }
  return inVDC(xr, { observed });
}
const agentEnabled = (enabled: boolean) => ({ at: { "vm.spec.forProvider.agent": [{ enabled }] } });

describe("VirtualMachine composer", () => {
  runCases(
    {
      // KubeVirt
      KubeVirtVM: {
        reason:
          "A KubeVirt VM is named like the XR, with a root DataVolume, a data disk and " +
          "cloud-init in a Secret",
        ...inVDC(
          web({
            size: { instanceType: "medium" },
            image: { url: FEDORA },
            disks: [{ name: "data", size: "50Gi" }],
            cloudInit: { sshKeys: [KEY_ALICE] },
          }),
        ),
        want: {
          results: [],
          resources: {
            vm: {
              apiVersion: "kubevirt.io/v1",
              kind: "VirtualMachine",
              metadata: {
                name: "web",
                namespace: "acme-dev",
                labels: labels("web"),
                annotations: {
                  "crossvdc.io/root-image": `url:${FEDORA}`,
                  "crossvdc.io/root-disk-size": "20Gi",
                  "crossvdc.io/disks": '{"data":{"size":"50Gi"}}',
                },
              },
              spec: {
                runStrategy: "Always",
                dataVolumeTemplates: [
                  ROOT_TEMPLATE({ source: { http: { url: FEDORA } } }),
                  {
                    metadata: { name: "web-disk-data", labels: labels("web") },
                    spec: {
                      source: { blank: {} },
                      storage: {
                        resources: { requests: { storage: "50Gi" } },
                        storageClassName: "standard",
                      },
                    },
                  },
                ],
                template: {
                  metadata: { labels: labels("web") },
                  spec: {
                    domain: {
                      cpu: { cores: 2, sockets: 1, threads: 1 },
                      resources: domain(2, "4Gi"),
                      devices: {
                        disks: [
                          { name: "root", disk: { bus: "virtio" }, bootOrder: 1 },
                          { name: "disk-data", disk: { bus: "virtio" } },
                          { name: "cloudinit", disk: { bus: "virtio" } },
                        ],
                        interfaces: [{ name: "default", masquerade: {} }],
                      },
                    },
                    networks: [{ name: "default", pod: {} }],
                    volumes: [
                      { name: "root", dataVolume: { name: "web-root" } },
                      { name: "disk-data", dataVolume: { name: "web-disk-data" } },
                      {
                        name: "cloudinit",
                        cloudInitNoCloud: { secretRef: { name: "web-cloudinit" } },
                      },
                    ],
                  },
                },
              },
            },
            cloudinit: {
              apiVersion: "v1",
              kind: "Secret",
              metadata: { name: "web-cloudinit", namespace: "acme-dev", labels: labels("web") },
              type: "Opaque",
              data: {
                userdata: Buffer.from(
                  `#cloud-config\nssh_authorized_keys:\n  - ${KEY_ALICE}\n`,
                ).toString("base64"),
              },
            },
          },
          status: kubevirt(provisioning),
          conditions: [...admitted("vms 3, cpu 6, memory 28Gi"), notProtected("web")],
          ready: { vm: false, cloudinit: false },
          ttl: 30,
        },
      },
      AsksFirst: {
        reason:
          "A VM asks for its namespace's VDC and the namespace's VirtualMachines, and composes " +
          "nothing until it has them; no KubeVirt kind before the VDC says KubeVirt",
        xr: fedora({}),
        want: {
          resources: {},
          results: [],
          requirements: vmRequirements(),
        },
      },
      AsksForInstanceOnKubeVirt: {
        reason:
          "Once its VDC is known to run on KubeVirt, a VM also asks for its " +
          "VirtualMachineInstance (addresses, node) and composes nothing until it has it",
        xr: fedora({}),
        required: { vdc: [DEV], vms: [] },
        want: {
          resources: {},
          results: [],
          requirements: vmRequirements({ instance: "web" }),
        },
      },
      ImageContainerDisk: {
        reason: "A containerDisk is an ephemeral root from an OCI image, with no DataVolume",
        ...inVDC(web({ image: { containerDisk: FEDORA_CD } })),
        want: {
          results: [],
          at: {
            "vm.spec.template.spec.volumes.0": {
              name: "root",
              containerDisk: { image: FEDORA_CD },
            },
            "vm.spec.dataVolumeTemplates": undefined,
            "vm.metadata.annotations": {
              "crossvdc.io/root-image": `containerDisk:${FEDORA_CD}`,
              "crossvdc.io/disks": "{}",
            },
          },
        },
      },
      ImageURL: {
        reason: "A url is a CDI http import into the root DataVolume",
        ...inVDC(fedora({})),
        want: rootDataVolume({
          template: ROOT_TEMPLATE({ source: { http: { url: FEDORA } } }),
          image: `url:${FEDORA}`,
          size: "20Gi",
        }),
      },
      ImageDataSource: {
        reason: "A dataSource is a clone of a golden image in another namespace",
        ...inVDC(
          web({ image: { dataSource: { name: "fedora", namespace: "kubevirt-os-images" } } }),
        ),
        want: rootDataVolume({
          template: ROOT_TEMPLATE({
            sourceRef: { kind: "DataSource", name: "fedora", namespace: "kubevirt-os-images" },
          }),
          image: "dataSource:kubevirt-os-images/fedora",
          size: "20Gi",
        }),
      },
      ImageDataSourceOwnNamespace: {
        reason:
          "A dataSource without namespace is the VM's own, and the root disk takes its " +
          "own size and storage class",
        ...inVDC(
          web({
            image: { dataSource: { name: "golden-rhel9" } },
            rootDisk: { size: "40Gi", storageClass: "fast-ssd" },
          }),
        ),
        want: rootDataVolume({
          template: ROOT_TEMPLATE(
            { sourceRef: { kind: "DataSource", name: "golden-rhel9", namespace: "acme-dev" } },
            "40Gi",
            "fast-ssd",
          ),
          image: "dataSource:acme-dev/golden-rhel9",
          size: "40Gi",
        }),
      },
      SizeSmall: {
        reason: "An instanceType small is 1 cores and 2Gi, as requests and limits",
        ...inVDC(fedora({ size: { instanceType: "small" } })),
        want: sized({ cores: 1, memory: "2Gi" }),
      },
      SizeMedium: {
        reason: "An instanceType medium is 2 cores and 4Gi, as requests and limits",
        ...inVDC(fedora({ size: { instanceType: "medium" } })),
        want: sized({ cores: 2, memory: "4Gi" }),
      },
      SizeLarge: {
        reason: "An instanceType large is 4 cores and 8Gi, as requests and limits",
        ...inVDC(fedora({ size: { instanceType: "large" } })),
        want: sized({ cores: 4, memory: "8Gi" }),
      },
      SizeXLarge: {
        reason: "An instanceType xlarge is 8 cores and 16Gi, as requests and limits",
        ...inVDC(fedora({ size: { instanceType: "xlarge" } })),
        want: sized({ cores: 8, memory: "16Gi" }),
      },
      SizeExplicit: {
        reason: "An explicit size is 3 cores and 6Gi, as requests and limits",
        ...inVDC(fedora({ size: { cpu: 3, memory: "6Gi" } })),
        want: sized({ cores: 3, memory: "6Gi" }),
      },
      SizeDefault: {
        reason: "No size is 1 cores and 2Gi, as requests and limits",
        ...inVDC(fedora({})),
        want: sized({ cores: 1, memory: "2Gi" }),
      },
      RefusesInstanceTypeAndCPU: {
        reason: "A size is an instanceType or cpu and memory, not both",
        ...inVDC(fedora({ size: { instanceType: "small", cpu: 2, memory: "4Gi" } })),
        want: invalid("spec.size: set either instanceType, or cpu and memory, not both"),
      },
      RefusesCPUWithoutMemory: {
        reason: "cpu needs memory",
        ...inVDC(fedora({ size: { cpu: 2 } })),
        want: invalid("spec.size: set instanceType, or both cpu and memory"),
      },
      RefusesMemoryNotInWholeMi: {
        reason: "Memory is whole Mi",
        ...inVDC(fedora({ size: { cpu: 2, memory: "1.5Ki" } })),
        want: invalid("spec.size.memory: must be a whole number of Mi (e.g. 1536Mi)"),
      },
      RefusesNoImage: {
        reason: "A VM needs an image",
        ...inVDC(web({ image: {} })),
        want: invalid(
          "spec.image: set exactly one of containerDisk, url, dataSource, proxmoxTemplate",
        ),
      },
      RefusesTwoImages: {
        reason: "A VM has one image, and the Fatal names those given",
        ...inVDC(web({ image: { url: FEDORA, containerDisk: FEDORA_CD } })),
        want: invalid(
          "spec.image: set exactly one of " +
            "containerDisk, url, dataSource, proxmoxTemplate (got containerDisk, url)",
        ),
      },
      RefusesURLWithCredentials: {
        reason: "An image URL carries no credentials",
        ...inVDC(web({ image: { url: "https://user:pw@images.example.com/x.qcow2" } })),
        want: invalid("spec.image.url: must be an http(s) URL without credentials"),
      },
      RefusesDiskNotInWholeGi: {
        reason: "Disk sizes are whole Gi",
        ...inVDC(fedora({ disks: [{ name: "data", size: "1500Mi" }] })),
        want: invalid("spec.disks[0].size: must be a whole number of Gi (e.g. 20Gi)"),
      },
      RefusesDiskKeptAndDeleted: {
        reason: "A disk is either kept or deleted",
        ...inVDC(fedora({ disks: [{ name: "data", size: "1Gi" }], deleteDisks: ["data"] })),
        want: invalid('spec.deleteDisks[0]: disk "data" is still in spec.disks'),
      },
      RefusesNotAnSSHKey: {
        reason: "An SSH key is one OpenSSH public key line",
        ...inVDC(fedora({ cloudInit: { sshKeys: ["hunter2"] } })),
        want: invalid(
          "spec.cloudInit.sshKeys[0]: must be one " +
            "OpenSSH public key line (e.g. ssh-ed25519 AAAA... user@host)",
        ),
      },

      // cloud-init
      CloudInitEmpty: {
        reason: "With nothing given the user data is an empty cloud-config",
        ...inVDC(fedora({ cloudInit: {} })),
        want: { userdata: "#cloud-config\n" },
      },
      CloudInitKeys: {
        reason: "Keys alone become a cloud-config, each key once",
        ...inVDC(fedora({ cloudInit: { sshKeys: [KEY_ALICE, KEY_ALICE] } })),
        want: { userdata: `#cloud-config\nssh_authorized_keys:\n  - ${KEY_ALICE}\n` },
      },
      CloudInitMergedKeys: {
        reason:
          "A cloud-config with keys of its own gets the others merged, not duplicated, " +
          "and the rest kept",
        ...inVDC(
          fedora({
            cloudInit: {
              userData:
                `#cloud-config\n# web tier\npackages: [nginx]\nssh_authorized_keys:\n  ` +
                `- ${KEY_BOB}\n`,
              sshKeys: [KEY_BOB, KEY_ALICE],
            },
          }),
        ),
        want: {
          userdata:
            `#cloud-config\n# web tier\npackages: [ nginx ]\nssh_authorized_keys:\n  ` +
            `- ${KEY_BOB}\n  - ${KEY_ALICE}\n`,
        },
      },
      CloudInitAsWritten: {
        reason: "A cloud-config without keys is passed as written",
        ...inVDC(fedora({ cloudInit: { userData: "#cloud-config\npackages: [nginx]\n" } })),
        want: { userdata: "#cloud-config\npackages: [nginx]\n" },
      },
      CloudInitScriptWithKeys: {
        reason: "A script with keys becomes a multipart message, the keys in a cloud-config part",
        ...inVDC(
          fedora({
            cloudInit: { userData: "#!/bin/sh\necho hello > /tmp/hello\n", sshKeys: [KEY_ALICE] },
          }),
        ),
        want: {
          userdata: [
            'Content-Type: multipart/mixed; boundary="crossvdc-BOUNDARY"',
            "MIME-Version: 1.0",
            "",
            "--crossvdc-BOUNDARY",
            'Content-Type: text/cloud-config; charset="utf-8"',
            "",
            "#cloud-config",
            "ssh_authorized_keys:",
            `  - ${KEY_ALICE}`,
            "--crossvdc-BOUNDARY",
            'Content-Type: text/x-shellscript; charset="utf-8"',
            "",
            "#!/bin/sh",
            "echo hello > /tmp/hello",
            "--crossvdc-BOUNDARY--",
            "",
          ].join("\n"),
        },
      },
      CloudInitSecretKept: {
        reason: "User data stays in its Secret: out of the VM, status, conditions and events",
        ...inVDC(
          fedora({
            cloudInit: {
              userData:
                "#cloud-config\nchpasswd:\n  users:\n    - {name: root, password: " +
                "S3cr3t-Pa55, type: text}\n",
            },
          }),
        ),
        want: {
          userdata:
            "#cloud-config\nchpasswd:\n  users:\n    - {name: root, password: " +
            "S3cr3t-Pa55, type: text}\n",
          passwordShown: false,
        },
      },
      CloudInitBrokenYAML: {
        reason: "Broken user data is refused by line and error code, never quoted",
        ...inVDC(
          fedora({ cloudInit: { userData: "#cloud-config\npassword: S3cr3t-Pa55\n  users: [\n" } }),
        ),
        want: invalid(
          "spec.cloudInit.userData: is not valid YAML at line 2 (BLOCK_AS_IMPLICIT_KEY)",
        ),
      },
      CloudInitNotCloudInit: {
        reason: "User data that is neither a cloud-config nor a script is refused, never quoted",
        ...inVDC(fedora({ cloudInit: { userData: "password: S3cr3t-Pa55\n" } })),
        want: invalid(
          "spec.cloudInit.userData: must start " +
            "with #cloud-config (a cloud-config YAML document) or #! (a script)",
        ),
      },

      // Status from the observed KubeVirt VirtualMachine and instance
      StatusNotCreated: {
        reason: "A VM not created yet is Provisioning",
        ...inVDC(medium(), { observed: {} }),
        want: {
          status: kubevirt(provisioning),
          ready: { vm: false, cloudinit: false },
          results: [],
          ttl: 30,
        },
      },
      StatusImporting: {
        reason: "A VM importing its disk is Provisioning, in KubeVirt's words",
        ...inVDC(medium(), {
          observed: {
            vm: observedVM(MEDIUM_VM, {
              printableStatus: "Provisioning",
              created: false,
              ready: false,
              conditions: [NO_VMI],
            }),
          },
        }),
        want: {
          status: kubevirt({ ...provisioning, state: "Provisioning" }),
          ready: { vm: false, cloudinit: false },
          results: [],
          ttl: 30,
        },
      },
      StatusRunning: {
        reason:
          "A running VM has the addresses of its instance's interfaces, link-local left " +
          "out, and its node; one event",
        ...inVDC(medium("Provisioning"), {
          observed: { vm: observedVM(MEDIUM_VM, RUNNING_STATUS) },
          vmi: [VMI],
        }),
        want: {
          status: RUNNING,
          ready: { vm: true, cloudinit: false },
          results: [event("NORMAL", "Running", "VirtualMachine acme-dev/web is running")],
          ttl: 120,
        },
      },
      StatusStillRunning: {
        reason: "A VM that was running already gets no event again",
        ...inVDC(medium("Running"), {
          observed: { vm: observedVM(MEDIUM_VM, RUNNING_STATUS) },
          vmi: [VMI],
        }),
        want: {
          status: RUNNING,
          ready: { vm: true, cloudinit: false },
          results: [],
          ttl: 120,
        },
      },
      StatusHalted: {
        reason: "A VM halted as asked is ready once Stopped",
        ...inVDC(medium("Running", { running: false }), {
          observed: {
            vm: observedVM(HALTED_VM, {
              printableStatus: "Stopped",
              runStrategy: "Halted",
              conditions: [NO_VMI],
            }),
          },
        }),
        want: {
          status: kubevirt({ phase: "Stopped", state: "Stopped", ready: true, ipAddresses: [] }),
          ready: { vm: true, cloudinit: false },
          results: [event("NORMAL", "Stopped", "VirtualMachine acme-dev/web is stopped")],
          ttl: 120,
        },
      },
      StatusImagePullFailing: {
        reason: "A VM failing to pull its image is Failed, with a Warning",
        ...inVDC(medium("Provisioning"), {
          observed: {
            vm: observedVM(MEDIUM_VM, {
              printableStatus: "ErrImagePull",
              created: true,
              ready: false,
              conditions: [{ type: "Ready", status: "False", reason: "PodNotExists" }],
            }),
          },
        }),
        want: {
          status: kubevirt({
            phase: "Failed",
            state: "ErrImagePull",
            ready: false,
            ipAddresses: [],
          }),
          ready: { vm: false, cloudinit: false },
          results: [event("WARNING", "Failed", "VirtualMachine acme-dev/web failed: ErrImagePull")],
          ttl: 30,
        },
      },

      // Proxmox
      ProxmoxImageFirst: {
        reason:
          "On Proxmox the image is downloaded first: created before its image exists, " +
          "the VM would only fail in the provider",
        ...inVDC(DOWNLOAD_APP),
        want: {
          names: ["image"],
          status: proxmox({ ...provisioning, state: "WaitingForFiles" }, 2, "3Gi"),
        },
      },
      ProxmoxVMFromImage: {
        reason:
          "Once downloaded, an EnvironmentVM imports the image, with the VDC's node, " +
          "datastore, bridge and VLAN",
        ...inVDC(DOWNLOAD_APP, {
          observed: {
            image: ready(composed(DOWNLOAD_APP).image!, {
              id: "local:import/crossvdc-acme-lab-app.raw",
              size: 2147483648,
            }),
          },
        }),
        want: {
          results: [],
          resources: {
            image: {
              apiVersion: "virtualenvironmentdownloadfile.proxmoxbpg.m.crossplane.io/v1alpha1",
              kind: "EnvironmentDownloadFile",
              metadata: {
                name: "app-image",
                namespace: "acme-lab",
                labels: labels("app", "acme-lab"),
              },
              spec: {
                forProvider: {
                  nodeName: "pve1",
                  datastoreId: "local",
                  contentType: "import",
                  url: DEBIAN,
                  fileName: "crossvdc-acme-lab-app.raw",
                  overwrite: false,
                },
                providerConfigRef: pcr,
              },
            },
            vm: {
              apiVersion: "virtualenvironmentvm.proxmoxbpg.m.crossplane.io/v1alpha1",
              kind: "EnvironmentVM",
              metadata: {
                name: "app",
                namespace: "acme-lab",
                labels: labels("app", "acme-lab"),
                annotations: {
                  "crossvdc.io/root-image": `url:${DEBIAN}`,
                  "crossvdc.io/root-disk-size": "20Gi",
                  "crossvdc.io/disks": '{"data":{"size":"100Gi","slot":"virtio1"}}',
                },
              },
              spec: {
                forProvider: {
                  nodeName: "pve1",
                  migrate: true,
                  name: "app",
                  description:
                    "Managed by crossvdc: VirtualMachine acme-lab/app of VDC acme-lab. " +
                    "Edit it in Kubernetes, not here.",
                  tags: ["acme-lab", "crossvdc"],
                  started: true,
                  onBoot: true,
                  stopOnDestroy: true,
                  // No user data installs the agent: off, or Proxmox would wait on it.
                  agent: [{ enabled: false }],
                  cpu: [{ cores: 2, type: "x86-64-v2-AES" }],
                  memory: [{ dedicated: 3072 }],
                  disk: [
                    {
                      interface: "virtio0",
                      datastoreId: "local-lvm",
                      size: 20,
                      importFrom: "local:import/crossvdc-acme-lab-app.raw",
                    },
                    { interface: "virtio1", datastoreId: "local-lvm", size: 100 },
                  ],
                  networkDevice: [{ bridge: "vmbr0", model: "virtio", vlanId: 120 }],
                  initialization: [
                    {
                      datastoreId: "local-lvm",
                      ipConfig: [{ ipv4: [{ address: "dhcp" }] }],
                      userAccount: [{ keys: [KEY_ALICE] }],
                    },
                  ],
                },
                providerConfigRef: pcr,
              },
            },
          },
          status: proxmox(provisioning, 2, "3Gi"),
        },
      },
      ProxmoxAsksNoKubeVirtKinds: {
        reason:
          "A VM of a Proxmox VDC asks for no KubeVirt kind, so it works on a cluster without " +
          "KubeVirt's CRDs, and composes once it has its VDC and the namespace's VMs",
        xr: TEMPLATE_APP,
        required: { vdc: [LAB], vms: [TEMPLATE_APP] },
        want: {
          results: [],
          names: ["vm"],
          requirements: vmRequirements({ vdc: "acme-lab" }),
        },
      },
      ProxmoxSnippetFirst: {
        reason: "User data goes to a snippet first, before the VM that reads it",
        ...inVDC(CLONE_APP),
        want: { names: ["cloudinit"] },
      },
      ProxmoxClone: {
        reason:
          "A template is cloned, its boot disk resized, with the user data (keys " +
          "included, as Proxmox refuses user_account beside user_data_file_id) as a " +
          "snippet and the VM's own VLAN, stopped",
        ...inVDC(CLONE_APP, {
          observed: {
            cloudinit: ready(composed(CLONE_APP).cloudinit!, {
              id: "local:snippets/crossvdc-acme-lab-app-user-data.yaml",
            }),
          },
        }),
        want: {
          results: [],
          names: ["cloudinit", "vm"],
          at: {
            "cloudinit.spec": {
              forProvider: {
                nodeName: "pve1",
                datastoreId: "local",
                contentType: "snippets",
                sourceRaw: [
                  {
                    data:
                      `#cloud-config\npackages: [ qemu-guest-agent ` +
                      `]\nssh_authorized_keys:\n  - ${KEY_ALICE}\n`,
                    fileName: "crossvdc-acme-lab-app-user-data.yaml",
                  },
                ],
              },
              providerConfigRef: pcr,
            },
            "vm.spec.forProvider.clone": [
              { vmId: 9000, nodeName: "pve2", datastoreId: "local-lvm", full: true },
            ],
            "vm.spec.forProvider.disk": [
              { interface: "scsi0", datastoreId: "local-lvm", size: 32 },
            ],
            "vm.spec.forProvider.networkDevice": [
              { bridge: "vmbr0", model: "virtio", vlanId: 300 },
            ],
            "vm.spec.forProvider.initialization": [
              {
                datastoreId: "local-lvm",
                ipConfig: [{ ipv4: [{ address: "dhcp" }] }],
                userDataFileId: "local:snippets/crossvdc-acme-lab-app-user-data.yaml",
              },
            ],
            "vm.spec.forProvider.started": false,
            "vm.spec.forProvider.onBoot": false,
            "vm.metadata.annotations": {
              "crossvdc.io/root-image": "proxmoxTemplate:9000",
              "crossvdc.io/root-disk-size": "32Gi",
              "crossvdc.io/disks": "{}",
            },
          },
        },
      },
      ProxmoxBackendMovedKeepsVM: {
        reason:
          "When the VDC's node and datastore move, an existing VM stays on its node and " +
          "its disks, image and snippet where they are; a disk added now goes where the " +
          "VDC puts disks today",
        ...inVDC(
          app({ ...BUILT_SPEC, disks: [...BUILT_SPEC.disks, { name: "logs", size: "10Gi" }] }),
          {
            vdc: MOVED_LAB,
            observed: BUILT,
          },
        ),
        want: {
          results: [event("NORMAL", "Running", "VirtualMachine acme-lab/app is running")],
          at: {
            "vm.spec.forProvider.nodeName": "pve1",
            "vm.spec.forProvider.migrate": true,
            "vm.spec.forProvider.disk": [
              {
                interface: "virtio0",
                datastoreId: "local-lvm",
                size: 20,
                importFrom: "local:import/crossvdc-acme-lab-app.raw",
              },
              { interface: "virtio1", datastoreId: "local-lvm", size: 100 },
              { interface: "virtio2", datastoreId: "ceph-vm", size: 10 },
            ],
            "vm.spec.forProvider.initialization.0.datastoreId": "local-lvm",
            "image.spec.forProvider.nodeName": "pve1",
            "cloudinit.spec.forProvider.nodeName": "pve1",
          },
        },
      },
      ProxmoxBackendMovedNewVM: {
        reason: "A new VM in a VDC whose backend moved goes to the new node and datastore",
        ...inVDC(app({ image: { proxmoxTemplate: { vmId: 9000 } } }, { name: "api" }), {
          vdc: MOVED_LAB,
        }),
        want: {
          at: {
            "vm.spec.forProvider.nodeName": "pve3",
            "vm.spec.forProvider.disk.0.datastoreId": "ceph-vm",
            "vm.spec.forProvider.clone.0.datastoreId": "ceph-vm",
          },
        },
      },
      ProxmoxFileDatastore: {
        reason: "Images and snippets go to the VDC's file datastore, and the VM reads them there",
        ...inVDC(app(FILES_SPEC), {
          vdc: CEPHFS,
          observed: { image: ON_CEPHFS.image, cloudinit: ON_CEPHFS.cloudinit },
        }),
        want: {
          at: {
            "image.spec.forProvider.datastoreId": "cephfs",
            "cloudinit.spec.forProvider.datastoreId": "cephfs",
            "vm.spec.forProvider.disk.0.importFrom": "cephfs:import/crossvdc-acme-lab-app.raw",
            "vm.spec.forProvider.initialization.0.userDataFileId":
              "cephfs:snippets/crossvdc-acme-lab-app-user-data.yaml",
          },
        },
      },
      ProxmoxFileDatastoreMovedKeepsFiles: {
        reason:
          "When the VDC moves its files to nfs, an existing VM's stay on cephfs and the " +
          "VM is unchanged",
        ...inVDC(app(FILES_SPEC), { vdc: NFS, observed: ON_CEPHFS }),
        want: {
          at: {
            "image.spec.forProvider.datastoreId": "cephfs",
            "cloudinit.spec.forProvider.datastoreId": "cephfs",
            "vm.spec": ON_CEPHFS.vm.spec,
          },
        },
      },
      ProxmoxFileDatastoreNewVM: {
        reason: "A new VM's files go to the VDC's file datastore of today",
        ...inVDC(app(FILES_SPEC, { name: "api" }), { vdc: NFS }),
        want: { at: { "image.spec.forProvider.datastoreId": "nfs" } },
      },
      ProxmoxFollowsNode: {
        reason:
          "A VM Proxmox reports on another node (moved by an operator or HA) is followed " +
          "there, not moved back",
        ...inVDC(TEMPLATE_APP, {
          observed: { vm: ready(TEMPLATE_APP_VM, { nodeName: "pve2", vmId: 142 }) },
        }),
        want: {
          at: { "vm.spec.forProvider.nodeName": "pve2", "vm.spec.forProvider.migrate": true },
        },
      },
      ProxmoxStatusRunning: {
        reason:
          "A running Proxmox VM has its addresses per NIC flattened, loopback dropped, " +
          "its node and VM ID; one event",
        ...inVDC(TEMPLATE_APP, {
          observed: {
            vm: withConditions(TEMPLATE_APP_VM, AT_PROVIDER, [
              ...READY_SYNCED,
              {
                type: "LastAsyncOperation",
                status: "True",
                reason: "Success",
                lastTransitionTime: "2026-02-01T09:03:00Z",
              },
            ]),
          },
        }),
        want: {
          status: proxmox({
            phase: "Running",
            state: "Running",
            ready: true,
            ipAddresses: ["10.0.0.5"],
            node: "pve1",
            vmId: 142,
          }),
          ready: { vm: true },
          results: [event("NORMAL", "Running", "VirtualMachine acme-lab/app is running")],
        },
      },
      ProxmoxStatusCreating: {
        reason: "A Proxmox VM being created is Provisioning",
        ...inVDC(TEMPLATE_APP, {
          observed: { vm: withConditions(TEMPLATE_APP_VM, {}, [CREATING, READY_SYNCED[1]!]) },
        }),
        want: {
          status: proxmox({ ...provisioning, state: "Creating", node: "pve1" }),
          ready: { vm: false },
          results: [],
        },
      },
      ProxmoxStatusReconcileError: {
        reason: "A Proxmox VM the provider cannot reconcile is Failed, with a Warning",
        ...inVDC(TEMPLATE_APP, {
          observed: {
            vm: withConditions(TEMPLATE_APP_VM, {}, [
              CREATING,
              {
                type: "Synced",
                status: "False",
                reason: "ReconcileError",
                message: "create failed: 500 unable to find configuration file for VM 9000",
                lastTransitionTime: "2026-02-01T09:02:00Z",
              },
            ]),
          },
        }),
        want: {
          status: proxmox({
            phase: "Failed",
            state: "ReconcileError",
            ready: false,
            ipAddresses: [],
            node: "pve1",
          }),
          ready: { vm: false },
          results: [
            event("WARNING", "Failed", "VirtualMachine acme-lab/app failed: ReconcileError"),
          ],
        },
      },

      // What the VDC's backend cannot do is refused, naming the backend
      BackendProxmoxNoContainerDisk: {
        reason: "Proxmox cannot boot OCI images",
        ...inVDC(web({ image: { containerDisk: FEDORA_CD } }, { namespace: "acme-lab" })),
        want: refused(
          "InvalidSpec",
          "VirtualMachine acme-lab/web: spec.image.containerDisk: VDC acme-lab runs " +
            "VMs on Proxmox, which cannot boot OCI images; use url or proxmoxTemplate",
        ),
      },
      BackendProxmoxNoDataSource: {
        reason: "Proxmox has no CDI DataSources",
        ...inVDC(web({ image: { dataSource: { name: "fedora" } } }, { namespace: "acme-lab" })),
        want: refused(
          "InvalidSpec",
          "VirtualMachine acme-lab/web: spec.image.dataSource: VDC acme-lab runs VMs " +
            "on Proxmox, where CDI DataSources do not exist; use url or proxmoxTemplate",
        ),
      },
      BackendKubeVirtNoTemplate: {
        reason: "KubeVirt has no Proxmox templates",
        ...inVDC(web({ image: { proxmoxTemplate: { vmId: 9000 } } })),
        want: refused(
          "InvalidSpec",
          "VirtualMachine acme-dev/web: spec.image.proxmoxTemplate: VDC acme-dev " +
            "runs VMs on KubeVirt, where Proxmox templates do not exist; use " +
            "containerDisk, url or dataSource",
        ),
      },
      BackendKubeVirtNoVLAN: {
        reason: "KubeVirt VMs use the pod network, without VLANs",
        ...inVDC(fedora({ network: { vlan: 12 } })),
        want: refused(
          "InvalidSpec",
          "VirtualMachine acme-dev/web: spec.network.vlan: VDC acme-dev runs VMs on " +
            "KubeVirt, whose VMs use the pod network; VLANs are available in Proxmox " +
            "VDCs only",
        ),
      },
      RefusesBadName: {
        reason: "A name that cannot name a VM and its hostname is refused",
        ...inVDC(fedora({}, { name: "web.prod" })),
        want: refused(
          "InvalidSpec",
          "VirtualMachine acme-dev/web.prod: metadata.name: must be a DNS-1123 label " +
            "of at most 63 characters (lower case alphanumerics and '-'), because it " +
            "names the VM and its hostname",
        ),
      },
      RefusesNamespaceOfNoVDC: {
        reason: "A VM in a namespace that belongs to no VDC is refused",
        ...inVDC(fedora({}, { namespace: "default" }), { vdc: null }),
        want: refused(
          "WaitingForDependency",
          "VirtualMachine default/web: metadata.namespace: namespace default belongs " +
            "to no VDC: VirtualMachines are created in the namespace of a VDC, which " +
            "decides where they run",
        ),
      },
      RefusesBackendSwitch: {
        reason: "An existing VM is not moved to the backend its VDC switched to",
        ...inVDC(fedora({}), {
          vdc: { ...LAB, metadata: { name: "acme-dev" } },
          observed: { vm: composed(fedora({})).vm! },
        }),
        want: refused(
          "Conflict",
          "VirtualMachine acme-dev/web: VDC acme-dev now runs VMs on proxmox, but " +
            "this VM exists as a VirtualMachine (kubevirt.io/v1): VMs are not moved " +
            "between backends, as that would lose the VM; set the VDC's spec.backend " +
            "back, or recreate the VM",
        ),
      },

      // Quota: vms, cpu and memory of the VDC, charged in creation order
      QuotaExactFit: {
        reason: "A VM that takes exactly what is left is admitted",
        ...inVDC(vmAt("c", "2026-02-01T03:00:00Z", { instanceType: "medium" }), {
          vms: [
            vmAt("a", "2026-02-01T01:00:00Z", large),
            vmAt("b", "2026-02-01T02:00:00Z", { instanceType: "medium" }),
            vmAt("c", "2026-02-01T03:00:00Z", { instanceType: "medium" }),
          ],
        }),
        want: { conditions: [...admitted("vms 1, cpu 0, memory 16Gi"), notProtected("c")] },
      },
      QuotaSkipsWhatDoesNotFit: {
        reason: "A VM that does not fit is skipped, not blocking later ones",
        ...inVDC(vmAt("c", "2026-02-01T03:00:00Z", large), {
          vms: [
            vmAt("a", "2026-02-01T01:00:00Z", large),
            vmAt("b", "2026-02-01T02:00:00Z", { instanceType: "xlarge" }),
            vmAt("c", "2026-02-01T03:00:00Z", large),
          ],
        }),
        want: { conditions: [...admitted("vms 2, cpu 0, memory 16Gi"), notProtected("c")] },
      },
      QuotaOlderFirst: {
        reason: "An older VM keeps its share against newer ones",
        ...inVDC(vmAt("c", "2026-02-01T01:00:00Z", { instanceType: "medium" }), {
          vms: [
            vmAt("a", "2026-02-01T02:00:00Z", { cpu: 8, memory: "8Gi" }),
            vmAt("c", "2026-02-01T01:00:00Z", { instanceType: "medium" }),
          ],
        }),
        want: { conditions: [...admitted("vms 3, cpu 6, memory 28Gi"), notProtected("c")] },
      },
      QuotaOverVMs: {
        reason:
          "A VM over the number of VMs is refused naming the figure, the limit and who holds it",
        ...inVDC(vmAt("e", "2026-02-01T09:00:00Z", { instanceType: "small" }), {
          vms: [
            ...["a", "b", "c", "d"].map((n, i) =>
              vmAt(n, `2026-02-01T0${i}:00:00Z`, { instanceType: "small" }),
            ),
            vmAt("e", "2026-02-01T09:00:00Z", { instanceType: "small" }),
          ],
        }),
        want: overQuota(
          "e",
          "vms: asks 1 more VM, but VDC acme-dev's spec.quota.vms is 4 and VMs use " +
            "4: over by 1; in use by a, b, c, d",
        ),
      },
      QuotaOverCPU: {
        reason: "A VM over the cpu is refused",
        ...inVDC(SMALL_C, { vms: [...TWO_LARGE, SMALL_C] }),
        want: overQuota("c", CPU_FULL),
      },
      QuotaOverMemory: {
        reason: "A VM over the memory is refused",
        ...inVDC(SMALL_C, {
          vms: [vmAt("a", "2026-02-01T01:00:00Z", { cpu: 1, memory: "31Gi" }), SMALL_C],
        }),
        want: overQuota(
          "c",
          "memory: asks 2Gi, but VDC acme-dev's spec.quota.memory is 32Gi and VMs " +
            "use 31Gi: over by 1Gi; in use by a",
        ),
      },
      QuotaOverCPUAndMemoryNew: {
        reason: "Both figures are named, and a new VM without a creation time comes last",
        ...inVDC(fedora({ size: large }, { name: "c" }), {
          vms: [
            vmAt("a", "2026-02-01T01:00:00Z", { cpu: 6, memory: "30Gi" }),
            fedora({ size: large }, { name: "c" }),
          ],
        }),
        want: overQuota(
          "c",
          "cpu: asks 4, but VDC acme-dev's spec.quota.cpu is 8 and VMs use 6: over " +
            "by 2; memory: asks 8Gi, but VDC acme-dev's spec.quota.memory is 32Gi and " +
            "VMs use 30Gi: over by 6Gi; in use by a",
        ),
      },
      QuotaDatabasesShare: {
        reason: "The VDC's databases keep their share (VDC status.databaseDemand)",
        ...inVDC(vmAt("c", "2026-02-01T03:00:00Z", large), {
          vdc: { ...DEV, status: { databaseDemand: { cpu: "2", memory: "4Gi", storage: "50Gi" } } },
          vms: [vmAt("a", "2026-02-01T01:00:00Z", large), vmAt("c", "2026-02-01T03:00:00Z", large)],
        }),
        want: overQuota(
          "c",
          "cpu: asks 4, but VDC acme-dev's spec.quota.cpu is 8 (databases take 2) " +
            "and VMs use 4: over by 2; in use by a",
        ),
      },
      QuotaKeepsExistingVM: {
        reason:
          "A VM that exists is never removed for being over the quota: it is kept, with " +
          "a Warning and a False condition",
        ...inVDC(SMALL_C, { vms: [...TWO_LARGE, SMALL_C], observed: { vm: SMALL_C_VM } }),
        want: {
          names: ["cloudinit", "vm"],
          conditions: [
            {
              type: "QuotaAdmitted",
              status: "False",
              reason: "OverQuota",
              message: `${CPU_FULL}; the VM exists and is kept`,
            },
            notProtected("c"),
          ],
          results: [
            event(
              "WARNING",
              "OverQuota",
              `VirtualMachine acme-dev/c is over the quota of VDC acme-dev: ${CPU_FULL}; ` +
                `it is kept`,
            ),
          ],
        },
      },
      QuotaKeptWarnsOnce: {
        reason: "The Warning about a kept VM is not repeated once the condition says so",
        ...inVDC(
          {
            ...SMALL_C,
            status: {
              conditions: [{ type: "QuotaAdmitted", status: "False", reason: "OverQuota" }],
            },
          },
          { vms: [...TWO_LARGE, SMALL_C], observed: { vm: SMALL_C_VM } },
        ),
        want: { results: [] },
      },

      // VDC limits on KubeVirt
      LimitsOverMaxCPU: {
        reason: "A new VM with more cpu than maxCpu could never start: refused, nothing composed",
        ...inVDC(big({ cpu: 16, memory: "8Gi" }), { vdc: roomy() }),
        want: overLimits("cpu 16 is over VDC acme-dev's spec.limits.maxCpu (8)"),
      },
      LimitsMemoryAtMax: {
        reason: "Memory equal to maxMemory leaves nothing for KubeVirt's overhead",
        ...inVDC(big({ cpu: 2, memory: "32Gi" }), { vdc: roomy() }),
        want: overLimits(
          "memory 32Gi leaves no room under VDC acme-dev's spec.limits.maxMemory " +
            "(32Gi) for KubeVirt's memory overhead",
        ),
      },
      LimitsBoth: {
        reason: "Both problems are named",
        ...inVDC(big({ cpu: 12, memory: "48Gi" }), { vdc: roomy() }),
        want: overLimits(
          "cpu 12 is over VDC acme-dev's spec.limits.maxCpu (8); memory 48Gi leaves " +
            "no room under VDC acme-dev's spec.limits.maxMemory (32Gi) for KubeVirt's " +
            "memory overhead",
        ),
      },
      LimitsWithin: {
        reason: "cpu at maxCpu and memory under maxMemory is composed",
        ...inVDC(big({ cpu: 8, memory: "31Gi" }), { vdc: roomy() }),
        want: {
          results: [],
          at: { "vm.spec.template.spec.domain.resources": domain(8, "31Gi") },
        },
      },
      LimitsRaised: {
        reason: "The VDC's raised limits let a bigger VM through",
        ...inVDC(big({ cpu: 16, memory: "32Gi" }), {
          vdc: roomy({ maxCpu: "16", maxMemory: "48Gi" }),
        }),
        want: {
          results: [],
          at: { "vm.spec.template.spec.domain.resources": domain(16, "32Gi") },
        },
      },
      LimitsLoweredKeepsVM: {
        reason: "A VM that exists is never removed when the VDC's limits are lowered under it",
        ...inVDC(big({ cpu: 16, memory: "32Gi" }), { vdc: roomy(), observed: { vm: BIG_16 } }),
        want: { results: [], at: { vm: BIG_16 } },
      },
      LimitsRefusesResize: {
        reason: "A VM that exists is not resized to a size that could never start; nothing changes",
        ...inVDC(big({ cpu: 16, memory: "8Gi" }), { vdc: roomy(), observed: { vm: BIG_4 } }),
        want: refused(
          "OverQuota",
          "VirtualMachine acme-dev/big: spec.size: cpu 16 is over VDC acme-dev's " +
            "spec.limits.maxCpu (8): the VDC's LimitRange would refuse the VM's " +
            "launcher pod, so the VM could never start; nothing was changed: keep the " +
            "VM's size, or raise the VDC's spec.limits",
        ),
      },
      LimitsResizeWithin: {
        reason: "A resize within the limits goes through",
        ...inVDC(big({ cpu: 8, memory: "16Gi" }), { vdc: roomy(), observed: { vm: BIG_4 } }),
        want: {
          results: [],
          at: { "vm.spec.template.spec.domain.resources.limits": { cpu: "8", memory: "16Gi" } },
        },
      },
      LimitsNotOnProxmox: {
        reason: "Proxmox VMs run in no pod, so the LimitRange does not apply",
        ...inVDC(
          vm({
            name: "big",
            namespace: "acme-lab",
            spec: { size: { cpu: 16, memory: "32Gi" }, image: { proxmoxTemplate: { vmId: 9000 } } },
          }),
          { vdc: withSpec(LAB, { quota: { cpu: 64, memory: "256Gi", vms: 4 } }) },
        ),
        want: { results: [], at: { "vm.kind": "EnvironmentVM" } },
      },

      // Nothing lost: refused changes
      RefusesNewImage: {
        reason: "A new image would replace the root disk; the URL's query is not echoed",
        ...changed({ image: { url: "https://images.example.com/fedora-42.qcow2?token=abc" } }),
        want: refusedChange(
          newImage(`url:${FEDORA}`, "url:https://images.example.com/fedora-42.qcow2?…"),
        ),
      },
      RefusesOtherKindOfImage: {
        reason: "Another kind of image would replace the root disk too",
        ...changed({ image: { dataSource: { name: "fedora" } } }),
        want: refusedChange(newImage(`url:${FEDORA}`, "dataSource:acme-dev/fedora")),
      },
      RefusesSmallerRoot: {
        reason: "A root disk does not shrink",
        ...changed({ rootDisk: { size: "20Gi" } }),
        want: refusedChange(
          "spec.rootDisk.size: cannot shrink from 30Gi to 20Gi: disks only grow, set " +
            "it to 30Gi or more",
        ),
      },
      RefusesRootBackToDefault: {
        reason: "A root disk left to the smaller default would shrink",
        ...changed({ rootDisk: {} }),
        want: refusedChange(
          "spec.rootDisk.size: cannot shrink from 30Gi to 20Gi: disks only grow, set " +
            "it to 30Gi or more",
        ),
      },
      RefusesShrunkDisk: {
        reason: "A data disk does not shrink",
        ...changed({
          disks: [
            { name: "data", size: "50Gi" },
            { name: "logs", size: "5Gi" },
          ],
        }),
        want: refusedChange(
          'spec.disks[1].size: cannot shrink disk "logs" from 10Gi to 5Gi: disks ' +
            "only grow, set it to 10Gi or more",
        ),
      },
      RefusesRemovedDisk: {
        reason: "A disk removed without confirmation would delete its data",
        ...changed({ disks: [{ name: "data", size: "50Gi" }] }),
        want: refusedChange(
          'spec.disks: disk "logs" (10Gi) was removed, which would delete its data: ' +
            'add it back, or confirm the deletion by listing "logs" in spec.deleteDisks',
        ),
      },
      RefusesRenameAndShrink: {
        reason: "A renamed disk and a shrunk root at once are both named",
        ...changed({
          rootDisk: { size: "25Gi" },
          disks: [
            { name: "data", size: "50Gi" },
            { name: "log", size: "10Gi" },
          ],
        }),
        want: refusedChange(
          "spec.rootDisk.size: cannot shrink from 30Gi to 25Gi: disks only grow, set " +
            'it to 30Gi or more; spec.disks: disk "logs" (10Gi) was removed, which ' +
            "would delete its data: add it back, or confirm the deletion by listing " +
            '"logs" in spec.deleteDisks',
        ),
      },
      AllowsGrowingDisks: {
        reason: "Disks grow",
        ...changed({
          rootDisk: { size: "40Gi" },
          disks: [
            { name: "data", size: "60Gi" },
            { name: "logs", size: "10Gi" },
          ],
        }),
        want: {
          results: [],
          at: {
            "vm.metadata.annotations": diskAnnotations(
              "40Gi",
              '{"data":{"size":"60Gi"},"logs":{"size":"10Gi"}}',
            ),
          },
        },
      },
      AllowsConfirmedRemoval: {
        reason: "A disk listed in deleteDisks is removed",
        ...changed({ disks: [{ name: "data", size: "50Gi" }], deleteDisks: ["logs"] }),
        want: {
          results: [],
          at: { "vm.metadata.annotations": diskAnnotations("30Gi", '{"data":{"size":"50Gi"}}') },
        },
      },
      AllowsReordering: {
        reason: "Disks are known by name, not place",
        ...changed({
          disks: [
            { name: "logs", size: "10Gi" },
            { name: "data", size: "50Gi" },
          ],
        }),
        want: {
          results: [],
          at: {
            "vm.metadata.annotations": diskAnnotations(
              "30Gi",
              '{"data":{"size":"50Gi"},"logs":{"size":"10Gi"}}',
            ),
          },
        },
      },
      AllowsNewContainerDisk: {
        reason:
          "A new containerDisk image is taken: that root disk starts fresh at every boot anyway",
        ...inVDC(web({ image: { containerDisk: FEDORA_CD } }), {
          observed: {
            vm: composed(web({ image: { containerDisk: "quay.io/containerdisks/fedora:40" } })).vm!,
          },
        }),
        want: {
          results: [],
          at: {
            "vm.spec.template.spec.volumes.0": {
              name: "root",
              containerDisk: { image: FEDORA_CD },
            },
          },
        },
      },
      ProxmoxRefusesOtherTemplate: {
        reason: "On Proxmox another template would replace the root disk",
        ...inVDC(app({ ...SLOTS_SPEC, image: { proxmoxTemplate: { vmId: 9001 } } }), {
          observed: { vm: SLOTS_VM },
        }),
        want: refused(
          "Conflict",
          `VirtualMachine ` +
            `acme-lab/app: ${newImage("proxmoxTemplate:9000", "proxmoxTemplate:9001")}; ` +
            `nothing was changed`,
        ),
      },
      ProxmoxKeepsDiskSlots: {
        reason: "On Proxmox each disk keeps its slot when disks are reordered, removed and added",
        ...inVDC(
          app({
            ...SLOTS_SPEC,
            disks: [
              { name: "cache", size: "5Gi" },
              { name: "data", size: "50Gi" },
            ],
            deleteDisks: ["logs"],
          }),
          { observed: { vm: SLOTS_VM } },
        ),
        want: {
          at: {
            "vm.spec.forProvider.disk": [
              { interface: "scsi0", datastoreId: "local-lvm", size: 20 },
              { interface: "virtio3", datastoreId: "local-lvm", size: 5 },
              { interface: "virtio1", datastoreId: "local-lvm", size: 50 },
            ],
          },
        },
      },

      // The QEMU guest agent of a Proxmox VM: on only when something in the guest answers it
      // (bpg/terraform-provider-proxmox docs/resources/virtual_environment_vm.md, "Qemu guest
      // agent").
      AgentNoUserData: {
        reason: "A template with no user data may have no agent: off",
        ...filesMade({ spec: {} }),
        want: agentEnabled(false),
      },
      AgentCloudConfigInstallsAndStarts: {
        reason: "cloud-config that installs qemu-guest-agent and starts it in runcmd: on",
        ...filesMade({ spec: { cloudInit: { userData: STARTS_AGENT } } }),
        want: agentEnabled(true),
      },
      AgentArgvRuncmd: {
        reason: "A runcmd entry given as an argv list counts too",
        ...filesMade({
          spec: {
            cloudInit: {
              userData:
                "#cloud-config\npackages: [[qemu-guest-agent, latest]]\n" +
                "runcmd:\n  - [systemctl, start, qemu-guest-agent]\n",
            },
          },
        }),
        want: agentEnabled(true),
      },
      AgentInstalledNotStarted: {
        reason: "Installed but never started (nothing starts it before a reboot): off",
        ...filesMade({
          spec: { cloudInit: { userData: "#cloud-config\npackages: [qemu-guest-agent]\n" } },
        }),
        want: agentEnabled(false),
      },
      AgentStartedInBootcmd: {
        reason: "bootcmd runs before packages are installed, so it starts nothing at first boot",
        ...filesMade({
          spec: {
            cloudInit: {
              userData:
                "#cloud-config\npackages: [qemu-guest-agent]\n" +
                "bootcmd:\n  - systemctl start qemu-guest-agent\n",
            },
          },
        }),
        want: agentEnabled(false),
      },
      AgentScript: {
        reason: "A #! script that installs the agent and starts it: on",
        ...filesMade({
          spec: {
            cloudInit: {
              userData:
                "#!/bin/sh\napt-get install -y qemu-guest-agent\n" +
                "systemctl start qemu-guest-agent\n",
            },
          },
        }),
        want: agentEnabled(true),
      },
      AgentSpecSaysImageHasIt: {
        reason: "spec.guestAgent: true for an image that has the agent, without user data",
        ...filesMade({ spec: { guestAgent: true } }),
        want: agentEnabled(true),
      },
      AgentSpecSaysNo: {
        reason: "spec.guestAgent: false wins over user data that starts it",
        ...filesMade({ spec: { guestAgent: false, cloudInit: { userData: STARTS_AGENT } } }),
        want: agentEnabled(false),
      },
      AgentExistingVMKeepsIt: {
        reason:
          "An existing VM keeps its agent setting (changing it may reboot the VM) unless the " +
          "spec sets guestAgent",
        ...filesMade({ spec: {}, was: true }),
        want: agentEnabled(true),
      },
      AgentExistingVMTurnedOff: {
        reason: "spec.guestAgent: false turns off an existing VM's agent",
        ...filesMade({ spec: { guestAgent: false }, was: true }),
        want: agentEnabled(false),
      },

      Deterministic: {
        reason: "The same request gives the same bytes, whatever order Crossplane lists the VMs in",
        ...inVDC(DETERMINED, { vms: [DETERMINED, ...OTHERS] }),
        want: {
          sameBytesAs: [inVDC(DETERMINED, { vms: [...OTHERS].reverse().concat(DETERMINED) })],
        },
      },
    },
    facets,
  );
});
