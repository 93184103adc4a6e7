// VDC.spec.databases: CloudNativePG Clusters and ScheduledBackups, their backup credentials,
// quota and limits, status, and databases kept or replaced only when the spec allows it.
import { describe } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { tenant, vdc } from "./support/fixtures.js";
import type { Plain, RequestParts } from "./support/request.js";
import { runCases } from "./support/table.js";
import { pvcsSelector, refused, secretSelector, vdcRequirements } from "./support/wants.js";

const acme = (tier: string) =>
  tenant({
    spec: {
      tier,
      admins: { groups: ["acme-admins"] },
      quota: { cpu: "64", memory: "256Gi", storage: "4Ti", vms: 20, vdcs: 3 },
    },
  });
const quota = { cpu: "16", memory: "64Gi", storage: "1Ti" };
/** acme-prod, on storage class ceph-rbd, with `spec` on top. */
const prod = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject =>
  vdc({
    name: "acme-prod",
    spec: { quota, backend: { storageClass: "ceph-rbd" }, ...spec },
    ...(status ? { status } : {}),
  });
/**
 * The backup credentials Secret the tenant created, as the API server returns
 * it: only its key names are read.
 */
const s3Secret = (
  data: Record<string, string> = {
    ACCESS_KEY_ID: "QUtJQS1leGFtcGxl",
    ACCESS_SECRET_KEY: "ZXhhbXBsZS1vbmx5",
  },
): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "backup-s3", namespace: "acme-prod" },
  data,
});
interface With {
  tier?: string;
  observed?: Record<string, KubeObject>;
  /** The backup credentials Secrets found; the complete one unless told. */
  secrets?: KubeObject[];
  desired?: Record<string, KubeObject>;
  /** The platform settings' data (EnvironmentConfig crossvdc); none: the kubernetes preset. */
  platform?: Record<string, unknown>;
  /** The PVCs of the VDC namespace; none unless told. */
  pvcs?: KubeObject[];
}
/**
 * The request once Crossplane has fetched the tenant (professional unless
 * told), the VDCs and the Secret.
 */
const databases = (
  dbs: Record<string, unknown>[],
  o: With & { spec?: Record<string, unknown> } = {},
) => request(prod({ ...o.spec, databases: dbs }), o);
const request = (xr: KubeObject, o: With = {}): RequestParts => ({
  xr,
  ...(o.observed ? { observed: o.observed } : {}),
  ...(o.desired ? { desired: o.desired } : {}),
  required: {
    tenant: [acme(o.tier ?? "professional")],
    vdcs: [],
    "backup-secret-backup-s3": o.secrets ?? [s3Secret()],
    ...(o.pvcs ? { pvcs: o.pvcs } : {}),
    ...(o.platform
      ? {
          platform: [
            {
              apiVersion: "apiextensions.crossplane.io/v1beta1",
              kind: "EnvironmentConfig",
              metadata: { name: "crossvdc" },
              data: o.platform,
            },
          ],
        }
      : {}),
  },
});

const labels = { "crossvdc.io/tenant": "acme", "crossvdc.io/vdc": "acme-prod" };
const backup = { destinationPath: "s3://acme-backups/prod", s3CredentialsSecret: "backup-s3" };
const protectedBy = (on: boolean) => ({ "crossvdc.io/deletion-protection": String(on) });

/** The Cluster the composer writes for database orders, with what varies per case on top. */
const cluster = (spec: Record<string, unknown>, deletionProtection = true): KubeObject => ({
  apiVersion: "postgresql.cnpg.io/v1",
  kind: "Cluster",
  metadata: {
    name: "orders",
    namespace: "acme-prod",
    labels: { ...labels, "crossvdc.io/type": "database" },
    annotations: protectedBy(deletionProtection),
  },
  spec: {
    instances: 1,
    imageCatalogRef: catalog(17),
    inheritedMetadata: { labels },
    bootstrap: { initdb: { database: "app", owner: "app" } },
    storage: { size: "50Gi", storageClass: "ceph-rbd" },
    resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } },
    ...spec,
  },
});
/** A new cluster's image: the major from the ClusterImageCatalog crossvdc ships, or another. */
const catalog = (major: number, name = "crossvdc-postgresql") => ({
  apiGroup: "postgresql.cnpg.io",
  kind: "ClusterImageCatalog",
  name,
  major,
});
/** WAL archiving through the Barman Cloud plugin into the ObjectStore orders. */
const plugin = (serverName = "orders-pg17") => [
  {
    name: "barman-cloud.cloudnative-pg.io",
    isWALArchiver: true,
    parameters: { barmanObjectName: "orders", serverName },
  },
];
/** The ObjectStore of database orders: what barmanObjectStore held, and the retention. */
const objectStore = (configuration: Record<string, unknown> = {}, retentionPolicy = "30d") => ({
  apiVersion: "barmancloud.cnpg.io/v1",
  kind: "ObjectStore",
  metadata: {
    name: "orders",
    namespace: "acme-prod",
    labels: { ...labels, "crossvdc.io/type": "database" },
  },
  spec: {
    configuration: {
      destinationPath: "s3://acme-backups/prod",
      s3Credentials: {
        accessKeyId: { name: "backup-s3", key: "ACCESS_KEY_ID" },
        secretAccessKey: { name: "backup-s3", key: "ACCESS_SECRET_KEY" },
      },
      wal: { compression: "gzip" },
      data: { compression: "gzip" },
      ...configuration,
    },
    retentionPolicy,
  },
});
/** The ScheduledBackup of database orders, through the plugin. */
const SCHEDULED_ORDERS = {
  apiVersion: "postgresql.cnpg.io/v1",
  kind: "ScheduledBackup",
  metadata: {
    name: "orders",
    namespace: "acme-prod",
    labels: { ...labels, "crossvdc.io/type": "database" },
  },
  spec: {
    cluster: { name: "orders" },
    schedule: "0 0 2 * * *",
    method: "plugin",
    pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
    immediate: true,
    backupOwnerReference: "self",
  },
};
/** In-tree backups, as crossvdc composed them before the plugin: on clusters running since. */
const barman = (serverName = "orders-pg17") => ({
  retentionPolicy: "30d",
  barmanObjectStore: {
    destinationPath: "s3://acme-backups/prod",
    serverName,
    s3Credentials: {
      accessKeyId: { name: "backup-s3", key: "ACCESS_KEY_ID" },
      secretAccessKey: { name: "backup-s3", key: "ACCESS_SECRET_KEY" },
    },
    wal: { compression: "gzip" },
    data: { compression: "gzip" },
  },
});

/**
 * A Cluster as the API server returns it after CloudNativePG admitted and ran
 * it: the composed spec plus the operator's defaults, server-set metadata and
 * status. What the composer must keep when it keeps a database.
 */
