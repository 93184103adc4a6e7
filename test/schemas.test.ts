// Proves the schema validator in test/support/schemas.ts can fail: for every
// family of schemas a valid object passes and invalid ones are reported with
// the right path and message. The fixtures target fields read from the real
// upstream schemas (../shared/crds), which the tests check first, so a fixture
// cannot silently drift away from the schema it is meant to exercise.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { celStats, crdsDir, knownKinds, schemaFor, validateResource } from "./support/schemas.js";

type Json = Record<string, unknown>;

// ------------------------------------------------------------ reading the real schemas

const schemaCache = new Map<string, Json>();

/** The openAPIV3Schema of one version of a CRD file, or a KubeVirt JSON Schema. */
function upstreamSchema(file: string, version?: string): Json {
  const key = `${file}@${version ?? ""}`;
  const hit = schemaCache.get(key);
  if (hit) return hit;
  const text = readFileSync(path.join(crdsDir, file), "utf8");
  let schema: Json;
  if (file.endsWith(".json")) schema = JSON.parse(text) as Json;
  else {
    const crd = YAML.parse(text) as {
      spec: { versions: { name: string; schema: { openAPIV3Schema: Json } }[] };
    };
    const v = crd.spec.versions.find((x) => x.name === version);
    if (!v) throw new Error(`${file} has no version ${version}`);
    schema = v.schema.openAPIV3Schema;
  }
  schemaCache.set(key, schema);
  return schema;
}

/** The schema node at a dotted path (`[]` steps into array items), or undefined. */
function fieldSchema(schema: Json, dotted: string): Json | undefined {
  let node: Json | undefined = schema;
  for (const step of dotted.split(".")) {
    if (!node) return undefined;
    if (step === "[]") node = node.items as Json | undefined;
    else node = (node.properties as Record<string, Json> | undefined)?.[step];
  }
  return node;
}

interface FieldFact {
  file: string;
  version?: string;
  path: string;
  /**
   * Expected `type` of the node (or "int-or-string"), or "absent" when the field must not exist.
   */
  type: string;
}

const CNPG = "cnpg/postgresql.cnpg.io_clusters.yaml";
const VM_JSON = "kubevirt-jsonschema/kubevirt.io_virtualmachine_v1.json";
const PVE_VM = "proxmox-bpg/virtualenvironmentvm.proxmoxbpg.m.crossplane.io_environmentvms.yaml";

// Facts about the upstream schemas that the fixtures below rely on.
const facts: FieldFact[] = [
  { file: CNPG, version: "v1", path: "spec.instances", type: "integer" },
  { file: CNPG, version: "v1", path: "spec.replicas", type: "absent" },
  { file: CNPG, version: "v1", path: "spec.storage.size", type: "string" },
  { file: CNPG, version: "v1", path: "spec.postgresql.synchronous.number", type: "integer" },
  { file: CNPG, version: "v1", path: "spec.imageCatalogRef", type: "object" },
  {
    file: "cnpg/postgresql.cnpg.io_scheduledbackups.yaml",
    version: "v1",
    path: "spec.cluster.name",
    type: "string",
  },
  {
    file: "forklift/forklift.konveyor.io_providers.yaml",
    version: "v1beta1",
    path: "spec.secret",
    type: "object",
  },
  {
    file: "forklift/forklift.konveyor.io_providers.yaml",
    version: "v1beta1",
    path: "spec.insecure",
    type: "absent",
  },
  {
    file: "ocm/authentication.open-cluster-management.io_managedserviceaccounts.yaml",
    version: "v1beta1",
    path: "spec.rotation.validity",
    type: "string",
  },
  {
    file: "ocm/authentication.open-cluster-management.io_managedserviceaccounts.yaml",
    version: "v1beta1",
    path: "spec.ttlSecondsAfterCreation",
    type: "integer",
  },
  { file: PVE_VM, version: "v1alpha1", path: "spec.forProvider.nodeName", type: "string" },
  { file: PVE_VM, version: "v1alpha1", path: "spec.forProvider.cpu", type: "array" },
  { file: PVE_VM, version: "v1alpha1", path: "spec.forProvider.cpu.[].cores", type: "number" },
  { file: VM_JSON, path: "spec.runStrategy", type: "string" },
  { file: VM_JSON, path: "spec.template.spec.domain.cpu.cores", type: "integer" },
  { file: VM_JSON, path: "spec.template.spec.domain.cpus", type: "absent" },
  { file: VM_JSON, path: "spec.template.spec.volumes.[].containerDisk.image", type: "string" },
  {
    file: "kubevirt-jsonschema/cdi.kubevirt.io_datavolume_v1beta1.json",
    path: "spec.storage.resources.requests",
    type: "object",
  },
  {
    file: "crossplane/apiextensions.crossplane.io_compositions.yaml",
    version: "v1",
    path: "spec.mode",
    type: "string",
  },
  {
    file: "crossplane/apiextensions.crossplane.io_compositions.yaml",
    version: "v1",
    path: "spec.resources",
    type: "absent",
  },
  {
    file: "crossplane/apiextensions.crossplane.io_compositeresourcedefinitions.yaml",
    version: "v2",
    path: "spec.names.plural",
    type: "string",
  },
  {
    file: "crossplane-meta/meta.pkg.crossplane.io_configurations.yaml",
    version: "v1",
    path: "spec.dependsOn.[].version",
    type: "string",
  },
  {
    file: "crossplane/protection.crossplane.io_usages.yaml",
    version: "v1beta1",
    path: "spec.of.resourceRef.namespace",
    type: "string",
  },
];

