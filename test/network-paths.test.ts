// The network paths an isolated VDC opens for the operators, per platform
// preset: each row is a flow a cluster would carry or drop, evaluated on every
// NetworkPolicy the Tenant and VDC compose (test/support/netpol.ts), never by
// looking for a policy's name.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { egressTo, NetworkPolicyPort, urlEndpoint } from "../functions/network-policy.js";
import { PRESETS, type PlatformSettings } from "../functions/platform.js";
import { allowed, describeFlow, type Endpoint, type Flow } from "./support/netpol.js";
import { run } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const tenant: KubeObject = {
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "Tenant",
  metadata: { name: "acme" },
  spec: { tier: "professional", admins: { groups: ["acme-admins"] } },
};
const b64 = (s: string) => Buffer.from(s).toString("base64");
const secret = (name: string, keys: string[]): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: "acme-dev" },
  data: Object.fromEntries(keys.map((k) => [k, b64("x")])),
});
const source = (name: string, type: string, url: string) => ({
  name,
  type,
  url,
  secretRef: { name: `${name}-credentials` },
  networkMap: [{ source: { name: "VM Network" } }],
  storageMap: [{ source: { name: "datastore" } }],
});
const database = (name: string, endpointURL: string) => ({
  name,
  version: 17,
  backup: {
    destinationPath: `s3://acme-backups/${name}`,
    endpointURL,
    s3CredentialsSecret: "pg-backup-s3",
  },
});
const vm = (name: string, image: Record<string, unknown>): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VirtualMachine",
  metadata: { name, namespace: "acme-dev" },
  spec: { size: { instanceType: "small" }, image },
});