function running(
  name: string,
  opts: {
    version?: number;
    size?: string;
    instances?: number;
    protection?: boolean;
    backup?: boolean;
    /** Made since the image catalog: spec.imageCatalogRef rather than a rolling tag. */
    catalog?: boolean;
    /** Backed up through the Barman Cloud plugin into the ObjectStore of its name. */
    plugin?: boolean;
    status?: Record<string, unknown>;
  } = {},
): KubeObject {
  const { version = 17, size = "50Gi", instances = 1, protection = true } = opts;
  return {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: {
      name,
      namespace: "acme-prod",
      uid: "3f0c8a52-4d0e-4a55-9a0c-1b3f8d2e7c11",
      resourceVersion: "918273",
      generation: 4,
      creationTimestamp: "2026-01-05T10:00:00Z",
      labels: { ...labels, "crossvdc.io/type": "database", "crossplane.io/composite": "acme-prod" },
      annotations: {
        ...protectedBy(protection),
        "crossplane.io/composition-resource-name": `database-${name}`,
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
      },
      ownerReferences: [
        {
          apiVersion: "crossvdc.io/v1alpha1",
          kind: "VDC",
          name: "acme-prod",
          uid: "0b1d2c3e-0000-4000-8000-000000000001",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: "apiextensions.crossplane.io/composed/0b1d2c3e",
          operation: "Apply",
          apiVersion: "postgresql.cnpg.io/v1",
          time: "2026-01-05T10:00:00Z",
          fieldsType: "FieldsV1",
          fieldsV1: {},
        },
      ],
      finalizers: [],
    },
    spec: {
      instances,
      ...(opts.catalog
        ? { imageCatalogRef: catalog(version) }
        : { imageName: `ghcr.io/cloudnative-pg/postgresql:${version}` }),
      inheritedMetadata: { labels },
      bootstrap: {
        initdb: {
          database: "app",
          owner: "app",
          encoding: "UTF8",
          localeCType: "C",
          localeCollate: "C",
        },
      },
      storage: { size, storageClass: "ceph-rbd", resizeInUseVolumes: true },
      resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } },
      monitoring: { enablePodMonitor: true, disableDefaultQueries: false },
      affinity: { podAntiAffinityType: "preferred" },
      enablePDB: true,
      enableSuperuserAccess: false,
      failoverDelay: 0,
      logLevel: "info",
      maxSyncReplicas: 0,
      minSyncReplicas: 0,
      postgresGID: 26,
      postgresUID: 26,
      postgresql: {
        parameters: {
          archive_mode: "on",
          archive_timeout: "5min",
          max_connections: "100",
          shared_buffers: "256MB",
        },
      },
      primaryUpdateMethod: "restart",
      primaryUpdateStrategy: "unsupervised",
      smartShutdownTimeout: 180,
      startDelay: 3600,
      stopDelay: 1800,
      switchoverDelay: 3600,
      ...(opts.backup
        ? { backup: { ...barman(`${name}-pg${version}`), target: "prefer-standby" } }
        : {}),
      ...(opts.plugin
        ? {
            plugins: [
              {
                name: "barman-cloud.cloudnative-pg.io",
                enabled: true,
                isWALArchiver: true,
                parameters: { barmanObjectName: name, serverName: `${name}-pg${version}` },
              },
            ],
          }
        : {}),
    },
    status: opts.status ?? {
      phase: "Cluster in healthy state",
      instances,
      readyInstances: instances,
      currentPrimary: `${name}-1`,
      writeService: `${name}-rw`,
      readService: `${name}-r`,
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "ClusterIsReady",
          message: "Cluster is Ready",
          lastTransitionTime: "2026-01-05T10:03:00Z",
        },
      ],
    },
  };
}

/**
 * What the composer emits for a kept database: the observed object without
 * status and server-set metadata.
 */
function keptAs(obj: KubeObject): KubeObject {
  const o = structuredClone(obj);
  delete o.status;
  const metadata = { ...o.metadata };
  for (const k of [
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "ownerReferences",
    "finalizers",
  ])
    delete metadata[k];
  if (metadata.annotations) {
    const annotations = { ...metadata.annotations };
    delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
    metadata.annotations = annotations;
  }
  return { ...o, metadata };
}

const dbOnly = <T>(m: Record<string, T>) =>
  Object.fromEntries(
    Object.entries(m).filter(([k]) => /^(database|backup|objectstore|podmonitor)-/.test(k)),
  );
const facets = {
  /** The names of the composed Clusters, ObjectStores, ScheduledBackups, PodMonitors, sorted. */
  dbNames: (out: Plain) => Object.keys(dbOnly(out.resources)).sort(),
  dbReady: (out: Plain) => dbOnly(out.ready),
  databases: (out: Plain) => out.status?.databases,
  demand: (out: Plain) => out.status?.databaseDemand,
  /**
   * The conditions about databases (the tenant budget's are the VDC's own cases, deletion
   * protection's test/protection.test.ts's).
   */
  dbConditions: (out: Plain) =>
    out.conditions.filter((c) => c.type !== "BudgetAdmitted" && c.type !== "DeletionProtected"),
  conditionTypes: (out: Plain) => out.conditions.map((c) => c.type),
  netpols: (out: Plain) => Object.keys(out.resources).filter((k) => k.startsWith("netpol-")),
  /** Values of the backup Secret anywhere in the response. */
  secretShown: (out: Plain) =>
    [
      "AKIA-never-shown",
      "s3cr3t-never-shown",
      b64("AKIA-never-shown"),
      b64("s3cr3t-never-shown"),
    ].filter((v) => JSON.stringify(out).includes(v)),
};
const b64 = (s: string) => Buffer.from(s).toString("base64");

const orders = { name: "orders", backup };
const ORDERS_STATUS = {
  name: "orders",
  ready: false,
  host: "orders-rw.acme-prod.svc",
  secretName: "orders-app",
  backups: true,
};
/** orders running and healthy, as its Cluster reports. */
const ORDERS_HEALTHY = {
  ...ORDERS_STATUS,
  ready: true,
  phase: "Cluster in healthy state",
  instances: 1,
  readyInstances: 1,
};
/** Readiness of orders' Cluster, its ObjectStore and ScheduledBackup (never ready composed). */
const ordersReady = (cluster: boolean) => ({
  "database-orders": cluster,
  "objectstore-orders": false,
  "backup-orders": false,
});
/** A database spec refused with the field path; the desired state stays as it came. */
const invalid = (message: string) =>
  refused("InvalidSpec", `VDC acme-prod: invalid spec: ${message}`);
/**
 * orders' demand: its one instance (2 cpu, 4Gi) and that instance's backup sidecar, which gets
 * the LimitRange's default requests (100m, 256Mi).
 */
