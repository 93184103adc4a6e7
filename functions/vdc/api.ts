import { isIP } from "node:net";
import { z } from "zod";
import {
  count,
  dnsLabel,
  MAX_LIST,
  MAX_STRING,
  quantity,
  quantityOr,
  subjects,
  text,
  unique,
} from "../api.js";
import { MAX_NAME } from "../names.js";
import { LABEL_KEY, LABEL_VALUE } from "../platform.js";
import { isQuantity, parseQuantity } from "../quantity.js";
import { TIERS, type Tier } from "../tenant/api.js";

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

// ---------------------------------------------------------------- databases

/** What a database gets from the preset of a tier, before its own size overrides. */
export interface DatabasePreset {
  instances: number;
  storage: string;
  cpu: string;
  memory: string;
  /**
   * The preset promises backups: a database on it must say where they go
   * (spec.databases[i].backup).
   */
  backups: boolean;
  /** Pod anti-affinity between instances when there is more than one. */
  antiAffinity: "preferred" | "required";
}

export const DATABASE_PRESETS: Record<Tier, DatabasePreset> = {
  demo: {
    instances: 1,
    storage: "5Gi",
    cpu: "500m",
    memory: "512Mi",
    backups: false,
    antiAffinity: "preferred",
  },
  free: {
    instances: 1,
    storage: "10Gi",
    cpu: "1",
    memory: "1Gi",
    backups: false,
    antiAffinity: "preferred",
  },
  professional: {
    instances: 1,
    storage: "50Gi",
    cpu: "2",
    memory: "4Gi",
    backups: true,
    antiAffinity: "preferred",
  },
  enterprise: {
    instances: 3,
    storage: "200Gi",
    cpu: "4",
    memory: "16Gi",
    backups: true,
    antiAffinity: "required",
  },
};

const presetTable = TIERS.map((t) => {
  const p = DATABASE_PRESETS[t];
  const backups = p.backups ? ", backups required" : "";
  const antiAffinity = p.antiAffinity === "required" ? ", required pod anti-affinity" : "";
  return (
    `${t}: ${p.instances} instance(s), ${p.storage} storage, ${p.cpu} CPU, ${p.memory} ` +
    `memory${backups}${antiAffinity}`
  );
}).join("; ");

/** PostgreSQL majors CloudNativePG 1.30 runs. */
export const POSTGRES_MAJORS = [14, 15, 16, 17, 18] as const;
export const DEFAULT_POSTGRES_MAJOR = 17;
/**
 * Services are named <database>-rw: a DNS-1035 label, so the name starts with a
 * letter; pods and jobs add suffixes.
 */
const DATABASE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_DATABASE_NAME = 50;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function secretName(description: string) {
  return z
    .string()
    .min(1)
    .max(253)
    .regex(DNS1123_SUBDOMAIN, { message: "must be a Secret name (DNS-1123 subdomain)" })
    .meta({ description });
}

/** One Go time.Duration term, as robfig/cron's @every takes it. */
const DURATION_TERM = String.raw`[0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h)`;
const CRON_DESCRIPTOR = new RegExp(
  String.raw`^@(yearly|annually|monthly|weekly|daily|midnight|hourly|` +
    `every ${DURATION_TERM}(${DURATION_TERM})*)$`,
);
const CRON_FIELD = /^[0-9A-Za-z*?,/-]+$/;

/**
 * A CloudNativePG schedule: robfig/cron with a leading seconds field, or a
 * descriptor such as @daily.
 */
function checkSchedule(s: string, ctx: z.RefinementCtx): void {
  if (typeof s !== "string" || CRON_DESCRIPTOR.test(s)) return;
  const fields = s.trim().split(/\s+/);
  if (fields.length === 5) {
    ctx.addIssue({
      code: "custom",
      message:
        `has 5 fields; CloudNativePG schedules start with a seconds field (6 fields), e.g. ` +
        `"0 ${s.trim()}"`,
    });
  } else if (fields.length !== 6 || !fields.every((f) => CRON_FIELD.test(f))) {
    ctx.addIssue({
      code: "custom",
      message:
        'must be a 6-field cron expression with seconds first (e.g. "0 0 2 * * *") or a ' +
        "descriptor such as @daily",
    });
  }
}

