import { isIP } from "node:net";
import { z } from "zod";
import { count, dnsLabel, MAX_LIST, quantityOr, subjects, text, unique } from "../api.js";
import { MAX_NAME } from "../names.js";
import { parseQuantity } from "../quantity.js";

/** ResourceQuota keys of a VDC, in the order the quota lists them. */
export const QUOTA_KEYS = {
  cpu: "requests.cpu",
  memory: "requests.memory",
  storage: "requests.storage",
  pods: "pods",
  persistentVolumeClaims: "persistentvolumeclaims",
  vms: "count/virtualmachines.kubevirt.io",
} as const;
export type QuotaKey = keyof typeof QUOTA_KEYS;

const CIDR_RE = /^([0-9a-fA-F:.]+)\/([0-9]{1,3})$/;
function validCidr(s: string): boolean {
  const m = CIDR_RE.exec(s);
  if (!m) return false;
  const family = isIP(m[1]!);
  const bits = Number(m[2]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

const port = z.object({
  port: z.number().int().min(1).max(65535).meta({ description: "Destination port." }),
  protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP").meta({ description: "Protocol." }),
});

export const vdcSpec = z
  .object({
    displayName: text("Human-readable name shown in consoles and printer columns.", 253).optional(),
    tenantRef: z
      .object({ name: dnsLabel("Name of the Tenant that owns this VDC. The VDC's name must start with '<tenant>-'.") })
      .meta({ description: "The owning Tenant." }),
    quota: z
      .object({
        cpu: quantityOr("CPU requests over all pods and VMs (requests.cpu). Counts against the tenant budget.", "2"),
        memory: quantityOr("Memory requests (requests.memory). Counts against the tenant budget.", "4Gi"),
        storage: quantityOr("Persistent storage requested by claims (requests.storage). Counts against the tenant budget.", "50Gi"),
        vms: count("KubeVirt VirtualMachines (count/virtualmachines.kubevirt.io). Counts against the tenant budget.").default(2),
        pods: count("Pods, including each running VM's launcher pod.").default(50),
        persistentVolumeClaims: count("PersistentVolumeClaims, including VM disks.").default(20),
      })
      .prefault({})
      .meta({ description: "The VDC's quota, enforced by the ResourceQuota vdc-quota and charged to the tenant budget." }),
    limits: z
      .object({
        defaultCpu: quantityOr("CPU limit of a container that sets none.", "1"),
        defaultMemory: quantityOr("Memory limit of a container that sets none.", "1Gi"),
        defaultRequestCpu: quantityOr("CPU request of a container that sets none.", "100m"),
        defaultRequestMemory: quantityOr("Memory request of a container that sets none.", "256Mi"),
        maxCpu: quantityOr("Largest CPU limit one container may set.", "8"),
        maxMemory: quantityOr("Largest memory limit one container may set.", "32Gi"),
        vmMemoryLimitRatio: z
          .string()
          .regex(/^[0-9]+(\.[0-9]+)?$/)
          .default("1.2")
          .meta({ description: "KubeVirt sets a VM's memory limit to its request times this ratio (namespace label alpha.kubevirt.io/auto-memory-limits-ratio)." }),
      })
      .prefault({})
      .meta({ description: "Per-container defaults and maxima, enforced by the LimitRange vdc-limits." }),
    network: z
      .object({
        isolation: z
          .enum(["isolated", "open"])
          .default("isolated")
          .meta({ description: "isolated: deny all but the VDC's own namespace, its tenant's namespace, DNS and what is listed below. open: no policies." }),
        allowFromNamespaces: z
          .array(dnsLabel("Namespace name."))
          .max(MAX_LIST)
          .default([])
          .superRefine(unique((n: string) => n, "namespace"))
          .meta({ description: "Further namespaces allowed to open connections into this VDC." }),
        allowEgress: z
          .array(
            z.object({
              cidr: z.string().max(64).refine(validCidr, { message: "must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8" }).meta({ description: "Destination CIDR." }),
              ports: z.array(port).max(64).default([]).meta({ description: "Destination ports; empty allows every port." }),
            }),
          )
          .max(MAX_LIST)
          .default([])
          .meta({ description: "Destinations outside the cluster the VDC's workloads may reach." }),
      })
      .prefault({})
      .meta({ description: "Network isolation of the VDC namespace." }),
    backend: z
      .object({
        type: z.enum(["kubevirt", "proxmox"]).default("kubevirt").meta({ description: "Where the VDC's VirtualMachines run: KubeVirt in this cluster, or Proxmox VE through provider-proxmox-bpg." }),
        storageClass: z.string().min(1).max(253).optional().meta({ description: "StorageClass for VM disks and databases when a request names none (KubeVirt). Empty: the cluster default." }),
        providerConfigRef: z
          .object({
            name: dnsLabel("Name of the provider-proxmox-bpg ProviderConfig or ClusterProviderConfig."),
            kind: z.enum(["ProviderConfig", "ClusterProviderConfig"]).default("ClusterProviderConfig").meta({ description: "ProviderConfig (in the VDC namespace) or ClusterProviderConfig." }),
          })
          .optional()
          .meta({ description: "Proxmox: credentials of the Proxmox VE cluster." }),
        node: z.string().min(1).max(MAX_NAME).optional().meta({ description: "Proxmox: node VMs are created on unless a template names another." }),
        datastore: z.string().min(1).max(MAX_NAME).optional().meta({ description: "Proxmox: datastore for VM disks (e.g. local-lvm)." }),
        bridge: z.string().min(1).max(MAX_NAME).optional().meta({ description: "Proxmox: network bridge (e.g. vmbr0)." }),
        vlan: z.number().int().min(1).max(4094).optional().meta({ description: "Proxmox: VLAN tag of the VDC's VMs, unless a VM sets its own." }),
      })
      .prefault({})
      .superRefine((b, ctx) => {
        if (b.type !== "proxmox") return;
        for (const k of ["providerConfigRef", "node", "datastore", "bridge"] as const) {
          if (b[k] === undefined) ctx.addIssue({ code: "custom", path: [k], message: "required when type is proxmox" });
        }
      })
      .meta({
        description: "Where the VDC's VirtualMachines run. App teams do not choose it: every VM in the namespace follows the VDC.",
        "x-kubernetes-validations": [
          { rule: "self.type != 'proxmox' || (has(self.providerConfigRef) && has(self.node) && has(self.datastore) && has(self.bridge))", message: "providerConfigRef, node, datastore and bridge are required when type is proxmox" },
        ],
      }),
    members: z
      .object({
        admins: subjects("Bound to the ClusterRole admin. The tenant's admins are VDC admins too."),
        editors: subjects("Bound to the ClusterRole edit."),
        viewers: subjects("Bound to the ClusterRole view."),
      })
      .prefault({})
      .meta({ description: "Who may work in the VDC." }),
  })
  .superRefine((s, ctx) => {
    // A LimitRange whose default exceeds its max is refused by the API server; say so up front.
    const pairs: [keyof typeof s.limits, keyof typeof s.limits][] = [
      ["defaultCpu", "maxCpu"],
      ["defaultMemory", "maxMemory"],
      ["defaultRequestCpu", "defaultCpu"],
      ["defaultRequestMemory", "defaultMemory"],
    ];
    for (const [lo, hi] of pairs) {
      if (parseQuantity(s.limits[lo]) > parseQuantity(s.limits[hi])) {
        ctx.addIssue({ code: "custom", path: ["limits", lo], message: `must not exceed limits.${hi} (${s.limits[hi]})` });
      }
    }
  })
  .meta({ description: "A virtual data center: a namespace of one tenant with quota, limits, network isolation and members." });

export type VDCSpec = z.output<typeof vdcSpec>;

const usage = z.object({
  used: z.string().meta({ description: "In use, as the ResourceQuota reports it." }),
  hard: z.string().meta({ description: "The quota." }),
  percent: z.number().int().meta({ description: "used / hard, in whole percent." }),
});

export const vdcStatus = z.object({
  namespace: z.string().optional().meta({ description: "The VDC's namespace (its own name)." }),
  tenant: z.string().optional().meta({ description: "The owning tenant." }),
  phase: z.enum(["Pending", "Ready", "Failed"]).optional().meta({ description: "Pending until every composed resource is ready." }),
  usage: z
    .object(Object.fromEntries(Object.keys(QUOTA_KEYS).map((k) => [k, usage.optional()])) as Record<QuotaKey, z.ZodOptional<typeof usage>>)
    .optional()
    .meta({ description: "Quota use, read from the ResourceQuota vdc-quota." }),
});
export type VDCStatus = z.output<typeof vdcStatus>;
