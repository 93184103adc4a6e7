import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { formatQuantity } from "../functions/quantity.js";
import { vdcSpec } from "../functions/vdc/api.js";
import { databasesDemand } from "../functions/vdc/databases.js";
import { bytes, run } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const tenant = (tier: string): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "Tenant",
  metadata: { name: "acme" },
  spec: {
    tier,
    admins: { groups: ["acme-admins"] },
    quota: { cpu: "64", memory: "256Gi", storage: "4Ti", vms: 20, vdcs: 3 },
  },
});
const quota = { cpu: "16", memory: "64Gi", storage: "1Ti" };
const vdc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VDC",
  metadata: { name: "acme-prod" },
  spec: { tenantRef: { name: "acme" }, quota, backend: { storageClass: "ceph-rbd" }, ...spec },
  status,
});
/** The backup credentials Secret the tenant created, as the API server returns it: only its key names are read. */
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
const compose = (
  xr: KubeObject,
  tier = "professional",
  observed: Record<string, KubeObject> = {},
  secrets: KubeObject[] = [s3Secret()],
) =>
  run({
    xr,
    observed,
    required: { tenant: [tenant(tier)], vdcs: [], "backup-secret-backup-s3": secrets },
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
    imageName: "ghcr.io/cloudnative-pg/postgresql:17",
    inheritedMetadata: { labels },
    bootstrap: { initdb: { database: "app", owner: "app" } },
    storage: { size: "50Gi", storageClass: "ceph-rbd" },
    resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } },
    monitoring: { enablePodMonitor: true },
    ...spec,
  },
});
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
      imageName: `ghcr.io/cloudnative-pg/postgresql:${version}`,
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

/** What the composer emits for a kept database: the observed object without status and server-set metadata. */
function keptAs(obj: KubeObject): KubeObject {
  const { status: _, ...rest } = structuredClone(obj);
  const {
    uid,
    resourceVersion,
    generation,
    creationTimestamp,
    managedFields,
    ownerReferences,
    finalizers,
    annotations,
    ...md
  } = rest.metadata!;
  const { ["kubectl.kubernetes.io/last-applied-configuration"]: __, ...kept } = annotations ?? {};
  return { ...rest, metadata: { ...md, ...(annotations ? { annotations: kept } : {}) } };
}

function expectValid(resources: Record<string, KubeObject>) {
  for (const [key, r] of Object.entries(resources))
    expect([key, validateResource(r)]).toEqual([key, []]);
}

function fatal(out: ReturnType<typeof run>): string {
  expect(out.results).toHaveLength(1);
  expect(out.results[0]!.severity).toBe("FATAL");
  return out.results[0]!.message;
}