const DEMAND_ONE = { cpu: "2100m", memory: "4352Mi", storage: "50Gi" };
const NONE_KEPT = {
  type: "DatabasesProtected",
  status: "False",
  reason: "NoneKept",
  message: "No database is kept against the spec",
};
const SECRETS_FOUND = {
  type: "BackupCredentialsReady",
  status: "True",
  reason: "SecretsFound",
  message: "Backup credentials found for 1 database(s)",
};
const MISSING =
  "Secret acme-prod/backup-s3 does not exist; create it with the keys ACCESS_KEY_ID and " +
  "ACCESS_SECRET_KEY";
/** A new database waiting for its backup credentials: not created, its quota held, and why. */
const waiting = (problem: string) => ({
  results: [],
  dbNames: [],
  databases: [
    { ...ORDERS_STATUS, phase: "WaitingForBackupCredentials", backupCredentials: problem },
  ],
  demand: DEMAND_ONE,
  dbConditions: [
    NONE_KEPT,
    {
      type: "BackupCredentialsReady",
      status: "False",
      reason: "WaitingForDependency",
      message:
        `Databases not created until their backup credentials are in place: orders ` +
        `(${problem})`,
    },
  ],
});
const resources = (cpu: string, memory: string) => ({
  requests: { cpu, memory },
  limits: { cpu, memory },
});
const antiAffinity = (type: string) => ({
  enablePodAntiAffinity: true,
  topologyKey: "kubernetes.io/hostname",
  podAntiAffinityType: type,
});
/** orders composed without error as a Cluster of this size, its storage on ceph-rbd. */
const ordersCluster = (p: {
  readonly instances?: number;
  readonly storage: string;
  readonly cpu: string;
  readonly memory: string;
  /** podAntiAffinityType, for more than one instance; none unless given. */
  readonly antiAffinity?: string;
  /** WAL archiving through the Barman Cloud plugin; none unless true. */
  readonly backups?: boolean;
}) => ({
  results: [],
  at: {
    "database-orders": cluster({
      ...(p.instances ? { instances: p.instances } : {}),
      storage: { size: p.storage, storageClass: "ceph-rbd" },
      resources: resources(p.cpu, p.memory),
      ...(p.antiAffinity ? { affinity: antiAffinity(p.antiAffinity) } : {}),
      ...(p.backups ? { plugins: plugin() } : {}),
    }),
  },
});
/** The ScheduledBackup of the kept database legacy, as observed. */
const SCHEDULED: KubeObject = {
  apiVersion: "postgresql.cnpg.io/v1",
  kind: "ScheduledBackup",
  metadata: {
    name: "legacy",
    namespace: "acme-prod",
    uid: "u-2",
    resourceVersion: "77",
    generation: 1,
    creationTimestamp: "2026-01-05T10:00:00Z",
    labels: { ...labels, "crossvdc.io/type": "database" },
  },
  spec: {
    cluster: { name: "legacy" },
    schedule: "0 0 2 * * *",
    method: "barmanObjectStore",
    immediate: true,
    backupOwnerReference: "self",
    suspend: false,
    target: "prefer-standby",
  },
  status: {
    lastCheckTime: "2026-01-06T02:00:00Z",
    lastScheduleTime: "2026-01-06T02:00:00Z",
    nextScheduleTime: "2026-01-07T02:00:00Z",
  },
};
const LEGACY_BACKED_UP = running("legacy", { backup: true });
/** legacy, made since the plugin: its Cluster and ObjectStore (MinIO, port 9000), as observed. */
const LEGACY_PLUGIN = running("legacy", { catalog: true, plugin: true });
const LEGACY_STORE: KubeObject = {
  ...objectStore({ endpointURL: "https://minio.acme.example:9000" }),
  metadata: {
    name: "legacy",
    namespace: "acme-prod",
    uid: "u-3",
    resourceVersion: "78",
    generation: 1,
    creationTimestamp: "2026-01-05T10:00:00Z",
    labels: { ...labels, "crossvdc.io/type": "database" },
  },
  status: { serverRecoveryWindow: {} },
};
/** What the PodMonitor of a database is, with the monitoring the platform settings name. */
const podMonitor = (cluster: string) => ({
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PodMonitor",
  metadata: {
    name: `${cluster}-metrics`,
    namespace: "acme-prod",
    labels: { ...labels, "crossvdc.io/type": "database" },
  },
  spec: {
    selector: { matchLabels: { "cnpg.io/cluster": cluster, "cnpg.io/podRole": "instance" } },
    podMetricsEndpoints: [{ port: "metrics" }],
  },
});
const LEGACY = running("legacy");
const LEGACY_STATUS = {
  name: "legacy",
  ready: true,
  phase: "Cluster in healthy state",
  instances: 1,
  readyInstances: 1,
  host: "legacy-rw.acme-prod.svc",
  secretName: "legacy-app",
  backups: true,
  kept: true,
};
const KEPT_WARNING = {
  severity: "WARNING",
  reason: "DatabaseKept",
  message:
    "Database legacy is kept: removed from spec.databases, and its deletionProtection is " +
    "true. To delete it, set deletionProtection: false on its entry in spec.databases, " +
    "apply, then remove the entry",
};
const KEPT_CONDITION = {
  type: "DatabasesProtected",
  status: "True",
  reason: "KeptByDeletionProtection",
  message:
    "Kept by deletionProtection: legacy (removed from spec.databases). To delete one: " +
    "set deletionProtection: false on its entry in spec.databases (add the entry back if " +
    "it was removed), apply, then remove the entry",
};
const REPLACING = { name: "orders", version: 16, deletionProtection: false, backup };
const NOT_READY = (at: string) => ({
  type: "Ready",
  status: "False",
  reason: "ClusterIsNotReady",
  message: "Cluster Is Not Ready",
  lastTransitionTime: at,
});
/** orders observed with this status. */
const observedOrders = (status: Record<string, unknown> | undefined) => ({
  "database-orders": { ...running("orders"), status },
});
const shrink = (observed: string, size: Record<string, unknown>, deletionProtection: boolean) =>
  databases([{ name: "orders", size, deletionProtection, backup }], {
    observed: { "database-orders": running("orders", { size: observed }) },
  });
const SHRINK_EXPLICIT =
  "VDC acme-prod: spec.databases[0].size.storage: cannot shrink from 50Gi to 20Gi: " +
  "storage only grows; set size.storage to at least 50Gi";
const SHRINK_PRESET =
  "VDC acme-prod: spec.databases[0].size.storage: cannot shrink from 200Gi to 50Gi (from " +
  "the professional preset): storage only grows; set size.storage to at least 200Gi";
/** The namespace an earlier reconcile composed, which a Fatal must keep. */
const KEPT_NAMESPACE = {
  namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: "acme-prod" } },
};