describe("fixtures match the upstream schemas", () => {
  it.each(facts.map((f) => [`${path.basename(f.file)} ${f.path}`, f] as const))(
    "%s",
    (_name, f) => {
      const node = fieldSchema(upstreamSchema(f.file, f.version), f.path);
      if (f.type === "absent") {
        expect(node).toBeUndefined();
        return;
      }
      expect(node, `${f.path} in ${f.file}`).toBeDefined();
      if (f.type === "int-or-string") expect(node!["x-kubernetes-int-or-string"]).toBe(true);
      else expect(node!.type).toBe(f.type);
    },
  );

  it("the CNPG Cluster CRD carries the CEL rules exercised below", () => {
    const sync = fieldSchema(upstreamSchema(CNPG, "v1"), "spec.postgresql.synchronous.number")!;
    expect(JSON.stringify(sync["x-kubernetes-validations"])).toContain("self > 0");
    const spec = fieldSchema(upstreamSchema(CNPG, "v1"), "spec")!;
    expect(JSON.stringify(spec["x-kubernetes-validations"])).toContain(
      "imageName and imageCatalogRef are mutually exclusive",
    );
  });
});

// ------------------------------------------------------------ fixtures

interface Invalid {
  name: string;
  obj: Json;
  /** Each string must appear in some error. */
  errors: string[];
}

interface Family {
  family: string;
  valid: Json[];
  invalid: Invalid[];
}

// Invalid fixtures are made by mutating clones through deep paths (a wrong type, an unknown
// field) that no schema type allows: typed loosely on purpose, from here to the end.
/* eslint-disable
   @typescript-eslint/no-explicit-any,
   @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-assignment
   -- fixtures broken on purpose */
type Loose = any;

/** A deep clone of base with a mutation applied. */
function variant(base: Json, mutate: (o: Loose) => void): Json {
  const o = structuredClone(base);
  mutate(o);
  return o;
}

const ns: Json = {
  apiVersion: "v1",
  kind: "Namespace",
  metadata: {
    name: "tenant-acme",
    labels: { "app.kubernetes.io/managed-by": "crossvdc", "crossvdc.io/tenant": "acme" },
  },
};
const quota: Json = {
  apiVersion: "v1",
  kind: "ResourceQuota",
  metadata: { name: "vdc-quota", namespace: "tenant-acme" },
  spec: {
    hard: {
      "requests.cpu": "4",
      "requests.memory": "8Gi",
      "requests.storage": "100Gi",
      pods: "20",
    },
  },
};
const limitRange: Json = {
  apiVersion: "v1",
  kind: "LimitRange",
  metadata: { name: "defaults", namespace: "tenant-acme" },
  spec: {
    limits: [
      {
        type: "Container",
        default: { cpu: "500m", memory: "512Mi" },
        defaultRequest: { cpu: "100m" },
      },
    ],
  },
};
const netpol: Json = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "allow-same-tenant", namespace: "tenant-acme" },
  spec: {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [{ namespaceSelector: { matchLabels: { "crossvdc.io/tenant": "acme" } } }],
        ports: [{ port: 5432, protocol: "TCP" }, { port: "https" }],
      },
    ],
  },
};
const secret: Json = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "db-creds", namespace: "tenant-acme" },
  type: "Opaque",
  data: { password: "c2VjcmV0" },
  stringData: { username: "app" },
};
const role: Json = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "Role",
  metadata: { name: "tenant-admin", namespace: "tenant-acme" },
  rules: [
    { apiGroups: ["kubevirt.io"], resources: ["virtualmachines"], verbs: ["get", "list", "watch"] },
  ],
};
const clusterRoleBinding: Json = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRoleBinding",
  metadata: { name: "crossvdc:tenant-acme:view" },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
  subjects: [{ kind: "Group", name: "acme-admins", apiGroup: "rbac.authorization.k8s.io" }],
};

