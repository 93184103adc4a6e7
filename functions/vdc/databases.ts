// PostgreSQL databases of a VDC, run by CloudNativePG: one Cluster per
// spec.databases entry (plus a ScheduledBackup when it has a backup), sized by
// the tenant tier's preset, charged against the VDC quota, and never lost by
// accident: a database the spec drops, or changes in a way that would replace
// it, stays composed as observed while its deletionProtection holds.
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import type { Composed, Event, KubeObject, Refusal, XRCondition } from "../compose.js";
import { compareText, conditionOf } from "../compose.js";
import { asDesired, existing, secretKeys, withLabels, type NamespacedProps } from "../k8s.js";
import {
  egressTo,
  Namespaces,
  NetworkPolicyPort,
  networkPolicy,
  Peer,
  Pods,
  urlEndpoint,
  type Destination,
} from "../network-policy.js";
import type { PlatformSettings } from "../platform.js";
import { isDatabaseVolume, LABEL_TYPE, LABEL_VM, nameList } from "../names.js";
import { formatQuantity, parseQuantity } from "../quantity.js";
import type { Tier } from "../tenant/api.js";
import { DATABASE_PRESETS, type DatabasePreset, type DatabaseSpec, type VDCSpec } from "./api.js";

export const CNPG_API_VERSION = "postgresql.cnpg.io/v1";
/**
 * The deprecated rolling tags `<major>` of CloudNativePG's `system` images (Debian bullseye):
 * only for clusters already running on one (see databaseImage).
 */
export const POSTGRES_IMAGE = "ghcr.io/cloudnative-pg/postgresql";
/** The Barman Cloud CNPG-I plugin (cloudnative-pg/plugin-barman-cloud, web/docs/usage.md). */
export const BARMAN_CLOUD_API_VERSION = "barmancloud.cnpg.io/v1";
export const BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io";
export const PODMONITOR_API_VERSION = "monitoring.coreos.com/v1";
/**
 * On the composed Cluster: the deletionProtection it was composed with, read
 * back once its entry has left the spec.
 */
export const PROTECTION_ANNOTATION = "crossvdc.io/deletion-protection";
/** The Secret keys CloudNativePG's barman-cloud reads the object store credentials from. */
export const S3_ACCESS_KEY_ID = "ACCESS_KEY_ID";
export const S3_SECRET_ACCESS_KEY = "ACCESS_SECRET_KEY";
const HEALTHY_PHASE = "Cluster in healthy state";

/**
 * Required-resource key of a backup credentials Secret: one per Secret, however
 * many databases share it.
 */
export const backupSecretKey = (secret: string) => `backup-secret-${secret}`;

/** Required-resource key of the VDC namespace's PVCs, asked for while a database is new. */
export const PVCS_KEY = "pvcs";
/** The label CloudNativePG puts on what it makes for a Cluster (utils.LabelClusterName). */
export const CNPG_CLUSTER_LABEL = "cnpg.io/cluster";

/**
 * The backup credentials Secrets of the VDC's databases, so their keys can be checked before a
 * database relies on them; and, while a database is new (no Cluster observed), the namespace's
 * PVCs, so one another owner holds under a name its Cluster's PVCs would take is seen
 * (`pvcClashes`). A VDC whose databases all exist asks for no PVC.
 */
export function databaseRequirements(
  ns: string,
  spec: VDCSpec,
  observed: Record<string, KubeObject>,
): Record<string, ResourceSelector> {
  const secrets = [
    ...new Set(spec.databases.flatMap((d) => (d.backup ? [d.backup.s3CredentialsSecret] : []))),
  ].sort();
  const out: Record<string, ResourceSelector> = Object.fromEntries(
    secrets.map((name) => [
      backupSecretKey(name),
      { apiVersion: "v1", kind: "Secret", namespace: ns, matchName: name },
    ]),
  );
  if (spec.databases.some((d) => observed[databaseKey(d.name)] === undefined))
    // Every PVC of the namespace: KubeVirt's and CDI's carry no label to select them by.
    out[PVCS_KEY] = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      namespace: ns,
      matchLabels: { labels: {} },
    };
  return out;
}

/** Who holds a PVC, as its labels and controller say: a crossvdc VM, or its owner. */
function holderOf(pvc: KubeObject): string {
  const vm = pvc.metadata?.labels?.[LABEL_VM];
  if (vm !== undefined) return `VirtualMachine ${vm}`;
  const owners = pvc.metadata?.ownerReferences;
  const refs = Array.isArray(owners)
    ? (owners as { kind?: unknown; name?: unknown; controller?: unknown }[])
    : [];
  const owner = refs.find((o) => o?.controller === true) ?? refs[0];
  return typeof owner?.kind === "string" && typeof owner.name === "string"
    ? `${owner.kind} ${owner.name}`
    : "no owner";
}

/**
 * The PVCs of the namespace under a name CloudNativePG would give a PVC of the new database
 * `database` (names.ts, `isDatabaseVolume`), each with who holds it: a VM's DataVolume
 * `<vm>-disk-1` is the first instance's PVC of a database `<vm>-disk`. Its own, labelled with
 * its name (left by a Cluster being replaced), are not in the way.
 */
export function pvcClashes(database: string, pvcs: readonly KubeObject[]): string[] {
  return pvcs
    .filter((p) => {
      const name = p.metadata?.name;
      return (
        typeof name === "string" &&
        isDatabaseVolume(name, database) &&
        p.metadata?.labels?.[CNPG_CLUSTER_LABEL] !== database
      );
    })
    .map((p) => `${p.metadata!.name!} (${holderOf(p)})`)
    .sort(compareText);
}

