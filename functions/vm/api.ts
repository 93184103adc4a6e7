// The VirtualMachine API: one spec for KubeVirt and Proxmox. The backend is not
// in it: the VDC that owns the namespace decides (VDC.spec.backend).
import { z } from "zod";
import { DEFAULT_META, dnsLabel, quantity, unique } from "../api.js";
import { parseQuantity } from "../quantity.js";
import { SSH_KEY_PATTERN, userDataProblem } from "./cloudinit.js";

/** Named sizes, as cloud providers offer them. */
export const INSTANCE_TYPES = {
  small: { cpu: 1, memory: "2Gi" },
  medium: { cpu: 2, memory: "4Gi" },
  large: { cpu: 4, memory: "8Gi" },
  xlarge: { cpu: 8, memory: "16Gi" },
} as const;
export type InstanceType = keyof typeof INSTANCE_TYPES;
const INSTANCE_TYPE_NAMES = Object.keys(INSTANCE_TYPES) as [InstanceType, ...InstanceType[]];
const instanceTable = INSTANCE_TYPE_NAMES.map((t) => `${t}: ${INSTANCE_TYPES[t].cpu} CPU, ${INSTANCE_TYPES[t].memory}`).join("; ");

export const MAX_CPU = 64;
/** Proxmox names disks virtio0..virtio15; the root disk may take one of them. */
export const MAX_DISKS = 14;
export const MAX_USER_DATA = 32 * 1024;
const MIB = parseQuantity("1Mi");
const GIB = parseQuantity("1Gi");

// Proxmox takes memory in MiB and disks in GiB; whole units keep both backends exact.
function wholeUnits(description: string, unit: bigint, unitName: string, example: string, min: string, max: string) {
  const lo = parseQuantity(min);
  const hi = parseQuantity(max);
  return quantity(description).superRefine((v, ctx) => {
    const n = parseQuantity(v);
    if (n % unit !== 0n) ctx.addIssue({ code: "custom", message: `must be a whole number of ${unitName} (e.g. ${example})` });
    else if (n < lo || n > hi) ctx.addIssue({ code: "custom", message: `must be between ${min} and ${max}` });
  });
}
const memory = (d: string) => wholeUnits(d, MIB, "Mi", "1536Mi", "128Mi", "1Ti");
const diskSize = (d: string) => wholeUnits(d, GIB, "Gi", "20Gi", "1Gi", "64Ti");
/** A default on a transformed schema needs the marker functions/xrd.ts turns into the XRD default. */
const withDefault = (s: ReturnType<typeof diskSize>, description: string, def: string) =>
  s.default(def).meta({ description, "x-kubernetes-int-or-string": true, [DEFAULT_META]: def });

// KubeVirt does not carry a DataVolume template's new size to an existing volume; say how it grows.
const GROWS = "It only grows: a smaller size than the VM's is refused. Proxmox resizes the disk; on KubeVirt the new size is recorded and applies once the disk's PVC is expanded (with KubeVirt's ExpandDisks feature gate the guest sees it).";
const ROOT_SIZE_DESCRIPTION = `Size of the root disk, a whole number of Gi. ${GROWS}`;

const storageClass = z
  .string()
  .min(1)
  .max(253)
  .meta({ description: "KubeVirt: StorageClass of the disk's volume, used when the disk is created. Default: the VDC's spec.backend.storageClass, else the cluster default. Proxmox: ignored; disks go to the VDC's datastore." });

/** Exactly one of the given keys is set; used with a matching CEL rule so admission and function agree. */
function exactlyOne<K extends string>(keys: readonly K[]) {
  return (v: Partial<Record<K, unknown>>, ctx: z.RefinementCtx) => {
    const set = keys.filter((k) => v[k] !== undefined);
    if (set.length !== 1) ctx.addIssue({ code: "custom", message: `set exactly one of ${keys.join(", ")}${set.length ? ` (got ${set.join(", ")})` : ""}` });
  };
}
const oneOfRule = (keys: readonly string[]) => `[${keys.map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() == 1`;

const IMAGE_KEYS = ["containerDisk", "url", "dataSource", "proxmoxTemplate"] as const;

