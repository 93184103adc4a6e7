// The Proxmox backend, through provider-proxmox-bpg's namespaced managed
// resources: an EnvironmentVM named like the XR, an EnvironmentDownloadFile for
// an image URL, and an EnvironmentFile with the cloud-init user data.
import {
  conditionOf,
  isConditionTrue,
  type Composed,
  type KubeObject,
  type Refusal,
} from "../compose.js";
import { dnsName, proxmoxFileName } from "../names.js";
import { merged } from "../speed.js";
import { parseQuantity } from "../quantity.js";
import { MAX_DISKS, type ImageVMSpec } from "./api.js";
import { startsGuestAgent } from "./cloudinit.js";
import { guestAddresses, type BuildContext, type Observed } from "./common.js";
import type { DiskLedger } from "./protect.js";

const GROUP = "proxmoxbpg.m.crossplane.io";
/**
 * Images and snippets need a file-based datastore with the import and snippets
 * content types. Unless the VDC names one, the directory datastore "local"
 * that every Proxmox VE node has (its snippets content type must be enabled).
 */
const DEFAULT_FILE_DATASTORE = "local";
// Recent Proxmox VE default: runs on any x86-64-v2 host, so VMs can migrate.
const CPU_TYPE = "x86-64-v2-AES";
const MIB = parseQuantity("1Mi");
const GIB = parseQuantity("1Gi");

// The subset of the provider's schema we write; the tests validate against its CRDs.
interface ProviderConfigRef {
  name: string;
  kind: string;
}
interface Managed<ForProvider> extends KubeObject {
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: { forProvider: ForProvider; providerConfigRef: ProviderConfigRef };
}
interface VMDisk {
  interface: string;
  datastoreId: string;
  size: number;
  importFrom?: string;
}
interface EnvironmentVMParameters {
  nodeName: string;
  migrate: boolean;
  name: string;
  description: string;
  tags: string[];
  started: boolean;
  onBoot: boolean;
  stopOnDestroy: boolean;
  agent: { enabled: boolean }[];
  cpu: { cores: number; type: string }[];
  memory: { dedicated: number }[];
  clone?: { vmId: number; nodeName?: string; datastoreId: string; full: boolean }[];
  disk: VMDisk[];
  networkDevice: { bridge: string; model: string; vlanId?: number }[];
  initialization: {
    datastoreId: string;
    ipConfig: { ipv4: { address: string }[] }[];
    userAccount?: { keys: string[] }[];
    userDataFileId?: string;
  }[];
}
interface DownloadFileParameters {
  nodeName: string;
  datastoreId: string;
  contentType: "import";
  url: string;
  fileName: string;
  overwrite: boolean;
}
interface FileParameters {
  nodeName: string;
  datastoreId: string;
  contentType: "snippets";
  sourceRaw: { data: string; fileName: string }[];
}

/**
 * The virtio slot of each extra disk. A disk keeps the slot it was created in
 * (from the observed ledger), so reordering spec.disks moves no data; a new
 * disk takes a slot above every recorded one, never one a removed disk had.
 */
export function diskSlots(
  names: string[],
  was: DiskLedger | undefined,
): Record<string, string> | Refusal {
  const slots: Record<string, string> = {};
  let next = 1;
  for (const r of Object.values(was?.disks ?? {})) {
    const n = Number(/^virtio(\d+)$/.exec(r.slot ?? "")?.[1] ?? 0);
    if (n >= next) next = n + 1;
  }
  for (const name of names) {
    const kept = was?.disks[name]?.slot;
    if (kept) {
      slots[name] = kept;
      continue;
    }
    if (next > MAX_DISKS + 1)
      return {
        fatal:
          `spec.disks: disk "${name}" needs a virtio slot, but virtio1 to ` +
          `virtio${MAX_DISKS + 1} have all been used by this VM`,
        reason: "Conflict",
      };
    slots[name] = `virtio${next++}`;
  }
  return slots;
}

/** Properties of `proxmoxResources()`. */
export interface ProxmoxProps {
  /** The VM to build. */
  readonly machine: BuildContext;
  /** The disk ledger as annotations on the EnvironmentVM (protect.ts). */
  readonly annotations: Record<string, string>;
  /** The virtio slot of each extra disk, from diskSlots(). */
  readonly slots: Record<string, string>;
  /**
   * Observed composed resources: where an existing VM, its disks and files are,
   * and their readiness.
   */
  readonly observed: Record<string, KubeObject>;
}