/**
 * What is wrong with a backup credentials Secret, or undefined. Only its key
 * names are read, never its values.
 */
function backupCredentialsProblem(
  ns: string,
  secretName: string,
  required: Record<string, KubeObject[]>,
): string | undefined {
  const ref = `Secret ${ns}/${secretName}`;
  const secret = required[backupSecretKey(secretName)]?.[0];
  if (!secret)
    return (
      `${ref} does not exist; create it with the keys ${S3_ACCESS_KEY_ID} ` +
      `and ${S3_SECRET_ACCESS_KEY}`
    );
  const keys = secretKeys(secret);
  const missing = [S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY].filter((k) => !keys.has(k));
  return missing.length
    ? `${ref} lacks the key${missing.length > 1 ? "s" : ""} ${missing.join(" and ")}`
    : undefined;
}

/**
 * The Secrets, and their keys, that the composed backup configuration reads: the
 * `s3Credentials` selectors (`{name, key}`) of each composed ObjectStore and of a kept Cluster
 * still archiving through the in-tree `backup.barmanObjectStore`. CloudNativePG and the Barman
 * Cloud plugin read them in the database's namespace (plugin-barman-cloud `ObjectStore`
 * `spec.configuration`, cloudnative-pg `BarmanCredentials`), so a placed VDC copies each to its
 * member cluster. Sorted by name, keys sorted.
 */
export function backupCredentials(resources: Record<string, Composed>): Map<string, string[]> {
  const found = new Map<string, Set<string>>();
  for (const key in resources) {
    const r = resources[key]!.resource;
    const spec = r.spec as
      | {
          configuration?: { s3Credentials?: unknown };
          backup?: { barmanObjectStore?: { s3Credentials?: unknown } };
        }
      | undefined;
    const creds =
      r.apiVersion === BARMAN_CLOUD_API_VERSION && r.kind === "ObjectStore"
        ? spec?.configuration?.s3Credentials
        : r.apiVersion === CNPG_API_VERSION && r.kind === "Cluster"
          ? spec?.backup?.barmanObjectStore?.s3Credentials
          : undefined;
    if (!creds || typeof creds !== "object") continue;
    for (const ref of Object.values(creds as Record<string, unknown>)) {
      const { name, key: k } = (ref ?? {}) as { name?: unknown; key?: unknown };
      if (typeof name !== "string" || name === "" || typeof k !== "string" || k === "") continue;
      const keys = found.get(name) ?? new Set<string>();
      keys.add(k);
      found.set(name, keys);
    }
  }
  return new Map(
    [...found.keys()].sort(compareText).map((n) => [n, [...found.get(n)!].sort(compareText)]),
  );
}

/** Composition resource names: stable per database, so Crossplane never sees a rename. */
export const databaseKey = (name: string) => `database-${name}`;
export const backupKey = (name: string) => `backup-${name}`;
export const objectStoreKey = (name: string) => `objectstore-${name}`;
export const podMonitorKey = (name: string) => `podmonitor-${name}`;
/** A placed VDC's copy of backup credentials Secret `secret` on its cluster (placement.ts). */
export const copiedCredentialsKey = (secret: string) => `s3-credentials-${secret}`;
const DATABASE_KEY = /^database-(.+)$/;
/** Whether `key` is the composition resource name of a database's Cluster. */
export const isDatabaseKey = (key: string) => DATABASE_KEY.test(key);

/** A database's effective size: its preset with its own figures on top. */
export type DatabaseSize = DatabasePreset & { preset: Tier };

export function resolveSize(db: DatabaseSpec, tier: Tier): DatabaseSize {
  const preset = db.size.preset ?? tier;
  const p = DATABASE_PRESETS[preset];
  return {
    preset,
    instances: db.size.instances ?? p.instances,
    storage: db.size.storage ?? p.storage,
    cpu: db.size.cpu ?? p.cpu,
    memory: db.size.memory ?? p.memory,
    backups: p.backups,
    antiAffinity: p.antiAffinity,
  };
}

/** What databases take of a VDC's quota, in nano-units as parseQuantity gives them. */
export interface Demand {
  cpu: bigint;
  memory: bigint;
  storage: bigint;
}

function sizeDemand(s: {
  instances: number;
  cpu: string;
  memory: string;
  storage: string;
}): Demand {
  const n = BigInt(s.instances);
  return {
    cpu: n * parseQuantity(s.cpu),
    memory: n * parseQuantity(s.memory),
    storage: n * parseQuantity(s.storage),
  };
}

function add(a: Demand, b: Demand): Demand {
  return { cpu: a.cpu + b.cpu, memory: a.memory + b.memory, storage: a.storage + b.storage };
}

const NONE: Demand = { cpu: 0n, memory: 0n, storage: 0n };
const NOTHING: ReadonlySet<string> = new Set();