const databaseSize = z
  .object({
    preset: z
      .enum(TIERS)
      .optional()
      .meta({
        description:
          `Preset the other figures default from. Default: the tier of the VDC's tenant. ` +
          `Presets: ${presetTable}.`,
      }),
    instances: z.number().int().min(1).max(10).optional().meta({
      description:
        "PostgreSQL instances (one primary, the rest streaming replicas). Overrides the preset.",
    }),
    storage: quantity(
      "Volume size of each instance. Overrides the preset. Storage only grows: a smaller " +
        "figure than the running cluster's is refused.",
    ).optional(),
    cpu: quantity("CPU of each instance (request and limit). Overrides the preset.").optional(),
    memory: quantity(
      "Memory of each instance (request and limit). Overrides the preset.",
    ).optional(),
  })
  .prefault({})
  .meta({
    description:
      `Size of the database. Each figure left out comes from the preset (default: the ` +
      `tenant's tier). Presets: ${presetTable}.`,
  });

const databaseBackup = z
  .object({
    schedule: z
      .string()
      .max(128)
      .default("0 0 2 * * *")
      .superRefine(checkSchedule)
      .meta({
        description:
          'When to take a base backup: CloudNativePG cron with seconds first ("0 0 2 * * ' +
          '*" is 02:00 every day) or a descriptor such as @daily. WAL is archived ' +
          "continuously.",
      }),
    retentionDays: z.number().int().min(1).max(3650).default(30).meta({
      description:
        "Days of backups and WAL kept in the object store (the ObjectStore's retentionPolicy).",
    }),
    destinationPath: z
      .string()
      .max(1024)
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/, {
        message: "must be an S3 URL such as s3://bucket/path",
      })
      .meta({
        description:
          "Object store path of the backups, e.g. s3://acme-backups/acme-prod. Each " +
          "database writes below it in a folder <name>-pg<version>.",
      }),
    endpointURL: z
      .string()
      .max(1024)
      .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: "must be an http(s) URL" })
      .optional()
      .meta({
        description:
          "Endpoint of an S3-compatible object store (MinIO, Ceph RGW, ...). Default: AWS S3.",
      }),
    s3CredentialsSecret: secretName(
      "Secret in the VDC namespace with the keys ACCESS_KEY_ID and ACCESS_SECRET_KEY of " +
        "the object store. A new database waits until it exists with both keys. Not a name " +
        "CloudNativePG gives a database's Secrets (<database>-app, -superuser, -replication, " +
        "-ca, -server) nor one ending in -cloudinit (a VM's cloud-init Secret).",
    ),
  })
  .meta({
    description:
      "Continuous backup to an S3-compatible object store: a ScheduledBackup for base " +
      "backups plus WAL archiving.",
  });

/**
 * The Secrets CloudNativePG makes for a Cluster `<name>` in its namespace (api/v1/cluster_types.go:
 * ApplicationUserSecretSuffix, SuperUserSecretSuffix, ReplicationSecretSuffix, the CA and server
 * suffixes). A backup credentials Secret of such a name would be CloudNativePG's (on the hub its
 * keys fail the check; on a placed VDC its copy would meet CloudNativePG's own on the member).
 */
export const CNPG_SECRET_SUFFIXES = ["-app", "-superuser", "-replication", "-ca", "-server"];
/** The ending of a VirtualMachine's cloud-init Secret, `<vm>-cloudinit` (vm/kubevirt.ts). */
const CLOUD_INIT_SUFFIX = "-cloudinit";

/**
 * A backup credentials Secret is the tenant's: it may not take the name of a Secret something
 * else makes in the VDC namespace, where a placed VDC's copy of it would meet that Secret.
 */
function credentialsNotTaken(dbs: DatabaseSpec[], ctx: z.RefinementCtx): void {
  const made = new Map<string, string>();
  for (const d of dbs)
    for (const suffix of CNPG_SECRET_SUFFIXES)
      if (typeof d?.name === "string") made.set(`${d.name}${suffix}`, d.name);
  dbs.forEach((d, i) => {
    const secret = d?.backup?.s3CredentialsSecret;
    if (typeof secret !== "string") return;
    const db = made.get(secret);
    const message =
      db !== undefined
        ? `must not be ${secret}: CloudNativePG makes that Secret for database ${db}`
        : secret.endsWith(CLOUD_INIT_SUFFIX)
          ? `must not end in ${CLOUD_INIT_SUFFIX}: a VirtualMachine's cloud-init Secret is ` +
            `named <vm>${CLOUD_INIT_SUFFIX}`
          : undefined;
    if (message)
      ctx.addIssue({ code: "custom", path: [i, "backup", "s3CredentialsSecret"], message });
  });
}