const cnpgCluster: Json = {
  apiVersion: "postgresql.cnpg.io/v1",
  kind: "Cluster",
  metadata: { name: "pg-main", namespace: "tenant-acme" },
  spec: {
    instances: 3,
    storage: { size: "10Gi", storageClass: "standard" },
    postgresql: { synchronous: { method: "any", number: 1 } },
    bootstrap: { initdb: { database: "app", owner: "app" } },
  },
};
const scheduledBackup: Json = {
  apiVersion: "postgresql.cnpg.io/v1",
  kind: "ScheduledBackup",
  metadata: { name: "pg-main-daily", namespace: "tenant-acme" },
  spec: {
    schedule: "0 0 2 * * *",
    cluster: { name: "pg-main" },
    method: "volumeSnapshot",
    backupOwnerReference: "self",
  },
};
const objectStore: Json = {
  apiVersion: "barmancloud.cnpg.io/v1",
  kind: "ObjectStore",
  metadata: { name: "pg-main", namespace: "tenant-acme" },
  spec: {
    configuration: {
      destinationPath: "s3://acme-backups/prod",
      s3Credentials: {
        accessKeyId: { name: "backup-s3", key: "ACCESS_KEY_ID" },
        secretAccessKey: { name: "backup-s3", key: "ACCESS_SECRET_KEY" },
      },
    },
    retentionPolicy: "30d",
  },
};
const clusterImageCatalog: Json = {
  apiVersion: "postgresql.cnpg.io/v1",
  kind: "ClusterImageCatalog",
  metadata: { name: "postgresql" },
  spec: {
    images: [
      { major: 16, image: "ghcr.io/cloudnative-pg/postgresql:16.15-standard-trixie" },
      { major: 17, image: "ghcr.io/cloudnative-pg/postgresql:17.11-standard-trixie" },
    ],
  },
};
const podMonitor: Json = {
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PodMonitor",
  metadata: { name: "pg-main-metrics", namespace: "tenant-acme" },
  spec: {
    selector: { matchLabels: { "cnpg.io/cluster": "pg-main" } },
    podMetricsEndpoints: [{ port: "metrics" }],
  },
};
const forkliftProvider: Json = {
  apiVersion: "forklift.konveyor.io/v1beta1",
  kind: "Provider",
  metadata: { name: "vsphere-dc1", namespace: "openshift-mtv" },
  spec: {
    type: "vsphere",
    url: "https://vcenter.example.com/sdk",
    secret: { name: "vsphere-dc1-creds", namespace: "openshift-mtv" },
    settings: { vddkInitImage: "registry.example.com/vddk:8.0" },
  },
};
const managedSA: Json = {
  apiVersion: "authentication.open-cluster-management.io/v1beta1",
  kind: "ManagedServiceAccount",
  metadata: { name: "crossvdc-agent", namespace: "spoke-1" },
  spec: { rotation: { enabled: true, validity: "8640h0m0s" } },
};
const pveVM: Json = {
  apiVersion: "virtualenvironmentvm.proxmoxbpg.m.crossplane.io/v1alpha1",
  kind: "EnvironmentVM",
  metadata: { name: "acme-web-1", namespace: "tenant-acme" },
  spec: { forProvider: { nodeName: "pve1", cpu: [{ cores: 2 }], name: "acme-web-1" } },
};
const kubevirtVM: Json = {
  apiVersion: "kubevirt.io/v1",
  kind: "VirtualMachine",
  metadata: { name: "acme-web-1", namespace: "tenant-acme" },
  spec: {
    runStrategy: "Always",
    template: {
      metadata: { labels: { "kubevirt.io/vm": "acme-web-1" } },
      spec: {
        domain: {
          cpu: { cores: 2 },
          memory: { guest: "2Gi" },
          devices: { disks: [{ name: "root", disk: { bus: "virtio" } }] },
        },
        volumes: [{ name: "root", containerDisk: { image: "quay.io/containerdisks/fedora:40" } }],
      },
    },
  },
};
const dataVolume: Json = {
  apiVersion: "cdi.kubevirt.io/v1beta1",
  kind: "DataVolume",
  metadata: { name: "acme-web-1-root", namespace: "tenant-acme" },
  spec: {
    source: { http: { url: "https://example.com/fedora.qcow2" } },
    storage: { resources: { requests: { storage: "20Gi" } } },
  },
};
const clusterInstancetype: Json = {
  apiVersion: "instancetype.kubevirt.io/v1beta1",
  kind: "VirtualMachineClusterInstancetype",
  metadata: { name: "crossvdc.small" },
  spec: { cpu: { guest: 2 }, memory: { guest: "4Gi" } },
};
const clusterPreference: Json = {
  apiVersion: "instancetype.kubevirt.io/v1beta1",
  kind: "VirtualMachineClusterPreference",
  metadata: { name: "crossvdc.linux" },
  spec: { devices: { preferredDiskBus: "virtio" } },
};
const composition: Json = {
  apiVersion: "apiextensions.crossplane.io/v1",
  kind: "Composition",
  metadata: { name: "vdcs.platform.crossvdc.io" },
  spec: {
    compositeTypeRef: { apiVersion: "platform.crossvdc.io/v1alpha1", kind: "VDC" },
    mode: "Pipeline",
    pipeline: [
      { step: "compose", functionRef: { name: "function-crossvdc" } },
      { step: "ready", functionRef: { name: "function-auto-ready" } },
    ],
  },
};
const xrdV2: Json = {
  apiVersion: "apiextensions.crossplane.io/v2",
  kind: "CompositeResourceDefinition",
  metadata: { name: "vdcs.platform.crossvdc.io" },
  spec: {
    group: "platform.crossvdc.io",
    names: { kind: "VDC", plural: "vdcs" },
    scope: "Namespaced",
    versions: [
      {
        name: "v1alpha1",
        served: true,
        referenceable: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: { spec: { type: "object", properties: { size: { type: "string" } } } },
          },
        },
      },
    ],
  },
};
const configuration: Json = {
  apiVersion: "meta.pkg.crossplane.io/v1",
  kind: "Configuration",
  metadata: {
    name: "crossvdc",
    annotations: { "meta.crossplane.io/source": "github.com/example/crossvdc" },
  },
  spec: {
    crossplane: { version: ">=v2.0.0" },
    dependsOn: [
      {
        function: "xpkg.crossplane.io/crossplane-contrib/function-auto-ready",
        version: ">=v0.5.0",
      },
    ],
  },
};
const usage: Json = {
  apiVersion: "protection.crossplane.io/v1beta1",
  kind: "Usage",
  metadata: { name: "keep-db-secret", namespace: "tenant-acme" },
  spec: {
    of: { apiVersion: "v1", kind: "Secret", resourceRef: { name: "db-creds" } },
    reason: "the database uses it",
  },
};
const k8sObject: Json = {
  apiVersion: "kubernetes.m.crossplane.io/v1alpha1",
  kind: "Object",
  metadata: { name: "acme-ns", namespace: "tenant-acme" },
  spec: {
    forProvider: {
      manifest: { apiVersion: "v1", kind: "Namespace", metadata: { name: "acme-remote" } },
    },
  },
};