export interface DatabasesInput {
  vdc: string;
  ns: string;
  labels: Record<string, string>;
  spec: VDCSpec;
  tier: Tier;
  /** Where the CloudNativePG operator and the Prometheus that scrapes tenants run. */
  settings: PlatformSettings;
  observed: Record<string, KubeObject>;
  /** Required resources, with the Secrets databaseRequirements asks for. */
  required: Record<string, KubeObject[]>;
  /** Databases the XR's status already reported as kept: their Warning was given. */
  previouslyKept: ReadonlySet<string>;
  /**
   * New databases of a placed VDC whose PVC names are not read on the member cluster yet
   * (vdc/volume-probes.ts): charged and reported (phase WaitingForClusterCheck), not composed.
   * @default - none
   */
  unchecked?: ReadonlySet<string>;
  /**
   * The member cluster a placed VDC's namespace is on, named where a message points at
   * something in it.
   * @default - none: the namespace is on the hub
   */
  cluster?: string;
}

export interface DatabasesOutput {
  resources: Record<string, Composed>;
  status: { databases?: unknown[]; databaseDemand?: Record<keyof Demand, string> };
  conditions: XRCondition[];
  events: Event[];
}

/**
 * What one database takes of the quota: from its spec, or, for a kept one, from
 * its observed Cluster.
 */
interface Charge {
  label: string;
  demand: Demand;
  /** Per-instance figures of a database in the spec; absent for a kept one. */
  each?: { instances: number; cpu: string; memory: string; storage: string };
  /** Per-instance requests of its backup sidecar, where it has one. */
  sidecar?: SidecarRequests;
}

/** The requests the LimitRange gives a container without its own: spec.limits.defaultRequest*. */
interface SidecarRequests {
  cpu: string;
  memory: string;
}

/**
 * What the Barman Cloud plugin's sidecar takes of the quota in each instance pod of a database
 * with backups. The plugin injects it as a native sidecar with the ObjectStore's
 * instanceSidecarConfiguration.resources (plugin-barman-cloud internal/cnpgi/operator/
 * lifecycle.go), which the ObjectStore leaves empty: the LimitRange gives it the VDC's default
 * requests, and the ResourceQuota counts them with the pod's.
 */
function sidecarDemand(n: bigint, sidecar: SidecarRequests): Demand {
  return {
    cpu: n * parseQuantity(sidecar.cpu),
    memory: n * parseQuantity(sidecar.memory),
    storage: 0n,
  };
}

/** Why an observed database is kept although the spec says otherwise. */
interface Kept {
  name: string;
  observed: KubeObject;
  why: string;
}

/** Per-instance figures a LimitRange caps, with the spec.limits field that caps each. */
const PER_INSTANCE_LIMITS = [
  ["cpu", "maxCpu"],
  ["memory", "maxMemory"],
] as const;