describe("VDC databases", () => {
  runCases(
    {
      Professional: {
        reason:
          "A professional database with backups: its Cluster on the shipped image catalog, " +
          "its ObjectStore and plugin backups, the operator's access, status and demand; " +
          "no PodMonitor without monitoring",
        ...databases([orders]),
        want: {
          results: [],
          at: {
            "database-orders": cluster({ plugins: plugin() }),
            "objectstore-orders": objectStore(),
            "backup-orders": SCHEDULED_ORDERS,
            "netpol-allow-databases": {
              apiVersion: "networking.k8s.io/v1",
              kind: "NetworkPolicy",
              metadata: { name: "allow-databases", namespace: "acme-prod", labels },
              spec: {
                podSelector: {
                  matchExpressions: [
                    { key: "cnpg.io/cluster", operator: "In", values: ["orders"] },
                  ],
                },
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                  {
                    from: [
                      {
                        namespaceSelector: {
                          matchLabels: { "kubernetes.io/metadata.name": "cnpg-system" },
                        },
                        podSelector: {
                          matchLabels: { "app.kubernetes.io/name": "cloudnative-pg" },
                        },
                      },
                    ],
                    ports: [
                      { protocol: "TCP", port: 8000 },
                      { protocol: "TCP", port: 5432 },
                    ],
                  },
                ],
                egress: [
                  {
                    ports: [
                      { protocol: "TCP", port: 443 },
                      { protocol: "TCP", port: 6443 },
                    ],
                  },
                ],
              },
            },
          },
          dbReady: ordersReady(false),
          databases: [ORDERS_STATUS],
          demand: DEMAND_ONE,
          dbConditions: [NONE_KEPT, SECRETS_FOUND],
        },
      },

      // Backup credentials
      AsksForBackupSecretOnce: {
        reason:
          "The backup credentials Secret of every database with a backup is asked for, " +
          "once per Secret",
        xr: prod({ databases: [orders, { name: "billing", backup }] }),
        required: { tenant: [acme("professional")], vdcs: [] },
        want: {
          requirements: {
            ...vdcRequirements({ vdc: "acme-prod" }),
            "backup-secret-backup-s3": secretSelector({
              namespace: "acme-prod",
              name: "backup-s3",
            }),
            // The databases are new: the namespace's PVCs, for names another owner holds.
            pvcs: pvcsSelector("acme-prod"),
          },
        },
      },
      WaitsForMissingSecret: {
        reason: "A new database waits while its backup Secret does not exist",
        ...databases([orders], { secrets: [] }),
        want: waiting(MISSING),
      },
      WaitsForSecretKey: {
        reason: "A new database waits while its backup Secret lacks a key",
        ...databases([orders], { secrets: [s3Secret({ ACCESS_KEY_ID: "QUtJQS1leGFtcGxl" })] }),
        want: waiting("Secret acme-prod/backup-s3 lacks the key ACCESS_SECRET_KEY"),
      },
      WaitsForSecretKeys: {
        reason: "A new database waits while its backup Secret has neither key",
        ...databases([orders], { secrets: [s3Secret({ other: "eA==" })] }),
        want: waiting(
          "Secret acme-prod/backup-s3 lacks the keys ACCESS_KEY_ID and ACCESS_SECRET_KEY",
        ),
      },
      RunningKeepsRunningWithoutSecret: {
        reason:
          "A running database keeps running when its Secret goes, and the VDC says it " +
          "has no working backups",
        ...databases([orders], {
          secrets: [],
          observed: {
            "database-orders": {
              ...cluster({ plugins: plugin() }),
              status: { phase: "Cluster in healthy state" },
            },
          },
        }),
        want: {
          at: {
            "database-orders": cluster({ plugins: plugin() }),
            "backup-orders.kind": "ScheduledBackup",
          },
          databases: [
            {
              ...ORDERS_STATUS,
              ready: true,
              phase: "Cluster in healthy state",
              backupCredentials: MISSING,
            },
          ],
          dbConditions: [
            NONE_KEPT,
            {
              type: "BackupCredentialsReady",
              status: "False",
              reason: "SecretsIncomplete",
              message: `Databases running without working backups: orders (${MISSING})`,
            },
          ],
        },
      },
      NeverReadsSecretValues: {
        reason: "Only the Secret's key names are read, never its values",
        ...databases([orders], {
          secrets: [
            s3Secret({
              ACCESS_KEY_ID: b64("AKIA-never-shown"),
              ACCESS_SECRET_KEY: b64("s3cr3t-never-shown"),
            }),
          ],
        }),
        want: { secretShown: [] },
      },

      // Presets follow the tenant's tier
      PresetDemo: {
        reason: "demo: one small instance, no backups",
        ...databases([{ name: "orders" }], { tier: "demo" }),
        want: {
          ...ordersCluster({ storage: "5Gi", cpu: "500m", memory: "512Mi" }),
          dbNames: ["database-orders"],
        },
      },
      PresetFree: {
        reason: "free: one instance, no backups",
        ...databases([{ name: "orders" }], { tier: "free" }),
        want: {
          ...ordersCluster({ storage: "10Gi", cpu: "1", memory: "1Gi" }),
          dbNames: ["database-orders"],
        },
      },
      PresetProfessional: {
        reason: "professional: one instance with backups",
        ...databases([orders]),
        want: {
          results: [],
          at: { "database-orders": cluster({ plugins: plugin() }) },
          dbNames: ["backup-orders", "database-orders", "objectstore-orders"],
        },
      },
      PresetEnterprise: {
        reason: "enterprise: three instances, required anti-affinity, backups",
        ...databases([orders], { tier: "enterprise" }),
        want: {
          ...ordersCluster({
            instances: 3,
            storage: "200Gi",
            cpu: "4",
            memory: "16Gi",
            antiAffinity: "required",
            backups: true,
          }),
          dbNames: ["backup-orders", "database-orders", "objectstore-orders"],
        },
      },

      // Explicit values override the preset
      ExplicitEveryFigure: {
        reason: "Every figure explicit; more than one instance gets preferred anti-affinity",
        ...databases([
          { ...orders, size: { instances: 2, storage: "80Gi", cpu: "1500m", memory: "6Gi" } },
        ]),
        want: ordersCluster({
          instances: 2,
          storage: "80Gi",
          cpu: "1500m",
          memory: "6Gi",
          antiAffinity: "preferred",
          backups: true,
        }),
      },
      ExplicitOneFigure: {
        reason: "One figure explicit, the rest from the preset",
        ...databases([{ ...orders, size: { memory: "8Gi" } }]),
        want: {
          results: [],
          at: {
            "database-orders": cluster({ resources: resources("2", "8Gi"), plugins: plugin() }),
          },
        },
      },
      ExplicitOtherTiersPreset: {
        reason: "Another tier's preset: no backups needed, none configured",
        ...databases([{ name: "orders", size: { preset: "free" } }]),
        want: ordersCluster({ storage: "10Gi", cpu: "1", memory: "1Gi" }),
      },
      ExplicitEnterpriseOneInstance: {
        reason: "The enterprise preset cut to one instance has no anti-affinity",
        ...databases([{ ...orders, size: { preset: "enterprise", instances: 1 } }]),
        want: ordersCluster({ storage: "200Gi", cpu: "4", memory: "16Gi", backups: true }),
      },
      AsGiven: {
        reason:
          "The version, schedule, retention and endpoint given are written, and no " +
          "storage class when the VDC has none",
        ...databases(
          [
            {
              name: "orders",
              version: 16,
              backup: {
                ...backup,
                schedule: "@daily",
                retentionDays: 7,
                endpointURL: "https://minio.acme.example",
              },
            },
          ],
          { spec: { backend: {} } },
        ),
        want: {
          at: {
            "database-orders.spec.imageCatalogRef": catalog(16),
            "database-orders.spec.storage": { size: "50Gi" },
            "database-orders.spec.plugins": plugin("orders-pg16"),
            "objectstore-orders": objectStore({ endpointURL: "https://minio.acme.example" }, "7d"),
            "backup-orders.spec.schedule": "@daily",
          },
        },
      },
      OpenVDC: {
        reason: "An open VDC gets no database policy",
        ...databases([orders], { spec: { network: { isolation: "open" } } }),
        want: { netpols: [] },
      },
      NoDatabases: {
        reason: "Without databases nothing of this is composed, reported or conditioned",
        ...request(prod({})),
        want: {
          dbNames: [],
          at: { "netpol-allow-databases": undefined },
          databases: undefined,
          conditionTypes: ["BudgetAdmitted", "DeletionProtected"],
        },
      },
      ProfessionalNeedsBackups: {
        reason:
          "Tier professional requires backups: a database without one is Fatal and changes nothing",
        ...databases([orders, { name: "reports" }], { desired: KEPT_NAMESPACE }),
        want: refused(
          "InvalidSpec",
          "VDC acme-prod: spec.databases[1].backup: required: the professional " +
            "preset includes backups (tenant tier professional); set " +
            "backup.destinationPath and backup.s3CredentialsSecret",
        ),
      },

      // Quota
      QuotaCPU: {
        reason: "Databases count against spec.quota: instances × cpu",
        ...databases(
          [
            { ...orders, size: { cpu: "2" } },
            { name: "reports", size: { instances: 2, cpu: "2" }, backup },
          ],
          { spec: { quota: { cpu: "5", memory: "64Gi", storage: "1Ti" } } },
        ),
        want: refused(
          "OverQuota",
          "VDC acme-prod: spec.databases[1] (reports): over the VDC quota: cpu: the " +
            "databases need 6300m (this one 2 × 2 + 2 × 100m for its backup sidecar) but " +
            "spec.quota.cpu is 5; over by 1300m",
        ),
      },
      QuotaMemoryAndStorage: {
        reason: "Every figure over the quota is named",
        ...databases([{ ...orders, size: { instances: 3, memory: "4Gi", storage: "40Gi" } }], {
          spec: { quota: { cpu: "16", memory: "10Gi", storage: "100Gi" } },
        }),
        want: refused(
          "OverQuota",
          "VDC acme-prod: spec.databases[0] (orders): over the VDC quota: memory: " +
            "the databases need 13056Mi (this one 3 × 4Gi + 3 × 256Mi for its backup " +
            "sidecar) but spec.quota.memory is 10Gi; over by 2816Mi; storage: the databases " +
            "need 120Gi (this one 3 × 40Gi) but spec.quota.storage is 100Gi; over by 20Gi",
        ),
      },
      QuotaExactFit: {
        reason:
          "Databases that take exactly the quota, their backup sidecars' default requests " +
          "included, are admitted",
        ...databases(
          [
            { ...orders, size: { cpu: "2" } },
            { name: "reports", size: { cpu: "2" }, backup },
          ],
          { spec: { quota: { cpu: "4200m", memory: "8704Mi", storage: "100Gi" } } },
        ),
        want: { results: [] },
      },
      QuotaCountsKept: {
        reason: "A database kept by protection counts against the quota",
        ...databases([{ ...orders, size: { cpu: "2" } }], {
          spec: { quota: { cpu: "5", memory: "64Gi", storage: "1Ti" } },
          observed: { "database-legacy": running("legacy", { instances: 2 }) },
        }),
        want: refused(
          "OverQuota",
          "VDC acme-prod: spec.databases[0] (orders): over the VDC quota: cpu: the " +
            "databases need 6100m (this one 1 × 2 + 1 × 100m for its backup sidecar) but " +
            "spec.quota.cpu is 5; over by 1100m",
        ),
      },
      QuotaCountsKeptSidecar: {
        reason:
          "A kept database backed up through the plugin counts its instances' sidecars too: " +
          "their pods hold them",
        ...databases([{ ...orders, size: { cpu: "2" } }], {
          spec: { quota: { cpu: "6", memory: "64Gi", storage: "1Ti" } },
          observed: { "database-legacy": running("legacy", { instances: 2, plugin: true }) },
        }),
        want: refused(
          "OverQuota",
          "VDC acme-prod: spec.databases[0] (orders): over the VDC quota: cpu: the " +
            "databases need 6300m (this one 1 × 2 + 1 × 100m for its backup sidecar) but " +
            "spec.quota.cpu is 6; over by 300m",
        ),
      },
      QuotaBelowKept: {
        reason: "A quota lowered below what a kept database holds is refused",
        ...request(prod({ quota: { cpu: "3", memory: "64Gi", storage: "1Ti" } }), {
          observed: { "database-legacy": running("legacy", { instances: 2 }) },
        }),
        want: refused(
          "OverQuota",
          "VDC acme-prod: spec.quota: below what the kept database legacy holds: " +
            "cpu: the databases need 4 (it holds 4) but spec.quota.cpu is 3; over by 1",
        ),
      },
      OverLimitRange: {
        reason: "A database whose instances the LimitRange would refuse is refused",
        ...databases([{ ...orders, size: { memory: "16Gi" } }], {
          spec: { limits: { maxMemory: "8Gi" } },
        }),
        want: refused(
          "OverQuota",
          "VDC acme-prod: spec.databases[0].size.memory: 16Gi per instance exceeds " +
            "spec.limits.maxMemory (8Gi): the LimitRange would refuse the database's " +
            "pods",
        ),
      },

      // Nothing lost
      KeepsProtectedDatabase: {
        reason:
          "A protected database that left the spec is kept exactly as observed, with its " +
          "ScheduledBackup, a Warning and a condition",
        ...databases([orders], {
          observed: { "database-legacy": LEGACY_BACKED_UP, "backup-legacy": SCHEDULED },
        }),
        want: {
          at: {
            "database-legacy": keptAs(LEGACY_BACKED_UP),
            "backup-legacy": keptAs(SCHEDULED),
            "netpol-allow-databases.spec.podSelector.matchExpressions.0.values": [
              "legacy",
              "orders",
            ],
          },
          dbReady: {
            "backup-legacy": true,
            "backup-orders": false,
            "database-legacy": true,
            "database-orders": false,
            "objectstore-orders": false,
          },
          results: [KEPT_WARNING],
          dbConditions: [KEPT_CONDITION, SECRETS_FOUND],
          databases: [ORDERS_STATUS, LEGACY_STATUS],
          // legacy backs up in-tree (barmanObjectStore), in its postgres container: no sidecar
          demand: { cpu: "4100m", memory: "8448Mi", storage: "100Gi" },
        },
      },
      WarnsWhenItStartsKeeping: {
        reason: "Keeping a database starts with a Warning",
        ...request(prod({}), { observed: { "database-legacy": LEGACY } }),
        want: { results: [KEPT_WARNING] },
      },
      SaysItKeepsWithoutWarning: {
        reason: "Once kept, the condition and status say so, without a Warning again",
        ...request(prod({}, { phase: "Pending", databases: [LEGACY_STATUS] }), {
          observed: { "database-legacy": LEGACY },
        }),
        want: {
          results: [],
          dbConditions: [KEPT_CONDITION],
          databases: [{ ...LEGACY_STATUS, backups: false }],
        },
      },
      LetsUnprotectedGo: {
        reason: "A database composed with deletionProtection false goes when it leaves the spec",
        ...request(prod({}), {
          observed: { "database-legacy": running("legacy", { protection: false }) },
        }),
        want: {
          dbNames: [],
          at: { "netpol-allow-databases": undefined },
          results: [],
          databases: undefined,
        },
      },
      WritesDeletionProtection: {
        reason:
          "The entry's deletionProtection is written on the Cluster, so it is known once " +
          "the entry is gone",
        ...databases([{ ...orders, deletionProtection: false }]),
        want: {
          at: {
            "database-orders.metadata.annotations": { "crossvdc.io/deletion-protection": "false" },
          },
        },
      },
      KeepsProtectedAgainstDowngrade: {
        reason: "A protected database whose new version would replace it is kept",
        ...databases([{ ...orders, version: 16 }], {
          observed: { "database-orders": running("orders", { version: 17, backup: true }) },
        }),
        want: {
          at: { "database-orders": keptAs(running("orders", { version: 17, backup: true })) },
          results: [
            {
              severity: "WARNING",
              reason: "DatabaseKept",
              message:
                "Database orders is kept: version 16 would replace the running " +
                "PostgreSQL 17 cluster (CloudNativePG upgrades in place but cannot " +
                "downgrade), and its deletionProtection is true. To delete it, set " +
                "deletionProtection: false on its entry in spec.databases, apply, then " +
                "remove the entry",
            },
          ],
          databases: [
            {
              ...LEGACY_STATUS,
              name: "orders",
              host: "orders-rw.acme-prod.svc",
              secretName: "orders-app",
            },
          ],
        },
      },
      ReplacesUnprotected: {
        reason:
          "An unprotected database whose new version would replace it is left out until " +
          "it is gone, with a Warning",
        ...databases([REPLACING], {
          observed: { "database-orders": running("orders", { version: 17, protection: false }) },
        }),
        want: {
          dbNames: [],
          results: [
            {
              severity: "WARNING",
              reason: "DatabaseReplaced",
              message:
                "Database orders: version 16 would replace the running PostgreSQL 17 " +
                "cluster (CloudNativePG upgrades in place but cannot downgrade); deleting " +
                "it to recreate it, because deletionProtection is false. Its data is lost " +
                "unless restored from a backup",
            },
          ],
          databases: [{ ...ORDERS_STATUS, phase: "Replacing" }],
        },
      },
      RecreatesReplaced: {
        reason: "Once it is gone, the replaced database is composed anew",
        ...databases([REPLACING]),
        want: {
          at: {
            "database-orders": cluster(
              { imageCatalogRef: catalog(16), plugins: plugin("orders-pg16") },
              false,
            ),
          },
        },
      },
      MovesBackupsToPlugin: {
        reason:
          "A database running with in-tree backups moves them to the plugin in one change, " +
          "keeping its name, storage, archive (serverName) and image: not replaced",
        ...databases([orders], {
          observed: { "database-orders": running("orders", { backup: true }) },
        }),
        want: {
          results: [],
          at: {
            "database-orders.metadata.name": "orders",
            "database-orders.spec.storage": { size: "50Gi", storageClass: "ceph-rbd" },
            "database-orders.spec.backup": undefined,
            "database-orders.spec.plugins": plugin("orders-pg17"),
            "database-orders.spec.imageName": "ghcr.io/cloudnative-pg/postgresql:17",
            "database-orders.spec.imageCatalogRef": undefined,
            "objectstore-orders": objectStore(),
            "backup-orders": SCHEDULED_ORDERS,
          },
          databases: [ORDERS_HEALTHY],
        },
      },
      CatalogFromSettings: {
        reason: "postgres.imageCatalog in the platform settings names the ClusterImageCatalog",
        ...databases([orders], { platform: { postgres: { imageCatalog: "acme-postgresql" } } }),
        want: {
          results: [],
          at: { "database-orders.spec.imageCatalogRef": catalog(17, "acme-postgresql") },
        },
      },
      UpgradesInPlaceOnCatalog: {
        reason:
          "A major upgrade of a cluster on the image catalog asks the catalog for the new major",
        ...databases([{ ...orders, version: 18 }], {
          observed: { "database-orders": running("orders", { version: 17, catalog: true }) },
        }),
        want: {
          results: [],
          at: {
            "database-orders.spec.imageCatalogRef": catalog(18),
            "database-orders.spec.imageName": undefined,
          },
        },
      },
      PodMonitorWithMonitoring: {
        reason:
          "With a monitoring namespace in the platform settings each database, kept ones too, " +
          "gets a PodMonitor in place of enablePodMonitor",
        ...databases([orders], {
          platform: { monitoring: { namespace: "monitoring" } },
          observed: { "database-legacy": LEGACY },
        }),
        want: {
          at: {
            "podmonitor-orders": podMonitor("orders"),
            "podmonitor-legacy": podMonitor("legacy"),
            "database-orders.spec.monitoring": undefined,
          },
          dbNames: [
            "backup-orders",
            "database-legacy",
            "database-orders",
            "objectstore-orders",
            "podmonitor-legacy",
            "podmonitor-orders",
          ],
        },
      },
      KeepsPluginBackedDatabase: {
        reason:
          "A protected database backed up through the plugin is kept with its ObjectStore " +
          "as observed, and still reaches its store's port",
        ...databases([], {
          observed: { "database-legacy": LEGACY_PLUGIN, "objectstore-legacy": LEGACY_STORE },
        }),
        want: {
          at: {
            "database-legacy": keptAs(LEGACY_PLUGIN),
            "objectstore-legacy": keptAs(LEGACY_STORE),
            "netpol-allow-databases.spec.egress": [
              {
                ports: [
                  { protocol: "TCP", port: 443 },
                  { protocol: "TCP", port: 6443 },
                  { protocol: "TCP", port: 9000 },
                ],
              },
            ],
          },
          databases: [LEGACY_STATUS],
        },
      },
      UpgradesInPlace: {
        reason:
          "A major version upgrade happens in place; a cluster on a rolling tag stays on that " +
          "image family (another Debian's glibc could invalidate its text indexes)",
        ...databases([{ ...orders, version: 18 }], {
          observed: { "database-orders": running("orders", { version: 17 }) },
        }),
        want: {
          results: [],
          at: { "database-orders.spec.imageName": "ghcr.io/cloudnative-pg/postgresql:18" },
        },
      },
      RefusesShrinkProtected: {
        reason: "Storage only grows, protected or not: an explicit size",
        ...shrink("50Gi", { storage: "20Gi" }, true),
        want: refused("Conflict", SHRINK_EXPLICIT),
      },
      RefusesShrinkUnprotected: {
        reason: "Storage only grows, unprotected too",
        ...shrink("50Gi", { storage: "20Gi" }, false),
        want: refused("Conflict", SHRINK_EXPLICIT),
      },
      RefusesSmallerPresetProtected: {
        reason: "Storage only grows: a smaller preset after a tier change",
        ...shrink("200Gi", {}, true),
        want: refused("Conflict", SHRINK_PRESET),
      },
      RefusesSmallerPresetUnprotected: {
        reason: "Storage only grows: a smaller preset, unprotected",
        ...shrink("200Gi", {}, false),
        want: refused("Conflict", SHRINK_PRESET),
      },
      GrowsKeepingStorageClass: {
        reason: "Storage grows, and keeps the storage class a running database was made with",
        ...databases([{ ...orders, size: { storage: "80Gi" } }], {
          spec: { backend: { storageClass: "fast-nvme" } },
          observed: { "database-orders": running("orders", { size: "50Gi" }) },
        }),
        want: {
          results: [],
          at: { "database-orders.spec.storage": { size: "80Gi", storageClass: "ceph-rbd" } },
        },
      },

      // Status from the observed Cluster
      StatusReady: {
        reason: "A Ready condition True makes the database ready",
        ...databases([orders], {
          observed: observedOrders(running("orders").status as Record<string, unknown>),
        }),
        want: {
          dbReady: ordersReady(true),
          databases: [ORDERS_HEALTHY],
        },
      },
      StatusHealthyPhaseOnly: {
        reason: "An older operator's healthy phase without conditions makes it ready",
        ...databases([orders], {
          observed: observedOrders({
            phase: "Cluster in healthy state",
            instances: 1,
            readyInstances: 1,
          }),
        }),
        want: {
          dbReady: ordersReady(true),
          databases: [ORDERS_HEALTHY],
        },
      },
      StatusCreating: {
        reason: "A Cluster setting up its primary is not ready",
        ...databases([orders], {
          observed: observedOrders({
            phase: "Setting up primary",
            phaseReason: "Creating primary instance orders-1",
            instances: 1,
            readyInstances: 0,
            conditions: [NOT_READY("2026-01-05T10:00:05Z")],
          }),
        }),
        want: {
          dbReady: ordersReady(false),
          databases: [
            { ...ORDERS_STATUS, phase: "Setting up primary", instances: 1, readyInstances: 0 },
          ],
        },
      },
      StatusReplicaDown: {
        reason: "With a replica down the Ready condition wins over a stale phase",
        ...databases([orders], {
          observed: observedOrders({
            phase: "Cluster in healthy state",
            instances: 3,
            readyInstances: 2,
            conditions: [NOT_READY("2026-01-05T11:00:00Z")],
          }),
        }),
        want: {
          dbReady: ordersReady(false),
          databases: [
            {
              ...ORDERS_STATUS,
              phase: "Cluster in healthy state",
              instances: 3,
              readyInstances: 2,
            },
          ],
        },
      },

      // Bad input, refused with the field path
      RefusesFiveFieldSchedule: {
        reason: "CloudNativePG schedules have a seconds field",
        ...databases([{ ...orders, backup: { ...backup, schedule: "0 2 * * *" } }]),
        want: invalid(
          "spec.databases[0].backup.schedule: has 5 " +
            "fields; CloudNativePG schedules start with a seconds field (6 fields), " +
            'e.g. "0 0 2 * * *"',
        ),
      },
      RefusesNotS3: {
        reason: "The backup destination is an S3 URL",
        ...databases([{ ...orders, backup: { ...backup, destinationPath: "https://bucket" } }]),
        want: invalid(
          "spec.databases[0].backup.destinationPath: " +
            "must be an S3 URL such as s3://bucket/path",
        ),
      },
      RefusesNameStartingWithDigit: {
        reason: "A database name names its services",
        ...databases([{ name: "1st" }]),
        want: invalid(
          "spec.databases[0].name: must start with a " +
            "letter and contain only lower case alphanumerics and '-' (it names the " +
            "services <name>-rw, <name>-ro)",
        ),
      },
      RefusesUnsupportedVersion: {
        reason: "PostgreSQL before 14 is not supported",
        ...databases([{ name: "orders", version: 12 }]),
        want: invalid("spec.databases[0].version: Too small: expected number to be >=14"),
      },
      RefusesNegativeStorage: {
        reason: "Storage is a non-negative quantity",
        ...databases([{ name: "orders", size: { storage: "-1Gi" } }]),
        want: invalid(
          "spec.databases[0].size.storage: Invalid " +
            "string: must match pattern " +
            "/^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))" +
            "(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$/; " +
            "spec.databases[0].size.storage: must be a non-negative Kubernetes quantity " +
            "no larger than int64 (e.g. 500m, 4, 8Gi)",
        ),
      },
      RefusesDuplicateName: {
        reason: "Two databases of the same name are refused",
        ...databases([orders, orders]),
        want: invalid('spec.databases[1]: duplicate database "orders" (also at index 0)'),
      },
      RefusesCredentialsNamedAfterDatabaseSecret: {
        reason:
          "A backup credentials Secret named as CloudNativePG names a database's app Secret is " +
          "refused: on a placed VDC its copy would meet CloudNativePG's own on the member",
        ...databases([
          orders,
          { name: "reports", backup: { ...backup, s3CredentialsSecret: "orders-app" } },
        ]),
        want: invalid(
          "spec.databases[1].backup.s3CredentialsSecret: must not be orders-app: " +
            "CloudNativePG makes that Secret for database orders",
        ),
      },
      RefusesCredentialsNamedAsCloudInit: {
        reason: "A backup credentials Secret may not take a VM's cloud-init Secret name",
        ...databases([
          { name: "orders", backup: { ...backup, s3CredentialsSecret: "web-cloudinit" } },
        ]),
        want: invalid(
          "spec.databases[0].backup.s3CredentialsSecret: must not end in -cloudinit: a " +
            "VirtualMachine's cloud-init Secret is named <vm>-cloudinit",
        ),
      },
      // The figure the VDC exports for the VirtualMachine composer (status.databaseDemand)
      DemandForVMs: {
        reason:
          "The demand is the sum of instances × figures, presets from the tenant's tier, and " +
          "of each backed-up instance's sidecar (the LimitRange's default requests)",
        ...databases([
          orders,
          { name: "reports", size: { preset: "enterprise", cpu: "1500m" }, backup },
        ]),
        want: {
          demand: { cpu: "6900m", memory: "53Gi", storage: "650Gi" },
        },
      },
      NoDemandWithoutDatabases: {
        reason: "Without databases there is no demand, whatever the tier",
        ...request(prod({}), { tier: "enterprise" }),
        want: { demand: undefined },
      },
      Deterministic: {
        reason: "The same bytes whatever order Crossplane lists observed resources in",
        xr: prod({ databases: [orders] }),
        observed: { "database-a": running("a"), "database-b": running("b") },
        required: { tenant: [acme("professional")], vdcs: [] },
        want: {
          sameBytesAs: [
            {
              xr: prod({ databases: [orders] }),
              observed: { "database-b": running("b"), "database-a": running("a") },
              required: { tenant: [acme("professional")], vdcs: [] },
            },
          ],
        },
      },
    },
    facets,
  );
});