const database = z
  .object({
    name: z
      .string()
      .min(1)
      .max(MAX_DATABASE_NAME)
      .regex(DATABASE_NAME, {
        message:
          "must start with a letter and contain only lower case alphanumerics and '-' " +
          "(it names the services <name>-rw, <name>-ro)",
      })
      .meta({
        description:
          "Name of the CloudNativePG Cluster in the VDC namespace. Applications connect " +
          "to <name>-rw.<namespace>.svc with the Secret <name>-app.",
      }),
    version: z
      .number()
      .int()
      .min(POSTGRES_MAJORS[0])
      .max(POSTGRES_MAJORS[POSTGRES_MAJORS.length - 1]!)
      .default(DEFAULT_POSTGRES_MAJOR)
      .meta({
        description:
          "PostgreSQL major version. Upgrades happen in place; a lower version than the " +
          "running cluster's would replace it (see deletionProtection).",
      }),
    size: databaseSize,
    backup: databaseBackup.optional(),
    deletionProtection: z
      .boolean()
      .default(true)
      .meta({
        description:
          "While true, a database removed from spec.databases, or changed in a way that " +
          "would replace it, is kept as it is and the VDC reports it. To delete a database: " +
          "set this to false, apply, then remove the entry.",
      }),
  })
  .meta({
    description: "A PostgreSQL database run by CloudNativePG, with database and owner app.",
  });

export type DatabaseSpec = z.output<typeof database>;

// ---------------------------------------------------------------- migration

export const MIGRATION_SOURCE_TYPES = [
  "vsphere",
  "ovirt",
  "openstack",
  "openshift",
  "ova",
] as const;
export type MigrationSourceType = (typeof MIGRATION_SOURCE_TYPES)[number];
/**
 * The name of the destination Provider in every VDC namespace with migration
 * sources; no source may take it.
 */
export const DESTINATION_PROVIDER = "host";

const MAX_STRING_REF = 512;
const SETTING_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;
const MAX_SETTINGS = 32;

const sourceRefShape = {
  name: z.string().min(1).max(MAX_STRING_REF).optional().meta({
    description: "Name in the source (vSphere: the network or datastore name or inventory path).",
  }),
  id: z.string().min(1).max(MAX_STRING_REF).optional().meta({
    description:
      "ID in the source (vSphere: managed object ID such as network-17 or datastore-21).",
  }),
};

// Why a source's maps need entries; an empty map leaves every VM VMNetworksNotMapped or
// VMStorageNotMapped and its Plan never Ready.
const mapWhy = (what: string) =>
  "the function cannot read Forklift's inventory of the source to fill the map in:" +
  ` list every ${what} the migrated VMs use`;
const MAPS = { networkMap: "network", storageMap: "datastore" } as const;

const networkPair = z
  .object({
    source: z
      .object(sourceRefShape)
      .extend({
        type: z.string().min(1).max(64).optional().meta({
          description: "Type qualifying the source (OpenShift sources: pod for the pod network).",
        }),
        namespace: z
          .string()
          .min(1)
          .max(MAX_NAME)
          .optional()
          .meta({ description: "Namespace of the source network (OpenShift sources only)." }),
      })
      .refine((r) => r.name !== undefined || r.id !== undefined || r.type !== undefined, {
        message: "set name, id or type",
      })
      .meta({ description: "Source network." }),
    destination: z
      .object({
        type: z
          .enum(["pod", "multus", "ignored"])
          .default("pod")
          .meta({
            description:
              "pod: the pod network; multus: a NetworkAttachmentDefinition in the VDC " +
              "namespace; ignored: leave the NIC out.",
          }),
        name: dnsLabel(
          "NetworkAttachmentDefinition in the VDC namespace (multus only).",
        ).optional(),
      })
      .prefault({})
      .refine((d) => (d.type === "multus") === (d.name !== undefined), {
        message: "name is required for multus and only allowed for multus",
      })
      .meta({ description: "Destination network. Default: the pod network." }),
  })
  .meta({ description: "One source network and where its NICs go." });