export function composeDatabases(input: DatabasesInput): Refusal | DatabasesOutput {
  const { vdc, ns, labels, spec, tier, settings, observed, required, previouslyKept } = input;
  const where = input.cluster === undefined ? ns : `${ns} on cluster ${input.cluster}`;
  const sidecarRequests: SidecarRequests = {
    cpu: spec.limits.defaultRequestCpu,
    memory: spec.limits.defaultRequestMemory,
  };
  const unchecked = input.unchecked ?? NOTHING;
  const what = `VDC ${vdc}`;
  const resources: Record<string, Composed> = {};
  const events: Event[] = [];
  const kept: Kept[] = [];
  const replacing = new Set<string>();
  const charges: Charge[] = [];
  // Backup credentials that are missing or incomplete, by database: a new database waits for them,
  // a running one keeps running (without working backups) and says so.
  const credentials = new Map<string, string>();
  const waiting = new Set<string>();
  const checking = new Set<string>();

  // Databases that left the spec: kept while the protection they were composed with holds.
  const inSpec = new Set(spec.databases.map((d) => d.name));
  // In any order: `kept` is sorted by name below.
  for (const key in observed) {
    const name = DATABASE_KEY.exec(key)?.[1];
    if (name === undefined || inSpec.has(name)) continue;
    const obj = observed[key]!;
    // Deleted, as asked.
    if (obj.metadata?.annotations?.[PROTECTION_ANNOTATION] === "false") continue;
    kept.push({ name, observed: obj, why: "removed from spec.databases" });
  }

  for (const [i, db] of spec.databases.entries()) {
    const field = `spec.databases[${i}]`;
    const size = resolveSize(db, tier);
    if (size.backups && !db.backup) {
      return {
        fatal:
          `${what}: ${field}.backup: required: the ${size.preset} preset includes backups ` +
          `(tenant tier ${tier}); set backup.destinationPath and backup.s3CredentialsSecret`,
        reason: "InvalidSpec",
      };
    }
    for (const [k, max] of PER_INSTANCE_LIMITS) {
      if (parseQuantity(size[k]) > parseQuantity(spec.limits[max])) {
        return {
          fatal:
            `${what}: ${field}.size.${k}: ${size[k]} per instance exceeds ` +
            `spec.limits.${max} (${spec.limits[max]}): the LimitRange would refuse the ` +
            `database's pods`,
          reason: "OverQuota",
        };
      }
    }
    const current = observed[databaseKey(db.name)];
    if (!current) {
      const held = pvcClashes(db.name, required[PVCS_KEY] ?? []);
      if (held.length)
        return {
          fatal:
            `${what}: ${field}.name: CloudNativePG names the PVCs of database ${db.name} ` +
            `${db.name}-<n> and ${db.name}-<n>-wal, and namespace ${where} has ` +
            `${held.length === 1 ? "a PVC" : "PVCs"} of another owner under such a name: ` +
            `${nameList(held)}; nothing is composed: rename the database`,
          reason: "Conflict",
        };
    }
    const sidecar = db.backup ? sidecarRequests : undefined;
    const charge: Charge = {
      label: `${field} (${db.name})`,
      demand: add(
        sizeDemand(size),
        sidecar ? sidecarDemand(BigInt(size.instances), sidecar) : NONE,
      ),
      each: size,
      sidecar,
    };
    if (current) {
      const had = (current.spec as { storage?: { size?: unknown } } | undefined)?.storage?.size;
      if (typeof had === "string" && parseQuantity(size.storage) < parseQuantity(had)) {
        const source = db.size.storage === undefined ? ` (from the ${size.preset} preset)` : "";
        return {
          fatal:
            `${what}: ${field}.size.storage: cannot shrink from ${had} ` +
            `to ${size.storage}${source}: storage only grows; set size.storage to at ` +
            `least ${had}`,
          reason: "Conflict",
        };
      }
      const major = observedMajor(current);
      if (major !== undefined && db.version < major) {
        const why =
          `version ${db.version} would replace the running PostgreSQL ${major} cluster ` +
          `(CloudNativePG upgrades in place but cannot downgrade)`;
        if (db.deletionProtection) {
          kept.push({ name: db.name, observed: current, why });
          continue;
        }
        // Replace: leave it out so Crossplane deletes it; once it is gone the
        // next reconcile creates the new one.
        replacing.add(db.name);
        events.push({
          severity: "Warning",
          reason: "DatabaseReplaced",
          message:
            `Database ${db.name}: ${why}; deleting it to recreate it, because ` +
            `deletionProtection is false. Its data is lost unless restored from a backup`,
        });
        charges.push(charge); // what it will take once recreated
        continue;
      }
    }
    charges.push(charge);
    const problem = db.backup
      ? backupCredentialsProblem(ns, db.backup.s3CredentialsSecret, required)
      : undefined;
    if (problem) credentials.set(db.name, problem);
    if (problem && !current) {
      // Created now, it would take data it could not back up: it waits, its quota reserved.
      waiting.add(db.name);
      continue;
    }
    if (!current && unchecked.has(db.name)) {
      // Created now, it could adopt a PVC another owner holds on the cluster: it waits too.
      checking.add(db.name);
      continue;
    }
    resources[databaseKey(db.name)] = clusterComposed(
      databaseCluster({
        namespace: ns,
        labels,
        database: db,
        size,
        storageClass: spec.backend.storageClass,
        imageCatalog: settings.postgres.imageCatalog,
        observed: current,
      }),
      current,
    );
    if (db.backup)
      resources[objectStoreKey(db.name)] = existing(
        objectStore({ namespace: ns, labels, name: db.name, backup: db.backup }),
        observed[objectStoreKey(db.name)],
      );
    if (db.backup)
      resources[backupKey(db.name)] = existing(
        scheduledBackup({
          namespace: ns,
          labels,
          cluster: db.name,
          schedule: db.backup.schedule,
        }),
        observed[backupKey(db.name)],
      );
  }

  kept.sort((a, b) => compareText(a.name, b.name));
  const keptCharges: Charge[] = kept.map((keptDatabase) => ({
    label: `kept database ${keptDatabase.name}`,
    demand: observedDemand(keptDatabase.observed, sidecarRequests),
  }));
  for (const keptDatabase of kept) {
    const { name, observed: keptCluster } = keptDatabase;
    resources[databaseKey(name)] = clusterComposed(asDesired(keptCluster), keptCluster);
    for (const key of [objectStoreKey(name), backupKey(name)]) {
      const obj = observed[key];
      if (obj) resources[key] = existing(asDesired(obj), obj);
    }
  }

  const over = quotaProblem(spec, [...keptCharges, ...charges]);
  if (over) return { fatal: `${what}: ${over}`, reason: "OverQuota" };

  const names = [
    ...spec.databases.map((d) => d.name).filter((n) => !replacing.has(n)),
    ...kept.map((k) => k.name),
  ];
  const unique = [...new Set(names)].sort();
  if (unique.length && spec.network.isolation === "isolated") {
    resources["netpol-allow-databases"] = existing(
      databasePolicy({
        namespace: ns,
        labels,
        names: unique,
        objectStores: objectStores(spec, kept, replacing, observed),
        settings,
      }),
      observed["netpol-allow-databases"],
    );
  }
  // The scrape config a Prometheus Operator reads, in place of the Cluster's deprecated
  // monitoring.enablePodMonitor; only where the platform settings name a Prometheus.
  if (settings.monitoring) {
    for (const name of unique)
      resources[podMonitorKey(name)] = existing(
        podMonitor({ namespace: ns, labels, cluster: name }),
        observed[podMonitorKey(name)],
      );
  }

  const keptBy = new Map(kept.map((k) => [k.name, k]));
  const statuses = [
    ...spec.databases.map((db) => {
      const keptDatabase = keptBy.get(db.name);
      if (keptDatabase) return keptStatus(keptDatabase, ns);
      const backups = db.backup !== undefined;
      if (replacing.has(db.name))
        return databaseStatus({ name: db.name, namespace: ns, backups, phase: "Replacing" });
      const problem = credentials.get(db.name);
      const current = observed[databaseKey(db.name)];
      if (waiting.has(db.name))
        return databaseStatus({
          name: db.name,
          namespace: ns,
          observed: current,
          backups,
          phase: "WaitingForBackupCredentials",
          backupCredentials: problem,
        });
      if (checking.has(db.name))
        return databaseStatus({
          name: db.name,
          namespace: ns,
          backups,
          phase: "WaitingForClusterCheck",
          backupCredentials: problem,
        });
      return databaseStatus({
        name: db.name,
        namespace: ns,
        observed: current,
        backups,
        backupCredentials: problem,
      });
    }),
    ...kept
      .filter((keptDatabase) => !inSpec.has(keptDatabase.name))
      .map((keptDatabase) => keptStatus(keptDatabase, ns)),
  ];

  const conditions: XRCondition[] = [];
  if (statuses.length) {
    conditions.push(
      kept.length
        ? {
            type: "DatabasesProtected",
            status: "True",
            reason: "KeptByDeletionProtection",
            message:
              `Kept by ` +
              `deletionProtection: ${kept
                .map((keptDatabase) => `${keptDatabase.name} ` + `(${keptDatabase.why})`)
                .join("; ")}. ` +
              `To delete one: set deletionProtection: false on its entry in spec.databases ` +
              `(add the entry back if it was removed), apply, then remove the entry`,
          }
        : {
            type: "DatabasesProtected",
            status: "False",
            reason: "NoneKept",
            message: "No database is kept against the spec",
          },
    );
  }
  const withBackups = spec.databases.filter(
    (d) => d.backup && !replacing.has(d.name) && !keptBy.has(d.name),
  );
  if (withBackups.length) {
    const list = (names: string[]) => names.map((n) => `${n} (${credentials.get(n)})`).join("; ");
    const running = withBackups
      .map((d) => d.name)
      .filter((n) => credentials.has(n) && !waiting.has(n));
    const parts = [
      ...(waiting.size
        ? [`not created until their backup credentials are in place: ${list([...waiting])}`]
        : []),
      ...(running.length ? [`running without working backups: ${list(running)}`] : []),
    ];
    conditions.push(
      parts.length
        ? {
            type: "BackupCredentialsReady",
            status: "False",
            reason: waiting.size ? "WaitingForDependency" : "SecretsIncomplete",
            message: `Databases ${parts.join("; ")}`,
          }
        : {
            type: "BackupCredentialsReady",
            status: "True",
            reason: "SecretsFound",
            message: `Backup credentials found for ${withBackups.length} database(s)`,
          },
    );
  }
  // Results become events on every reconcile, so warn when a database starts being
  // kept; the DatabasesProtected condition and status.databases[].kept say it
  // for as long as it lasts.
  for (const keptDatabase of kept) {
    if (previouslyKept.has(keptDatabase.name)) continue;
    events.push({
      severity: "Warning",
      reason: "DatabaseKept",
      message:
        `Database ${keptDatabase.name} is kept: ${keptDatabase.why}, and its ` +
        `deletionProtection is true. To delete it, set deletionProtection: false on its ` +
        `entry in spec.databases, apply, then remove the entry`,
    });
  }

  const total = [...keptCharges, ...charges].reduce((sum, charge) => add(sum, charge.demand), NONE);
  return {
    resources,
    status: statuses.length
      ? {
          databases: statuses,
          databaseDemand: {
            cpu: formatQuantity(total.cpu, "cpu"),
            memory: formatQuantity(total.memory, "bytes"),
            storage: formatQuantity(total.storage, "bytes"),
          },
        }
      : {},
    conditions,
    events,
  };
}