// VDC placement by clusterSelector (functions/placement.ts): what it composes and what it reads.
const ocmPlacement: Json = {
  apiVersion: "cluster.open-cluster-management.io/v1beta1",
  kind: "Placement",
  metadata: { name: "acme-dev", namespace: "acme-dev" },
  spec: {
    clusterSets: ["default"],
    numberOfClusters: 1,
    predicates: [{ requiredClusterSelector: { labelSelector: { matchLabels: { site: "edge" } } } }],
  },
};
const clusterSetBinding: Json = {
  apiVersion: "cluster.open-cluster-management.io/v1beta2",
  kind: "ManagedClusterSetBinding",
  metadata: { name: "default", namespace: "acme-dev" },
  spec: { clusterSet: "default" },
};
const placementDecision: Json = {
  apiVersion: "cluster.open-cluster-management.io/v1beta1",
  kind: "PlacementDecision",
  metadata: {
    name: "acme-dev-decision-1",
    namespace: "acme-dev",
    labels: { "cluster.open-cluster-management.io/placement": "acme-dev" },
  },
  status: { decisions: [{ clusterName: "east", reason: "" }] },
};
// A VM's instance on a member cluster, read and never written (functions/vm/compose.ts).
const observeOnlyObject: Json = {
  apiVersion: "kubernetes.m.crossplane.io/v1alpha1",
  kind: "Object",
  metadata: { name: "east-virtualmachineinstance-web", namespace: "acme-dev" },
  spec: {
    managementPolicies: ["Observe"],
    forProvider: {
      manifest: {
        apiVersion: "kubevirt.io/v1",
        kind: "VirtualMachineInstance",
        metadata: { name: "web", namespace: "acme-dev" },
      },
    },
    providerConfigRef: { kind: "ClusterProviderConfig", name: "east" },
  },
};

// A probe: reads a namespace on a member cluster before anything is delivered there
// (functions/probe.ts); an Object's name is a DNS-1123 subdomain, so its dots are valid.
const probeObject: Json = {
  apiVersion: "kubernetes.m.crossplane.io/v1alpha1",
  kind: "Object",
  metadata: { name: "probe.east.namespace.acme-dev", namespace: "acme-dev" },
  spec: {
    managementPolicies: ["Observe"],
    forProvider: {
      manifest: { apiVersion: "v1", kind: "Namespace", metadata: { name: "acme-dev" } },
    },
    providerConfigRef: { kind: "ClusterProviderConfig", name: "east" },
  },
};