export const vmSpec = z
  .object({
    size: z
      .object({
        instanceType: z.enum(INSTANCE_TYPE_NAMES).optional().meta({ description: `A named size. ${instanceTable}.` }),
        cpu: z.number().int().min(1).max(MAX_CPU).optional().meta({ description: "CPU cores (with memory, instead of instanceType)." }),
        memory: memory("Memory, a whole number of Mi (with cpu, instead of instanceType), e.g. 6Gi.").optional(),
      })
      .superRefine((s, ctx) => {
        const explicit = s.cpu !== undefined || s.memory !== undefined;
        if (s.instanceType !== undefined && explicit) ctx.addIssue({ code: "custom", message: "set either instanceType, or cpu and memory, not both" });
        else if (s.instanceType === undefined && (s.cpu === undefined || s.memory === undefined)) ctx.addIssue({ code: "custom", message: "set instanceType, or both cpu and memory" });
      })
      .default({ instanceType: "small" })
      .meta({
        [DEFAULT_META]: { instanceType: "small" },
        description: `CPU and memory: an instanceType, or explicit cpu and memory. Instance types: ${instanceTable}. Both backends reserve the full figures (KubeVirt: requests and limits; Proxmox: cores and dedicated memory) and count them against the VDC quota, running or stopped. A change takes effect at the next restart (KubeVirt) or by a reboot the provider does (Proxmox).`,
        "x-kubernetes-validations": [
          { rule: "has(self.instanceType) ? !has(self.cpu) && !has(self.memory) : has(self.cpu) && has(self.memory)", message: "set either instanceType, or cpu and memory" },
        ],
      }),
    image: z
      .object({
        containerDisk: z
          .string()
          .min(1)
          .max(512)
          .regex(/^[^\s]+$/, { message: "must be an OCI image reference" })
          .optional()
          .meta({ description: "KubeVirt: an OCI image with the disk (e.g. quay.io/containerdisks/fedora:41). The root disk is ephemeral: it starts fresh at every boot; rootDisk is ignored." }),
        url: z
          .string()
          .max(2048)
          .regex(/^https?:\/\/[^\s/@]+(\/[^\s]*)?$/, { message: "must be an http(s) URL without credentials" })
          .optional()
          .meta({ description: "A qcow2 or raw image to download and import into the root disk (KubeVirt: a CDI import; Proxmox: a download to the node's 'local' datastore, content type import)." }),
        dataSource: z
          .object({
            name: z.string().min(1).max(253).meta({ description: "The DataSource's name." }),
            namespace: dnsLabel("The DataSource's namespace. Default: the VM's. Cloning from another namespace needs the CDI datavolumes/source permission there.").optional(),
          })
          .optional()
          .meta({ description: "KubeVirt: a CDI DataSource (golden image) cloned into the root disk." }),
        proxmoxTemplate: z
          .object({
            vmId: z.number().int().min(100).max(999_999_999).meta({ description: "VM ID of the template." }),
            node: z.string().min(1).max(63).optional().meta({ description: "Node that holds the template. Default: the VDC's node." }),
            diskInterface: z
              .enum(["scsi0", "virtio0", "sata0"])
              .default("scsi0")
              .meta({ description: "The template's boot disk, so it is resized to rootDisk.size rather than a second disk added." }),
          })
          .optional()
          .meta({ description: "Proxmox: a template, fully cloned to the VDC's datastore." }),
      })
      .superRefine(exactlyOne(IMAGE_KEYS))
      .meta({
        description:
          "Where the root disk comes from: exactly one of containerDisk, url, dataSource (KubeVirt VDCs) or proxmoxTemplate (Proxmox VDCs); url works on both. Fixed once the VM exists: a different image would replace the root disk and lose its data, so it is refused (a containerDisk, being ephemeral, may change). To move to a new image, create a new VirtualMachine.",
        "x-kubernetes-validations": [{ rule: oneOfRule(IMAGE_KEYS), message: "set exactly one of containerDisk, url, dataSource, proxmoxTemplate" }],
      }),
    rootDisk: z
      .object({
        size: withDefault(diskSize(ROOT_SIZE_DESCRIPTION), ROOT_SIZE_DESCRIPTION, "20Gi"),
        storageClass: storageClass.optional(),
      })
      .prefault({})
      .meta({ description: "The root (boot) disk, made from spec.image." }),
    disks: z
      .array(
        z.object({
          name: dnsLabel("Name of the disk, unique in the VM. KubeVirt: its volume is <vm>-disk-<name>.").max(40),
          size: diskSize(`Size, a whole number of Gi. ${GROWS}`),
          storageClass: storageClass.optional(),
        }),
      )
      .max(MAX_DISKS)
      .default([])
      .superRefine(unique((d: { name: string }) => d.name, "disk"))
      .meta({
        description:
          "Extra blank data disks, attached as virtio disks after the root disk. A disk is known by its name: renaming it is removing one disk and adding another. Removing a disk from this list is refused unless its name is listed in deleteDisks.",
      }),
    deleteDisks: z
      .array(dnsLabel("Name of a disk removed from spec.disks."))
      .max(MAX_DISKS)
      .default([])
      .meta({ description: "Confirms the removal of the named extra disks from spec.disks: they are detached from the VM and their data is to be considered lost (deleted with the VM at the latest). Without this, removing a disk from spec.disks is refused." }),
    cloudInit: z
      .object({
        userData: z
          .string()
          .max(MAX_USER_DATA)
          .superRefine((v, ctx) => {
            const p = userDataProblem(v);
            if (p) ctx.addIssue({ code: "custom", message: p });
          })
          .optional()
          .meta({
            description:
              "cloud-init user data: a #cloud-config YAML document or a #! script. It may hold secrets: it is kept out of status and events, and on KubeVirt handed to the VM in a Secret (<vm>-cloudinit). Proxmox: uploaded as a snippet to the node's 'local' datastore.",
          }),
        sshKeys: z
          .array(z.string().max(16384).regex(new RegExp(SSH_KEY_PATTERN), { message: "must be one OpenSSH public key line (e.g. ssh-ed25519 AAAA... user@host)" }))
          .max(32)
          .default([])
          .meta({ description: "SSH public keys for the image's default user, merged into the user data's ssh_authorized_keys (not duplicated)." }),
      })
      .prefault({})
      .meta({ description: "First-boot configuration, NoCloud on KubeVirt, Proxmox cloud-init on Proxmox. Hostname is the VM's name." }),
    network: z
      .object({
        vlan: z.number().int().min(1).max(4094).optional().meta({ description: "Proxmox: VLAN tag of the NIC. Default: the VDC's spec.backend.vlan. KubeVirt VMs use the pod network and refuse a VLAN." }),
      })
      .prefault({})
      .meta({ description: "One NIC: the pod network (masquerade) on KubeVirt, the VDC's bridge on Proxmox, address by DHCP." }),
    running: z.boolean().default(true).meta({ description: "Whether the VM runs. false stops it and keeps its disks." }),
  })
  .superRefine((s, ctx) => {
    const names = new Set(s.disks.map((d) => d.name));
    s.deleteDisks.forEach((n, i) => {
      if (names.has(n)) ctx.addIssue({ code: "custom", path: ["deleteDisks", i], message: `disk "${n}" is still in spec.disks` });
    });
  })
  .meta({
    description:
      "A virtual machine in a VDC namespace, on the VDC's backend (KubeVirt or Proxmox). Nothing is lost by an edit: the root image is fixed, disks only grow and are removed only when listed in deleteDisks. Deleting the VirtualMachine deletes the VM and its disks.",
  });