/** Properties of `databaseCluster()`. */
interface DatabaseClusterProps extends NamespacedProps {
  /** The spec.databases entry: its name, PostgreSQL major, backup and deletionProtection. */
  readonly database: DatabaseSpec;
  /** Its effective size: the preset with the entry's own figures on top. */
  readonly size: DatabaseSize;
  /**
   * The StorageClass of a new cluster's volumes: spec.backend.storageClass.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /** The ClusterImageCatalog new clusters take their PostgreSQL image from, by major. */
  readonly imageCatalog: string;
  /**
   * The Cluster as observed: a running one keeps the StorageClass it was made with.
   * @default - none: the database is new
   */
  readonly observed?: KubeObject;
}

/**
 * The CloudNativePG Cluster of one database: initdb, Guaranteed QoS, monitoring, backups if asked.
 */
function databaseCluster(props: DatabaseClusterProps): KubeObject {
  const { database, size, labels } = props;
  // A storage class is fixed when the volumes are made: a running cluster keeps its own
  // even when spec.backend.storageClass (the default for new databases) changes.
  const observedClass = (
    props.observed?.spec as { storage?: { storageClass?: unknown } } | undefined
  )?.storage?.storageClass;
  const storageClass = props.observed
    ? typeof observedClass === "string"
      ? observedClass
      : undefined
    : props.storageClass;
  const resources = { cpu: size.cpu, memory: size.memory };
  const backup = database.backup;
  const image = databaseImage({
    major: database.version,
    imageCatalog: props.imageCatalog,
    observed: props.observed,
  });
  return {
    apiVersion: CNPG_API_VERSION,
    kind: "Cluster",
    metadata: {
      name: database.name,
      namespace: props.namespace,
      labels: withLabels(labels, { [LABEL_TYPE]: "database" }),
      annotations: { [PROTECTION_ANNOTATION]: String(database.deletionProtection) },
    },
    spec: {
      instances: size.instances,
      imageName: image.imageName,
      imageCatalogRef: image.imageCatalogRef,
      inheritedMetadata: { labels },
      bootstrap: { initdb: { database: "app", owner: "app" } },
      storage: { size: size.storage, storageClass: storageClass || undefined },
      // Requests equal to limits: Guaranteed QoS, as CloudNativePG recommends for PostgreSQL.
      resources: { requests: resources, limits: resources },
      affinity:
        size.instances > 1
          ? {
              enablePodAntiAffinity: true,
              topologyKey: "kubernetes.io/hostname",
              podAntiAffinityType: size.antiAffinity,
            }
          : undefined,
      // WAL archiving and base backups through the Barman Cloud plugin, which replaces the
      // in-tree spec.backup.barmanObjectStore (deprecated since CloudNativePG 1.26): its sidecar
      // archives to the ObjectStore of the same name (plugin-barman-cloud web/docs/migration.md).
      plugins: backup
        ? [
            {
              name: BARMAN_CLOUD_PLUGIN,
              isWALArchiver: true,
              parameters: {
                barmanObjectName: database.name,
                // Per major: a database recreated at another version must not find the old WAL
                // archive (barman refuses a non-empty one). A plugin parameter: the ObjectStore's
                // own serverName must stay empty (its CRD refuses it; web/docs/parameters.md).
                serverName: `${database.name}-pg${database.version}`,
              },
            },
          ]
        : undefined,
    },
  };
}