/**
 * The EnvironmentVM and the files it needs (image, cloud-init snippet), keyed
 * by composition resource name.
 */
export function proxmoxResources(props: ProxmoxProps): {
  resources: Record<string, Composed>;
  waiting: boolean;
} {
  const { machine, annotations, slots, observed } = props;
  const backend = machine.vdc.spec.backend;
  const placed = placement(observed);
  const node = placed.node ?? backend.node!;
  const datastore = backend.datastore!;
  const diskDatastore = (iface: string) => placed.disks[iface] ?? datastore;
  const providerConfigRef: ProviderConfigRef = {
    name: backend.providerConfigRef!.name,
    kind: backend.providerConfigRef!.kind,
  };
  // Named `<vm>-image` and `<vm>-cloudinit` in the VM's namespace: a constant ends each, so a
  // name cut for length is never another VM's uncut one (names.ts, rule 4).
  const meta = (name: string) => ({ name, namespace: machine.namespace, labels: machine.labels });
  const resources: Record<string, Composed> = {};
  const image = machine.spec.image;

  // A file that exists stays on its datastore; a new one goes where the VDC puts files today.
  const fileDatastore = (key: "image" | "cloudinit") =>
    placed.files[key] ?? backend.fileDatastore ?? DEFAULT_FILE_DATASTORE;

  // Every VDC of every tenant on the node shares its datastores: a new file's name is unique in
  // the cluster (names.ts, rule 5); a file that exists keeps its name, which the VM refers to
  // (provider-proxmox-bpg re-creates a VM whose user_data_file_id changes: ForceNew in
  // bpg/terraform-provider-proxmox proxmoxtf/resource/vm).
  const nameOf = (key: "image" | "cloudinit", suffix: string) =>
    placed.fileNames[key] ??
    proxmoxFileName({ namespace: machine.namespace, vm: machine.name, suffix });
  let importFrom: string | undefined;
  if (image.url !== undefined) {
    const fileName = nameOf("image", /\.raw(\?|$)/.test(image.url) ? ".raw" : ".qcow2");
    const store = fileDatastore("image");
    importFrom = `${store}:import/${fileName}`;
    const download: Managed<DownloadFileParameters> = {
      apiVersion: `virtualenvironmentdownloadfile.${GROUP}/v1alpha1`,
      kind: "EnvironmentDownloadFile",
      metadata: meta(dnsName(machine.name, "image")),
      // overwrite false: the file is never replaced under a VM that was made from it.
      spec: {
        forProvider: {
          nodeName: node,
          datastoreId: store,
          contentType: "import",
          url: image.url,
          fileName,
          overwrite: false,
        },
        providerConfigRef,
      },
    };
    resources.image = managed(download, observed.image);
  }

  // user_account and user_data_file_id conflict in Proxmox: with user data, the
  // keys are merged into it.
  let userDataFileId: string | undefined;
  if (machine.spec.cloudInit.userData !== undefined) {
    const fileName = nameOf("cloudinit", "-user-data.yaml");
    const store = fileDatastore("cloudinit");
    userDataFileId = `${store}:snippets/${fileName}`;
    const file: Managed<FileParameters> = {
      apiVersion: `virtualenvironmentfile.${GROUP}/v1alpha1`,
      kind: "EnvironmentFile",
      metadata: meta(dnsName(machine.name, "cloudinit")),
      spec: {
        forProvider: {
          nodeName: node,
          datastoreId: store,
          contentType: "snippets",
          sourceRaw: [{ data: machine.userData, fileName }],
        },
        providerConfigRef,
      },
    };
    resources.cloudinit = managed(file, observed.cloudinit);
  }

  const template = image.proxmoxTemplate;
  const rootInterface = template ? template.diskInterface : "virtio0";
  const disks: VMDisk[] = [
    {
      interface: rootInterface,
      datastoreId: diskDatastore(rootInterface),
      size: gib(machine.spec.rootDisk.size),
      ...(importFrom ? { importFrom } : {}),
    },
    ...machine.spec.disks.map((disk) => ({
      interface: slots[disk.name]!,
      datastoreId: diskDatastore(slots[disk.name]!),
      size: gib(disk.size),
    })),
  ];
  const vlan = machine.spec.network.vlan ?? backend.vlan;
  const vm: Managed<EnvironmentVMParameters> = {
    apiVersion: `virtualenvironmentvm.${GROUP}/v1alpha1`,
    kind: "EnvironmentVM",
    metadata: merged(meta(machine.name), { annotations }),
    spec: {
      forProvider: {
        nodeName: node,
        // Should the node ever change, move the VM: without this the provider
        // re-creates it, disks and all.
        migrate: true,
        name: machine.name,
        description:
          `Managed by crossvdc: VirtualMachine ${machine.namespace}/${machine.name} of ` +
          `VDC ${machine.vdc.name}. Edit it in Kubernetes, not here.`,
        tags: ["crossvdc", machine.namespace].sort(),
        started: machine.spec.running,
        // A stopped VM stays stopped when its node reboots.
        onBoot: machine.spec.running,
        // Deleting the XR deletes the VM: do not wait for a guest that ignores ACPI.
        stopOnDestroy: true,
        agent: [{ enabled: guestAgent(machine.spec, observed.vm) }],
        cpu: [{ cores: machine.size.cpu, type: CPU_TYPE }],
        memory: [{ dedicated: Number(parseQuantity(machine.size.memory) / MIB) }],
        ...(template
          ? {
              clone: [
                {
                  vmId: template.vmId,
                  ...(template.node && template.node !== node ? { nodeName: template.node } : {}),
                  datastoreId: diskDatastore(rootInterface),
                  full: true,
                },
              ],
            }
          : {}),
        disk: disks,
        networkDevice: [
          {
            bridge: backend.bridge!,
            model: "virtio",
            ...(vlan !== undefined ? { vlanId: vlan } : {}),
          },
        ],
        initialization: [
          {
            datastoreId: placed.cloudInit ?? datastore,
            ipConfig: [{ ipv4: [{ address: "dhcp" }] }],
            ...(userDataFileId
              ? { userDataFileId }
              : machine.spec.cloudInit.sshKeys.length
                ? { userAccount: [{ keys: [...new Set(machine.spec.cloudInit.sshKeys)] }] }
                : {}),
          },
        ],
      },
      providerConfigRef,
    },
  };
  // A new VM waits for its image and snippet: created before them, the provider would fail it.
  const files = Object.values(resources);
  if (!observed.vm && files.some((f) => !f.ready)) return { resources, waiting: true };
  resources.vm = managed(vm, observed.vm);
  return { resources, waiting: false };
}