describe("VDC databases", () => {
  it("composes a professional database with backups: Cluster, ScheduledBackup, operator access, status and demand", () => {
    const out = compose(vdc({ databases: [{ name: "orders", backup }] }));
    expect(out.results).toEqual([]);
    expect(out.resources["database-orders"]).toEqual(cluster({ backup: barman() }));
    expect(out.resources["backup-orders"]).toEqual({
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
        method: "barmanObjectStore",
        immediate: true,
        backupOwnerReference: "self",
      },
    });
    expect(out.resources["netpol-allow-databases"]).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-databases", namespace: "acme-prod", labels },
      spec: {
        podSelector: {
          matchExpressions: [{ key: "cnpg.io/cluster", operator: "In", values: ["orders"] }],
        },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchLabels: { "kubernetes.io/metadata.name": "cnpg-system" },
                },
                podSelector: { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg" } },
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
    });
    expect(out.ready).toMatchObject({ "database-orders": false, "backup-orders": false });
    expect(out.status).toMatchObject({
      databases: [
        {
          name: "orders",
          ready: false,
          host: "orders-rw.acme-prod.svc",
          secretName: "orders-app",
          backups: true,
        },
      ],
      databaseDemand: { cpu: "2", memory: "4Gi", storage: "50Gi" },
    });
    expect(out.conditions).toContainEqual({
      type: "DatabasesProtected",
      status: "False",
      reason: "NoneKept",
      message: "No database is kept against the spec",
    });
    expect(out.conditions).toContainEqual({
      type: "BackupCredentialsReady",
      status: "True",
      reason: "SecretsFound",
      message: "Backup credentials found for 1 database(s)",
    });
    expectValid(out.resources);
  });

  describe("backup credentials", () => {
    const missing =
      "Secret acme-prod/backup-s3 does not exist; create it with the keys ACCESS_KEY_ID and ACCESS_SECRET_KEY";
    it("asks for the backup credentials Secret of every database with a backup, once per Secret", () => {
      const out = run({
        xr: vdc({
          databases: [
            { name: "orders", backup },
            { name: "billing", backup },
          ],
        }),
        required: { tenant: [tenant("professional")], vdcs: [] },
      });
      expect(out.requirements).toMatchObject({
        "backup-secret-backup-s3": {
          apiVersion: "v1",
          kind: "Secret",
          namespace: "acme-prod",
          matchName: "backup-s3",
        },
      });
      expect(
        Object.keys(out.requirements ?? {}).filter((k) => k.startsWith("backup-secret-")),
      ).toEqual(["backup-secret-backup-s3"]);
    });

    it.each([
      { name: "the Secret does not exist", secrets: [], problem: missing },
      {
        name: "the Secret lacks a key",
        secrets: [s3Secret({ ACCESS_KEY_ID: "QUtJQS1leGFtcGxl" })],
        problem: "Secret acme-prod/backup-s3 lacks the key ACCESS_SECRET_KEY",
      },
      {
        name: "the Secret has neither key",
        secrets: [s3Secret({ other: "eA==" })],
        problem: "Secret acme-prod/backup-s3 lacks the keys ACCESS_KEY_ID and ACCESS_SECRET_KEY",
      },
    ])(
      "a new database waits when $name: not created, its quota held, and the VDC says why",
      ({ secrets, problem }) => {
        const out = compose(
          vdc({ databases: [{ name: "orders", backup }] }),
          "professional",
          {},
          secrets,
        );
        expect(out.results).toEqual([]);
        expect(Object.keys(out.resources).filter((k) => /^(database|backup)-/.test(k))).toEqual([]);
        expect(out.status).toMatchObject({
          databases: [
            {
              name: "orders",
              ready: false,
              phase: "WaitingForBackupCredentials",
              backups: true,
              backupCredentials: problem,
            },
          ],
          databaseDemand: { cpu: "2", memory: "4Gi", storage: "50Gi" },
        });
        expect(out.conditions).toContainEqual({
          type: "BackupCredentialsReady",
          status: "False",
          reason: "WaitingForDependency",
          message: `Databases not created until their backup credentials are in place: orders (${problem})`,
        });
      },
    );

    it("a running database keeps running when its Secret goes, and the VDC says it has no working backups", () => {
      const first = compose(vdc({ databases: [{ name: "orders", backup }] }));
      const running = {
        ...structuredClone(first.resources["database-orders"]!),
        status: { phase: "Cluster in healthy state" },
      };
      const out = compose(
        vdc({ databases: [{ name: "orders", backup }] }),
        "professional",
        { "database-orders": running },
        [],
      );
      expect(out.resources["database-orders"]).toEqual(cluster({ backup: barman() }));
      expect(out.resources["backup-orders"]).toBeDefined();
      expect(out.status).toMatchObject({
        databases: [
          {
            name: "orders",
            ready: true,
            phase: "Cluster in healthy state",
            backupCredentials: missing,
          },
        ],
      });
      expect(out.conditions).toContainEqual({
        type: "BackupCredentialsReady",
        status: "False",
        reason: "SecretsIncomplete",
        message: `Databases running without working backups: orders (${missing})`,
      });
    });

    it("never reads the Secret's values", () => {
      const secret = s3Secret({
        ACCESS_KEY_ID: Buffer.from("AKIA-never-shown").toString("base64"),
        ACCESS_SECRET_KEY: Buffer.from("s3cr3t-never-shown").toString("base64"),
      });
      const text = JSON.stringify(
        compose(vdc({ databases: [{ name: "orders", backup }] }), "professional", {}, [secret]),
      );
      for (const v of [
        "AKIA-never-shown",
        "s3cr3t-never-shown",
        ...Object.values(secret.data as Record<string, string>),
      ])
        expect(text).not.toContain(v);
    });
  });

  it.each([
    {
      tier: "demo",
      backup: undefined,
      spec: {
        storage: { size: "5Gi", storageClass: "ceph-rbd" },
        resources: {
          requests: { cpu: "500m", memory: "512Mi" },
          limits: { cpu: "500m", memory: "512Mi" },
        },
      },
    },
    {
      tier: "free",
      backup: undefined,
      spec: {
        storage: { size: "10Gi", storageClass: "ceph-rbd" },
        resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
      },
    },
    { tier: "professional", backup, spec: { backup: barman() } },
    {
      tier: "enterprise",
      backup,
      spec: {
        instances: 3,
        storage: { size: "200Gi", storageClass: "ceph-rbd" },
        resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "4", memory: "16Gi" } },
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: "kubernetes.io/hostname",
          podAntiAffinityType: "required",
        },
        backup: barman(),
      },
    },
  ])("presets follow the tenant's tier: $tier", ({ tier, backup: b, spec }) => {
    const out = compose(
      vdc({ databases: [{ name: "orders", ...(b ? { backup: b } : {}) }] }),
      tier,
    );
    expect(out.results).toEqual([]);
    expect(out.resources["database-orders"]).toEqual(cluster(spec));
    expect(Object.keys(out.resources).includes("backup-orders")).toBe(b !== undefined);
    expectValid(out.resources);
  });

  it.each([
    {
      name: "every figure explicit",
      size: { instances: 2, storage: "80Gi", cpu: "1500m", memory: "6Gi" },
      spec: {
        instances: 2,
        storage: { size: "80Gi", storageClass: "ceph-rbd" },
        resources: {
          requests: { cpu: "1500m", memory: "6Gi" },
          limits: { cpu: "1500m", memory: "6Gi" },
        },
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: "kubernetes.io/hostname",
          podAntiAffinityType: "preferred",
        },
        backup: barman(),
      },
    },
    {
      name: "one figure explicit, the rest from the preset",
      size: { memory: "8Gi" },
      spec: {
        resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "2", memory: "8Gi" } },
        backup: barman(),
      },
    },
    {
      name: "another tier's preset: no backups needed, none configured",
      size: { preset: "free" },
      noBackup: true,
      spec: {
        storage: { size: "10Gi", storageClass: "ceph-rbd" },
        resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
      },
    },
    {
      name: "enterprise preset cut to one instance: no anti-affinity",
      size: { preset: "enterprise", instances: 1 },
      spec: {
        storage: { size: "200Gi", storageClass: "ceph-rbd" },
        resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "4", memory: "16Gi" } },
        backup: barman(),
      },
    },
  ])("explicit values override the preset: $name", ({ size, spec, noBackup }) => {
    const out = compose(
      vdc({ databases: [{ name: "orders", size, ...(noBackup ? {} : { backup }) }] }),
    );
    expect(out.results).toEqual([]);
    expect(out.resources["database-orders"]).toEqual(cluster(spec));
    expectValid(out.resources);
  });

  it("writes the version, schedule, retention and endpoint it is given, and no storage class when the VDC has none", () => {
    const out = compose(
      vdc({
        backend: {},
        databases: [
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
      }),
    );
    const spec = out.resources["database-orders"]!.spec as Record<string, any>;
    expect(spec.imageName).toBe("ghcr.io/cloudnative-pg/postgresql:16");
    expect(spec.storage).toEqual({ size: "50Gi" });
    expect(spec.backup.retentionPolicy).toBe("7d");
    expect(spec.backup.barmanObjectStore.endpointURL).toBe("https://minio.acme.example");
    expect(spec.backup.barmanObjectStore.serverName).toBe("orders-pg16");
    expect((out.resources["backup-orders"]!.spec as Record<string, unknown>).schedule).toBe(
      "@daily",
    );
    expectValid(out.resources);
  });

  it("composes no policy in an open VDC and nothing at all without databases", () => {
    const open = compose(
      vdc({ network: { isolation: "open" }, databases: [{ name: "orders", backup }] }),
    );
    expect(Object.keys(open.resources).filter((k) => k.startsWith("netpol-"))).toEqual([]);
    const none = compose(vdc({}));
    expect(Object.keys(none.resources).filter((k) => /database|backup/.test(k))).toEqual([]);
    expect(none.status).not.toHaveProperty("databases");
    expect(none.conditions.map((c) => c.type)).toEqual(["BudgetAdmitted"]);
  });

  it("tier professional requires backups: a database without one is Fatal and changes nothing", () => {
    const kept = { apiVersion: "v1", kind: "Namespace", metadata: { name: "acme-prod" } };
    const out = run({
      xr: vdc({ databases: [{ name: "orders", backup }, { name: "reports" }] }),
      required: {
        tenant: [tenant("professional")],
        vdcs: [],
        "backup-secret-backup-s3": [s3Secret()],
      },
      desired: { namespace: kept },
    });
    expect(fatal(out)).toBe(
      "VDC acme-prod: spec.databases[1].backup: required: the professional preset includes backups (tenant tier professional); set backup.destinationPath and backup.s3CredentialsSecret",
    );
    expect(out.resources).toEqual({ namespace: kept });
  });

  describe("quota", () => {
    it.each([
      {
        name: "cpu",
        quota: { cpu: "5", memory: "64Gi", storage: "1Ti" },
        databases: [
          { name: "orders", size: { cpu: "2" } },
          { name: "reports", size: { instances: 2, cpu: "2" } },
        ],
        message:
          "VDC acme-prod: spec.databases[1] (reports): over the VDC quota: cpu: the databases need 6 (this one 2 × 2) but spec.quota.cpu is 5; over by 1",
      },
      {
        name: "memory and storage at once",
        quota: { cpu: "16", memory: "10Gi", storage: "100Gi" },
        databases: [{ name: "orders", size: { instances: 3, memory: "4Gi", storage: "40Gi" } }],
        message:
          "VDC acme-prod: spec.databases[0] (orders): over the VDC quota: memory: the databases need 12Gi (this one 3 × 4Gi) but spec.quota.memory is 10Gi; over by 2Gi; storage: the databases need 120Gi (this one 3 × 40Gi) but spec.quota.storage is 100Gi; over by 20Gi",
      },
      {
        name: "exact fit",
        quota: { cpu: "4", memory: "8Gi", storage: "100Gi" },
        databases: [
          { name: "orders", size: { cpu: "2" } },
          { name: "reports", size: { cpu: "2" } },
        ],
        message: undefined,
      },
    ])("databases count against spec.quota: $name", ({ quota: q, databases, message }) => {
      const out = compose(vdc({ quota: q, databases: databases.map((d) => ({ ...d, backup })) }));
      if (message === undefined) expect(out.results).toEqual([]);
      else expect(fatal(out)).toBe(message);
    });

    it("counts a database kept by protection, and refuses a quota lowered below what it holds", () => {
      const observed = { "database-legacy": running("legacy", { instances: 2 }) };
      const q = { cpu: "5", memory: "64Gi", storage: "1Ti" };
      const over = compose(
        vdc({ quota: q, databases: [{ name: "orders", size: { cpu: "2" }, backup }] }),
        "professional",
        observed,
      );
      expect(fatal(over)).toBe(
        "VDC acme-prod: spec.databases[0] (orders): over the VDC quota: cpu: the databases need 6 (this one 1 × 2) but spec.quota.cpu is 5; over by 1",
      );
      const lowered = compose(
        vdc({ quota: { cpu: "3", memory: "64Gi", storage: "1Ti" } }),
        "professional",
        observed,
      );
      expect(fatal(lowered)).toBe(
        "VDC acme-prod: spec.quota: below what the kept database legacy holds: cpu: the databases need 4 (it holds 4) but spec.quota.cpu is 3; over by 1",
      );
    });

    it("refuses a database whose instances the LimitRange would refuse", () => {
      const out = compose(
        vdc({
          limits: { maxMemory: "8Gi" },
          databases: [{ name: "orders", size: { memory: "16Gi" }, backup }],
        }),
      );
      expect(fatal(out)).toBe(
        "VDC acme-prod: spec.databases[0].size.memory: 16Gi per instance exceeds spec.limits.maxMemory (8Gi): the LimitRange would refuse the database's pods",
      );
    });

    it("exports the demand for the VirtualMachine composer: sum of instances × figures, presets from the tier", () => {
      const spec = vdcSpec.parse({
        tenantRef: { name: "acme" },
        databases: [
          { name: "orders", backup },
          { name: "reports", size: { preset: "enterprise", cpu: "1500m" }, backup },
        ],
      });
      const d = databasesDemand(spec.databases, "professional");
      expect({
        cpu: formatQuantity(d.cpu, "cpu"),
        memory: formatQuantity(d.memory, "bytes"),
        storage: formatQuantity(d.storage, "bytes"),
      }).toEqual({ cpu: "6500m", memory: "52Gi", storage: "650Gi" });
      expect(databasesDemand([], "enterprise")).toEqual({ cpu: 0n, memory: 0n, storage: 0n });
    });
  });

  describe("nothing lost", () => {
    it("keeps a protected database that left the spec exactly as observed, with its ScheduledBackup, a Warning and a condition", () => {
      const legacy = running("legacy", { backup: true });
      const scheduled: KubeObject = {
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
      const xr = vdc({ databases: [{ name: "orders", backup }] });
      const out = compose(xr, "professional", {
        "database-legacy": legacy,
        "backup-legacy": scheduled,
      });
      expect(out.resources["database-legacy"]).toEqual(keptAs(legacy));
      expect(out.resources["backup-legacy"]).toEqual(keptAs(scheduled));
      expect(out.ready).toMatchObject({ "database-legacy": true, "backup-legacy": true });
      expect(
        (out.resources["netpol-allow-databases"]!.spec as any).podSelector.matchExpressions[0]
          .values,
      ).toEqual(["legacy", "orders"]);
      expect(out.results).toEqual([
        {
          severity: "WARNING",
          reason: "DatabaseKept",
          message:
            "Database legacy is kept: removed from spec.databases, and its deletionProtection is true. To delete it, set deletionProtection: false on its entry in spec.databases, apply, then remove the entry",
        },
      ]);
      expect(out.conditions).toContainEqual({
        type: "DatabasesProtected",
        status: "True",
        reason: "KeptByDeletionProtection",
        message:
          "Kept by deletionProtection: legacy (removed from spec.databases). To delete one: set deletionProtection: false on its entry in spec.databases (add the entry back if it was removed), apply, then remove the entry",
      });
      expect(out.status?.databases).toEqual([
        {
          name: "orders",
          ready: false,
          host: "orders-rw.acme-prod.svc",
          secretName: "orders-app",
          backups: true,
        },
        {
          name: "legacy",
          ready: true,
          phase: "Cluster in healthy state",
          instances: 1,
          readyInstances: 1,
          host: "legacy-rw.acme-prod.svc",
          secretName: "legacy-app",
          backups: true,
          kept: true,
        },
      ]);
      expect(out.status?.databaseDemand).toEqual({ cpu: "4", memory: "8Gi", storage: "100Gi" });
      expectValid(out.resources);
    });

    it("warns when it starts keeping a database, then says so in the condition and status only", () => {
      const observed = { "database-legacy": running("legacy") };
      const first = compose(vdc({}), "professional", observed);
      expect(first.results.map((r) => r.reason)).toEqual(["DatabaseKept"]);
      const again = compose(
        vdc({}, { phase: "Pending", databases: first.status?.databases }),
        "professional",
        observed,
      );
      expect(again.results).toEqual([]);
      expect(again.conditions).toContainEqual(
        expect.objectContaining({ type: "DatabasesProtected", status: "True" }),
      );
      expect(again.status?.databases).toContainEqual(
        expect.objectContaining({ name: "legacy", kept: true }),
      );
    });

    it("lets a database go once it was composed with deletionProtection false", () => {
      const out = compose(vdc({}), "professional", {
        "database-legacy": running("legacy", { protection: false }),
      });
      expect(Object.keys(out.resources).filter((k) => /legacy|databases/.test(k))).toEqual([]);
      expect(out.results).toEqual([]);
      expect(out.status).not.toHaveProperty("databases");
    });

    it("writes the entry's deletionProtection on the Cluster, so it is known once the entry is gone", () => {
      const out = compose(
        vdc({ databases: [{ name: "orders", deletionProtection: false, backup }] }),
      );
      expect(out.resources["database-orders"]!.metadata!.annotations).toEqual({
        "crossvdc.io/deletion-protection": "false",
      });
    });

    it("keeps a protected database whose new version would replace it", () => {
      const orders = running("orders", { version: 17, backup: true });
      const out = compose(
        vdc({ databases: [{ name: "orders", version: 16, backup }] }),
        "professional",
        { "database-orders": orders },
      );
      expect(out.resources["database-orders"]).toEqual(keptAs(orders));
      expect(out.results.map((r) => r.message)).toEqual([
        "Database orders is kept: version 16 would replace the running PostgreSQL 17 cluster (CloudNativePG upgrades in place but cannot downgrade), and its deletionProtection is true. To delete it, set deletionProtection: false on its entry in spec.databases, apply, then remove the entry",
      ]);
      expect(out.status?.databases).toEqual([
        {
          name: "orders",
          ready: true,
          phase: "Cluster in healthy state",
          instances: 1,
          readyInstances: 1,
          host: "orders-rw.acme-prod.svc",
          secretName: "orders-app",
          backups: true,
          kept: true,
        },
      ]);
      expectValid(out.resources);
    });

    it("replaces an unprotected database: left out until it is gone, then composed anew", () => {
      const xr = vdc({
        databases: [{ name: "orders", version: 16, deletionProtection: false, backup }],
      });
      const deleting = compose(xr, "professional", {
        "database-orders": running("orders", { version: 17, protection: false }),
      });
      expect(Object.keys(deleting.resources).filter((k) => k.includes("orders"))).toEqual([]);
      expect(deleting.results).toEqual([
        {
          severity: "WARNING",
          reason: "DatabaseReplaced",
          message:
            "Database orders: version 16 would replace the running PostgreSQL 17 cluster (CloudNativePG upgrades in place but cannot downgrade); deleting it to recreate it, because deletionProtection is false. Its data is lost unless restored from a backup",
        },
      ]);
      expect(deleting.status?.databases).toEqual([
        {
          name: "orders",
          ready: false,
          host: "orders-rw.acme-prod.svc",
          secretName: "orders-app",
          backups: true,
          phase: "Replacing",
        },
      ]);
      const recreated = compose(xr);
      expect(recreated.resources["database-orders"]).toEqual(
        cluster(
          { imageName: "ghcr.io/cloudnative-pg/postgresql:16", backup: barman("orders-pg16") },
          false,
        ),
      );
    });

    it("upgrades the major version in place", () => {
      const out = compose(
        vdc({ databases: [{ name: "orders", version: 18, backup }] }),
        "professional",
        { "database-orders": running("orders", { version: 17 }) },
      );
      expect(out.results).toEqual([]);
      expect((out.resources["database-orders"]!.spec as Record<string, unknown>).imageName).toBe(
        "ghcr.io/cloudnative-pg/postgresql:18",
      );
    });

    it.each([
      {
        name: "explicit size",
        observed: "50Gi",
        size: { storage: "20Gi" },
        tier: "professional",
        message:
          "VDC acme-prod: spec.databases[0].size.storage: cannot shrink from 50Gi to 20Gi: storage only grows; set size.storage to at least 50Gi",
      },
      {
        name: "a smaller preset after a tier change",
        observed: "200Gi",
        size: {},
        tier: "professional",
        message:
          "VDC acme-prod: spec.databases[0].size.storage: cannot shrink from 200Gi to 50Gi (from the professional preset): storage only grows; set size.storage to at least 200Gi",
      },
    ])(
      "refuses a storage decrease, protected or not: $name",
      ({ observed, size, tier, message }) => {
        for (const deletionProtection of [true, false]) {
          const out = compose(
            vdc({ databases: [{ name: "orders", size, deletionProtection, backup }] }),
            tier,
            { "database-orders": running("orders", { size: observed }) },
          );
          expect(fatal(out)).toBe(message);
        }
      },
    );

    it("grows storage, and keeps the storage class a running database was made with", () => {
      const out = compose(
        vdc({
          backend: { storageClass: "fast-nvme" },
          databases: [{ name: "orders", size: { storage: "80Gi" }, backup }],
        }),
        "professional",
        {
          "database-orders": running("orders", { size: "50Gi" }),
        },
      );
      expect(out.results).toEqual([]);
      expect((out.resources["database-orders"]!.spec as Record<string, unknown>).storage).toEqual({
        size: "80Gi",
        storageClass: "ceph-rbd",
      });
    });
  });

  describe("status from the observed Cluster", () => {
    const healthy = running("orders").status;
    it.each([
      {
        name: "Ready condition True",
        status: healthy,
        ready: true,
        extra: { phase: "Cluster in healthy state", instances: 1, readyInstances: 1 },
      },
      {
        name: "healthy phase without conditions (older operator)",
        status: { phase: "Cluster in healthy state", instances: 1, readyInstances: 1 },
        ready: true,
        extra: { phase: "Cluster in healthy state", instances: 1, readyInstances: 1 },
      },
      {
        name: "creating",
        status: {
          phase: "Setting up primary",
          phaseReason: "Creating primary instance orders-1",
          instances: 1,
          readyInstances: 0,
          conditions: [
            {
              type: "Ready",
              status: "False",
              reason: "ClusterIsNotReady",
              message: "Cluster Is Not Ready",
              lastTransitionTime: "2026-01-05T10:00:05Z",
            },
          ],
        },
        ready: false,
        extra: { phase: "Setting up primary", instances: 1, readyInstances: 0 },
      },
      {
        name: "a replica down: Ready condition wins over a stale phase",
        status: {
          phase: "Cluster in healthy state",
          instances: 3,
          readyInstances: 2,
          conditions: [
            {
              type: "Ready",
              status: "False",
              reason: "ClusterIsNotReady",
              message: "Cluster Is Not Ready",
              lastTransitionTime: "2026-01-05T11:00:00Z",
            },
          ],
        },
        ready: false,
        extra: { phase: "Cluster in healthy state", instances: 3, readyInstances: 2 },
      },
    ])("$name", ({ status, ready, extra }) => {
      const out = compose(vdc({ databases: [{ name: "orders", backup }] }), "professional", {
        "database-orders": { ...running("orders"), status },
      });
      expect(out.ready["database-orders"]).toBe(ready);
      expect(out.status?.databases).toEqual([
        {
          name: "orders",
          ready,
          ...extra,
          host: "orders-rw.acme-prod.svc",
          secretName: "orders-app",
          backups: true,
        },
      ]);
    });
  });

  it.each([
    {
      name: "5-field schedule",
      db: { name: "orders", backup: { ...backup, schedule: "0 2 * * *" } },
      message:
        'spec.databases[0].backup.schedule: has 5 fields; CloudNativePG schedules start with a seconds field (6 fields), e.g. "0 0 2 * * *"',
    },
    {
      name: "not an S3 path",
      db: { name: "orders", backup: { ...backup, destinationPath: "https://bucket" } },
      message:
        "spec.databases[0].backup.destinationPath: must be an S3 URL such as s3://bucket/path",
    },
    {
      name: "name starting with a digit",
      db: { name: "1st" },
      message: "spec.databases[0].name: must start with a letter",
    },
    {
      name: "unsupported version",
      db: { name: "orders", version: 12 },
      message: "spec.databases[0].version",
    },
    {
      name: "negative storage",
      db: { name: "orders", size: { storage: "-1Gi" } },
      message: "spec.databases[0].size.storage",
    },
  ])("refuses bad input with the field path: $name", ({ db, message }) => {
    expect(fatal(compose(vdc({ databases: [db] })))).toContain(message);
  });

  it("refuses two databases of the same name", () => {
    expect(
      fatal(
        compose(
          vdc({
            databases: [
              { name: "orders", backup },
              { name: "orders", backup },
            ],
          }),
        ),
      ),
    ).toContain('spec.databases[1]: duplicate database "orders" (also at index 0)');
  });

  it("is deterministic, whatever order Crossplane lists observed resources in", () => {
    const xr = vdc({ databases: [{ name: "orders", backup }] });
    const a = { "database-a": running("a"), "database-b": running("b") };
    const b = { "database-b": running("b"), "database-a": running("a") };
    const req = (observed: Record<string, KubeObject>) => ({
      xr,
      observed,
      required: { tenant: [tenant("professional")], vdcs: [] },
    });
    expect(bytes(req(a)).equals(bytes(req(b)))).toBe(true);
  });
});