/** Properties of `databaseImage()`. */
interface DatabaseImageProps {
  /** The PostgreSQL major. */
  readonly major: number;
  /** The ClusterImageCatalog to take it from. */
  readonly imageCatalog: string;
  /**
   * The Cluster as observed.
   * @default - none: the database is new
   */
  readonly observed?: KubeObject;
}

/**
 * Where a cluster's PostgreSQL image comes from: `spec.imageCatalogRef` into a
 * ClusterImageCatalog by major (cloudnative-pg docs/src/image_catalog.md). A cluster
 * already running on a deprecated rolling tag keeps that family: those are bullseye images,
 * the catalog's are trixie, and another glibc can sort text differently and so invalidate
 * its indexes (postgres-containers README, "switching to a different base ... is a manual
 * operation"; wiki.postgresql.org/wiki/Locale_data_changes).
 */
function databaseImage(props: DatabaseImageProps): {
  imageName?: string;
  imageCatalogRef?: Record<string, unknown>;
} {
  const spec = (props.observed?.spec ?? {}) as { imageName?: unknown; imageCatalogRef?: unknown };
  if (typeof spec.imageName === "string" && spec.imageCatalogRef === undefined)
    return { imageName: `${POSTGRES_IMAGE}:${props.major}` };
  return {
    imageCatalogRef: {
      apiGroup: "postgresql.cnpg.io",
      kind: "ClusterImageCatalog",
      name: props.imageCatalog,
      major: props.major,
    },
  };
}

/** Properties of `objectStore()`. */
interface ObjectStoreProps extends NamespacedProps {
  /** The database; its ObjectStore has its name (one store per cluster, as upstream advises). */
  readonly name: string;
  /** Its spec.databases[].backup. */
  readonly backup: NonNullable<DatabaseSpec["backup"]>;
}

/**
 * The Barman Cloud plugin's ObjectStore of one database: what the in-tree
 * `spec.backup.barmanObjectStore` carried, under `configuration`, and the retention
 * policy, which the plugin keeps on the store rather than the Cluster
 * (plugin-barman-cloud web/docs/migration.md, "Step 1").
 */
function objectStore(props: ObjectStoreProps): KubeObject {
  const { name, namespace, backup } = props;
  return {
    apiVersion: BARMAN_CLOUD_API_VERSION,
    kind: "ObjectStore",
    metadata: { name, namespace, labels: withLabels(props.labels, { [LABEL_TYPE]: "database" }) },
    spec: {
      configuration: {
        destinationPath: backup.destinationPath,
        endpointURL: backup.endpointURL || undefined,
        s3Credentials: {
          accessKeyId: { name: backup.s3CredentialsSecret, key: S3_ACCESS_KEY_ID },
          secretAccessKey: { name: backup.s3CredentialsSecret, key: S3_SECRET_ACCESS_KEY },
        },
        wal: { compression: "gzip" },
        data: { compression: "gzip" },
      },
      retentionPolicy: `${backup.retentionDays}d`,
    },
  };
}

/** Properties of `podMonitor()`. */
interface PodMonitorProps extends NamespacedProps {
  /** The Cluster whose instances it scrapes. */
  readonly cluster: string;
}

/**
 * The PodMonitor CloudNativePG built itself while `monitoring.enablePodMonitor` was on
 * (cloudnative-pg pkg/specs/podmonitor.go): the cluster's instance pods, port `metrics`.
 * Named `<cluster>-metrics`, not `<cluster>`: the operator deletes a PodMonitor named after
 * the cluster that it owns once that flag is off (internal/controller/cluster_create.go), and
 * one object cannot have two controllers while the two hand over.
 */
function podMonitor(props: PodMonitorProps): KubeObject {
  const { cluster, namespace } = props;
  return {
    apiVersion: PODMONITOR_API_VERSION,
    kind: "PodMonitor",
    metadata: {
      name: `${cluster}-metrics`,
      namespace,
      labels: withLabels(props.labels, { [LABEL_TYPE]: "database" }),
    },
    spec: {
      selector: { matchLabels: { "cnpg.io/cluster": cluster, "cnpg.io/podRole": "instance" } },
      podMetricsEndpoints: [{ port: "metrics" }],
    },
  };
}

