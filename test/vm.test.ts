import { describe, expect, it } from "vitest";
import type { KubeObject, XR } from "../functions/compose.js";
import { vm } from "../functions/vm/compose.js";
import { vmSpec, type VMSpec } from "../functions/vm/api.js";
import { bytes, run, type Plain } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const API = "crossvdc.io/v1alpha1";
// run and bytes go through the gRPC edge, as Crossplane calls it: the spec is parsed by the real zod schema.
const KEY_ALICE =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFsaWNlLWtleS1mb3ItY3Jvc3N2ZGMtdGVzdHM alice@acme.example";
const KEY_BOB =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJvYi1rZXktZm9yLWNyb3NzdmRjLXRlc3RzLTAx bob@acme.example";
const FEDORA = "https://images.example.com/fedora-41.qcow2";

const DEV: KubeObject = {
  apiVersion: API,
  kind: "VDC",
  metadata: { name: "acme-dev", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: {
    tenantRef: { name: "acme" },
    quota: { cpu: 8, memory: "32Gi", vms: 4 },
    backend: { type: "kubevirt", storageClass: "standard" },
  },
};
const LAB: KubeObject = {
  apiVersion: API,
  kind: "VDC",
  metadata: { name: "acme-lab", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: {
    tenantRef: { name: "acme" },
    quota: { cpu: 8, memory: "32Gi", vms: 4 },
    backend: {
      type: "proxmox",
      providerConfigRef: { name: "pve", kind: "ClusterProviderConfig" },
      node: "pve1",
      datastore: "local-lvm",
      bridge: "vmbr0",
      vlan: 120,
    },
  },
};

function xr(
  name: string,
  spec: Record<string, unknown>,
  o: { ns?: string; created?: string; status?: Record<string, unknown> } = {},
): KubeObject {
  return {
    apiVersion: API,
    kind: "VirtualMachine",
    metadata: {
      name,
      namespace: o.ns ?? "acme-dev",
      ...(o.created ? { creationTimestamp: o.created } : {}),
    },
    spec,
    ...(o.status ? { status: o.status } : {}),
  };
}
const labels = (name: string, vdc = "acme-dev") => ({
  "crossvdc.io/tenant": "acme",
  "crossvdc.io/vdc": vdc,
  "crossvdc.io/vm": name,
});

interface Call {
  xr: KubeObject;
  vdc?: KubeObject | null;
  vms?: KubeObject[];
  vmi?: KubeObject[];
  observed?: Record<string, KubeObject>;
}

/** Runs the request through Fn as Crossplane would, and checks every composed object against its upstream schema. */
function compose(c: Call): Plain {
  const vdc =
    c.vdc === null ? [] : [c.vdc ?? (c.xr.metadata?.namespace === "acme-lab" ? LAB : DEV)];
  const out = run({
    xr: c.xr,
    observed: c.observed,
    required: { vdc, vms: c.vms ?? [c.xr], vmi: c.vmi ?? [] },
  });
  for (const r of Object.values(out.resources)) {
    expect(validateResource(r)).toEqual([]);
    // KubeVirt creates a DataVolume from each template: it must be a valid one.
    for (const t of (
      r.spec as { dataVolumeTemplates?: { metadata: object; spec: unknown }[] } | undefined
    )?.dataVolumeTemplates ?? []) {
      expect(
        validateResource({
          apiVersion: "cdi.kubevirt.io/v1beta1",
          kind: "DataVolume",
          metadata: { ...t.metadata, namespace: r.metadata?.namespace },
          spec: t.spec,
        }),
      ).toEqual([]);
    }
  }
  return out;
}
function fatal(out: Plain): string | undefined {
  return out.results.find((r) => r.severity === "FATAL")?.message;
}
const at = (o: unknown, path: string): unknown => path.split(".").reduce<any>((v, k) => v?.[k], o);
const decode = (secret: KubeObject | undefined) =>
  Buffer.from(
    String((secret as { data?: { userdata?: string } })?.data?.userdata ?? ""),
    "base64",
  ).toString("utf8");

describe("VirtualMachine on KubeVirt", () => {
  it("composes a VirtualMachine named like the XR, with a root DataVolume, a data disk and cloud-init in a Secret", () => {
    const out = compose({
      xr: xr("web", {
        size: { instanceType: "medium" },
        image: { url: FEDORA },
        disks: [{ name: "data", size: "50Gi" }],
        cloudInit: { sshKeys: [KEY_ALICE] },
      }),
    });
    expect(out.results).toEqual([]);
    expect(out.resources.vm).toEqual({
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
          {
            metadata: { name: "web-root", labels: labels("web") },
            spec: {
              source: { http: { url: FEDORA } },
              storage: {
                resources: { requests: { storage: "20Gi" } },
                storageClassName: "standard",
              },
            },
          },
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
              resources: {
                requests: { cpu: "2", memory: "4Gi" },
                limits: { cpu: "2", memory: "4Gi" },
              },
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
              { name: "cloudinit", cloudInitNoCloud: { secretRef: { name: "web-cloudinit" } } },
            ],
          },
        },
      },
    });
    expect(out.resources.cloudinit).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "web-cloudinit", namespace: "acme-dev", labels: labels("web") },
      type: "Opaque",
      data: {
        userdata: Buffer.from(`#cloud-config\nssh_authorized_keys:\n  - ${KEY_ALICE}\n`).toString(
          "base64",
        ),
      },
    });
    expect(out.status).toEqual({
      backend: "kubevirt",
      phase: "Provisioning",
      ready: false,
      ipAddresses: [],
      cpu: 2,
      memory: "4Gi",
    });
    expect(out.conditions).toEqual([
      {
        type: "QuotaAdmitted",
        status: "True",
        reason: "WithinQuota",
        message: "VDC acme-dev has vms 3, cpu 6, memory 28Gi left for VMs",
      },
    ]);
    expect(out.ready).toEqual({ vm: false, cloudinit: false });
    expect(out.ttl).toBe(30);
  });

  it("asks Crossplane for the namespace's VDC, its VirtualMachines and the VM's instance, and composes nothing until it has them", () => {
    const out = run({ xr: xr("web", { image: { url: FEDORA } }) });
    expect(out.resources).toEqual({});
    expect(out.results).toEqual([]);
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
        matchName: "web",
      },
    });
  });

  it.each([
    {
      name: "containerDisk: an ephemeral root from an OCI image, no DataVolume",
      image: { containerDisk: "quay.io/containerdisks/fedora:41" },
      rootVolume: { name: "root", containerDisk: { image: "quay.io/containerdisks/fedora:41" } },
      templates: undefined,
      annotations: {
        "crossvdc.io/root-image": "containerDisk:quay.io/containerdisks/fedora:41",
        "crossvdc.io/disks": "{}",
      },
    },
    {
      name: "url: a CDI http import",
      image: { url: FEDORA },
      rootVolume: { name: "root", dataVolume: { name: "web-root" } },
      templates: [
        {
          metadata: { name: "web-root", labels: labels("web") },
          spec: {
            source: { http: { url: FEDORA } },
            storage: { resources: { requests: { storage: "20Gi" } }, storageClassName: "standard" },
          },
        },
      ],
      annotations: {
        "crossvdc.io/root-image": `url:${FEDORA}`,
        "crossvdc.io/root-disk-size": "20Gi",
        "crossvdc.io/disks": "{}",
      },
    },
    {
      name: "dataSource: a clone of a golden image in another namespace",
      image: { dataSource: { name: "fedora", namespace: "kubevirt-os-images" } },
      rootVolume: { name: "root", dataVolume: { name: "web-root" } },
      templates: [
        {
          metadata: { name: "web-root", labels: labels("web") },
          spec: {
            sourceRef: { kind: "DataSource", name: "fedora", namespace: "kubevirt-os-images" },
            storage: { resources: { requests: { storage: "20Gi" } }, storageClassName: "standard" },
          },
        },
      ],
      annotations: {
        "crossvdc.io/root-image": "dataSource:kubevirt-os-images/fedora",
        "crossvdc.io/root-disk-size": "20Gi",
        "crossvdc.io/disks": "{}",
      },
    },
    {
      name: "dataSource without namespace: the VM's own, with the disk's own storage class",
      image: { dataSource: { name: "golden-rhel9" } },
      rootDisk: { size: "40Gi", storageClass: "fast-ssd" },
      rootVolume: { name: "root", dataVolume: { name: "web-root" } },
      templates: [
        {
          metadata: { name: "web-root", labels: labels("web") },
          spec: {
            sourceRef: { kind: "DataSource", name: "golden-rhel9", namespace: "acme-dev" },
            storage: { resources: { requests: { storage: "40Gi" } }, storageClassName: "fast-ssd" },
          },
        },
      ],
      annotations: {
        "crossvdc.io/root-image": "dataSource:acme-dev/golden-rhel9",
        "crossvdc.io/root-disk-size": "40Gi",
        "crossvdc.io/disks": "{}",
      },
    },
  ])("image $name", ({ image, rootDisk, rootVolume, templates, annotations }) => {
    const out = compose({ xr: xr("web", { image, ...(rootDisk ? { rootDisk } : {}) }) });
    expect(out.results).toEqual([]);
    expect(at(out.resources.vm, "spec.template.spec.volumes.0")).toEqual(rootVolume);
    expect(at(out.resources.vm, "spec.dataVolumeTemplates")).toEqual(templates);
    expect(out.resources.vm!.metadata!.annotations).toEqual(annotations);
  });

  it.each([
    { size: { instanceType: "small" }, cpu: 1, memory: "2Gi" },
    { size: { instanceType: "medium" }, cpu: 2, memory: "4Gi" },
    { size: { instanceType: "large" }, cpu: 4, memory: "8Gi" },
    { size: { instanceType: "xlarge" }, cpu: 8, memory: "16Gi" },
    { size: { cpu: 3, memory: "6Gi" }, cpu: 3, memory: "6Gi" },
    { size: undefined, cpu: 1, memory: "2Gi" },
  ])("size $size is $cpu cores and $memory, as requests and limits", ({ size, cpu, memory }) => {
    const out = compose({ xr: xr("web", { ...(size ? { size } : {}), image: { url: FEDORA } }) });
    expect(at(out.resources.vm, "spec.template.spec.domain.cpu")).toEqual({
      cores: cpu,
      sockets: 1,
      threads: 1,
    });
    expect(at(out.resources.vm, "spec.template.spec.domain.resources")).toEqual({
      requests: { cpu: String(cpu), memory },
      limits: { cpu: String(cpu), memory },
    });
    expect(out.status).toMatchObject({ cpu, memory });
  });

  it.each([
    {
      name: "instanceType and cpu",
      spec: { size: { instanceType: "small", cpu: 2, memory: "4Gi" }, image: { url: FEDORA } },
      message: "spec.size: set either instanceType, or cpu and memory, not both",
    },
    {
      name: "cpu without memory",
      spec: { size: { cpu: 2 }, image: { url: FEDORA } },
      message: "spec.size: set instanceType, or both cpu and memory",
    },
    {
      name: "memory not in whole Mi",
      spec: { size: { cpu: 2, memory: "1.5Ki" }, image: { url: FEDORA } },
      message: "spec.size.memory: must be a whole number of Mi (e.g. 1536Mi)",
    },
    {
      name: "no image",
      spec: { image: {} },
      message: "spec.image: set exactly one of containerDisk, url, dataSource, proxmoxTemplate",
    },
    {
      name: "two images",
      spec: { image: { url: FEDORA, containerDisk: "quay.io/containerdisks/fedora:41" } },
      message:
        "spec.image: set exactly one of containerDisk, url, dataSource, proxmoxTemplate (got containerDisk, url)",
    },
    {
      name: "a URL with credentials",
      spec: { image: { url: "https://user:pw@images.example.com/x.qcow2" } },
      message: "spec.image.url: must be an http(s) URL without credentials",
    },
    {
      name: "a disk size not in whole Gi",
      spec: { image: { url: FEDORA }, disks: [{ name: "data", size: "1500Mi" }] },
      message: "spec.disks[0].size: must be a whole number of Gi (e.g. 20Gi)",
    },
    {
      name: "a disk both kept and deleted",
      spec: {
        image: { url: FEDORA },
        disks: [{ name: "data", size: "1Gi" }],
        deleteDisks: ["data"],
      },
      message: 'spec.deleteDisks[0]: disk "data" is still in spec.disks',
    },
    {
      name: "a key that is not an SSH public key",
      spec: { image: { url: FEDORA }, cloudInit: { sshKeys: ["hunter2"] } },
      message:
        "spec.cloudInit.sshKeys[0]: must be one OpenSSH public key line (e.g. ssh-ed25519 AAAA... user@host)",
    },
  ])("refuses $name", ({ spec, message }) => {
    const out = compose({ xr: xr("web", spec) });
    expect(out.results).toEqual([
      {
        severity: "FATAL",
        reason: "InvalidSpec",
        message: `VirtualMachine web: invalid spec: ${message}`,
      },
    ]);
    expect(out.resources).toEqual({});
  });
});

