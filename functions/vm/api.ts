// The VirtualMachine API: one spec for KubeVirt and Proxmox. The backend is not
// in it: the VDC that owns the namespace decides (VDC.spec.backend).
import { z } from "zod";
import {
  DEFAULT_META,
  describedQuantity,
  dnsLabel,
  quantityValue,
  unique,
  withQuantityDefault,
} from "../api.js";
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
const instanceTable = INSTANCE_TYPE_NAMES.map(
  (t) => `${t}: ${INSTANCE_TYPES[t].cpu} CPU, ${INSTANCE_TYPES[t].memory}`,
).join("; ");

export const MAX_CPU = 64;
/** Proxmox names disks virtio0..virtio15; the root disk may take one of them. */
export const MAX_DISKS = 14;
export const MAX_USER_DATA = 32 * 1024;
const MIB = parseQuantity("1Mi");
const GIB = parseQuantity("1Gi");

// Proxmox takes memory in MiB and disks in GiB; whole units keep both backends exact.
// Undescribed, so that a field gives it one `.meta()`, with or without a default.
function wholeUnits(unit: bigint, unitName: string, example: string, min: string, max: string) {
  const lo = parseQuantity(min);
  const hi = parseQuantity(max);
  return quantityValue().superRefine((v, ctx) => {
    const n = parseQuantity(v);
    if (n % unit !== 0n)
      ctx.addIssue({
        code: "custom",
        message: `must be a whole number of ${unitName} (e.g. ${example})`,
      });
    else if (n < lo || n > hi)
      ctx.addIssue({ code: "custom", message: `must be between ${min} and ${max}` });
  });
}
const memory = (d: string) => describedQuantity(wholeUnits(MIB, "Mi", "1536Mi", "128Mi", "1Ti"), d);
const wholeGi = () => wholeUnits(GIB, "Gi", "20Gi", "1Gi", "64Ti");
const diskSize = (d: string) => describedQuantity(wholeGi(), d);

// KubeVirt does not carry a DataVolume template's new size to an existing volume; say how it grows.
const GROWS =
  "It only grows: a smaller size than the VM's is refused. Proxmox resizes the disk; on " +
  "KubeVirt the new size is recorded and applies once the disk's PVC is expanded (with " +
  "KubeVirt's ExpandDisks feature gate the guest sees it).";
const ROOT_SIZE_DESCRIPTION = `Size of the root disk, a whole number of Gi. ${GROWS}`;

const storageClass = z
  .string()
  .min(1)
  .max(253)
  .meta({
    description:
      "KubeVirt: StorageClass of the disk's volume, used when the disk is created. " +
      "Default: the VDC's spec.backend.storageClass, else the cluster default. Proxmox: " +
      "ignored; disks go to the VDC's datastore.",
  });

/**
 * Exactly one of the given keys is set; used with a matching CEL rule so
 * admission and function agree.
 */
function exactlyOne<K extends string>(keys: readonly K[]) {
  return (v: Partial<Record<K, unknown>>, ctx: z.RefinementCtx) => {
    const set = keys.filter((k) => v[k] !== undefined);
    if (set.length !== 1)
      ctx.addIssue({
        code: "custom",
        message:
          `set exactly one ` +
          `of ${keys.join(", ")}${set.length ? ` (got ${set.join(", ")})` : ""}`,
      });
  };
}
const oneOfRule = (keys: readonly string[]) =>
  `[${keys.map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() == 1`;

const IMAGE_KEYS = ["containerDisk", "url", "dataSource", "proxmoxTemplate"] as const;

// ---------------------------------------------------------------- migration

// Forklift says on, off and auto; YAML 1.1 parsers (kubectl's among them) read an unquoted
// on or off as a boolean, so this API, written in YAML, says running and stopped.
export const TARGET_POWER_STATES = ["running", "stopped", "auto"] as const;
export type TargetPowerState = (typeof TARGET_POWER_STATES)[number];
const MAX_VM_REF = 512;