// ------------------------------------------------------------ a new database's PVC names

/**
 * A PVC of the VDC namespace as CDI makes it for a VM's DataVolume (its name, owned by the
 * DataVolume) or, with `cluster`, as CloudNativePG makes it for an instance of that Cluster.
 */
const pvc = (name: string, o: { vm?: string; cluster?: string } = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: {
    name,
    namespace: "acme-prod",
    ...(o.vm ? { labels: { "crossvdc.io/vm": o.vm } } : {}),
    ...(o.cluster ? { labels: { "cnpg.io/cluster": o.cluster } } : {}),
    ownerReferences: [
      o.cluster
        ? { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", name: o.cluster }
        : { apiVersion: "cdi.kubevirt.io/v1beta1", kind: "DataVolume", name, controller: true },
    ],
  },
  spec: { resources: { requests: { storage: "10Gi" } } },
});
/** What the VDC says of a new database whose PVC names another owner's PVCs hold. */
const heldBy = (held: string, n = "a PVC") => ({
  reason: "Conflict" as const,
  message:
    `VDC acme-prod: spec.databases[0].name: CloudNativePG names the PVCs of database ` +
    `orders-disk orders-disk-<n> and orders-disk-<n>-wal, and namespace acme-prod has ${n} ` +
    `of another owner under such a name: ${held}; nothing is composed: rename the database`,
});
const ordersDisk = { name: "orders-disk", backup };
const PVC_ASK = pvcsSelector("acme-prod");
/** The Cluster orders-disk, made: as `running` gives it, under that name. */
const ORDERS_DISK = running("orders-disk", { catalog: true, plugin: true });