/**
 * Where an existing VM is: its node (where Proxmox reports it, which may be
 * where an operator or HA moved it), the datastore of each disk and of its
 * cloud-init drive, from the observed EnvironmentVM, and the datastore and name
 * of its image and snippet files (from them, or else from the VM's references).
 * A VDC given another node or datastore places new VMs, disks and files there
 * and leaves existing ones where they are: a changed node would move the VM, a
 * changed datastore its disks, for every VM of the VDC at once.
 */
function placement(observed: Record<string, KubeObject>): {
  node?: string;
  disks: Record<string, string>;
  cloudInit?: string;
  files: Partial<Record<"image" | "cloudinit", string>>;
  /** The name of each file that exists, from the file or from the VM referring to it. */
  fileNames: Partial<Record<"image" | "cloudinit", string>>;
} {
  const forProvider = (o: KubeObject | undefined) =>
    ((o?.spec as { forProvider?: unknown } | undefined)?.forProvider ?? {}) as Record<
      string,
      unknown
    >;
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const fp = forProvider(observed.vm);
  const at = ((observed.vm?.status as { atProvider?: unknown } | undefined)?.atProvider ?? {}) as {
    nodeName?: unknown;
  };
  const disks: Record<string, string> = {};
  for (const d of Array.isArray(fp.disk)
    ? (fp.disk as { interface?: unknown; datastoreId?: unknown }[])
    : []) {
    const iface = text(d?.interface);
    const store = text(d?.datastoreId);
    if (iface && store) disks[iface] = store;
  }
  const init = Array.isArray(fp.initialization)
    ? (fp.initialization[0] as { datastoreId?: unknown } | undefined)
    : undefined;
  const files: Partial<Record<"image" | "cloudinit", string>> = {};
  const fileNames: Partial<Record<"image" | "cloudinit", string>> = {};
  // What the VM refers to: its root disk's importFrom, its user data file (store:dir/name).
  const refs = {
    image: (Array.isArray(fp.disk) ? (fp.disk as { importFrom?: unknown }[]) : [])
      .map((d) => text(d?.importFrom))
      .find((f) => f !== undefined),
    cloudinit: text((init as { userDataFileId?: unknown } | undefined)?.userDataFileId),
  };
  const dirs = { image: "import", cloudinit: "snippets" } as const;
  for (const key of ["image", "cloudinit"] as const) {
    const file = forProvider(observed[key]);
    const ref = new RegExp(`^([^:/]+):${dirs[key]}/([^/]+)$`).exec(refs[key] ?? "");
    const store = text(file.datastoreId) ?? ref?.[1];
    if (store) files[key] = store;
    const raw = Array.isArray(file.sourceRaw) ? (file.sourceRaw[0] as unknown) : undefined;
    const name =
      key === "image"
        ? text(file.fileName)
        : text((raw as { fileName?: unknown } | undefined)?.fileName);
    const kept = name && !name.includes("/") ? name : ref?.[2];
    if (kept) fileNames[key] = kept;
  }
  const node = text(at.nodeName) ?? text(fp.nodeName);
  const cloudInit = text(init?.datastoreId);
  return {
    ...(node ? { node } : {}),
    disks,
    ...(cloudInit ? { cloudInit } : {}),
    files,
    fileNames,
  };
}