const migrationVM = z
  .object({
    id: z
      .string()
      .min(1)
      .max(MAX_VM_REF)
      .optional()
      .meta({
        description:
          "The VM's ID in the source: vSphere managed object ID (e.g. vm-2041), oVirt or " +
          "OpenStack UUID, OpenShift VM UID. Preferred to name: it survives a rename in the " +
          "source.",
      }),
    name: z
      .string()
      .min(1)
      .max(MAX_VM_REF)
      .optional()
      .meta({
        description:
          "The VM's name in the source: vSphere name or inventory path, oVirt or OpenStack " +
          "name, OpenShift VM name (with namespace), OVA file VM name.",
      }),
    namespace: dnsLabel("OpenShift sources only, with name: the source VM's namespace.").optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.id === undefined) === (v.name === undefined))
      ctx.addIssue({
        code: "custom",
        message: `set exactly one of id, name${v.id !== undefined ? " (got id, name)" : ""}`,
      });
    else if (v.namespace !== undefined && v.name === undefined)
      ctx.addIssue({ code: "custom", path: ["namespace"], message: "only with name" });
  })
  .meta({
    description:
      "The source VM, by id or by name, as Forklift's Plan spec.vms[] refers to it. " +
      "Fixed once the migration started.",
    "x-kubernetes-validations": [
      { rule: "has(self.id) != has(self.name)", message: "set exactly one of id, name" },
      // namespace is a CEL keyword: Kubernetes escapes the property as __namespace__.
      { rule: "!has(self.__namespace__) || has(self.name)", message: "namespace only with name" },
    ],
  });

const migrationSpec = z
  .object({
    source: dnsLabel(
      "Name of a migration source of the VDC that owns the namespace (VDC " +
        "spec.migration.sources[].name). The Plan uses its Provider, NetworkMap " +
        "<source>-network and StorageMap <source>-storage, and the VDC's destination " +
        "Provider host.",
    ),
    vm: migrationVM,
    warm: z
      .boolean()
      .default(false)
      .meta({
        description:
          "Warm migration (vSphere and oVirt sources): the disks are copied while the " +
          "source VM runs, and only at the cutover is it stopped for the last changes to be " +
          "copied. Default false, a cold migration: the source VM is stopped first and its " +
          "disks copied once.",
      }),
    cutover: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({
        description:
          "Warm migrations only: when to stop the source VM and finish (RFC 3339, e.g. " +
          "2026-03-01T22:00:00Z; a past time means now). Until it is set Forklift keeps " +
          "copying changes and the migration does not end. The one field that may be set or " +
          "moved while the migration runs; once set it is not withdrawn by removing it.",
      }),
    targetPowerState: z
      .enum(TARGET_POWER_STATES)
      .optional()
      .meta({
        description:
          "Power state of the migrated VM once migrated (Forklift's targetPowerState on, " +
          "off, auto): running, stopped, or auto (the default): as the source VM was before " +
          "the migration.",
      }),
  })
  .superRefine((m, ctx) => {
    if (m.cutover !== undefined && !m.warm)
      ctx.addIssue({
        code: "custom",
        path: ["cutover"],
        message: "only for warm migrations (warm: true)",
      });
  })
  .meta({
    description: [
      "Migrate an existing VM into this VDC with Forklift (Migration Toolkit for " +
        "Virtualization) instead of creating one from spec.image. KubeVirt VDCs only.",
      "The function composes a Forklift Plan and, once Forklift reports the Plan Ready, " +
        "a Migration that starts it, both named like this VirtualMachine. The Plan targets " +
        "the VDC namespace through the source's Provider and maps and names the migrated " +
        "KubeVirt VirtualMachine like this one (targetName). Status follows the Plan and " +
        "Migration (status.migration); when the Plan has Succeeded, the migrated VM's phase " +
        "and addresses are reported as for VMs made from an image.",
      "spec.size (default small) is what the VM is charged against the VDC's quota, as " +
        "for any VM: set it to what the source VM uses. It is the charge, not a resize: the " +
        "migrated VM keeps the source VM's CPU and memory. spec.rootDisk does not apply; " +
        "spec.image, spec.disks, spec.deleteDisks, spec.cloudInit and spec.running: false " +
        "are refused: Forklift brings the source VM's disks, the guest is not initialised " +
        "again, and its power state is Forklift's (targetPowerState).",
      "Once the Migration exists, the migration cannot be changed (only cutover may be " +
        "set or moved) nor removed: create a new VirtualMachine to migrate another VM.",
      "The migrated VM belongs to Forklift, not to this VirtualMachine: deleting the " +
        "VirtualMachine deletes the Plan and Migration, and Forklift keeps a migrated VM " +
        "when its Plan goes. The VM and its disks stay in the namespace (and in its " +
        "ResourceQuota) until deleted with kubectl, so that removing the VirtualMachine, by " +
        "hand or by a GitOps prune, never destroys the only running copy of a workload " +
        "whose source VM is powered off. Applied again, the VirtualMachine adopts that VM " +
        "instead of migrating it twice, provided vm.id is the source VM ID Forklift " +
        "labelled it with (vmID). Any other VM under this name keeps the Migration from " +
        "starting, as Forklift would fail on the name.",
      "A failed migration deletes the VM it began (Plan deleteVmOnFailMigration), so a " +
        "new VirtualMachine can try again under the same name; the source VM is never " +
        "changed beyond its power state.",
    ].join(" "),
    "x-kubernetes-validations": [
      {
        rule: "!has(self.cutover) || (has(self.warm) && self.warm)",
        message: "cutover only for warm migrations (warm: true)",
      },
    ],
  });