describe("cloud-init", () => {
  it.each([
    { name: "nothing given: an empty cloud-config", cloudInit: {}, userdata: "#cloud-config\n" },
    {
      name: "keys only",
      cloudInit: { sshKeys: [KEY_ALICE, KEY_ALICE] },
      userdata: `#cloud-config\nssh_authorized_keys:\n  - ${KEY_ALICE}\n`,
    },
    {
      name: "cloud-config with keys of its own: merged, not duplicated, the rest kept",
      cloudInit: {
        userData: `#cloud-config\n# web tier\npackages: [nginx]\nssh_authorized_keys:\n  - ${KEY_BOB}\n`,
        sshKeys: [KEY_BOB, KEY_ALICE],
      },
      userdata: `#cloud-config\n# web tier\npackages: [ nginx ]\nssh_authorized_keys:\n  - ${KEY_BOB}\n  - ${KEY_ALICE}\n`,
    },
    {
      name: "cloud-config without keys: passed as written",
      cloudInit: { userData: "#cloud-config\npackages: [nginx]\n" },
      userdata: "#cloud-config\npackages: [nginx]\n",
    },
    {
      name: "a script with keys: a multipart message, keys in a cloud-config part",
      cloudInit: { userData: "#!/bin/sh\necho hello > /tmp/hello\n", sshKeys: [KEY_ALICE] },
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
  ])("$name", ({ cloudInit, userdata }) => {
    const out = compose({ xr: xr("web", { image: { url: FEDORA }, cloudInit }) });
    expect(
      decode(out.resources.cloudinit).replace(/crossvdc-[0-9a-f]{24}/g, "crossvdc-BOUNDARY"),
    ).toBe(userdata);
  });

  it("keeps user data out of the VM, status, conditions, events and Fatal messages", () => {
    const userData =
      "#cloud-config\nchpasswd:\n  users:\n    - {name: root, password: S3cr3t-Pa55, type: text}\n";
    const out = compose({ xr: xr("web", { image: { url: FEDORA }, cloudInit: { userData } }) });
    expect(decode(out.resources.cloudinit)).toBe(userData);
    const visible = JSON.stringify([out.resources.vm, out.status, out.conditions, out.results]);
    expect(visible).not.toContain("S3cr3t");
    // Broken user data is refused by line and error code, never quoted.
    const broken = compose({
      xr: xr("web", {
        image: { url: FEDORA },
        cloudInit: { userData: "#cloud-config\npassword: S3cr3t-Pa55\n  users: [\n" },
      }),
    });
    expect(fatal(broken)).toBe(
      "VirtualMachine web: invalid spec: spec.cloudInit.userData: is not valid YAML at line 2 (BLOCK_AS_IMPLICIT_KEY)",
    );
    const notCloudInit = compose({
      xr: xr("web", { image: { url: FEDORA }, cloudInit: { userData: "password: S3cr3t-Pa55\n" } }),
    });
    expect(fatal(notCloudInit)).toBe(
      "VirtualMachine web: invalid spec: spec.cloudInit.userData: must start with #cloud-config (a cloud-config YAML document) or #! (a script)",
    );
  });
});

// Shaped like what the API server returns: the composed VM plus metadata and status KubeVirt wrote.
function observedVM(composed: KubeObject, status: Record<string, unknown>): KubeObject {
  const o = structuredClone(composed);
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
const READY_TRUE = {
  lastProbeTime: null,
  lastTransitionTime: "2026-02-01T09:01:10Z",
  status: "True",
  type: "Ready",
};
const runningStatus = {
  conditions: [
    READY_TRUE,
    {
      lastProbeTime: null,
      lastTransitionTime: null,
      message:
        "cannot migrate VMI: PVC web-root is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)",
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
        "No VolumeSnapshotClass: Volume snapshots are not configured for this StorageClass [standard] [root]",
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

describe("status from the observed KubeVirt VirtualMachine and instance", () => {
  const spec = { size: { instanceType: "medium" }, image: { url: FEDORA } };
  const composed = compose({ xr: xr("web", spec) }).resources.vm!;
  const halted = compose({ xr: xr("web", { ...spec, running: false }) }).resources.vm!;
  it.each([
    {
      name: "not created yet",
      running: true,
      observed: undefined,
      vmi: [],
      was: undefined,
      status: { phase: "Provisioning", ready: false, ipAddresses: [] },
      events: [],
      ttl: 30,
    },
    {
      name: "importing its disk",
      running: true,
      observed: observedVM(composed, {
        printableStatus: "Provisioning",
        created: false,
        ready: false,
        conditions: [
          { type: "Ready", status: "False", reason: "VMINotExists", message: "VMI does not exist" },
        ],
      }),
      vmi: [],
      was: undefined,
      status: { phase: "Provisioning", state: "Provisioning", ready: false, ipAddresses: [] },
      events: [],
      ttl: 30,
    },
    {
      name: "running: addresses from the instance's interfaces, link-local left out, and the node",
      running: true,
      observed: observedVM(composed, runningStatus),
      vmi: [VMI],
      was: "Provisioning",
      status: {
        phase: "Running",
        state: "Running",
        ready: true,
        ipAddresses: ["10.244.2.17", "fd10:244:2::11"],
        node: "worker-2",
      },
      events: [
        {
          severity: "NORMAL",
          reason: "Running",
          message: "VirtualMachine acme-dev/web is running",
        },
      ],
      ttl: 120,
    },
    {
      name: "still running: no event again",
      running: true,
      observed: observedVM(composed, runningStatus),
      vmi: [VMI],
      was: "Running",
      status: {
        phase: "Running",
        state: "Running",
        ready: true,
        ipAddresses: ["10.244.2.17", "fd10:244:2::11"],
        node: "worker-2",
      },
      events: [],
      ttl: 120,
    },
    {
      name: "halted as asked: ready once Stopped",
      running: false,
      observed: observedVM(halted, {
        printableStatus: "Stopped",
        runStrategy: "Halted",
        conditions: [
          { type: "Ready", status: "False", reason: "VMINotExists", message: "VMI does not exist" },
        ],
      }),
      vmi: [],
      was: "Running",
      status: { phase: "Stopped", state: "Stopped", ready: true, ipAddresses: [] },
      events: [
        {
          severity: "NORMAL",
          reason: "Stopped",
          message: "VirtualMachine acme-dev/web is stopped",
        },
      ],
      ttl: 120,
    },
    {
      name: "failing to pull its image",
      running: true,
      observed: observedVM(composed, {
        printableStatus: "ErrImagePull",
        created: true,
        ready: false,
        conditions: [{ type: "Ready", status: "False", reason: "PodNotExists" }],
      }),
      vmi: [],
      was: "Provisioning",
      status: { phase: "Failed", state: "ErrImagePull", ready: false, ipAddresses: [] },
      events: [
        {
          severity: "WARNING",
          reason: "Failed",
          message: "VirtualMachine acme-dev/web failed: ErrImagePull",
        },
      ],
      ttl: 30,
    },
  ])("$name", ({ running, observed, vmi, was, status, events, ttl }) => {
    const out = compose({
      xr: xr("web", { ...spec, running }, { status: was ? { phase: was } : {} }),
      observed: observed ? { vm: observed } : {},
      vmi,
    });
    expect(out.status).toEqual({ backend: "kubevirt", ...status, cpu: 2, memory: "4Gi" });
    expect(out.ready.vm).toBe(status.ready);
    expect(out.results).toEqual(events);
    expect(out.ttl).toBe(ttl);
  });
});

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
/** A composed Proxmox resource as observed once the provider has made it: Ready, Synced, with these atProvider fields. */
const ready = (r: KubeObject, atProvider: Record<string, unknown> = {}) => ({
  ...structuredClone(r),
  status: { atProvider, conditions: READY_SYNCED },
});

describe("VirtualMachine on Proxmox", () => {
  const pcr = { name: "pve", kind: "ClusterProviderConfig" };
  it("downloads the image first, then composes an EnvironmentVM from it, with the VDC's node, datastore, bridge and VLAN", () => {
    const app = xr(
      "app",
      {
        size: { cpu: 2, memory: "3Gi" },
        image: { url: "https://images.example.com/debian-12.raw" },
        disks: [{ name: "data", size: "100Gi" }],
        cloudInit: { sshKeys: [KEY_ALICE] },
      },
      { ns: "acme-lab" },
    );
    const first = compose({ xr: app });
    // Created before its image exists, the VM would only fail in the provider.
    expect(Object.keys(first.resources)).toEqual(["image"]);
    expect(first.status).toEqual({
      backend: "proxmox",
      phase: "Provisioning",
      state: "WaitingForFiles",
      ready: false,
      ipAddresses: [],
      cpu: 2,
      memory: "3Gi",
    });
    const downloaded = ready(first.resources.image!, {
      id: "local:import/crossvdc-acme-lab-app.raw",
      size: 2147483648,
    });
    const out = compose({ xr: app, observed: { image: downloaded } });
    expect(out.results).toEqual([]);
    expect(out.resources).toEqual({
      image: {
        apiVersion: "virtualenvironmentdownloadfile.proxmoxbpg.m.crossplane.io/v1alpha1",
        kind: "EnvironmentDownloadFile",
        metadata: { name: "app-image", namespace: "acme-lab", labels: labels("app", "acme-lab") },
        spec: {
          forProvider: {
            nodeName: "pve1",
            datastoreId: "local",
            contentType: "import",
            url: "https://images.example.com/debian-12.raw",
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
            "crossvdc.io/root-image": "url:https://images.example.com/debian-12.raw",
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
              "Managed by crossvdc: VirtualMachine acme-lab/app of VDC acme-lab. Edit it in Kubernetes, not here.",
            tags: ["acme-lab", "crossvdc"],
            started: true,
            onBoot: true,
            stopOnDestroy: true,
            agent: [{ enabled: true }],
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
    });
    expect(out.status).toEqual({
      backend: "proxmox",
      phase: "Provisioning",
      ready: false,
      ipAddresses: [],
      cpu: 2,
      memory: "3Gi",
    });
  });

  it("clones a template, resizing its boot disk, with user data as a snippet and the VM's own VLAN, stopped", () => {
    const userData = "#cloud-config\npackages: [qemu-guest-agent]\n";
    const app = xr(
      "app",
      {
        image: { proxmoxTemplate: { vmId: 9000, node: "pve2" } },
        rootDisk: { size: "32Gi" },
        network: { vlan: 300 },
        running: false,
        cloudInit: { userData, sshKeys: [KEY_ALICE] },
      },
      { ns: "acme-lab" },
    );
    const first = compose({ xr: app });
    expect(Object.keys(first.resources)).toEqual(["cloudinit"]);
    const out = compose({
      xr: app,
      observed: {
        cloudinit: ready(first.resources.cloudinit!, {
          id: "local:snippets/crossvdc-acme-lab-app-user-data.yaml",
        }),
      },
    });
    expect(out.results).toEqual([]);
    expect(Object.keys(out.resources).sort()).toEqual(["cloudinit", "vm"]);
    expect(out.resources.cloudinit!.spec).toEqual({
      forProvider: {
        nodeName: "pve1",
        datastoreId: "local",
        contentType: "snippets",
        sourceRaw: [
          {
            data: `#cloud-config\npackages: [ qemu-guest-agent ]\nssh_authorized_keys:\n  - ${KEY_ALICE}\n`,
            fileName: "crossvdc-acme-lab-app-user-data.yaml",
          },
        ],
      },
      providerConfigRef: pcr,
    });
    const fp = at(out.resources.vm, "spec.forProvider") as Record<string, unknown>;
    expect(fp.clone).toEqual([
      { vmId: 9000, nodeName: "pve2", datastoreId: "local-lvm", full: true },
    ]);
    expect(fp.disk).toEqual([{ interface: "scsi0", datastoreId: "local-lvm", size: 32 }]);
    expect(fp.networkDevice).toEqual([{ bridge: "vmbr0", model: "virtio", vlanId: 300 }]);
    // Proxmox refuses user_account beside user_data_file_id: the keys are in the snippet.
    expect(fp.initialization).toEqual([
      {
        datastoreId: "local-lvm",
        ipConfig: [{ ipv4: [{ address: "dhcp" }] }],
        userDataFileId: "local:snippets/crossvdc-acme-lab-app-user-data.yaml",
      },
    ]);
    expect([fp.started, fp.onBoot]).toEqual([false, false]);
    expect(out.resources.vm!.metadata!.annotations!["crossvdc.io/root-image"]).toBe(
      "proxmoxTemplate:9000",
    );
  });

  it("leaves an existing VM on its node and its disks on their datastore when the VDC's backend moves; new VMs and disks follow the VDC", () => {
    const spec = {
      image: { url: "https://images.example.com/debian-12.raw" },
      disks: [{ name: "data", size: "100Gi" }],
      cloudInit: { userData: "#cloud-config\n" },
    };
    const app = xr("app", spec, { ns: "acme-lab" });
    const files = compose({ xr: app });
    const built = compose({
      xr: app,
      observed: {
        image: ready(files.resources.image!),
        cloudinit: ready(files.resources.cloudinit!),
      },
    });
    const observed = {
      image: ready(built.resources.image!),
      cloudinit: ready(built.resources.cloudinit!),
      vm: ready(built.resources.vm!, { nodeName: "pve1", vmId: 142 }),
    };
    const moved: KubeObject = {
      ...LAB,
      spec: {
        ...(LAB.spec as object),
        backend: {
          ...(LAB.spec as { backend: object }).backend,
          node: "pve3",
          datastore: "ceph-vm",
        },
      },
    };
    const grown = xr(
      "app",
      { ...spec, disks: [...spec.disks, { name: "logs", size: "10Gi" }] },
      { ns: "acme-lab" },
    );
    const out = compose({ xr: grown, vdc: moved, observed });
    expect(out.results).toEqual([
      { severity: "NORMAL", reason: "Running", message: "VirtualMachine acme-lab/app is running" },
    ]);
    const fp = at(out.resources.vm, "spec.forProvider") as Record<string, unknown>;
    expect([fp.nodeName, fp.migrate]).toEqual(["pve1", true]);
    expect(fp.disk).toEqual([
      {
        interface: "virtio0",
        datastoreId: "local-lvm",
        size: 20,
        importFrom: "local:import/crossvdc-acme-lab-app.raw",
      },
      { interface: "virtio1", datastoreId: "local-lvm", size: 100 },
      // A disk added now is created where the VDC puts disks today.
      { interface: "virtio2", datastoreId: "ceph-vm", size: 10 },
    ]);
    expect((fp.initialization as { datastoreId: string }[])[0]!.datastoreId).toBe("local-lvm");
    // Its image and user-data snippet stay on the VM's node.
    expect([
      at(out.resources.image, "spec.forProvider.nodeName"),
      at(out.resources.cloudinit, "spec.forProvider.nodeName"),
    ]).toEqual(["pve1", "pve1"]);
    // A new VM in the same VDC goes to the new node and datastore.
    const fresh = compose({
      xr: xr("api", { image: { proxmoxTemplate: { vmId: 9000 } } }, { ns: "acme-lab" }),
      vdc: moved,
    });
    const freshFp = at(fresh.resources.vm, "spec.forProvider") as Record<string, unknown>;
    expect([
      freshFp.nodeName,
      (freshFp.disk as { datastoreId: string }[])[0]!.datastoreId,
      (freshFp.clone as { datastoreId: string }[])[0]!.datastoreId,
    ]).toEqual(["pve3", "ceph-vm", "ceph-vm"]);
  });

  it("puts images and snippets on the VDC's file datastore; the files of an existing VM stay where they are", () => {
    const spec = {
      image: { url: "https://images.example.com/debian-12.raw" },
      cloudInit: { userData: "#cloud-config\n" },
    };
    const withFiles = (store: string): KubeObject => ({
      ...LAB,
      spec: {
        ...(LAB.spec as object),
        backend: { ...(LAB.spec as { backend: object }).backend, fileDatastore: store },
      },
    });
    const app = xr("app", spec, { ns: "acme-lab" });
    const files = compose({ xr: app, vdc: withFiles("cephfs") });
    const observed = {
      image: ready(files.resources.image!),
      cloudinit: ready(files.resources.cloudinit!),
    };
    const out = compose({ xr: app, vdc: withFiles("cephfs"), observed });
    expect([
      at(out.resources.image, "spec.forProvider.datastoreId"),
      at(out.resources.cloudinit, "spec.forProvider.datastoreId"),
    ]).toEqual(["cephfs", "cephfs"]);
    const fp = at(out.resources.vm, "spec.forProvider") as {
      disk: { importFrom?: string }[];
      initialization: { userDataFileId?: string }[];
    };
    expect([fp.disk[0]!.importFrom, fp.initialization[0]!.userDataFileId]).toEqual([
      "cephfs:import/crossvdc-acme-lab-app.raw",
      "cephfs:snippets/crossvdc-acme-lab-app-user-data.yaml",
    ]);
    // The VDC moves its files to nfs: this VM's stay on cephfs, a new VM's go to nfs.
    const after = compose({
      xr: app,
      vdc: withFiles("nfs"),
      observed: { ...observed, vm: ready(out.resources.vm!) },
    });
    expect([
      at(after.resources.image, "spec.forProvider.datastoreId"),
      at(after.resources.cloudinit, "spec.forProvider.datastoreId"),
    ]).toEqual(["cephfs", "cephfs"]);
    expect(after.resources.vm!.spec).toEqual(out.resources.vm!.spec);
    const other = compose({ xr: xr("api", spec, { ns: "acme-lab" }), vdc: withFiles("nfs") });
    expect(at(other.resources.image, "spec.forProvider.datastoreId")).toBe("nfs");
  });

  it("follows a VM that Proxmox reports on another node (moved by an operator or HA) instead of moving it back", () => {
    const app = xr("app", { image: { proxmoxTemplate: { vmId: 9000 } } }, { ns: "acme-lab" });
    const composed = compose({ xr: app }).resources.vm!;
    const out = compose({
      xr: app,
      observed: { vm: ready(composed, { nodeName: "pve2", vmId: 142 }) },
    });
    expect(at(out.resources.vm, "spec.forProvider.nodeName")).toBe("pve2");
    expect(at(out.resources.vm, "spec.forProvider.migrate")).toBe(true);
  });

  const mr = (
    composed: KubeObject,
    atProvider: Record<string, unknown>,
    conditions: Record<string, unknown>[],
  ): KubeObject => ({
    ...structuredClone(composed),
    status: { atProvider, conditions },
  });
  const composedApp = compose({
    xr: xr("app", { image: { proxmoxTemplate: { vmId: 9000 } } }, { ns: "acme-lab" }),
  }).resources.vm!;
  const atProvider = {
    id: "142",
    vmId: 142,
    nodeName: "pve1",
    started: true,
    ipv4Addresses: [["127.0.0.1"], ["10.0.0.5"]],
    ipv6Addresses: [["::1"], ["fe80::be24:11ff:fe5a:1b2c"]],
    macAddresses: ["00:00:00:00:00:00", "BC:24:11:5A:1B:2C"],
    networkInterfaceNames: ["lo", "eth0"],
  };
  const ok = [
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
    {
      type: "LastAsyncOperation",
      status: "True",
      reason: "Success",
      lastTransitionTime: "2026-02-01T09:03:00Z",
    },
  ];
  it.each([
    {
      name: "running: addresses per NIC flattened, loopback dropped; node and VM ID",
      observed: mr(composedApp, atProvider, ok),
      status: {
        phase: "Running",
        state: "Running",
        ready: true,
        ipAddresses: ["10.0.0.5"],
        node: "pve1",
        vmId: 142,
      },
      events: [
        {
          severity: "NORMAL",
          reason: "Running",
          message: "VirtualMachine acme-lab/app is running",
        },
      ],
    },
    {
      name: "being created",
      observed: mr(composedApp, {}, [
        {
          type: "Ready",
          status: "False",
          reason: "Creating",
          lastTransitionTime: "2026-02-01T09:01:00Z",
        },
        {
          type: "Synced",
          status: "True",
          reason: "ReconcileSuccess",
          lastTransitionTime: "2026-02-01T09:01:00Z",
        },
      ]),
      status: {
        phase: "Provisioning",
        state: "Creating",
        ready: false,
        ipAddresses: [],
        node: "pve1",
      },
      events: [],
    },
    {
      name: "the provider cannot reconcile it",
      observed: mr(composedApp, {}, [
        {
          type: "Ready",
          status: "False",
          reason: "Creating",
          lastTransitionTime: "2026-02-01T09:01:00Z",
        },
        {
          type: "Synced",
          status: "False",
          reason: "ReconcileError",
          message: "create failed: 500 unable to find configuration file for VM 9000",
          lastTransitionTime: "2026-02-01T09:02:00Z",
        },
      ]),
      status: {
        phase: "Failed",
        state: "ReconcileError",
        ready: false,
        ipAddresses: [],
        node: "pve1",
      },
      events: [
        {
          severity: "WARNING",
          reason: "Failed",
          message: "VirtualMachine acme-lab/app failed: ReconcileError",
        },
      ],
    },
  ])("status: $name", ({ observed, status, events }) => {
    const out = compose({
      xr: xr("app", { image: { proxmoxTemplate: { vmId: 9000 } } }, { ns: "acme-lab" }),
      observed: { vm: observed },
    });
    expect(out.status).toEqual({ backend: "proxmox", ...status, cpu: 1, memory: "2Gi" });
    expect(out.ready.vm).toBe(status.ready);
    expect(out.results).toEqual(events);
  });
});

describe("what the VDC's backend cannot do is refused, naming the backend", () => {
  it.each([
    {
      ns: "acme-lab",
      spec: { image: { containerDisk: "quay.io/containerdisks/fedora:41" } },
      message:
        "VirtualMachine acme-lab/web: spec.image.containerDisk: VDC acme-lab runs VMs on Proxmox, which cannot boot OCI images; use url or proxmoxTemplate",
    },
    {
      ns: "acme-lab",
      spec: { image: { dataSource: { name: "fedora" } } },
      message:
        "VirtualMachine acme-lab/web: spec.image.dataSource: VDC acme-lab runs VMs on Proxmox, where CDI DataSources do not exist; use url or proxmoxTemplate",
    },
    {
      ns: "acme-dev",
      spec: { image: { proxmoxTemplate: { vmId: 9000 } } },
      message:
        "VirtualMachine acme-dev/web: spec.image.proxmoxTemplate: VDC acme-dev runs VMs on KubeVirt, where Proxmox templates do not exist; use containerDisk, url or dataSource",
    },
    {
      ns: "acme-dev",
      spec: { image: { url: FEDORA }, network: { vlan: 12 } },
      message:
        "VirtualMachine acme-dev/web: spec.network.vlan: VDC acme-dev runs VMs on KubeVirt, whose VMs use the pod network; VLANs are available in Proxmox VDCs only",
    },
  ])("$message", ({ ns, spec, message }) => {
    expect(fatal(compose({ xr: xr("web", spec, { ns }) }))).toBe(message);
  });

  it("refuses a name that cannot name a VM and its hostname", () => {
    expect(fatal(compose({ xr: xr("web.prod", { image: { url: FEDORA } }) }))).toBe(
      "VirtualMachine acme-dev/web.prod: metadata.name: must be a DNS-1123 label of at most 63 characters (lower case alphanumerics and '-'), because it names the VM and its hostname",
    );
  });

  it("refuses a namespace that belongs to no VDC", () => {
    const out = compose({
      xr: xr("web", { image: { url: FEDORA } }, { ns: "default" }),
      vdc: null,
    });
    expect(out.results).toEqual([
      {
        severity: "FATAL",
        reason: "WaitingForDependency",
        message:
          "VirtualMachine default/web: metadata.namespace: namespace default belongs to no VDC: VirtualMachines are created in the namespace of a VDC, which decides where they run",
      },
    ]);
    expect(out.resources).toEqual({});
  });

  it("refuses to move an existing VM to the backend its VDC switched to", () => {
    const kubevirtVM = compose({ xr: xr("web", { image: { url: FEDORA } }) }).resources.vm!;
    const out = compose({
      xr: xr("web", { image: { url: FEDORA } }),
      vdc: { ...LAB, metadata: { name: "acme-dev" } },
      observed: { vm: kubevirtVM },
    });
    expect(fatal(out)).toBe(
      "VirtualMachine acme-dev/web: VDC acme-dev now runs VMs on proxmox, but this VM exists as a VirtualMachine (kubevirt.io/v1): VMs are not moved between backends, as that would lose the VM; set the VDC's spec.backend back, or recreate the VM",
    );
  });
});

describe("quota: vms, cpu and memory of the VDC, charged in creation order", () => {
  const vmAt = (name: string, created: string, size: Record<string, unknown>) =>
    xr(name, { size, image: { url: FEDORA } }, { created });
  const direct = (
    self: KubeObject,
    siblings: KubeObject[],
    o: { vdc?: KubeObject; observed?: Record<string, KubeObject> } = {},
  ) => {
    const x: XR<VMSpec> = {
      apiVersion: API,
      kind: "VirtualMachine",
      metadata: self.metadata as XR<VMSpec>["metadata"],
      spec: vmSpec.parse(self.spec),
      status: (self.status as Record<string, unknown>) ?? {},
    };
    const out = vm.compose({
      xr: x,
      observed: o.observed ?? {},
      required: { vdc: [o.vdc ?? DEV], vms: [...siblings, self], vmi: [] },
    });
    if ("resources" in out)
      for (const r of Object.values(out.resources))
        expect(validateResource(r.resource)).toEqual([]);
    return out;
  };
  const large = { instanceType: "large" };
  it.each([
    {
      name: "an exact fit is admitted",
      siblings: [
        vmAt("a", "2026-02-01T01:00:00Z", large),
        vmAt("b", "2026-02-01T02:00:00Z", { instanceType: "medium" }),
      ],
      self: vmAt("c", "2026-02-01T03:00:00Z", { instanceType: "medium" }),
      left: "vms 1, cpu 0, memory 16Gi",
    },
    {
      name: "a VM that does not fit is skipped, not blocking later ones",
      siblings: [
        vmAt("a", "2026-02-01T01:00:00Z", large),
        vmAt("b", "2026-02-01T02:00:00Z", { instanceType: "xlarge" }),
      ],
      self: vmAt("c", "2026-02-01T03:00:00Z", large),
      left: "vms 2, cpu 0, memory 16Gi",
    },
    {
      name: "an older VM keeps its share against newer ones",
      siblings: [vmAt("a", "2026-02-01T02:00:00Z", { cpu: 8, memory: "8Gi" })],
      self: vmAt("c", "2026-02-01T01:00:00Z", { instanceType: "medium" }),
      left: "vms 3, cpu 6, memory 28Gi",
    },
  ])("$name", ({ siblings, self, left }) => {
    const out = direct(self, siblings);
    expect(out).toMatchObject({
      conditions: [
        {
          type: "QuotaAdmitted",
          status: "True",
          reason: "WithinQuota",
          message: `VDC acme-dev has ${left} left for VMs`,
        },
      ],
    });
  });

  it.each([
    {
      name: "vms",
      siblings: ["a", "b", "c", "d"].map((n, i) =>
        vmAt(n, `2026-02-01T0${i}:00:00Z`, { instanceType: "small" }),
      ),
      self: vmAt("e", "2026-02-01T09:00:00Z", { instanceType: "small" }),
      details:
        "vms: asks 1 more VM, but VDC acme-dev's spec.quota.vms is 4 and VMs use 4: over by 1; in use by a, b, c, d",
    },
    {
      name: "cpu",
      siblings: [
        vmAt("a", "2026-02-01T01:00:00Z", large),
        vmAt("b", "2026-02-01T02:00:00Z", large),
      ],
      self: vmAt("c", "2026-02-01T03:00:00Z", { instanceType: "small" }),
      details:
        "cpu: asks 1, but VDC acme-dev's spec.quota.cpu is 8 and VMs use 8: over by 1; in use by a, b",
    },
    {
      name: "memory",
      siblings: [vmAt("a", "2026-02-01T01:00:00Z", { cpu: 1, memory: "31Gi" })],
      self: vmAt("c", "2026-02-01T03:00:00Z", { instanceType: "small" }),
      details:
        "memory: asks 2Gi, but VDC acme-dev's spec.quota.memory is 32Gi and VMs use 31Gi: over by 1Gi; in use by a",
    },
    {
      name: "cpu and memory, a new VM without a creation time coming last",
      siblings: [vmAt("a", "2026-02-01T01:00:00Z", { cpu: 6, memory: "30Gi" })],
      self: xr("c", { size: large, image: { url: FEDORA } }),
      details:
        "cpu: asks 4, but VDC acme-dev's spec.quota.cpu is 8 and VMs use 6: over by 2; memory: asks 8Gi, but VDC acme-dev's spec.quota.memory is 32Gi and VMs use 30Gi: over by 6Gi; in use by a",
    },
  ])(
    "over on $name: Fatal naming the figure, the limit and what is in use, nothing composed",
    ({ siblings, self, details }) => {
      const name = self.metadata!.name!;
      expect(direct(self, siblings)).toEqual({
        fatal: `VirtualMachine acme-dev/${name}: over the quota of VDC acme-dev: ${details}; nothing is composed: choose a smaller size, delete VMs, or raise the VDC's quota`,
        reason: "OverQuota",
      });
    },
  );

  it("leaves the VDC's databases their share (VDC status.databaseDemand)", () => {
    const vdc = {
      ...DEV,
      status: { databaseDemand: { cpu: "2", memory: "4Gi", storage: "50Gi" } },
    };
    const out = direct(
      vmAt("c", "2026-02-01T03:00:00Z", large),
      [vmAt("a", "2026-02-01T01:00:00Z", large)],
      { vdc },
    );
    expect(out).toEqual({
      fatal:
        "VirtualMachine acme-dev/c: over the quota of VDC acme-dev: cpu: asks 4, but VDC acme-dev's spec.quota.cpu is 8 (databases take 2) and VMs use 4: over by 2; in use by a; nothing is composed: choose a smaller size, delete VMs, or raise the VDC's quota",
      reason: "OverQuota",
    });
  });

  it("never removes a VM that exists: it is kept, with a Warning once and a False condition", () => {
    const siblings = [
      vmAt("a", "2026-02-01T01:00:00Z", large),
      vmAt("b", "2026-02-01T02:00:00Z", large),
    ];
    const self = vmAt("c", "2026-02-01T03:00:00Z", { instanceType: "small" });
    const existing = compose({ xr: self, vms: [self] }).resources.vm!;
    const first = compose({ xr: self, vms: [...siblings, self], observed: { vm: existing } });
    expect(Object.keys(first.resources).sort()).toEqual(["cloudinit", "vm"]);
    const details =
      "cpu: asks 1, but VDC acme-dev's spec.quota.cpu is 8 and VMs use 8: over by 1; in use by a, b";
    expect(first.conditions).toEqual([
      {
        type: "QuotaAdmitted",
        status: "False",
        reason: "OverQuota",
        message: `${details}; the VM exists and is kept`,
      },
    ]);
    expect(first.results).toEqual([
      {
        severity: "WARNING",
        reason: "OverQuota",
        message: `VirtualMachine acme-dev/c is over the quota of VDC acme-dev: ${details}; it is kept`,
      },
    ]);
    const again = xr("c", self.spec as Record<string, unknown>, {
      created: "2026-02-01T03:00:00Z",
      status: { conditions: [{ type: "QuotaAdmitted", status: "False", reason: "OverQuota" }] },
    });
    expect(
      compose({ xr: again, vms: [...siblings, self], observed: { vm: existing } }).results,
    ).toEqual([]);
  });
});

describe("VDC limits on KubeVirt", () => {
  // Quota enough for any of these VMs, so only the LimitRange's limits decide.
  const roomy = (limits?: Record<string, string>): KubeObject => ({
    ...DEV,
    spec: {
      ...(DEV.spec as object),
      quota: { cpu: 64, memory: "256Gi", vms: 4 },
      ...(limits ? { limits } : {}),
    },
  });
  const big = (
    size: Record<string, unknown>,
    ns = "acme-dev",
    image: Record<string, unknown> = { url: FEDORA },
  ) => xr("big", { size, image }, { ns });
  const refusal = (problems: string) =>
    `VirtualMachine acme-dev/big: spec.size: ${problems}: the VDC's LimitRange would refuse the VM's launcher pod, so the VM could never start; nothing is composed: choose a smaller size, or raise the VDC's spec.limits`;

  it.each([
    {
      name: "more cpu than maxCpu",
      size: { cpu: 16, memory: "8Gi" },
      problems: "cpu 16 is over VDC acme-dev's spec.limits.maxCpu (8)",
    },
    {
      name: "memory equal to maxMemory, leaving nothing for KubeVirt's overhead",
      size: { cpu: 2, memory: "32Gi" },
      problems:
        "memory 32Gi leaves no room under VDC acme-dev's spec.limits.maxMemory (32Gi) for KubeVirt's memory overhead",
    },
    {
      name: "both",
      size: { cpu: 12, memory: "48Gi" },
      problems:
        "cpu 12 is over VDC acme-dev's spec.limits.maxCpu (8); memory 48Gi leaves no room under VDC acme-dev's spec.limits.maxMemory (32Gi) for KubeVirt's memory overhead",
    },
  ])("refuses a new VM with $name, composing nothing", ({ size, problems }) => {
    const out = compose({ xr: big(size), vdc: roomy() });
    expect(fatal(out)).toBe(refusal(problems));
    expect(out.resources).toEqual({});
  });

  it.each([
    {
      name: "cpu at maxCpu and memory under maxMemory",
      size: { cpu: 8, memory: "31Gi" },
      limits: undefined,
    },
    {
      name: "the VDC's raised limits",
      size: { cpu: 16, memory: "32Gi" },
      limits: { maxCpu: "16", maxMemory: "48Gi" },
    },
  ])("composes a VM within them: $name", ({ size, limits }) => {
    const out = compose({ xr: big(size), vdc: roomy(limits) });
    expect(out.results).toEqual([]);
    expect(at(out.resources.vm, "spec.template.spec.domain.resources")).toEqual({
      requests: { cpu: String(size.cpu), memory: size.memory },
      limits: { cpu: String(size.cpu), memory: size.memory },
    });
  });

  it("never removes a VM that exists when the VDC's limits are lowered under it", () => {
    const size = { cpu: 16, memory: "32Gi" };
    const made = compose({ xr: big(size), vdc: roomy({ maxCpu: "16", maxMemory: "48Gi" }) })
      .resources.vm!;
    const out = compose({ xr: big(size), vdc: roomy(), observed: { vm: made } });
    expect(fatal(out)).toBeUndefined();
    expect(out.resources.vm).toEqual(made);
  });

  it("refuses to resize a VM that exists to a size that could never start, changing nothing", () => {
    const made = compose({ xr: big({ cpu: 4, memory: "8Gi" }), vdc: roomy() }).resources.vm!;
    const out = compose({
      xr: big({ cpu: 16, memory: "8Gi" }),
      vdc: roomy(),
      observed: { vm: made },
    });
    expect(fatal(out)).toBe(
      "VirtualMachine acme-dev/big: spec.size: cpu 16 is over VDC acme-dev's spec.limits.maxCpu (8): the VDC's LimitRange would refuse the VM's launcher pod, so the VM could never start; nothing was changed: keep the VM's size, or raise the VDC's spec.limits",
    );
    // A resize within the limits goes through.
    const grown = compose({
      xr: big({ cpu: 8, memory: "16Gi" }),
      vdc: roomy(),
      observed: { vm: made },
    });
    expect(fatal(grown)).toBeUndefined();
    expect(at(grown.resources.vm, "spec.template.spec.domain.resources.limits")).toEqual({
      cpu: "8",
      memory: "16Gi",
    });
  });

  it("does not apply them to Proxmox VMs, which run in no pod", () => {
    const lab = {
      ...LAB,
      spec: { ...(LAB.spec as object), quota: { cpu: 64, memory: "256Gi", vms: 4 } },
    };
    const out = compose({
      xr: big({ cpu: 16, memory: "32Gi" }, "acme-lab", { proxmoxTemplate: { vmId: 9000 } }),
      vdc: lab,
    });
    expect(fatal(out)).toBeUndefined();
    expect(out.resources.vm?.kind).toBe("EnvironmentVM");
  });
});

describe("nothing lost: refused changes", () => {
  const base = {
    size: { instanceType: "small" },
    image: { url: FEDORA },
    rootDisk: { size: "30Gi" },
    disks: [
      { name: "data", size: "50Gi" },
      { name: "logs", size: "10Gi" },
    ],
  };
  const existing = compose({ xr: xr("web", base) }).resources.vm!;
  const tail = "; nothing was changed";
  it.each([
    {
      name: "a new image",
      change: { image: { url: "https://images.example.com/fedora-42.qcow2?token=abc" } },
      message: `spec.image: the root disk was made from url:${FEDORA} and cannot be replaced by url:https://images.example.com/fedora-42.qcow2?…: a new image means a new root disk and the data on the current one would be lost. Keep spec.image as it was, or create a new VirtualMachine from the new image and delete this one once its data is no longer needed`,
    },
    {
      name: "another kind of image",
      change: { image: { dataSource: { name: "fedora" } } },
      message: `spec.image: the root disk was made from url:${FEDORA} and cannot be replaced by dataSource:acme-dev/fedora: a new image means a new root disk and the data on the current one would be lost. Keep spec.image as it was, or create a new VirtualMachine from the new image and delete this one once its data is no longer needed`,
    },
    {
      name: "a smaller root disk",
      change: { rootDisk: { size: "20Gi" } },
      message:
        "spec.rootDisk.size: cannot shrink from 30Gi to 20Gi: disks only grow, set it to 30Gi or more",
    },
    {
      name: "a root disk left to the smaller default",
      change: { rootDisk: {} },
      message:
        "spec.rootDisk.size: cannot shrink from 30Gi to 20Gi: disks only grow, set it to 30Gi or more",
    },
    {
      name: "a shrunk disk",
      change: {
        disks: [
          { name: "data", size: "50Gi" },
          { name: "logs", size: "5Gi" },
        ],
      },
      message:
        'spec.disks[1].size: cannot shrink disk "logs" from 10Gi to 5Gi: disks only grow, set it to 10Gi or more',
    },
    {
      name: "a removed disk",
      change: { disks: [{ name: "data", size: "50Gi" }] },
      message:
        'spec.disks: disk "logs" (10Gi) was removed, which would delete its data: add it back, or confirm the deletion by listing "logs" in spec.deleteDisks',
    },
    {
      name: "a renamed disk and a shrunk root at once",
      change: {
        rootDisk: { size: "25Gi" },
        disks: [
          { name: "data", size: "50Gi" },
          { name: "log", size: "10Gi" },
        ],
      },
      message:
        'spec.rootDisk.size: cannot shrink from 30Gi to 25Gi: disks only grow, set it to 30Gi or more; spec.disks: disk "logs" (10Gi) was removed, which would delete its data: add it back, or confirm the deletion by listing "logs" in spec.deleteDisks',
    },
  ])("$name", ({ change, message }) => {
    const out = compose({ xr: xr("web", { ...base, ...change }), observed: { vm: existing } });
    expect(out.results).toEqual([
      {
        severity: "FATAL",
        reason: "Conflict",
        message: `VirtualMachine acme-dev/web: ${message}${tail}`,
      },
    ]);
    expect(out.resources).toEqual({});
  });

  it.each([
    {
      name: "growing disks",
      change: {
        rootDisk: { size: "40Gi" },
        disks: [
          { name: "data", size: "60Gi" },
          { name: "logs", size: "10Gi" },
        ],
      },
      disks: '{"data":{"size":"60Gi"},"logs":{"size":"10Gi"}}',
      root: "40Gi",
    },
    {
      name: "removing a disk confirmed in deleteDisks",
      change: { disks: [{ name: "data", size: "50Gi" }], deleteDisks: ["logs"] },
      disks: '{"data":{"size":"50Gi"}}',
      root: "30Gi",
    },
    {
      name: "reordering disks",
      change: {
        disks: [
          { name: "logs", size: "10Gi" },
          { name: "data", size: "50Gi" },
        ],
      },
      disks: '{"data":{"size":"50Gi"},"logs":{"size":"10Gi"}}',
      root: "30Gi",
    },
  ])("allows $name", ({ change, disks, root }) => {
    const out = compose({ xr: xr("web", { ...base, ...change }), observed: { vm: existing } });
    expect(out.results).toEqual([]);
    expect(out.resources.vm!.metadata!.annotations).toEqual({
      "crossvdc.io/root-image": `url:${FEDORA}`,
      "crossvdc.io/root-disk-size": root,
      "crossvdc.io/disks": disks,
    });
  });

  it("allows a new containerDisk image: that root disk starts fresh at every boot anyway", () => {
    const ephemeral = compose({
      xr: xr("web", { image: { containerDisk: "quay.io/containerdisks/fedora:40" } }),
    }).resources.vm!;
    const out = compose({
      xr: xr("web", { image: { containerDisk: "quay.io/containerdisks/fedora:41" } }),
      observed: { vm: ephemeral },
    });
    expect(out.results).toEqual([]);
    expect(at(out.resources.vm, "spec.template.spec.volumes.0")).toEqual({
      name: "root",
      containerDisk: { image: "quay.io/containerdisks/fedora:41" },
    });
  });

  it("on Proxmox: refuses another template, and keeps each disk's slot when disks are reordered, removed and added", () => {
    const spec = {
      image: { proxmoxTemplate: { vmId: 9000 } },
      disks: [
        { name: "data", size: "50Gi" },
        { name: "logs", size: "10Gi" },
      ],
    };
    const first = compose({ xr: xr("app", spec, { ns: "acme-lab" }) }).resources.vm!;
    expect(
      fatal(
        compose({
          xr: xr(
            "app",
            { ...spec, image: { proxmoxTemplate: { vmId: 9001 } } },
            { ns: "acme-lab" },
          ),
          observed: { vm: first },
        }),
      ),
    ).toBe(
      "VirtualMachine acme-lab/app: spec.image: the root disk was made from proxmoxTemplate:9000 and cannot be replaced by proxmoxTemplate:9001: a new image means a new root disk and the data on the current one would be lost. Keep spec.image as it was, or create a new VirtualMachine from the new image and delete this one once its data is no longer needed; nothing was changed",
    );
    const next = compose({
      xr: xr(
        "app",
        {
          ...spec,
          disks: [
            { name: "cache", size: "5Gi" },
            { name: "data", size: "50Gi" },
          ],
          deleteDisks: ["logs"],
        },
        { ns: "acme-lab" },
      ),
      observed: { vm: first },
    });
    expect(at(next.resources.vm, "spec.forProvider.disk")).toEqual([
      { interface: "scsi0", datastoreId: "local-lvm", size: 20 },
      { interface: "virtio3", datastoreId: "local-lvm", size: 5 },
      { interface: "virtio1", datastoreId: "local-lvm", size: 50 },
    ]);
  });
});

describe("determinism", () => {
  it("gives the same bytes for the same request, whatever order Crossplane lists the VMs in", () => {
    const self = xr(
      "web",
      {
        size: { instanceType: "medium" },
        image: { url: FEDORA },
        disks: [{ name: "data", size: "5Gi" }],
        cloudInit: { userData: "#!/bin/sh\ntrue\n", sshKeys: [KEY_ALICE] },
      },
      { created: "2026-02-01T03:00:00Z" },
    );
    const others = [
      xr("a", { image: { url: FEDORA } }, { created: "2026-02-01T01:00:00Z" }),
      xr("b", { image: { url: FEDORA } }, { created: "2026-02-01T02:00:00Z" }),
    ];
    const req = (vms: KubeObject[]) => ({ xr: self, required: { vdc: [DEV], vms, vmi: [] } });
    const a = bytes(req([self, ...others]));
    expect(bytes(req([self, ...others]))).toEqual(a);
    expect(bytes(req([...others].reverse().concat(self)))).toEqual(a);
  });
});