const storagePair = z
  .object({
    source: z
      .object(sourceRefShape)
      .refine((r) => r.name !== undefined || r.id !== undefined, { message: "set name or id" })
      .meta({ description: "Source datastore or storage domain." }),
    storageClass: z.string().min(1).max(253).optional().meta({
      description: "StorageClass of the migrated disks. Default: spec.backend.storageClass.",
    }),
    accessMode: z
      .enum(["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany"])
      .optional()
      .meta({ description: "Access mode of the disks. Default: the storage profile's." }),
    volumeMode: z
      .enum(["Filesystem", "Block"])
      .optional()
      .meta({ description: "Volume mode of the disks. Default: the storage profile's." }),
  })
  .meta({ description: "One source datastore and the StorageClass its disks land on." });

const migrationSource = z
  .object({
    // The maps are <name>-network and <name>-storage: at most 63 characters, as every name.
    name: dnsLabel(
      "Name of the Forklift Provider in the VDC namespace. Plans name it as their source " +
        "provider. At most 55 characters, so its maps <name>-network and <name>-storage " +
        "stay within 63.",
    ).max(MAX_NAME - "-storage".length),
    type: z.enum(MIGRATION_SOURCE_TYPES).meta({ description: "Kind of source platform." }),
    url: z
      .string()
      .min(1)
      .max(2048)
      .meta({
        description:
          "Endpoint of the source: vsphere https://vcenter/sdk, ovirt " +
          "https://engine/ovirt-engine/api, openstack https://keystone:5000/v3, openshift " +
          "https://api.cluster:6443, ova an NFS share server:/path.",
      }),
    secretRef: z.object({ name: secretName("Secret in the VDC namespace.") }).meta({
      description:
        "Credentials Secret the tenant creates in the VDC namespace. Keys by type: vsphere and" +
        " ovirt user, password, and the CA as ca.crt or the deprecated cacert (Forklift 2.11" +
        ' reads only cacert) unless insecureSkipVerify is "true"; openstack username,' +
        " password, projectName or projectID, userDomainName or userDomainID, or an" +
        " application credential; openshift token; ova url. The CA and insecureSkipVerify" +
        " are optional elsewhere.",
    }),
    settings: z
      .record(z.string().regex(SETTING_KEY), z.string().max(MAX_STRING))
      .default({})
      .refine((m) => Object.keys(m).length <= MAX_SETTINGS, {
        message: `at most ${MAX_SETTINGS} settings`,
      })
      .meta({
        description:
          "Provider settings, e.g. vsphere vddkInitImage (the VDDK image, for faster " +
          "disk transfer) and sdkEndpoint (vcenter or esxi).",
      }),
    networkMap: z
      .array(networkPair)
      .min(1, `needs at least one entry: ${mapWhy(MAPS.networkMap)}`)
      .max(MAX_LIST)
      .meta({
        description:
          "Source networks and where their NICs go. At least one entry: the function cannot" +
          " read Forklift's inventory of the source, so list every network the migrated VMs" +
          " use. Plans use the NetworkMap <name>-network.",
      }),
    storageMap: z
      .array(storagePair)
      .min(1, `needs at least one entry: ${mapWhy(MAPS.storageMap)}`)
      .max(MAX_LIST)
      .meta({
        description:
          "Source datastores and their StorageClass (default: spec.backend.storageClass). At" +
          " least one entry: the function cannot read Forklift's inventory of the source, so" +
          " list every datastore the migrated VMs use. Plans use the StorageMap <name>-storage.",
      }),
  })
  .superRefine((s, ctx) => {
    if (s.name === DESTINATION_PROVIDER)
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: `"${DESTINATION_PROVIDER}" is the VDC's destination provider`,
      });
    const problem = urlProblem(s.type, s.url);
    if (problem) ctx.addIssue({ code: "custom", path: ["url"], message: problem });
  })
  .meta({
    description:
      "A platform VMs are migrated from with Forklift (Migration Toolkit for Virtualization).",
    "x-kubernetes-validations": Object.entries(MAPS).map(([map, what]) => ({
      rule: `has(self.${map}) && size(self.${map}) > 0`,
      message: `${map} needs at least one entry: ${mapWhy(what)}`,
      fieldPath: `.${map}`,
    })),
  });

export type MigrationSourceSpec = z.output<typeof migrationSource>;

const VALUES_RULE = "must be non-empty for In and NotIn, and empty for Exists and DoesNotExist";