export type MigrationSpec = z.output<typeof migrationSpec>;

/**
 * Where the VM comes from (an image or a migration: exactly one), and the
 * fields that mean nothing for a migrated VM. The API server refuses all of
 * them (CEL); the function refuses only the first, which it cannot compose
 * without. A field that merely does not apply is ignored by the function: an
 * object admitted before a rule existed (CEL ratcheting keeps unchanged fields)
 * must not stop the status of a migrated VM over a field without effect.
 */
const SPEC_RULES: {
  rule: string;
  message: string;
  path: string[];
  admissionOnly?: true;
  violated: (s: Partial<z.output<typeof specObject>>) => boolean;
}[] = [
  {
    rule: "has(self.image) != has(self.source)",
    message: "set spec.image to create a VM, or spec.source.migration to migrate one (not both)",
    path: [],
    violated: (s) => (s.image !== undefined) === (s.source !== undefined),
  },
  {
    rule:
      "!has(self.source) || ((!has(self.disks) || size(self.disks) == 0) && " +
      "(!has(self.deleteDisks) || size(self.deleteDisks) == 0))",
    message:
      "spec.disks and spec.deleteDisks do not apply to a migrated VM: Forklift brings " +
      "the source VM's disks",
    path: ["disks"],
    admissionOnly: true,
    violated: (s) =>
      s.source !== undefined && ((s.disks?.length ?? 0) > 0 || (s.deleteDisks?.length ?? 0) > 0),
  },
  {
    rule:
      "!has(self.source) || !has(self.cloudInit) || (!has(self.cloudInit.userData) && " +
      "(!has(self.cloudInit.sshKeys) || size(self.cloudInit.sshKeys) == 0))",
    message: "spec.cloudInit does not apply to a migrated VM: its guest is not initialised again",
    path: ["cloudInit"],
    admissionOnly: true,
    violated: (s) =>
      s.source !== undefined &&
      (s.cloudInit?.userData !== undefined || (s.cloudInit?.sshKeys?.length ?? 0) > 0),
  },
  {
    rule: "!has(self.source) || !has(self.running) || self.running",
    message:
      "spec.running: false does not apply to a migrated VM: set " +
      "spec.source.migration.targetPowerState: stopped",
    path: ["running"],
    admissionOnly: true,
    violated: (s) => s.source !== undefined && s.running === false,
  },
];

function migrationProblems(
  s: Partial<z.output<typeof specObject>>,
): { path: string[]; message: string }[] {
  return SPEC_RULES.filter((r) => !r.admissionOnly && r.violated(s)).map((r) => ({
    path: r.path,
    message: r.message,
  }));
}