/** Properties of `scheduledBackup()`. */
interface ScheduledBackupProps extends NamespacedProps {
  /** The Cluster it backs up; the ScheduledBackup has its name. */
  readonly cluster: string;
  /** When: a six-field cron expression (seconds first), as CloudNativePG reads it. */
  readonly schedule: string;
}

/** The ScheduledBackup of a database with a backup. */
function scheduledBackup(props: ScheduledBackupProps): KubeObject {
  const { cluster: name, namespace } = props;
  return {
    apiVersion: CNPG_API_VERSION,
    kind: "ScheduledBackup",
    metadata: { name, namespace, labels: withLabels(props.labels, { [LABEL_TYPE]: "database" }) },
    // The first base backup right away; Backup objects go with the
    // ScheduledBackup, their data stays in the object store.
    spec: {
      cluster: { name },
      schedule: props.schedule,
      method: "plugin",
      pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
      immediate: true,
      backupOwnerReference: "self",
    },
  };
}

/**
 * The backup endpoints of the databases composed with a backup: in the spec, or kept as observed.
 */
function objectStores(
  spec: VDCSpec,
  kept: readonly Kept[],
  replacing: ReadonlySet<string>,
  observed: Record<string, KubeObject>,
): (string | undefined)[] {
  const keptNames = new Set(kept.map((k) => k.name));
  const fromSpec = spec.databases
    .filter((d) => d.backup && !replacing.has(d.name) && !keptNames.has(d.name))
    .map((d) => d.backup!.endpointURL);
  const fromKept = kept.flatMap((k) => {
    // A kept cluster archives through the plugin to its ObjectStore, or, composed before the
    // plugin, through the in-tree barmanObjectStore.
    const store = observed[objectStoreKey(k.name)]?.spec as
      { configuration?: { endpointURL?: unknown } } | undefined;
    const inTree = (
      k.observed.spec as { backup?: { barmanObjectStore?: { endpointURL?: unknown } } }
    )?.backup?.barmanObjectStore;
    const config = store?.configuration ?? inTree;
    if (!config) return [];
    return [typeof config.endpointURL === "string" ? config.endpointURL : undefined];
  });
  return [...fromSpec, ...fromKept];
}

/** Ready from CloudNativePG's Ready condition, or from its phase where the condition is not set. */
function clusterComposed(resource: KubeObject, observed: KubeObject | undefined): Composed {
  return { resource, ready: clusterReady(observed) };
}

export function clusterReady(observed: KubeObject | undefined): boolean {
  if (!observed) return false;
  const ready = conditionOf(observed, "Ready");
  if (ready) return ready.status === "True";
  return (observed.status as { phase?: unknown } | undefined)?.phase === HEALTHY_PHASE;
}

/** Properties of `databaseStatus()`: the observed Cluster, and what the spec alone cannot tell. */
interface DatabaseStatusProps {
  /** The database's name, which its Cluster has. */
  readonly name: string;
  /** The VDC namespace, for the host name. */
  readonly namespace: string;
  /**
   * The Cluster as observed.
   * @default - not created yet: not ready, no phase or instance counts
   */
  readonly observed?: KubeObject;
  /** Whether it has backups. */
  readonly backups: boolean;
  /**
   * The phase to report over the observed one.
   * @default - the observed Cluster's phase
   */
  readonly phase?: string;
  /**
   * What is wrong with its backup credentials Secret.
   * @default - nothing
   */
  readonly backupCredentials?: string;
  /**
   * Whether deletionProtection keeps it against the spec.
   * @default - not kept
   */
  readonly kept?: true;
}

/** What status.databases[] says of one database. */
function databaseStatus(props: DatabaseStatusProps): Record<string, unknown> {
  const { name, observed } = props;
  const st = (observed?.status ?? {}) as {
    phase?: unknown;
    instances?: unknown;
    readyInstances?: unknown;
  };
  return {
    name,
    ready: clusterReady(observed),
    phase: props.phase ?? (typeof st.phase === "string" ? st.phase : undefined),
    instances: typeof st.instances === "number" ? st.instances : undefined,
    readyInstances: typeof st.readyInstances === "number" ? st.readyInstances : undefined,
    host: `${name}-rw.${props.namespace}.svc`,
    secretName: `${name}-app`,
    backups: props.backups,
    backupCredentials: props.backupCredentials,
    kept: props.kept,
  };
}

function keptStatus(keptDatabase: Kept, ns: string): Record<string, unknown> {
  return databaseStatus({
    name: keptDatabase.name,
    namespace: ns,
    observed: keptDatabase.observed,
    backups: hasBackups(keptDatabase.observed),
    kept: true,
  });
}

/** Whether an observed Cluster backs up: in-tree, or through the Barman Cloud plugin. */
function hasBackups(obj: KubeObject): boolean {
  return (obj.spec as { backup?: unknown } | undefined)?.backup !== undefined || onPlugin(obj);
}

/** Whether an observed Cluster backs up through the Barman Cloud plugin, and so has its sidecar. */
function onPlugin(obj: KubeObject): boolean {
  const plugins = (obj.spec as { plugins?: unknown } | undefined)?.plugins;
  return (
    Array.isArray(plugins) &&
    plugins.some((p) => (p as { name?: unknown } | null)?.name === BARMAN_CLOUD_PLUGIN)
  );
}

/**
 * The PostgreSQL major a running cluster was composed with, from its image tag or image catalog.
 */