function urlProblem(type: MigrationSourceType, url: string): string | undefined {
  if (type === "ova")
    return /^[^\s:/]+:\/(?!\/)[^\s]*$/.test(url)
      ? undefined
      : "must be an NFS share such as nfs.example.com:/exports/ova";
  if (!/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(url)) return "must be an https URL";
  if (type === "vsphere" && !/\/sdk\/?$/.test(url))
    return "must be the SDK endpoint, ending in /sdk (e.g. https://vcenter.example.com/sdk)";
  if (type === "ovirt" && !/\/ovirt-engine\/api\/?$/.test(url))
    return "must be the engine API, ending in /ovirt-engine/api";
  return undefined;
}

export const vdcSpec = z
  .object({
    displayName: text("Human-readable name shown in consoles and printer columns.", 253).optional(),
    tenantRef: z
      .object({
        name: dnsLabel(
          "Name of the Tenant that owns this VDC. The VDC's name must start with '<tenant>-'.",
        ),
      })
      .meta({ description: "The owning Tenant." }),
    quota: z
      .object({
        cpu: quantityOr(
          "CPU requests over all pods and VMs (requests.cpu). Counts against the tenant budget.",
          "2",
        ),
        memory: quantityOr(
          "Memory requests (requests.memory). Counts against the tenant budget.",
          "4Gi",
        ),
        storage: quantityOr(
          "Persistent storage requested by claims (requests.storage). Counts against the " +
            "tenant budget.",
          "50Gi",
        ),
        vms: count(
          "KubeVirt VirtualMachines (count/virtualmachines.kubevirt.io). Counts against " +
            "the tenant budget.",
        ).default(2),
        pods: count("Pods, including each running VM's launcher pod.").default(50),
        persistentVolumeClaims: count("PersistentVolumeClaims, including VM disks.").default(20),
      })
      .prefault({})
      .meta({
        description:
          "The VDC's quota, enforced by the ResourceQuota vdc-quota and charged to the " +
          "tenant budget.",
      }),
    limits: z
      .object({
        defaultCpu: quantityOr("CPU limit of a container that sets none.", "1"),
        defaultMemory: quantityOr("Memory limit of a container that sets none.", "1Gi"),
        defaultRequestCpu: quantityOr("CPU request of a container that sets none.", "100m"),
        defaultRequestMemory: quantityOr("Memory request of a container that sets none.", "256Mi"),
        maxCpu: quantityOr(
          "Largest CPU limit one container may set. A KubeVirt VM's launcher pod sets " +
            "the VM's cpu: a larger VM is refused.",
          "8",
        ),
        maxMemory: quantityOr(
          "Largest memory limit one container may set. A KubeVirt VM's launcher pod sets " +
            "the VM's memory plus KubeVirt's overhead (a few hundred MiB): a VM with this " +
            "much memory or more is refused, and one just under it may not start.",
          "32Gi",
        ),
      })
      .prefault({})
      .meta({
        description: "Per-container defaults and maxima, enforced by the LimitRange vdc-limits.",
      }),
    network: z
      .object({
        isolation: z
          .enum(["isolated", "open"])
          .default("isolated")
          .meta({
            description:
              "isolated: deny all but the VDC's own namespace, its tenant's namespace, DNS " +
              "and what is listed below. open: no policies.",
          }),
        allowFromNamespaces: z
          .array(dnsLabel("Namespace name."))
          .max(MAX_LIST)
          .default([])
          .superRefine(unique((n: string) => n, "namespace"))
          .meta({ description: "Further namespaces allowed to open connections into this VDC." }),
        allowEgress: z
          .array(
            z.object({
              cidr: z
                .string()
                .max(64)
                .refine(validCidr, { message: "must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8" })
                .meta({ description: "Destination CIDR." }),
              ports: z
                .array(port)
                .max(64)
                .default([])
                .meta({ description: "Destination ports; empty allows every port." }),
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
        type: z
          .enum(["kubevirt", "proxmox"])
          .default("kubevirt")
          .meta({
            description:
              "Where the VDC's VirtualMachines run: KubeVirt in this cluster, or Proxmox " +
              "VE through provider-proxmox-bpg.",
          }),
        storageClass: z
          .string()
          .min(1)
          .max(253)
          .optional()
          .meta({
            description:
              "StorageClass for VM disks and databases when a request names none " +
              "(KubeVirt). Empty: the cluster default.",
          }),
        providerConfigRef: z
          .object({
            name: dnsLabel(
              "Name of the provider-proxmox-bpg ProviderConfig or ClusterProviderConfig.",
            ),
            kind: z
              .enum(["ProviderConfig", "ClusterProviderConfig"])
              .default("ClusterProviderConfig")
              .meta({
                description: "ProviderConfig (in the VDC namespace) or ClusterProviderConfig.",
              }),
          })
          .optional()
          .meta({ description: "Proxmox: credentials of the Proxmox VE cluster." }),
        node: z
          .string()
          .min(1)
          .max(MAX_NAME)
          .optional()
          .meta({
            description:
              "Proxmox: node VMs are created on. Changing it places new VMs there; " +
              "existing VMs stay on the node Proxmox reports them on.",
          }),
        datastore: z
          .string()
          .min(1)
          .max(MAX_NAME)
          .optional()
          .meta({
            description:
              "Proxmox: datastore for VM disks (e.g. local-lvm). Changing it places new " +
              "disks there; existing disks stay where they are.",
          }),
        fileDatastore: z
          .string()
          .min(1)
          .max(MAX_NAME)
          .optional()
          .meta({
            description:
              "Proxmox: file-based datastore for downloaded images (content type import) " +
              "and cloud-init user data (content type snippets), on the VM's node. Default: " +
              "local. Changing it places new files there; the files of existing VMs stay " +
              "where they are.",
          }),
        bridge: z
          .string()
          .min(1)
          .max(MAX_NAME)
          .optional()
          .meta({ description: "Proxmox: network bridge (e.g. vmbr0)." }),
        vlan: z
          .number()
          .int()
          .min(1)
          .max(4094)
          .optional()
          .meta({ description: "Proxmox: VLAN tag of the VDC's VMs, unless a VM sets its own." }),
      })
      .prefault({})
      .superRefine((b, ctx) => {
        if (b.type !== "proxmox") return;
        for (const k of ["providerConfigRef", "node", "datastore", "bridge"] as const) {
          if (b[k] === undefined)
            ctx.addIssue({ code: "custom", path: [k], message: "required when type is proxmox" });
        }
      })
      .meta({
        description:
          "Where the VDC's VirtualMachines run. App teams do not choose it: every VM in " +
          "the namespace follows the VDC.",
        "x-kubernetes-validations": [
          {
            rule:
              "self.type != 'proxmox' || (has(self.providerConfigRef) && has(self.node) && " +
              "has(self.datastore) && has(self.bridge))",
            message:
              "providerConfigRef, node, datastore and bridge are required when type is proxmox",
          },
        ],
      }),
    databases: z
      .array(database)
      .max(64)
      .default([])
      .superRefine(unique((d: DatabaseSpec) => d.name, "database"))
      .superRefine(credentialsNotTaken)
      .meta({
        description:
          "PostgreSQL databases run by CloudNativePG in the VDC namespace. They count " +
          "against spec.quota (instances × cpu, memory, storage).",
      }),
    migration: z
      .object({
        sources: z
          .array(migrationSource)
          .max(32)
          .default([])
          .superRefine(unique((s: MigrationSourceSpec) => s.name, "source"))
          .meta({
            description:
              "Source platforms. Each gets a Forklift Provider, NetworkMap " +
              "<name>-network and StorageMap <name>-storage into this VDC, next to the " +
              "destination provider host.",
          }),
      })
      .prefault({})
      .meta({
        description:
          "Migrating VMs into this VDC with Forklift / Migration Toolkit for Virtualization.",
      }),
    placement: z
      .object({
        cluster: dnsLabel(
          "Name of the ManagedCluster (Open Cluster Management) the VDC lives on. It must be " +
            "in the tenant's spec.clusters and in the platform settings' clusters.",
        ).optional(),
        clusterSelector: z
          .object({
            matchLabels: z
              .record(
                z.string().max(317).regex(LABEL_KEY, { message: "must be a label key" }),
                z.string().max(63).regex(LABEL_VALUE, { message: "must be a label value" }),
              )
              .optional()
              .meta({ description: "Labels the ManagedCluster must carry." }),
            matchExpressions: z
              .array(
                z
                  .object({
                    key: z
                      .string()
                      .max(317)
                      .regex(LABEL_KEY, { message: "must be a label key" })
                      .meta({ description: "The label key the requirement is about." }),
                    operator: z
                      .enum(["In", "NotIn", "Exists", "DoesNotExist"])
                      .meta({ description: "How the key's value is compared with values." }),
                    values: z
                      .array(z.string().max(63))
                      .max(64)
                      .optional()
                      .meta({ description: "The values of In and NotIn." }),
                  })
                  // As Kubernetes validates a LabelSelectorRequirement: OCM's placement
                  // controller cannot turn any other selector into a decision, and the VDC would
                  // wait for one forever.
                  .superRefine((r, ctx) => {
                    const listed = (r.values?.length ?? 0) > 0;
                    if (listed !== (r.operator === "In" || r.operator === "NotIn"))
                      ctx.addIssue({ code: "custom", path: ["values"], message: VALUES_RULE });
                  })
                  .meta({
                    description: "One label requirement on the ManagedCluster.",
                    "x-kubernetes-validations": [
                      {
                        rule:
                          "(self.operator == 'In' || self.operator == 'NotIn') == " +
                          "(has(self.values) && size(self.values) > 0)",
                        message: VALUES_RULE,
                        fieldPath: ".values",
                      },
                    ],
                  }),
              )
              .max(16)
              .optional()
              .meta({ description: "Label requirements on the ManagedCluster, ANDed." }),
          })
          .optional()
          .meta({
            description:
              "Let Open Cluster Management choose one cluster: a Placement (numberOfClusters 1) " +
              "in the VDC's namespace on the hub, from the platform settings' clusterSet. " +
              "The chosen cluster is kept in status.placement.cluster; a later decision does " +
              "not move the VDC.",
          }),
      })
      .optional()
      .superRefine((p, ctx) => {
        if (p && (p.cluster === undefined) === (p.clusterSelector === undefined))
          ctx.addIssue({
            code: "custom",
            message: "set exactly one of cluster and clusterSelector",
          });
      })
      .meta({
        description:
          "Where the VDC lives. Absent: on the hub, where Crossplane runs. Moving a VDC to " +
          "another cluster is refused while it holds VMs or databases.",
        "x-kubernetes-validations": [
          {
            rule: "has(self.cluster) != has(self.clusterSelector)",
            message: "set exactly one of cluster and clusterSelector",
          },
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
      // Refinements also run when a field already failed; such a field has its own issue.
      if (!isQuantity(s.limits[lo]) || !isQuantity(s.limits[hi])) continue;
      if (parseQuantity(s.limits[lo]) > parseQuantity(s.limits[hi])) {
        ctx.addIssue({
          code: "custom",
          path: ["limits", lo],
          message: `must not exceed limits.${hi} (${s.limits[hi]})`,
        });
      }
    }
    // Forklift migrates into KubeVirt; a Proxmox VDC has nowhere for it to land.
    const sources = Array.isArray(s.migration?.sources) ? s.migration.sources : [];
    if (sources.length && s.backend?.type !== "kubevirt") {
      ctx.addIssue({
        code: "custom",
        path: ["migration", "sources"],
        message: "migration needs backend.type kubevirt",
      });
    }
    sources.forEach((src, i) =>
      (Array.isArray(src?.storageMap) ? src.storageMap : []).forEach((m, j) => {
        if (m?.storageClass === undefined && s.backend?.storageClass === undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["migration", "sources", i, "storageMap", j, "storageClass"],
            message: "required when spec.backend.storageClass is not set",
          });
        }
      }),
    );
  })
  .meta({
    description:
      "A virtual data center: a namespace of one tenant with quota, limits, network " +
      "isolation and members.",
  });

export type VDCSpec = z.output<typeof vdcSpec>;

const usage = z.object({
  used: z.string().meta({ description: "In use, as the ResourceQuota reports it." }),
  hard: z.string().meta({ description: "The quota." }),
  percent: z.number().int().meta({ description: "used / hard, in whole percent." }),
});

const databaseStatus = z.object({
  name: z.string().meta({ description: "The database (CloudNativePG Cluster) name." }),
  ready: z.boolean().meta({
    description: 'The Cluster\'s Ready condition, or its phase "Cluster in healthy state".',
  }),
  phase: z
    .string()
    .optional()
    .meta({
      description:
        "The Cluster's phase as CloudNativePG reports it; for a database not created yet, " +
        "what it waits for: WaitingForBackupCredentials, or on a placed VDC " +
        "WaitingForClusterCheck (its PVC names not read on the member cluster yet).",
    }),
  instances: z.number().int().optional().meta({ description: "Instances the Cluster has." }),
  readyInstances: z.number().int().optional().meta({ description: "Instances that are ready." }),
  host: z
    .string()
    .meta({ description: "Read-write service: <name>-rw.<namespace>.svc, port 5432." }),
  secretName: z.string().meta({
    description:
      "Secret CloudNativePG generates with the app user's credentials and connection URI " +
      "(<name>-app).",
  }),
  backups: z
    .boolean()
    .meta({ description: "Whether continuous backup to an object store is configured." }),
  kept: z
    .boolean()
    .optional()
    .meta({
      description:
        "True when the database is kept by deletionProtection although the spec removed or " +
        "would replace it.",
    }),
  backupCredentials: z
    .string()
    .optional()
    .meta({
      description:
        "What is wrong with the backup credentials Secret, when something is. A database " +
        "that does not exist yet waits for it (phase WaitingForBackupCredentials); a " +
        "running one keeps running, without working backups.",
    }),
});

const sourceStatus = z.object({
  name: z.string().meta({ description: "The source (Forklift Provider) name." }),
  type: z.string().meta({ description: "The source type." }),
  ready: z.boolean().meta({ description: "The Provider's Ready condition." }),
  connected: z.boolean().meta({ description: "The Provider's ConnectionTestSucceeded condition." }),
  phase: z
    .string()
    .optional()
    .meta({ description: "The Provider's phase as Forklift reports it." }),
  networkMap: z.string().meta({ description: "NetworkMap for Plans from this source." }),
  storageMap: z.string().meta({ description: "StorageMap for Plans from this source." }),
  waiting: z.string().optional().meta({
    description: "Why the source is not composed yet (its credentials Secret is missing).",
  }),
  keptFor: z
    .array(z.string())
    .optional()
    .meta({
      description:
        "A source removed from the spec whose Provider and maps are kept while these Plans " +
        "still migrate from it.",
    }),
});

export const vdcStatus = z.object({
  namespace: z.string().optional().meta({ description: "The VDC's namespace (its own name)." }),
  placement: z
    .object({
      cluster: z.string().meta({ description: "The member cluster the VDC lives on." }),
    })
    .optional()
    .meta({ description: "Where a placed VDC lives (absent: on the hub)." }),
  tenant: z.string().optional().meta({ description: "The owning tenant." }),
  phase: z
    .enum(["Pending", "Ready", "Failed"])
    .optional()
    .meta({ description: "Pending until every composed resource is ready." }),
  usage: z
    .object(
      Object.fromEntries(
        Object.entries(QUOTA_KEYS).map(([k, resource]) => [
          k,
          usage.optional().meta({ description: `${resource} in the ResourceQuota vdc-quota.` }),
        ]),
      ) as Record<QuotaKey, z.ZodOptional<typeof usage>>,
    )
    .optional()
    .meta({ description: "Quota use, read from the ResourceQuota vdc-quota." }),
  databases: z.array(databaseStatus).optional().meta({
    description: "The VDC's databases, in spec order, then any kept by deletionProtection.",
  }),
  databaseDemand: z
    .object({
      cpu: z.string().meta({
        description:
          "CPU: instances × cpu, over every database, plus with backups each instance's " +
          "plugin sidecar (spec.limits.defaultRequestCpu).",
      }),
      memory: z.string().meta({
        description:
          "Memory: instances × memory, over every database, plus with backups each " +
          "instance's plugin sidecar (spec.limits.defaultRequestMemory).",
      }),
      storage: z
        .string()
        .meta({ description: "Storage: instances × storage, over every database." }),
    })
    .optional()
    .meta({
      description:
        "What the databases, kept ones included, take of spec.quota (instances × cpu, " +
        "memory, storage, and their backup sidecars' requests). VMs get the rest.",
    }),
  migration: z
    .object({
      destinationProvider: z.string().meta({
        description:
          "Forklift Provider of this cluster (type openshift, empty url) in the VDC " +
          "namespace: the destination of Plans.",
      }),
      sources: z.array(sourceStatus).meta({
        description: "The migration sources, in spec order, then any kept for running migrations.",
      }),
    })
    .optional()
    .meta({ description: "Migration sources and their Forklift Providers." }),
});
export type VDCStatus = z.output<typeof vdcStatus>;