export type VMSpec = z.output<typeof vmSpec>;
export type ImageSpec = VMSpec["image"];

export interface Size {
  cpu: number;
  /** As written in the spec or the instance type table. */
  memory: string;
}

/** The cpu and memory a size stands for. */
export function sizeOf(s: VMSpec["size"]): Size {
  if (s.instanceType !== undefined) return { ...INSTANCE_TYPES[s.instanceType] };
  return { cpu: s.cpu ?? 0, memory: s.memory ?? "0" };
}

/** Just the size of any VirtualMachine, as leniently as it can be read: for charging siblings against the quota. */
export const sizeOnly = z.object({ size: vmSpec.shape.size });

export const PHASES = ["Provisioning", "Running", "Stopped", "Failed"] as const;
export type Phase = (typeof PHASES)[number];

export const vmStatus = z.object({
  backend: z.enum(["kubevirt", "proxmox"]).optional().meta({ description: "Where the VM runs, from the VDC." }),
  phase: z.enum(PHASES).optional().meta({ description: "Provisioning, Running, Stopped or Failed." }),
  state: z.string().optional().meta({ description: "The backend's own word: KubeVirt's printableStatus (e.g. ErrImagePull), Proxmox's Running or Stopped, or the managed resource's failing condition reason." }),
  ready: z.boolean().optional().meta({ description: "Running and ready, or stopped as asked." }),
  ipAddresses: z.array(z.string()).optional().meta({ description: "Addresses the guest reports (KubeVirt: VMI interfaces; Proxmox: QEMU agent), loopback and link-local left out." }),
  node: z.string().optional().meta({ description: "Kubernetes node or Proxmox node the VM runs on." }),
  vmId: z.number().int().optional().meta({ description: "Proxmox VM ID." }),
  cpu: z.number().int().optional().meta({ description: "CPU cores, from spec.size." }),
  memory: z.string().optional().meta({ description: "Memory, from spec.size." }),
});
export type VMStatus = z.output<typeof vmStatus>;