/**
 * Whether the VM's QEMU guest agent is enabled. With it enabled and no agent running, Proxmox
 * shutdowns and reboots time out holding the VM's lock, and the provider waits on it at
 * creation and every refresh (bpg/terraform-provider-proxmox docs/resources/
 * virtual_environment_vm.md, "Qemu guest agent"): so only when the user says the image has
 * it, or the user data installs and starts it. An existing VM keeps what it has: changing it
 * is a config change the provider may reboot the VM for (rebootAfterUpdate).
 */
function guestAgent(spec: ImageVMSpec, vm: KubeObject | undefined): boolean {
  if (spec.guestAgent !== undefined) return spec.guestAgent;
  const was = (vm?.spec as { forProvider?: { agent?: { enabled?: unknown }[] } } | undefined)
    ?.forProvider?.agent?.[0]?.enabled;
  if (typeof was === "boolean") return was;
  const userData = spec.cloudInit.userData;
  return userData !== undefined && startsGuestAgent(userData);
}

function gib(q: string): number {
  return Number(parseQuantity(q) / GIB);
}

/** A managed resource is ready when the provider says it is Ready and Synced. */
function managed(resource: KubeObject, observed: KubeObject | undefined): Composed {
  return {
    resource,
    ready: isConditionTrue(observed, "Ready") && isConditionTrue(observed, "Synced"),
  };
}

/** Status from the observed EnvironmentVM. */
export function proxmoxObserved(vm: KubeObject | undefined, running: boolean): Observed {
  if (!vm) return { phase: "Provisioning", ready: false, ipAddresses: [] };
  const at = ((vm.status as { atProvider?: unknown } | undefined)?.atProvider ?? {}) as {
    ipv4Addresses?: unknown;
    ipv6Addresses?: unknown;
    nodeName?: unknown;
    vmId?: unknown;
    started?: unknown;
  };
  const ready = isConditionTrue(vm, "Ready") && isConditionTrue(vm, "Synced");
  const synced = conditionOf(vm, "Synced");
  const readyCond = conditionOf(vm, "Ready");
  const started = typeof at.started === "boolean" ? at.started : running;
  let phase: Observed["phase"];
  let state: string | undefined;
  if (synced?.status === "False" || readyCond?.reason === "Unavailable") {
    phase = "Failed";
    state = synced?.status === "False" ? synced.reason : readyCond?.reason;
  } else if (ready && started === running) {
    phase = running ? "Running" : "Stopped";
    state = started ? "Running" : "Stopped";
  } else {
    phase = "Provisioning";
    state = readyCond?.reason;
  }
  // One list per NIC, as the QEMU agent reports them.
  const flat = (v: unknown): unknown[] =>
    Array.isArray(v)
      ? (v as unknown[]).flatMap((nic) => (Array.isArray(nic) ? (nic as unknown[]) : []))
      : [];
  const nodeName =
    typeof at.nodeName === "string"
      ? at.nodeName
      : (vm.spec as { forProvider?: { nodeName?: unknown } } | undefined)?.forProvider?.nodeName;
  return {
    phase,
    ...(state ? { state } : {}),
    ready,
    ipAddresses: guestAddresses([...flat(at.ipv4Addresses), ...flat(at.ipv6Addresses)]),
    ...(typeof nodeName === "string" ? { node: nodeName } : {}),
    ...(typeof at.vmId === "number" ? { vmId: at.vmId } : {}),
  };
}