function observedMajor(obj: KubeObject): number | undefined {
  const spec = (obj.spec ?? {}) as { imageName?: unknown; imageCatalogRef?: { major?: unknown } };
  if (typeof spec.imageCatalogRef?.major === "number") return spec.imageCatalogRef.major;
  if (typeof spec.imageName !== "string") return undefined;
  const tag = /:([0-9]+)(?:[.\-@][^/]*)?$/.exec(spec.imageName.replace(/@sha256:[0-9a-f]+$/, ""));
  return tag ? Number(tag[1]) : undefined;
}

/**
 * What a running cluster holds, read from its own spec, with its instances' backup sidecars if it
 * backs up through the plugin (at today's LimitRange defaults); unreadable figures count as
 * nothing.
 */
function observedDemand(obj: KubeObject, sidecar: SidecarRequests): Demand {
  const spec = (obj.spec ?? {}) as {
    instances?: unknown;
    storage?: { size?: unknown };
    walStorage?: { size?: unknown };
    resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  };
  const q = (v: unknown): bigint => {
    try {
      return typeof v === "string" || typeof v === "number" ? parseQuantity(v) : 0n;
    } catch {
      return 0n;
    }
  };
  const n = BigInt(
    typeof spec.instances === "number" && Number.isInteger(spec.instances) && spec.instances > 0
      ? spec.instances
      : 1,
  );
  const res = (k: string) => q(spec.resources?.requests?.[k] ?? spec.resources?.limits?.[k]);
  const own: Demand = {
    cpu: n * res("cpu"),
    memory: n * res("memory"),
    storage: n * (q(spec.storage?.size) + q(spec.walStorage?.size)),
  };
  return onPlugin(obj) ? add(own, sidecarDemand(n, sidecar)) : own;
}

const FIGURES = [
  ["cpu", "cpu"],
  ["memory", "bytes"],
  ["storage", "bytes"],
] as const;

/**
 * The first database, in charging order (kept ones first), that takes the
 * databases past spec.quota.
 */
function quotaProblem(spec: VDCSpec, charges: Charge[]): string | undefined {
  const quota: Demand = {
    cpu: parseQuantity(spec.quota.cpu),
    memory: parseQuantity(spec.quota.memory),
    storage: parseQuantity(spec.quota.storage),
  };
  let sum = NONE;
  for (const c of charges) {
    sum = add(sum, c.demand);
    const over = FIGURES.filter(([k]) => sum[k] > quota[k]);
    if (!over.length) continue;
    const details = over.map(([k, unit]) => {
      const sidecar =
        c.each && c.sidecar && k !== "storage"
          ? ` + ${c.each.instances} × ${c.sidecar[k]} for its backup sidecar`
          : "";
      const mine = c.each
        ? `this one ${c.each.instances} × ${c.each[k]}${sidecar}`
        : `it holds ${formatQuantity(c.demand[k], unit)}`;
      return (
        `${k}: the databases need ${formatQuantity(sum[k], unit)} (${mine}) but ` +
        `spec.quota.${k} is ${formatQuantity(quota[k], unit)}; over ` +
        `by ${formatQuantity(sum[k] - quota[k], unit)}`
      );
    });
    const where = c.each
      ? `${c.label}: over the VDC quota`
      : `spec.quota: below what the ${c.label} holds`;
    return `${where}: ${details.join("; ")}`;
  }
  return undefined;
}

interface DatabasePolicyProps extends NamespacedProps {
  /** The databases (CloudNativePG Clusters) whose pods it selects. */
  readonly names: readonly string[];
  /** The backup endpoints (endpointURL) of databases with backups; undefined: AWS S3. */
  readonly objectStores: readonly (string | undefined)[];
  readonly settings: PlatformSettings;
}

/**
 * CloudNativePG's instance manager serves Prometheus metrics on 9187, named
 * `metrics` (cloudnative-pg docs/src/monitoring.md).
 */
export const POSTGRES_METRICS_PORT = 9187;

/**
 * In an isolated VDC: the operator reaches the instances; the instances reach
 * the API server (443 through the Service, 6443 where policies see the
 * endpoint) and, for WAL archiving and backups, the object store on its
 * endpoint's port; the monitoring namespace, when the platform has one,
 * scrapes the metrics port.
 */
function databasePolicy(p: DatabasePolicyProps): KubeObject {
  const stores: Destination[] = p.objectStores.map(
    (url) => (url === undefined ? undefined : urlEndpoint(url)) ?? { port: 443 },
  );
  const monitoring = p.settings.monitoring;
  return networkPolicy({
    name: "allow-databases",
    namespace: p.namespace,
    labels: p.labels,
    podSelector: Pods.anyOf("cnpg.io/cluster", p.names),
    ingress: [
      {
        from: [
          Peer.pods({
            namespace: Namespaces.named(p.settings.operators.cnpg),
            pods: Pods.select({ "app.kubernetes.io/name": "cloudnative-pg" }),
          }),
        ],
        ports: [NetworkPolicyPort.tcp(8000), NetworkPolicyPort.tcp(5432)],
      },
      ...(monitoring
        ? [
            {
              from: [Peer.pods({ namespace: Namespaces.named(monitoring.namespace) })],
              ports: [NetworkPolicyPort.tcp(POSTGRES_METRICS_PORT)],
            },
          ]
        : []),
    ],
    egress: egressTo([{ port: 443 }, { port: 6443 }, ...stores]),
  });
}
