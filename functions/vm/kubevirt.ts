// The KubeVirt backend: a kubevirt.io/v1 VirtualMachine named like the XR, its
// disks as CDI DataVolume templates, and cloud-init in a Secret so that those
// who may only view the VM (ClusterRole view) cannot read the user data.
import { Secret } from "kubernetes-models/v1/Secret";
import { conditionOf, type Composed, type KubeObject } from "../compose.js";
import { build, existing } from "../k8s.js";
import { merged } from "../speed.js";
import { dnsName, isDatabaseVolume, nameList, sharedNames } from "../names.js";
import { isQuantity, parseQuantity } from "../quantity.js";
import type { VDCSpec } from "../vdc/api.js";
import type { Phase, Size } from "./api.js";
import { guestAddresses, type BuildContext, type Observed } from "./common.js";

const USERDATA_KEY = "userdata";

/**
 * Why a KubeVirt VM of this size could never start in VDC `vdc`, or undefined.
 * Its launcher pod's compute container takes the VM's cpu as its limit and the
 * VM's memory plus KubeVirt's overhead, and the VDC's LimitRange refuses a
 * container over spec.limits.maxCpu or maxMemory. Only the certain cases are
 * refused: how large the overhead is depends on KubeVirt's version and the
 * VM's devices (the README says how much room to leave).
 */
export function limitRangeProblem(
  size: Size,
  vdc: string,
  limits: VDCSpec["limits"],
): string | undefined {
  const over: string[] = [];
  if (parseQuantity(size.cpu) > parseQuantity(limits.maxCpu))
    over.push(`cpu ${size.cpu} is over VDC ${vdc}'s spec.limits.maxCpu (${limits.maxCpu})`);
  if (parseQuantity(size.memory) >= parseQuantity(limits.maxMemory)) {
    over.push(
      `memory ${size.memory} leaves no room under VDC ${vdc}'s spec.limits.maxMemory ` +
        `(${limits.maxMemory}) for KubeVirt's memory overhead`,
    );
  }
  if (over.length === 0) return undefined;
  return (
    `spec.size: ${over.join("; ")}: the VDC's LimitRange would refuse the VM's launcher ` +
    `pod, so the VM could never start`
  );
}

/**
 * Whether `size` differs from the size an observed VirtualMachine was composed
 * with (its compute limits). One that cannot be read counts as unchanged: the
 * limits check then leaves the VM alone rather than block it.
 */
export function sizeChanged(vm: KubeObject, size: Size): boolean {
  const limits = (
    vm.spec as
      | {
          template?: {
            spec?: { domain?: { resources?: { limits?: { cpu?: unknown; memory?: unknown } } } };
          };
        }
      | undefined
  )?.template?.spec?.domain?.resources?.limits;
  const cpu = limits?.cpu;
  const memory = limits?.memory;
  if (!isQuantity(cpu) || !isQuantity(memory)) return false;
  return (
    parseQuantity(cpu) !== parseQuantity(size.cpu) ||
    parseQuantity(memory) !== parseQuantity(size.memory)
  );
}

// The subset of kubevirt.io/v1 and cdi.kubevirt.io/v1beta1 we write; the tests
// validate the result against the published JSON Schemas.
interface DataVolumeTemplate {
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    source?: { http?: { url: string }; blank?: Record<string, never> };
    sourceRef?: { kind: "DataSource"; name: string; namespace: string };
    storage: { resources: { requests: { storage: string } }; storageClassName?: string };
  };
}
interface Disk {
  name: string;
  disk: { bus: "virtio" };
  bootOrder?: number;
}
interface Volume {
  name: string;
  dataVolume?: { name: string };
  containerDisk?: { image: string };
  cloudInitNoCloud?: { secretRef: { name: string } };
}
interface VirtualMachine extends KubeObject {
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: {
    runStrategy: "Always" | "Halted";
    dataVolumeTemplates?: DataVolumeTemplate[];
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        domain: {
          cpu: { cores: number; sockets: number; threads: number };
          resources: {
            requests: { cpu: string; memory: string };
            limits: { cpu: string; memory: string };
          };
          devices: {
            disks: Disk[];
            interfaces: { name: string; masquerade: Record<string, never> }[];
          };
        };
        networks: { name: string; pod: Record<string, never> }[];
        volumes: Volume[];
      };
    };
  };
}

export function cloudInitSecretName(vm: string): string {
  return dnsName(vm, "cloudinit");
}

const rootVolumeName = (vm: string) => dnsName(vm, "root");
const diskVolumeName = (vm: string, disk: string) => dnsName(vm, "disk", disk);

/**
 * The DataVolumes (and so PVCs) a VirtualMachine XR composes, with the field each comes from:
 * `<vm>-root` unless its image is a containerDisk, `<vm>-disk-<disk>` per extra disk, none for
 * a migration. Read from the raw spec, as siblings come: one that cannot be read derives fewer.
 */