/** An isolated KubeVirt VDC with everything that needs a path: sources, databases, VM images. */
const full: KubeObject = {
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VDC",
  metadata: { name: "acme-dev", labels: { "crossvdc.io/tenant": "acme" } },
  spec: {
    tenantRef: { name: "acme" },
    quota: { cpu: "16", memory: "32Gi", storage: "500Gi" },
    backend: { storageClass: "ceph-rbd" },
    migration: {
      sources: [
        source("vcenter", "vsphere", "https://vcenter.acme.example/sdk"),
        source("rhv", "ovirt", "https://10.0.0.5:8443/ovirt-engine/api"),
        source("ova", "ova", "nfs.acme.example:/exports/ova"),
      ],
    },
    databases: [
      database("orders", "https://minio.acme.example:9000"),
      database("ledger", "http://192.0.2.10:9100"),
    ],
  },
};
const vms = [
  vm("web", { url: "https://images.example/fedora.qcow2" }),
  vm("batch", { url: "http://198.51.100.7:8080/disk.raw" }),
  vm("db", { dataSource: { name: "fedora", namespace: "kubevirt-os-images" } }),
  vm("local", { dataSource: { name: "golden" } }),
];
const required = {
  tenant: [tenant],
  vdcs: [],
  "migration-plans": [],
  "secret-vcenter": [secret("vcenter-credentials", ["user", "password", "cacert"])],
  "secret-rhv": [secret("rhv-credentials", ["user", "password", "cacert"])],
  "secret-ova": [secret("ova-credentials", ["url"])],
  "backup-secret-pg-backup-s3": [secret("pg-backup-s3", ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"])],
  vms,
};
/** The same VDC without sources, databases or VMs: none of the operator paths. */
const bare: KubeObject = {
  ...full,
  spec: { tenantRef: { name: "acme" }, backend: { storageClass: "ceph-rbd" } },
};

const environmentConfig = (platform: string): KubeObject => ({
  apiVersion: "apiextensions.crossplane.io/v1beta1",
  kind: "EnvironmentConfig",
  metadata: { name: "crossvdc" },
  data: { platform },
});

function policies(xr: KubeObject, platform: string, extra: Record<string, KubeObject[]>) {
  const platformRequired = { platform: [environmentConfig(platform)] };
  const v = run({ xr, required: { ...required, ...extra, ...platformRequired } });
  const t = run({ xr: tenant, required: { vdcs: [xr], ...platformRequired } });
  expect([...v.results, ...t.results].filter((r) => r.severity === "FATAL")).toEqual([]);
  const all = [...Object.values(v.resources), ...Object.values(t.resources)];
  for (const r of all) expect(validateResource(r)).toEqual([]);
  return all.filter((r) => r.kind === "NetworkPolicy");
}

// ---- the pods and addresses the flows run between
// -------------------------------------------------
const vdcNs = { name: "acme-dev", labels: { "crossvdc.io/vdc": "acme-dev" } };
const inVdc = (labels: Record<string, string>): Endpoint => ({ pod: labels, namespace: vdcNs });
const elsewhere = (ns: string, labels: Record<string, string> = { app: "any" }): Endpoint => ({
  pod: labels,
  namespace: { name: ns },
});
const ip = (address: string): Endpoint => ({ ip: address });
const app = inVdc({ app: "web" });
const virtV2v = inVdc({ "forklift.app": "virt-v2v", plan: "p-1", vmID: "vm-1" });
const inspection = inVdc({ "forklift.app": "virt-v2v-inspection", vmID: "vm-1" });
const importer = inVdc({ app: "containerized-data-importer", "cdi.kubevirt.io": "importer" });
const uploadServer = inVdc({
  app: "containerized-data-importer",
  "cdi.kubevirt.io": "cdi-upload-server",
});
const cloneSource = (ns: string) =>
  elsewhere(ns, { app: "containerized-data-importer", "cdi.kubevirt.io": "cdi-clone-source" });
const postgres = (cluster: string) => inVdc({ "cnpg.io/cluster": cluster, role: "primary" });
/** Addresses a hostname could resolve to: a name opens its port to any address. */
const VCENTER = "203.0.113.20";
const ESXI = "203.0.113.31";
const MINIO = "203.0.113.40";
const IMAGES = "203.0.113.50";

interface Row {
  reason: string;
  flow: Flow;
  want: boolean;
}
const tcp = (reason: string, from: Endpoint, to: Endpoint, port: number, want: boolean): Row => ({
  reason,
  flow: { from, to, port, protocol: "TCP" },
  want,
});

/** The flows of the full VDC, for a platform's settings. */
function fullRows(s: PlatformSettings, other: PlatformSettings): Row[] {
  const forklift = elsewhere(s.operators.forklift, { app: "forklift", "control-plane": "x" });
  const cdi = elsewhere(s.operators.cdi, {
    app: "containerized-data-importer",
    "cdi.kubevirt.io": "",
  });
  const cnpg = elsewhere(s.operators.cnpg, { "app.kubernetes.io/name": "cloudnative-pg" });
  const rows: Row[] = [
    tcp("Forklift's controller inspects a conversion pod on 8080", forklift, virtV2v, 8080, true),
    tcp("and reads its progress metrics on 2112", forklift, virtV2v, 2112, true),
    tcp("and reaches inspection pods on 8080", forklift, inspection, 8080, true),
    tcp("but no other port of them", forklift, virtV2v, 22, false),
    tcp("and no other pod of the VDC", forklift, app, 8080, false),
    tcp(
      "Forklift's namespace on the other platform is not Forklift here",
      elsewhere(other.operators.forklift),
      virtV2v,
      8080,
      false,
    ),
    tcp(
      "a conversion pod reaches vCenter (a hostname: any address) on 443",
      virtV2v,
      ip(VCENTER),
      443,
      true,
    ),
    tcp("and the ESXi hosts' NFC port 902", virtV2v, ip(ESXI), 902, true),
    tcp("the oVirt engine, an IP literal, on its URL's port", virtV2v, ip("10.0.0.5"), 8443, true),
    tcp("that port only at that address", virtV2v, ip("10.0.0.6"), 8443, false),
    tcp("a conversion pod reaches nothing else", virtV2v, ip(VCENTER), 22, false),
    tcp("a CDI importer copies a vSphere disk from ESXi (VDDK)", importer, ip(ESXI), 902, true),
    tcp("an ordinary pod gets none of the migration paths", app, ip(ESXI), 902, false),
    tcp(
      "a CDI importer downloads a VM image from its https URL's host",
      importer,
      ip(IMAGES),
      443,
      true,
    ),
    tcp(
      "and from an IP literal's http URL on its own port",
      importer,
      ip("198.51.100.7"),
      8080,
      true,
    ),
    tcp("that port only at that address", importer, ip("198.51.100.8"), 8080, false),
    tcp("an ordinary pod cannot download there", app, ip("198.51.100.7"), 8080, false),
    tcp("CDI's controller reads an importer's progress on 8443", cdi, importer, 8443, true),
    tcp(
      "a clone source pod in the DataSource's namespace sends the disk to the upload server",
      cloneSource("kubevirt-os-images"),
      uploadServer,
      8443,
      true,
    ),
    tcp(
      "not from a namespace no VM clones from",
      cloneSource("other-images"),
      uploadServer,
      8443,
      false,
    ),
    tcp(
      "not from another pod of that namespace",
      elsewhere("kubevirt-os-images"),
      uploadServer,
      8443,
      false,
    ),
    tcp("not to an ordinary pod", cloneSource("kubevirt-os-images"), app, 8443, false),
    tcp(
      "CloudNativePG's operator reaches a database's instance manager " +
        "(it starts plugin backups there)",
      cnpg,
      postgres("orders"),
      8000,
      true,
    ),
    // The Barman Cloud plugin's sidecar runs in the instance pods and answers the instance
    // manager on a unix socket (cloudnative-pg internal/cmd/manager/instance/run/cmd.go,
    // RegisterUnixSocketPluginsInPath); its Deployment is reached by the operator on its
    // Service in the operator namespace (internal/controller/plugin_controller.go), never
    // inside the VDC: no path of its own.
    tcp(
      "the plugin's Deployment is not let into the instances: it never connects to them",
      elsewhere(s.operators.cnpg, { app: "barman-cloud" }),
      postgres("orders"),
      9090,
      false,
    ),
    tcp(
      "WAL archiving (the plugin's sidecar, in the instance pod) reaches the object store " +
        "on the endpoint's port 9000",
      postgres("orders"),
      ip(MINIO),
      9000,
      true,
    ),
    tcp(
      "the sidecar reads its ObjectStore and credentials from the API server",
      postgres("orders"),
      ip("198.51.100.1"),
      443,
      true,
    ),
    tcp("an IP literal endpoint on its own port", postgres("ledger"), ip("192.0.2.10"), 9100, true),
    tcp("that port only at that address", postgres("ledger"), ip("192.0.2.11"), 9100, false),
    tcp("the API server stays reachable", postgres("orders"), ip("198.51.100.1"), 6443, true),
    tcp("an ordinary pod cannot reach the object store", app, ip(MINIO), 9000, false),
  ];
  const prometheus = (ns: string) => elsewhere(ns, { "app.kubernetes.io/name": "prometheus" });
  if (s.monitoring) {
    rows.push(
      tcp(
        "the monitoring namespace scrapes the database metrics port",
        prometheus(s.monitoring.namespace),
        postgres("orders"),
        9187,
        true,
      ),
      tcp("only that port", prometheus(s.monitoring.namespace), postgres("orders"), 5432, false),
      tcp("only database pods", prometheus(s.monitoring.namespace), app, 9187, false),
    );
  } else {
    rows.push(
      tcp(
        "no monitoring namespace: no scrape path",
        prometheus("monitoring"),
        postgres("orders"),
        9187,
        false,
      ),
      tcp(
        "not even from the other preset's",
        prometheus(other.monitoring!.namespace),
        postgres("orders"),
        9187,
        false,
      ),
    );
  }
  return rows;
}

/** The flows of a VDC that has nothing for the operators to do: default-deny holds. */
function bareRows(s: PlatformSettings): Row[] {
  return [
    tcp(
      "no sources: Forklift's controller is not let in",
      elsewhere(s.operators.forklift),
      virtV2v,
      8080,
      false,
    ),
    tcp("no sources: no conversion egress", virtV2v, ip(VCENTER), 443, false),
    tcp("no URL images: importers download nothing", importer, ip(IMAGES), 443, false),
    tcp(
      "no clones: the upload server takes nothing from outside",
      cloneSource("kubevirt-os-images"),
      uploadServer,
      8443,
      false,
    ),
    tcp("no databases: nothing opens 9000", app, ip(MINIO), 9000, false),
  ];
}

const presets = [
  ["kubernetes", PRESETS.kubernetes, PRESETS.openshift],
  ["openshift", PRESETS.openshift, PRESETS.kubernetes],
] as const;

describe.each(presets)("operator paths on the %s preset", (platform, settings, other) => {
  describe("an isolated VDC with migration sources, backed-up databases and VM images", () => {
    const netpols = policies(full, platform, {});
    it.each(fullRows(settings, other).map((r) => [`${r.reason}: ${describeFlow(r.flow)}`, r]))(
      "%s",
      (_, r) => {
        expect(allowed(netpols, r.flow)).toBe(r.want);
      },
    );
  });
  describe("an isolated VDC without them", () => {
    const netpols = policies(bare, platform, { vms: [] });
    it.each(bareRows(settings).map((r) => [`${r.reason}: ${describeFlow(r.flow)}`, r]))(
      "%s",
      (_, r) => {
        expect(allowed(netpols, r.flow)).toBe(r.want);
      },
    );
  });
});

describe("where a URL points, and the egress rules to it", () => {
  const cases: { reason: string; urls: string[]; want: unknown }[] = [
    {
      reason: "a hostname: its scheme's port, to any address",
      urls: ["https://images.example/disk.img", "http://mirror.example/disk.img"],
      want: [{ ports: [NetworkPolicyPort.tcp(80), NetworkPolicyPort.tcp(443)] }],
    },
    {
      reason: "an IPv4 literal with its own port: that one address",
      urls: ["http://192.0.2.7:8080/disk.img"],
      want: [{ to: [{ ipBlock: { cidr: "192.0.2.7/32" } }], ports: [NetworkPolicyPort.tcp(8080)] }],
    },
    {
      reason: "an IPv6 literal: that one address",
      urls: ["https://[2001:db8::7]:9000/bucket"],
      want: [
        { to: [{ ipBlock: { cidr: "2001:db8::7/128" } }], ports: [NetworkPolicyPort.tcp(9000)] },
      ],
    },
    {
      reason: "a port already open to any address needs no rule for an address",
      urls: ["https://store.example", "https://192.0.2.9/"],
      want: [{ ports: [NetworkPolicyPort.tcp(443)] }],
    },
    {
      reason: "no scheme port (NFS) and port 0: nothing to open",
      urls: ["nfs.example:/exports", "http://192.0.2.7:0/"],
      want: [],
    },
  ];
  it.each(cases.map((c) => [c.reason, c]))("%s", (_, c) => {
    const destinations = c.urls.flatMap((u) => {
      const d = urlEndpoint(u);
      return d ? [d] : [];
    });
    expect(egressTo(destinations)).toEqual(c.want);
  });
});