const families: Family[] = [
  {
    family: "core: Namespace",
    valid: [ns],
    invalid: [
      {
        name: "bad name",
        obj: variant(ns, (o) => {
          o.metadata.name = "Tenant_Acme";
        }),
        errors: ['v1 Namespace Tenant_Acme: metadata.name: "Tenant_Acme" must be a DNS-1123 label'],
      },
      {
        name: "name too long",
        obj: variant(ns, (o) => {
          o.metadata.name = "a".repeat(64);
        }),
        errors: ["metadata.name", "no more than 63 characters"],
      },
      {
        name: "bad label value",
        obj: variant(ns, (o) => {
          o.metadata.labels["crossvdc.io/tenant"] = "acme corp";
        }),
        errors: ['metadata.labels["crossvdc.io/tenant"]: invalid label value'],
      },
      {
        name: "unknown metadata field",
        obj: variant(ns, (o) => {
          o.metadata.label = { a: "b" };
        }),
        errors: ['metadata.label: unknown field "label"'],
      },
    ],
  },
  {
    family: "core: ResourceQuota / LimitRange",
    valid: [quota, limitRange],
    invalid: [
      {
        name: "unknown spec field",
        obj: variant(quota, (o) => {
          o.spec.hardLimits = { pods: "1" };
        }),
        errors: ['v1 ResourceQuota vdc-quota: spec.hardLimits: unknown field "hardLimits"'],
      },
      {
        name: "bad quantity",
        obj: variant(quota, (o) => {
          o.spec.hard.pods = "lots";
        }),
        errors: ["spec.hard.pods: must match"],
      },
      {
        name: "missing LimitRange type",
        obj: variant(limitRange, (o) => {
          delete o.spec.limits[0].type;
        }),
        errors: ['spec.limits[0]: missing required field "type"'],
      },
    ],
  },
  {
    family: "core: NetworkPolicy",
    valid: [netpol],
    invalid: [
      {
        name: "wrong-typed port",
        obj: variant(netpol, (o) => {
          o.spec.ingress[0].ports[0].port = true;
        }),
        errors: [
          "spec.ingress[0].ports[0].port: must match exactly one of: must be string; " +
            "must be integer (got boolean true)",
        ],
      },
      {
        name: "port as object",
        obj: variant(netpol, (o) => {
          o.spec.ingress[0].ports[0].port = { number: 5432 };
        }),
        errors: ["spec.ingress[0].ports[0].port"],
      },
      {
        name: "misspelt field",
        obj: variant(netpol, (o) => {
          o.spec.ingress[0].form = o.spec.ingress[0].from;
        }),
        errors: ['spec.ingress[0].form: unknown field "form"'],
      },
    ],
  },
  {
    family: "core: Secret / RBAC",
    valid: [secret, role, clusterRoleBinding],
    invalid: [
      {
        name: "Secret data not base64",
        obj: variant(secret, (o) => {
          o.data.password = "not base64!";
        }),
        errors: ["data.password"],
      },
      {
        name: "Role rule with wrong type",
        obj: variant(role, (o) => {
          o.rules[0].verbs = "get";
        }),
        errors: ["rules[0].verbs: must be array"],
      },
      {
        name: "namespace on a cluster-scoped kind",
        obj: variant(clusterRoleBinding, (o) => {
          o.metadata.namespace = "tenant-acme";
        }),
        errors: ["metadata.namespace: must not be set: the kind is cluster-scoped"],
      },
    ],
  },
  {
    family: "CNPG Cluster",
    valid: [cnpgCluster],
    invalid: [
      {
        name: "instances as a string",
        obj: variant(cnpgCluster, (o) => {
          o.spec.instances = "three";
        }),
        errors: [
          "postgresql.cnpg.io/v1 Cluster pg-main: spec.instances: must be integer (got " +
            'string "three")',
        ],
      },
      {
        name: "unknown spec field",
        obj: variant(cnpgCluster, (o) => {
          o.spec.replicas = 3;
        }),
        errors: ['spec.replicas: unknown field "replicas"'],
      },
      {
        name: "CEL: synchronous number must be > 0",
        obj: variant(cnpgCluster, (o) => {
          o.spec.postgresql.synchronous.number = 0;
        }),
        errors: [
          "spec.postgresql.synchronous.number: The number of synchronous replicas should " +
            "be greater than zero",
        ],
      },
      {
        name: "CEL: imageName and imageCatalogRef",
        obj: variant(cnpgCluster, (o) => {
          o.spec.imageName = "ghcr.io/cloudnative-pg/postgresql:17";
          o.spec.imageCatalogRef = {
            apiGroup: "postgresql.cnpg.io",
            kind: "ClusterImageCatalog",
            name: "postgresql",
            major: 17,
          };
        }),
        errors: ["spec: imageName and imageCatalogRef are mutually exclusive"],
      },
      {
        name: "name too long",
        obj: variant(cnpgCluster, (o) => {
          o.metadata.name = "x".repeat(254);
        }),
        errors: ["metadata.name:", "must be no more than 253 characters"],
      },
    ],
  },
  {
    family: "CNPG ScheduledBackup",
    valid: [scheduledBackup],
    invalid: [
      {
        name: "missing cluster",
        obj: variant(scheduledBackup, (o) => {
          delete o.spec.cluster;
        }),
        errors: ['spec: missing required field "cluster"'],
      },
      {
        name: "bad enum",
        obj: variant(scheduledBackup, (o) => {
          o.spec.method = "tape";
        }),
        errors: ['spec.method: must be one of "barmanObjectStore", "volumeSnapshot", "plugin"'],
      },
    ],
  },
  {
    family: "Barman Cloud ObjectStore, ClusterImageCatalog, PodMonitor",
    valid: [objectStore, clusterImageCatalog, podMonitor],
    invalid: [
      {
        name: "CEL: serverName on the ObjectStore (a plugin parameter of the Cluster)",
        obj: variant(objectStore, (o) => {
          o.spec.configuration.serverName = "pg-main-pg17";
        }),
        errors: ["use the 'serverName' plugin parameter in the Cluster resource"],
      },
      {
        name: "retention not in the form <n>d|w|m",
        obj: variant(objectStore, (o) => {
          o.spec.retentionPolicy = "30 days";
        }),
        errors: ["spec.retentionPolicy:"],
      },
      {
        name: "CEL: one image per major",
        obj: variant(clusterImageCatalog, (o) => {
          o.spec.images[1].major = 16;
        }),
        errors: ["Images must have unique major versions"],
      },
      {
        name: "a namespace on the cluster-scoped catalog",
        obj: variant(clusterImageCatalog, (o) => {
          o.metadata.namespace = "cnpg-system";
        }),
        errors: ["metadata.namespace: must not be set: the kind is cluster-scoped"],
      },
      {
        name: "PodMonitor without a selector",
        obj: variant(podMonitor, (o) => {
          delete o.spec.selector;
        }),
        errors: ['spec: missing required field "selector"'],
      },
    ],
  },
  {
    family: "Forklift Provider",
    valid: [forkliftProvider],
    invalid: [
      {
        name: "unknown field",
        obj: variant(forkliftProvider, (o) => {
          o.spec.insecure = true;
        }),
        errors: [
          "forklift.konveyor.io/v1beta1 Provider vsphere-dc1: spec.insecure: unknown " +
            'field "insecure"',
        ],
      },
      {
        name: "settings values must be strings",
        obj: variant(forkliftProvider, (o) => {
          o.spec.settings.sdkEndpoint = 1;
        }),
        errors: ["spec.settings.sdkEndpoint: must be string"],
      },
    ],
  },
  {
    family: "OCM ManagedServiceAccount",
    valid: [
      managedSA,
      variant(managedSA, (o) => {
        o.spec.ttlSecondsAfterCreation = 1;
      }),
    ],
    invalid: [
      {
        name: "missing rotation",
        obj: variant(managedSA, (o) => {
          delete o.spec.rotation;
        }),
        errors: ['spec: missing required field "rotation"'],
      },
      {
        name: "wrong type",
        obj: variant(managedSA, (o) => {
          o.spec.rotation.validity = 3600;
        }),
        errors: ["spec.rotation.validity: must be string"],
      },
      // OpenAPI 3.0 boolean exclusiveMinimum: true with minimum: 0
      {
        name: "exclusiveMinimum",
        obj: variant(managedSA, (o) => {
          o.spec.ttlSecondsAfterCreation = 0;
        }),
        errors: ["spec.ttlSecondsAfterCreation: must be > 0 (got number 0)"],
      },
    ],
  },
  {
    family: "Proxmox EnvironmentVM",
    valid: [
      pveVM,
      variant(pveVM, (o) => {
        delete o.spec.forProvider.nodeName;
        o.spec.managementPolicies = ["Observe"];
      }),
    ],
    invalid: [
      {
        name: "cpu as an object",
        obj: variant(pveVM, (o) => {
          o.spec.forProvider.cpu = { cores: 2 };
        }),
        errors: ['spec.forProvider.cpu: must be array (got object {"cores":2})'],
      },
      // The rule reads spec.managementPolicies, absent here: its schema default ["*"] applies.
      {
        name: "CEL: nodeName required",
        obj: variant(pveVM, (o) => {
          delete o.spec.forProvider.nodeName;
        }),
        errors: ["spec: spec.forProvider.nodeName is a required parameter"],
      },
    ],
  },
  {
    family: "KubeVirt VirtualMachine / DataVolume / instancetypes",
    valid: [kubevirtVM, dataVolume, clusterInstancetype, clusterPreference],
    invalid: [
      {
        name: "unknown field in domain",
        obj: variant(kubevirtVM, (o) => {
          o.spec.template.spec.domain.cpus = 2;
        }),
        errors: [
          "kubevirt.io/v1 VirtualMachine acme-web-1: spec.template.spec.domain.cpus: " +
            'unknown field "cpus"',
        ],
      },
      {
        name: "cores as a string",
        obj: variant(kubevirtVM, (o) => {
          o.spec.template.spec.domain.cpu.cores = "2";
        }),
        errors: ["spec.template.spec.domain.cpu.cores: must be integer"],
      },
      {
        name: "unknown field in template metadata",
        obj: variant(kubevirtVM, (o) => {
          o.spec.template.metadata.label = {};
        }),
        errors: ['spec.template.metadata.label: unknown field "label"'],
      },
      {
        name: "containerDisk without image",
        obj: variant(kubevirtVM, (o) => {
          o.spec.template.spec.volumes[0].containerDisk = {};
        }),
        errors: ['spec.template.spec.volumes[0].containerDisk: missing required field "image"'],
      },
      {
        name: "DataVolume storage request wrong type",
        obj: variant(dataVolume, (o) => {
          o.spec.storage.resources.requests.storage = true;
        }),
        errors: ["spec.storage.resources.requests.storage: must be integer or string"],
      },
      {
        name: "namespace on a cluster instancetype",
        obj: variant(clusterInstancetype, (o) => {
          o.metadata.namespace = "default";
        }),
        errors: ["metadata.namespace: must not be set"],
      },
    ],
  },
  {
    family: "Crossplane Composition",
    valid: [composition],
    invalid: [
      {
        name: "classic resources mode field",
        obj: variant(composition, (o) => {
          o.spec.resources = [];
        }),
        errors: ['spec.resources: unknown field "resources"'],
      },
      {
        name: "mode Resources",
        obj: variant(composition, (o) => {
          o.spec.mode = "Resources";
        }),
        errors: ['spec.mode: must be one of "Pipeline"'],
      },
      {
        name: "step without functionRef",
        obj: variant(composition, (o) => {
          delete o.spec.pipeline[0].functionRef;
        }),
        errors: ['spec.pipeline[0]: missing required field "functionRef"'],
      },
      {
        name: "CEL: pipeline required",
        obj: variant(composition, (o) => {
          delete o.spec.pipeline;
        }),
        errors: ["spec: an array of pipeline steps is required in Pipeline mode"],
      },
      {
        name: "wrong kind for apiVersion",
        obj: { ...composition, apiVersion: "apiextensions.crossplane.io/v2" },
        errors: ["no schema for apiextensions.crossplane.io/v2 Composition"],
      },
    ],
  },
  {
    family: "Crossplane CompositeResourceDefinition v2",
    valid: [xrdV2],
    invalid: [
      {
        name: "CEL: plural must be lowercase",
        obj: variant(xrdV2, (o) => {
          o.spec.names.plural = "VDCs";
        }),
        errors: ["spec.names: Plural name must be lowercase"],
      },
      {
        name: "CEL: no claims in v2",
        obj: variant(xrdV2, (o) => {
          o.spec.claimNames = { kind: "VDCClaim", plural: "vdcclaims" };
        }),
        errors: ["spec: Claims aren't supported in apiextensions.crossplane.io/v2"],
      },
      {
        name: "bad scope",
        obj: variant(xrdV2, (o) => {
          o.spec.scope = "LegacyCluster";
        }),
        errors: ["spec.scope: must be one of"],
      },
    ],
  },
  {
    family: "Crossplane package metadata (meta.pkg.crossplane.io/v1 Configuration)",
    valid: [configuration],
    invalid: [
      {
        name: "dependency without version",
        obj: variant(configuration, (o) => {
          delete o.spec.dependsOn[0].version;
        }),
        errors: ['spec.dependsOn[0]: missing required field "version"'],
      },
      {
        name: "unknown field",
        obj: variant(configuration, (o) => {
          o.spec.dependencies = [];
        }),
        errors: ['spec.dependencies: unknown field "dependencies"'],
      },
    ],
  },
  {
    family: "Crossplane Usage (CEL with an escaped property name)",
    valid: [usage],
    invalid: [
      {
        name: "CEL: cross-namespace of without by",
        obj: variant(usage, (o) => {
          o.spec.of.resourceRef.namespace = "other";
        }),
        errors: ['spec: cross-namespace "spec.of" is not allowed without "spec.by" resource.'],
      },
    ],
  },
  {
    family: "OCM Placement / ManagedClusterSetBinding / PlacementDecision",
    valid: [ocmPlacement, clusterSetBinding, placementDecision],
    invalid: [
      {
        name: "numberOfClusters is an integer",
        obj: variant(ocmPlacement, (o) => {
          o.spec.numberOfClusters = "1";
        }),
        errors: ['spec.numberOfClusters: must be integer (got string "1")'],
      },
      {
        name: "a binding names its set",
        obj: variant(clusterSetBinding, (o) => {
          o.spec.clusterSet = "";
        }),
        errors: ["spec.clusterSet"],
      },
      {
        name: "a decision names its cluster",
        obj: variant(placementDecision, (o) => {
          delete o.status.decisions[0].clusterName;
        }),
        errors: ['missing required field "clusterName"'],
      },
    ],
  },
  {
    family: "provider-kubernetes Object (embedded manifest validated too)",
    valid: [k8sObject, observeOnlyObject, probeObject],
    invalid: [
      {
        name: "management policy",
        obj: variant(observeOnlyObject, (o) => {
          o.spec.managementPolicies = ["Read"];
        }),
        errors: ["spec.managementPolicies[0]: must be one of"],
      },
      {
        name: "an observe-only manifest still names a kind with a schema",
        obj: variant(observeOnlyObject, (o) => {
          o.spec.forProvider.manifest.kind = "VirtualMachineInstanse";
        }),
        errors: ["spec.forProvider.manifest: no schema for kubevirt.io/v1 VirtualMachineInstanse"],
      },
      {
        name: "an Object's name is a DNS subdomain: no empty part between dots",
        obj: variant(probeObject, (o) => {
          o.metadata.name = "probe.east..acme-dev";
        }),
        errors: ["metadata.name"],
      },
      {
        name: "an applied manifest carries the body its kind requires",
        obj: variant(observeOnlyObject, (o) => {
          delete o.spec.managementPolicies;
        }),
        errors: ['spec.forProvider.manifest: missing required field "spec"'],
      },
      {
        name: "unknown field in manifest",
        obj: variant(k8sObject, (o) => {
          o.spec.forProvider.manifest.spec = { finalizerz: [] };
        }),
        errors: ['spec.forProvider.manifest.spec.finalizerz: unknown field "finalizerz"'],
      },
      {
        name: "manifest without schema",
        obj: variant(k8sObject, (o) => {
          o.spec.forProvider.manifest = {
            apiVersion: "example.com/v1",
            kind: "Widget",
            metadata: { name: "w" },
          };
        }),
        errors: ["spec.forProvider.manifest: no schema for example.com/v1 Widget"],
      },
      {
        name: "manifest without kind",
        obj: variant(k8sObject, (o) => {
          delete o.spec.forProvider.manifest.kind;
        }),
        errors: ['spec.forProvider.manifest: missing required field "kind"'],
      },
    ],
  },
];