export function dataVolumeNames(vm: string, spec: unknown): { name: string; field: string }[] {
  const s = (spec ?? {}) as { image?: unknown; source?: unknown; disks?: unknown };
  const image = s.image as { containerDisk?: unknown } | null | undefined;
  if (s.source !== undefined || typeof image !== "object" || image === null) return [];
  const out = image.containerDisk === undefined ? [{ name: rootVolumeName(vm), field: "" }] : [];
  (Array.isArray(s.disks) ? (s.disks as { name?: unknown }[]) : []).forEach((d, i) => {
    if (typeof d?.name === "string")
      out.push({ name: diskVolumeName(vm, d.name), field: `spec.disks[${i}].name` });
  });
  return out;
}

/** Properties of `dataVolumeClashes()`. */
export interface ClashProps {
  /** The VM's name and namespace. */
  readonly name: string;
  readonly namespace: string;
  /** Its raw spec. */
  readonly spec: unknown;
  /** The DataVolumes its VM already has (observed): they are its, whoever else derives them. */
  readonly held: ReadonlySet<string>;
  /** The namespace's other VirtualMachine XRs. */
  readonly siblings: readonly KubeObject[];
  /** The VDC's databases, whose CloudNativePG PVCs share the namespace. */
  readonly databases: readonly string[];
}

/**
 * Each new DataVolume of this VM that another owner in the namespace derives as well (names.ts,
 * rule 2: two variable parts, `a-b` + disk `c` and `a` + disk `b-c`), naming both; empty when
 * none does. Two VMs created together that clash are both refused: renaming one frees both.
 */
export function dataVolumeClashes(props: ClashProps): string[] {
  const mine = dataVolumeNames(props.name, props.spec).filter((v) => !props.held.has(v.name));
  if (mine.length === 0) return [];
  const others = new Map<string, string[]>();
  for (const sib of props.siblings) {
    const n = sib.metadata?.name;
    if (typeof n !== "string" || n === props.name) continue;
    others.set(
      `VirtualMachine ${n}`,
      dataVolumeNames(n, sib.spec).map((v) => v.name),
    );
  }
  const shared = new Map(
    sharedNames(
      mine.map((v) => v.name),
      others,
    ).map((s) => [s.name, s.owners]),
  );
  return mine.flatMap(({ name, field }) => {
    const owners = [...(shared.get(name) ?? [])];
    for (const db of props.databases)
      if (isDatabaseVolume(name, db)) owners.push(`database ${db} (a CloudNativePG PVC)`);
    if (owners.length === 0) return [];
    const from = field ? `${field}: its DataVolume` : "metadata.name: its root DataVolume";
    return [`${from} ${props.namespace}/${name} is also derived by ${nameList(owners)}`];
  });
}

/** Properties of `kubevirtResources()`. */
export interface KubeVirtProps {
  /** The VM to build. */
  readonly machine: BuildContext;
  /** The disk ledger as annotations on the VM (protect.ts). */
  readonly annotations: Record<string, string>;
  /** Observed composed resources, for the cloud-init Secret's readiness. */
  readonly observed: Record<string, KubeObject>;
  /** Whether the VM is ready, as kubevirtObserved() read it. */
  readonly ready: boolean;
}

/** The VM and its cloud-init Secret, keyed by composition resource name. */
export function kubevirtResources(props: KubeVirtProps): Record<string, Composed> {
  const { machine } = props;
  const secret = build(Secret, {
    metadata: {
      name: cloudInitSecretName(machine.name),
      namespace: machine.namespace,
      labels: machine.labels,
    },
    type: "Opaque",
    data: { [USERDATA_KEY]: Buffer.from(machine.userData, "utf8").toString("base64") },
  });
  return {
    vm: { resource: virtualMachine(props), ready: props.ready },
    cloudinit: existing(secret, props.observed.cloudinit),
  };
}