const specObject = z.object({
  size: z
    .object({
      instanceType: z
        .enum(INSTANCE_TYPE_NAMES)
        .optional()
        .meta({ description: `A named size. ${instanceTable}.` }),
      cpu: z
        .number()
        .int()
        .min(1)
        .max(MAX_CPU)
        .optional()
        .meta({ description: "CPU cores (with memory, instead of instanceType)." }),
      memory: memory(
        "Memory, a whole number of Mi (with cpu, instead of instanceType), e.g. 6Gi.",
      ).optional(),
    })
    .superRefine((s, ctx) => {
      const explicit = s.cpu !== undefined || s.memory !== undefined;
      if (s.instanceType !== undefined && explicit)
        ctx.addIssue({
          code: "custom",
          message: "set either instanceType, or cpu and memory, not both",
        });
      else if (s.instanceType === undefined && (s.cpu === undefined || s.memory === undefined))
        ctx.addIssue({ code: "custom", message: "set instanceType, or both cpu and memory" });
    })
    .default({ instanceType: "small" })
    .meta({
      [DEFAULT_META]: { instanceType: "small" },
      description:
        `CPU and memory: an instanceType, or explicit cpu and memory. Instance ` +
        `types: ${instanceTable}. Both backends reserve the full figures (KubeVirt: ` +
        `requests and limits; Proxmox: cores and dedicated memory) and count them against ` +
        `the VDC quota, running or stopped. A change takes effect at the next restart ` +
        `(KubeVirt) or by a reboot the provider does (Proxmox).`,
      "x-kubernetes-validations": [
        {
          rule:
            "has(self.instanceType) ? !has(self.cpu) && !has(self.memory) : has(self.cpu) " +
            "&& has(self.memory)",
          message: "set either instanceType, or cpu and memory",
        },
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
        .meta({
          description:
            "KubeVirt: an OCI image with the disk (e.g. " +
            "quay.io/containerdisks/fedora:41). The root disk is ephemeral: it starts " +
            "fresh at every boot; rootDisk is ignored.",
        }),
      url: z
        .string()
        .max(2048)
        .regex(/^https?:\/\/[^\s/@]+(\/[^\s]*)?$/, {
          message: "must be an http(s) URL without credentials",
        })
        .optional()
        .meta({
          description:
            "A qcow2 or raw image to download and import into the root disk (KubeVirt: a " +
            "CDI import; Proxmox: a download to the VDC's spec.backend.fileDatastore on " +
            "the VM's node, content type import).",
        }),
      dataSource: z
        .object({
          name: z.string().min(1).max(253).meta({ description: "The DataSource's name." }),
          namespace: dnsLabel(
            "The DataSource's namespace. Default: the VM's. Cloning from another " +
              "namespace needs the CDI datavolumes/source permission there.",
          ).optional(),
        })
        .optional()
        .meta({
          description: "KubeVirt: a CDI DataSource (golden image) cloned into the root disk.",
        }),
      proxmoxTemplate: z
        .object({
          vmId: z
            .number()
            .int()
            .min(100)
            .max(999_999_999)
            .meta({ description: "VM ID of the template." }),
          node: z
            .string()
            .min(1)
            .max(63)
            .optional()
            .meta({ description: "Node that holds the template. Default: the VDC's node." }),
          diskInterface: z
            .enum(["scsi0", "virtio0", "sata0"])
            .default("scsi0")
            .meta({
              description:
                "The template's boot disk, so it is resized to rootDisk.size rather than a " +
                "second disk added.",
            }),
        })
        .optional()
        .meta({ description: "Proxmox: a template, fully cloned to the VDC's datastore." }),
    })
    .superRefine(exactlyOne(IMAGE_KEYS))
    .optional()
    .meta({
      description:
        "Where the root disk comes from: exactly one of containerDisk, url, dataSource " +
        "(KubeVirt VDCs) or proxmoxTemplate (Proxmox VDCs); url works on both. Required " +
        "unless spec.source.migration is set, and refused beside it: a migrated VM brings " +
        "its own disks. Fixed once the VM exists: a different image would replace the " +
        "root disk and lose its data, so it is refused (a containerDisk, being ephemeral, " +
        "may change). To move to a new image, create a new VirtualMachine.",
      "x-kubernetes-validations": [
        {
          rule: oneOfRule(IMAGE_KEYS),
          message: "set exactly one of containerDisk, url, dataSource, proxmoxTemplate",
        },
      ],
    }),
  rootDisk: z
    .object({
      size: withQuantityDefault(wholeGi(), ROOT_SIZE_DESCRIPTION, "20Gi"),
      storageClass: storageClass.optional(),
    })
    .prefault({})
    .meta({ description: "The root (boot) disk, made from spec.image." }),
  disks: z
    .array(
      z.object({
        name: dnsLabel(
          "Name of the disk, unique in the VM. KubeVirt: its volume is <vm>-disk-<name>.",
        ).max(40),
        size: diskSize(`Size, a whole number of Gi. ${GROWS}`),
        storageClass: storageClass.optional(),
      }),
    )
    .max(MAX_DISKS)
    .default([])
    .superRefine(unique((d: { name: string }) => d.name, "disk"))
    .meta({
      description:
        "Extra blank data disks, attached as virtio disks after the root disk. A disk is " +
        "known by its name: renaming it is removing one disk and adding another. Removing " +
        "a disk from this list is refused unless its name is listed in deleteDisks.",
    }),
  deleteDisks: z
    .array(dnsLabel("Name of a disk removed from spec.disks."))
    .max(MAX_DISKS)
    .default([])
    .meta({
      description:
        "Confirms the removal of the named extra disks from spec.disks: they are " +
        "detached from the VM and their data is to be considered lost (deleted with the " +
        "VM at the latest). Without this, removing a disk from spec.disks is refused.",
    }),
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
            "cloud-init user data: a #cloud-config YAML document or a #! script. It may " +
            "hold secrets: it is kept out of status and events, and on KubeVirt handed to " +
            "the VM in a Secret (<vm>-cloudinit). Proxmox: uploaded as a snippet to the " +
            "VDC's spec.backend.fileDatastore on the VM's node.",
        }),
      sshKeys: z
        .array(
          z.string().max(16384).regex(new RegExp(SSH_KEY_PATTERN), {
            message: "must be one OpenSSH public key line (e.g. ssh-ed25519 AAAA... user@host)",
          }),
        )
        .max(32)
        .default([])
        .meta({
          description:
            "SSH public keys for the image's default user, merged into the user data's " +
            "ssh_authorized_keys (not duplicated).",
        }),
    })
    .prefault({})
    .meta({
      description:
        "First-boot configuration, NoCloud on KubeVirt, Proxmox cloud-init on Proxmox. " +
        "Hostname is the VM's name.",
    }),
  network: z
    .object({
      vlan: z
        .number()
        .int()
        .min(1)
        .max(4094)
        .optional()
        .meta({
          description:
            "Proxmox: VLAN tag of the NIC. Default: the VDC's spec.backend.vlan. KubeVirt " +
            "VMs use the pod network and refuse a VLAN.",
        }),
    })
    .prefault({})
    .meta({
      description:
        "One NIC: the pod network (masquerade) on KubeVirt, the VDC's bridge on Proxmox, " +
        "address by DHCP.",
    }),
  guestAgent: z
    .boolean()
    .optional()
    .meta({
      description:
        "Proxmox: whether the guest runs the QEMU guest agent, so Proxmox enables it (shutdown" +
        " through the agent, status.ipAddresses). Default: true only when" +
        " spec.cloudInit.userData installs qemu-guest-agent and starts it (packages and a" +
        " runcmd such as systemctl enable --now qemu-guest-agent), else false: Proxmox and" +
        " the provider wait on an enabled agent that never answers. Set it true for an image" +
        " that has the agent. An existing VM keeps its setting unless this is set. KubeVirt" +
        " ignores it.",
    }),
  running: z
    .boolean()
    .default(true)
    .meta({
      description:
        "Whether the VM runs. false stops it and keeps its disks. A migrated VM refuses " +
        "false: its power state is Forklift's (spec.source.migration.targetPowerState), " +
        "then the guest's and virtctl's.",
    }),
  deletionProtection: z
    .boolean()
    .default(false)
    .meta({
      description:
        "Refuse to delete this VirtualMachine while true: the VM composes a Crossplane Usage of " +
        "itself, and the API server refuses the delete with a message saying how to lift it. Set " +
        "false, wait for the next reconcile (within 2 minutes), then delete. It guards this " +
        "VirtualMachine only: deleting its VDC deletes the VDC namespace with every VM in it. A " +
        "migrated VM is never deleted with its VirtualMachine anyway (see spec.source.migration).",
    }),
  source: z
    .object({ migration: migrationSpec })
    .optional()
    .meta({
      description:
        "Where the VM comes from instead of spec.image. migration: an existing VM migrated " +
        "from a migration source of the VDC by Forklift (Migration Toolkit for " +
        "Virtualization).",
    }),
});