// ------------------------------------------------------------ tests

describe.each(families)("$family", ({ valid, invalid }) => {
  it.each(valid.map((o) => [`${String(o.kind)} ${String((o.metadata as Json).name)}`, o] as const))(
    "valid: %s",
    (_n, obj) => {
      expect(validateResource(obj)).toEqual([]);
    },
  );
  it.each(invalid.map((c) => [c.name, c] as const))("invalid: %s", (_n, c) => {
    const errors = validateResource(c.obj);
    expect(errors.length).toBeGreaterThan(0);
    for (const want of c.errors) {
      expect(
        errors.some((e) => e.includes(want)),
        `expected an error containing ${JSON.stringify(want)}, got:\n${errors.join("\n")}`,
      ).toBe(true);
    }
  });
});

describe("dispatch", () => {
  it("errors are formatted <apiVersion> <kind> <name>: <path>: <message>", () => {
    const errors = validateResource(
      variant(kubevirtVM, (o) => {
        o.spec.template.spec.domain.cpu.cores = "two";
      }),
    );
    expect(errors).toEqual([
      "kubevirt.io/v1 VirtualMachine acme-web-1: spec.template.spec.domain.cpu.cores: " +
        'must be integer (got string "two")',
    ]);
  });

  it("unknown kinds are errors, never a silent pass", () => {
    expect(
      validateResource({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }),
    ).toEqual(["example.com/v1 Widget w: no schema for example.com/v1 Widget"]);
    expect(
      validateResource({ apiVersion: "v1", kind: "Nothing", metadata: { name: "w" } })[0],
    ).toContain("no schema for v1 Nothing");
    expect(validateResource({ kind: "Namespace", metadata: { name: "w" } })[0]).toContain(
      "apiVersion and kind must be non-empty strings",
    );
    expect(validateResource("not an object")[0]).toContain("must be an object");
  });

  it("schemaFor resolves every family and nothing else", () => {
    expect(schemaFor("v1", "Namespace")?.source).toBe("kubernetes-models");
    expect(schemaFor("apps/v1", "Deployment")?.source).toBe("kubernetes-models");
    expect(schemaFor("postgresql.cnpg.io/v1", "Cluster")?.source).toBe("crd");
    expect(schemaFor("kubevirt.io/v1", "VirtualMachine")?.source).toBe("kubevirt-jsonschema");
    expect(schemaFor("kubevirt.io/v1", "VirtualMachine")?.namespaced).toBe(true);
    expect(
      schemaFor("instancetype.kubevirt.io/v1beta1", "VirtualMachineClusterInstancetype")
        ?.namespaced,
    ).toBe(false);
    expect(schemaFor("example.com/v1", "Widget")).toBeUndefined();
    expect(schemaFor("postgresql.cnpg.io/v1", "cluster")).toBeUndefined();
    expect(path.isAbsolute(crdsDir)).toBe(true);
    expect(knownKinds()).toContain("forklift.konveyor.io/v1beta1|Plan");
  });

  it(
    "accepts what the API server accepts: " + "int-or-string, nullable, preserved unknown fields",
    () => {
      // int-or-string quantity as an integer
      expect(
        validateResource(
          variant(dataVolume, (o) => {
            o.spec.storage.resources.requests.storage = 21474836480;
          }),
        ),
      ).toEqual([]);
      // nullable: KubeVirt's template metadata
      expect(
        validateResource(
          variant(kubevirtVM, (o) => {
            o.spec.template.metadata = null;
          }),
        ),
      ).toEqual([]);
      // creationTimestamp: null as serialisers emit it
      expect(
        validateResource(
          variant(cnpgCluster, (o) => {
            o.metadata.creationTimestamp = null;
          }),
        ),
      ).toEqual([]);
      // the XRD's openAPIV3Schema preserves unknown fields
      expect(
        validateResource(
          variant(xrdV2, (o) => {
            o.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.anything = {
              type: "integer",
              "x-whatever": 1,
            };
          }),
        ),
      ).toEqual([]);
      // free-form function input in a Composition step (embedded resource)
      expect(
        validateResource(
          variant(composition, (o) => {
            o.spec.pipeline[0].input = {
              apiVersion: "fn.crossvdc.io/v1",
              kind: "Input",
              anything: { goes: true },
            };
          }),
        ),
      ).toEqual([]);
    },
  );

  it("checks x-kubernetes-list-type: map keys are unique", () => {
    // spec.resources.claims is a list-map keyed by name in the CNPG Cluster CRD
    expect(
      fieldSchema(upstreamSchema(CNPG, "v1"), "spec.resources.claims")![
        "x-kubernetes-list-map-keys"
      ],
    ).toEqual(["name"]);
    const ok = variant(cnpgCluster, (o) => {
      o.spec.resources = { claims: [{ name: "gpu" }, { name: "nic" }] };
    });
    expect(validateResource(ok)).toEqual([]);
    const dup = variant(cnpgCluster, (o) => {
      o.spec.resources = { claims: [{ name: "gpu" }, { name: "gpu" }] };
    });
    expect(validateResource(dup)).toEqual([
      "postgresql.cnpg.io/v1 Cluster pg-main: spec.resources.claims[1]: duplicate entry " +
        'with key (name="gpu"), same as spec.resources.claims[0]',
    ]);
  });

  it("is fast enough for thousands of objects", () => {
    const objs = [ns, quota, netpol, cnpgCluster, kubevirtVM, pveVM, composition, forkliftProvider];
    const start = performance.now();
    let n = 0;
    for (let i = 0; i < 250; i++) for (const o of objs) n += validateResource(o).length;
    const ms = performance.now() - start;
    expect(n).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });
});

describe("CEL rules", () => {
  it("counts rules evaluated and skipped across all CRDs", () => {
    const s = celStats();
    expect(s.total).toBeGreaterThan(0);
    expect(s.evaluated).toBeGreaterThan(0);
    expect(s.evaluated + s.skippedTransition + s.skippedUnsupported + s.skippedParseError).toBe(
      s.total,
    );
    expect(s.skippedTransition).toBeGreaterThan(0); // `self == oldSelf` immutability rules
    expect(s.evaluations).toBeGreaterThan(0);
    expect(s.failures).toBeGreaterThan(0);
  });
});