function virtualMachine(props: KubeVirtProps): VirtualMachine {
  const { machine, annotations } = props;
  const { spec, size, labels } = machine;
  const storageClass = (own?: string) => own ?? machine.vdc.spec.backend.storageClass;
  const templates: DataVolumeTemplate[] = [];
  const disks: Disk[] = [{ name: "root", disk: { bus: "virtio" }, bootOrder: 1 }];
  const volumes: Volume[] = [];

  const image = spec.image;
  if (image.containerDisk !== undefined) {
    volumes.push({ name: "root", containerDisk: { image: image.containerDisk } });
  } else {
    const name = rootVolumeName(machine.name);
    const source: Pick<DataVolumeTemplate["spec"], "source" | "sourceRef"> =
      image.dataSource !== undefined
        ? {
            sourceRef: {
              kind: "DataSource",
              name: image.dataSource.name,
              namespace: image.dataSource.namespace ?? machine.namespace,
            },
          }
        : { source: { http: { url: image.url! } } };
    templates.push(
      dataVolume({
        name,
        labels,
        source,
        size: spec.rootDisk.size,
        storageClass: storageClass(spec.rootDisk.storageClass),
      }),
    );
    volumes.push({ name: "root", dataVolume: { name } });
  }
  for (const disk of spec.disks) {
    const name = diskVolumeName(machine.name, disk.name);
    templates.push(
      dataVolume({
        name,
        labels,
        source: { source: { blank: {} } },
        size: disk.size,
        storageClass: storageClass(disk.storageClass),
      }),
    );
    disks.push({ name: `disk-${disk.name}`, disk: { bus: "virtio" } });
    volumes.push({ name: `disk-${disk.name}`, dataVolume: { name } });
  }
  disks.push({ name: "cloudinit", disk: { bus: "virtio" } });
  volumes.push({
    name: "cloudinit",
    cloudInitNoCloud: { secretRef: { name: cloudInitSecretName(machine.name) } },
  });

  const cpu = String(size.cpu);
  return {
    apiVersion: "kubevirt.io/v1",
    kind: "VirtualMachine",
    metadata: { name: machine.name, namespace: machine.namespace, labels, annotations },
    spec: {
      runStrategy: spec.running ? "Always" : "Halted",
      ...(templates.length ? { dataVolumeTemplates: templates } : {}),
      template: {
        metadata: { labels },
        spec: {
          domain: {
            cpu: { cores: size.cpu, sockets: 1, threads: 1 },
            // Limits equal to requests: the VDC's LimitRange would otherwise give the
            // launcher pod its default limits, below what the VM requests.
            resources: {
              requests: { cpu, memory: size.memory },
              limits: { cpu, memory: size.memory },
            },
            devices: { disks, interfaces: [{ name: "default", masquerade: {} }] },
          },
          networks: [{ name: "default", pod: {} }],
          volumes,
        },
      },
    },
  };
}

/** Properties of a DataVolume template of the VM. */
interface DataVolumeProps {
  /** Its name, which the VM's volume refers to. */
  readonly name: string;
  /** The VM's labels. */
  readonly labels: Record<string, string>;
  /** Where its content comes from: an HTTP URL, a CDI DataSource, or nothing (blank). */
  readonly source: Pick<DataVolumeTemplate["spec"], "source" | "sourceRef">;
  /** Its size, a quantity. */
  readonly size: string;
  /**
   * Its StorageClass.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
}

function dataVolume(props: DataVolumeProps): DataVolumeTemplate {
  const { name, labels, source, size, storageClass: storageClassName } = props;
  return {
    metadata: { name, labels },
    spec: merged(source, {
      storage: {
        resources: { requests: { storage: size } },
        storageClassName: storageClassName || undefined,
      },
    }),
  };
}

// printableStatus values that will not get better by waiting.
const FAILED = new Set([
  "CrashLoopBackOff",
  "ErrorUnschedulable",
  "ErrImagePull",
  "ImagePullBackOff",
  "ErrorPvcNotFound",
  "ErrorDataVolumeNotFound",
  "DataVolumeError",
]);

/** Status from the observed VirtualMachine and, when running, its VirtualMachineInstance. */
export function kubevirtObserved(
  vm: KubeObject | undefined,
  vmi: KubeObject | undefined,
  running: boolean,
): Observed {
  if (!vm) return { phase: "Provisioning", ready: false, ipAddresses: [] };
  const st = (vm.status ?? {}) as { printableStatus?: unknown; ready?: unknown };
  const state = typeof st.printableStatus === "string" ? st.printableStatus : undefined;
  const ready = running ? st.ready === true : state === "Stopped";
  const phase = phaseOf(state, running);
  const vmiStatus = (vmi?.status ?? {}) as { interfaces?: unknown; nodeName?: unknown };
  const ips: unknown[] = [];
  if (running && Array.isArray(vmiStatus.interfaces)) {
    for (const i of vmiStatus.interfaces as { ipAddress?: unknown; ipAddresses?: unknown }[]) {
      if (Array.isArray(i?.ipAddresses)) ips.push(...(i.ipAddresses as unknown[]));
      else ips.push(i?.ipAddress);
    }
  }
  const node = running && typeof vmiStatus.nodeName === "string" ? vmiStatus.nodeName : undefined;
  const why = state ?? conditionOf(vm, "Ready")?.reason;
  return {
    phase,
    ...(why ? { state: why } : {}),
    ready,
    ipAddresses: guestAddresses(ips),
    ...(node ? { node } : {}),
  };
}

function phaseOf(state: string | undefined, running: boolean): Phase {
  if (state === undefined) return "Provisioning";
  if (FAILED.has(state)) return "Failed";
  if (state === "Paused") return "Stopped";
  // Starting, stopping, migrating storage: on the way to what was asked.
  if (state === "Running" || state === "Migrating") return running ? "Running" : "Provisioning";
  if (state === "Stopped") return running ? "Provisioning" : "Stopped";
  return "Provisioning";
}