export const vmSpec = specObject
  .superRefine((s, ctx) => {
    const names = new Set((Array.isArray(s.disks) ? s.disks : []).map((d) => d.name));
    (Array.isArray(s.deleteDisks) ? s.deleteDisks : []).forEach((n, i) => {
      if (names.has(n))
        ctx.addIssue({
          code: "custom",
          path: ["deleteDisks", i],
          message: `disk "${n}" is still in spec.disks`,
        });
    });
    for (const p of migrationProblems(s))
      ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  })
  .meta({
    description:
      "A virtual machine in a VDC namespace, on the VDC's backend (KubeVirt or Proxmox), " +
      "made from spec.image or migrated into the VDC (spec.source.migration, KubeVirt " +
      "VDCs). Nothing is lost by an edit: the root image is fixed, disks only grow and " +
      "are removed only when listed in deleteDisks, a started migration cannot be " +
      "changed. Deleting the VirtualMachine deletes a VM made from spec.image with its " +
      "disks; a migrated VM is kept (see spec.source.migration).",
    "x-kubernetes-validations": SPEC_RULES.map(({ rule, message }) => ({ rule, message })),
  });

export type VMSpec = z.output<typeof vmSpec>;
export type ImageSpec = NonNullable<VMSpec["image"]>;
/** The spec of a VM made from an image: what the KubeVirt and Proxmox builders take. */
export type ImageVMSpec = VMSpec & { image: ImageSpec };