describe("VDC databases: PVC names another owner holds", () => {
  runCases(
    {
      NewDatabaseMeetsVMDisk: {
        reason:
          "VM orders's disk 1 is the DataVolume and PVC orders-disk-1, the first instance's " +
          "PVC of a database orders-disk: the new database is refused, naming the PVC and VM",
        ...databases([ordersDisk], {
          pvcs: [pvc("orders-disk-1", { vm: "orders" }), pvc("orders-root", { vm: "orders" })],
        }),
        want: { fatal: heldBy("orders-disk-1 (VirtualMachine orders)") },
      },
      NewDatabaseMeetsWALName: {
        reason:
          "A disk 2-wal is the name of instance 2's WAL PVC; an unlabelled PVC is named by " +
          "its controller",
        ...databases([ordersDisk], { pvcs: [pvc("orders-disk-2-wal")] }),
        want: { fatal: heldBy("orders-disk-2-wal (DataVolume orders-disk-2-wal)") },
      },
      ManyHoldersCounted: {
        reason: "A refusal names ten PVCs and says how many more, so it stays readable",
        ...databases([ordersDisk], {
          pvcs: Array.from({ length: 13 }, (_, i) => pvc(`orders-disk-${i + 1}`)),
        }),
        want: {
          fatal: heldBy(
            [1, 10, 11, 12, 13, 2, 3, 4, 5, 6]
              .map((i) => `orders-disk-${i} (DataVolume orders-disk-${i})`)
              .join(", ") + " and 3 more",
            "PVCs",
          ),
        },
      },
      OtherNamesNotInTheWay: {
        reason:
          "PVCs CloudNativePG would not take (orders-disk-root, orders-disk-a1, orders-1) " +
          "and the database's own, left by a Cluster being replaced, let it be created",
        ...databases([ordersDisk], {
          pvcs: [
            pvc("orders-disk-root", { vm: "orders-disk" }),
            pvc("orders-disk-a1", { vm: "orders" }),
            pvc("orders-1", { cluster: "orders" }),
            pvc("orders-disk-1", { cluster: "orders-disk" }),
          ],
        }),
        want: {
          dbNames: ["backup-orders-disk", "database-orders-disk", "objectstore-orders-disk"],
        },
      },
      ExistingDatabaseKeepsWorking: {
        reason:
          "A database that exists is composed as before, whoever holds a PVC of its names " +
          "(CloudNativePG's own, or one made beside it)",
        ...databases([ordersDisk], {
          observed: { "database-orders-disk": ORDERS_DISK },
          pvcs: [pvc("orders-disk-7", { vm: "orders" })],
        }),
        want: {
          dbNames: ["backup-orders-disk", "database-orders-disk", "objectstore-orders-disk"],
        },
      },
      NoAskWhenAllExist: {
        reason:
          "With every database made, the VDC asks for no PVC: the steady reconcile costs " +
          "nothing more",
        ...databases([ordersDisk], { observed: { "database-orders-disk": ORDERS_DISK } }),
        want: { askedForPVCs: false },
      },
      AskWhileOneIsNew: {
        reason: "A new database beside a made one: the VDC asks for the namespace's PVCs",
        ...databases([ordersDisk, { name: "billing", backup }], {
          observed: { "database-orders-disk": ORDERS_DISK },
        }),
        want: { askedForPVCs: PVC_ASK },
      },
    },
    {
      ...facets,
      askedForPVCs: (out: Plain) => out.requirements.pvcs ?? false,
    },
  );
});