/** Whether the VM is made from an image (the spec refuses neither-nor and both). */
export function fromImage(spec: VMSpec): spec is ImageVMSpec {
  return spec.image !== undefined;
}

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

/**
 * Just the size of any VirtualMachine, as leniently as it can be read: for
 * charging siblings against the quota.
 */
export const sizeOnly = z.object({ size: vmSpec.shape.size });

export const PHASES = ["Provisioning", "Running", "Stopped", "Failed"] as const;
export type Phase = (typeof PHASES)[number];

export const MIGRATION_PHASES = [
  "Pending",
  "Ready",
  "Executing",
  "Succeeded",
  "Failed",
  "Canceled",
] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

export const vmStatus = z.object({
  backend: z
    .enum(["kubevirt", "proxmox"])
    .optional()
    .meta({ description: "Where the VM runs, from the VDC." }),
  phase: z
    .enum(PHASES)
    .optional()
    .meta({
      description:
        "Provisioning, Running, Stopped or Failed. A migrated VM is Provisioning while it " +
        "migrates, Failed when the migration failed or was canceled, and then as reported " +
        "by the migrated VM.",
    }),
  state: z
    .string()
    .optional()
    .meta({
      description:
        "The backend's own word: KubeVirt's printableStatus (e.g. ErrImagePull), Proxmox's " +
        "Running or Stopped, or the managed resource's failing condition reason; while " +
        "migrating, Migration<phase> (e.g. MigrationExecuting).",
    }),
  ready: z.boolean().optional().meta({ description: "Running and ready, or stopped as asked." }),
  ipAddresses: z
    .array(z.string())
    .optional()
    .meta({
      description:
        "Addresses the guest reports (KubeVirt: VMI interfaces; Proxmox: QEMU agent), " +
        "loopback and link-local left out.",
    }),
  node: z
    .string()
    .optional()
    .meta({ description: "Kubernetes node or Proxmox node the VM runs on." }),
  vmId: z.number().int().optional().meta({ description: "Proxmox VM ID." }),
  cpu: z.number().int().optional().meta({ description: "CPU cores, from spec.size." }),
  memory: z.string().optional().meta({ description: "Memory, from spec.size." }),
  migration: z
    .object({
      phase: z.enum(MIGRATION_PHASES).meta({
        description:
          "From the Forklift Plan and Migration conditions: Pending (the Plan is being " +
          "validated, or something blocks it: see message), Ready (the Plan is ready, the " +
          "Migration is being started), Executing, Succeeded (the migrated VM is " +
          "adopted), Failed or Canceled.",
      }),
      message: z
        .string()
        .optional()
        .meta({
          description:
            "What Forklift reports: what blocks the Plan, the step being executed, or why " +
            "the migration failed.",
        }),
      plan: z.string().meta({
        description: "The Forklift Plan in the VM's namespace, named like the VirtualMachine.",
      }),
      migration: z
        .string()
        .optional()
        .meta({
          description:
            "The Forklift Migration that runs the Plan, once it exists; named like the " +
            "VirtualMachine.",
        }),
      started: z.string().optional().meta({ description: "When Forklift started the migration." }),
      completed: z.string().optional().meta({ description: "When Forklift completed it." }),
    })
    .optional()
    .meta({ description: "The migration of a VM with spec.source.migration." }),
});
export type VMStatus = z.output<typeof vmStatus>;
