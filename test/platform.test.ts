// Platform settings (the EnvironmentConfig crossvdc): how data and presets
// resolve, what a malformed setting answers, that the shipped examples are
// valid, and the DNS path each preset opens, checked by evaluating the
// composed policies on flows.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { KubeObject, Refusal } from "../functions/compose.js";
import {
  PLATFORM_SCHEMA_FILE,
  platformSettings,
  PRESETS,
  type PlatformSettings,
} from "../functions/platform.js";
import { exampleRenders, renderExample, root } from "../scripts/examples.js";
import { allowed, describeFlow, type Flow, type Namespace } from "./support/netpol.js";
import { request, run } from "./support/request.js";
import { validateResource } from "./support/schemas.js";
import { fn } from "./support/request.js";

const config = (data: unknown): KubeObject => ({
  apiVersion: "apiextensions.crossplane.io/v1beta1",
  kind: "EnvironmentConfig",
  metadata: { name: "crossvdc" },
  ...(data === undefined ? {} : { data }),
});

interface SettingsCase {
  reason: string;
  /** The EnvironmentConfigs Crossplane answers with (none: it does not exist). */
  configs: KubeObject[];
  want: { settings: PlatformSettings } | Refusal;
}

const settingsCases: SettingsCase[] = [
  {
    reason: "no EnvironmentConfig: the kubernetes preset",
    configs: [],
    want: { settings: PRESETS.kubernetes },
  },
  {
    reason: "an EnvironmentConfig without data: the kubernetes preset",
    configs: [config(undefined)],
    want: { settings: PRESETS.kubernetes },
  },
  {
    reason: "platform openshift alone: the openshift preset",
    configs: [config({ platform: "openshift" })],
    want: { settings: PRESETS.openshift },
  },
  {
    reason: "a field given overrides that field of the preset, the rest stays",
    configs: [
      config({
        platform: "openshift",
        dns: { ports: [5353, 53] },
        operators: { forklift: "konveyor-forklift" },
      }),
    ],
    want: {
      settings: {
        ...PRESETS.openshift,
        dns: { ...PRESETS.openshift.dns, ports: [5353, 53] },
        operators: { ...PRESETS.openshift.operators, forklift: "konveyor-forklift" },
      },
    },
  },
  {
    reason: "monitoring: {} turns the openshift preset's scrape path off",
    configs: [config({ platform: "openshift", monitoring: {} })],
    want: {
      settings: {
        platform: "openshift",
        dns: PRESETS.openshift.dns,
        operators: PRESETS.openshift.operators,
        reservedNamespaces: PRESETS.openshift.reservedNamespaces,
        postgres: PRESETS.openshift.postgres,
        clusterSet: "default",
        clusters: {},
      },
    },
  },
  {
    reason: "monitoring, reserved namespaces and the image catalog on the kubernetes preset",
    configs: [
      config({
        monitoring: { namespace: "monitoring" },
        reservedNamespaces: ["infra", "team-*"],
        postgres: { imageCatalog: "postgresql-trixie" },
      }),
    ],
    want: {
      settings: {
        ...PRESETS.kubernetes,
        monitoring: { namespace: "monitoring" },
        reservedNamespaces: ["infra", "team-*"],
        postgres: { imageCatalog: "postgresql-trixie" },
      },
    },
  },
  {
    reason: "a port out of range is named by its index",
    configs: [config({ dns: { ports: [0] } })],
    want: {
      fatal: "EnvironmentConfig crossvdc: data.dns.ports[0]: Too small: expected number to be >=1",
      reason: "WaitingForDependency",
    },
  },
  {
    reason: "a port given as a string is refused, not guessed",
    configs: [config({ dns: { ports: ["53"] } })],
    want: {
      fatal:
        "EnvironmentConfig crossvdc: data.dns.ports[0]: Invalid input: expected number, " +
        "received string",
      reason: "WaitingForDependency",
    },
  },
  {
    reason: "an unknown platform lists the known ones",
    configs: [config({ platform: "rancher" })],
    want: {
      fatal:
        "EnvironmentConfig crossvdc: data.platform: Invalid option: expected one of " +
        '"kubernetes"|"openshift"',
      reason: "WaitingForDependency",
    },
  },
  {
    reason: "a misspelt setting is named, not silently ignored",
    configs: [config({ dns: { podLabel: { "k8s-app": "kube-dns" } } })],
    want: {
      fatal: "EnvironmentConfig crossvdc: data.dns.podLabel: unknown setting",
      reason: "WaitingForDependency",
    },
  },
  {
    reason: "a namespace that cannot exist",
    configs: [config({ operators: { cnpg: "CNPG" } })],
    want: {
      fatal:
        "EnvironmentConfig crossvdc: data.operators.cnpg: must be a DNS-1123 label: " +
        "lower case alphanumerics and '-', starting and ending alphanumeric",
      reason: "WaitingForDependency",
    },
  },
  {
    reason: "a reserved pattern with the star anywhere but at the end",
    configs: [config({ reservedNamespaces: ["kube-*", "*-system"] })],
    want: {
      fatal:
        "EnvironmentConfig crossvdc: data.reservedNamespaces[1]: must be a namespace " +
        "name or a prefix pattern such as openshift-*",
      reason: "WaitingForDependency",
    },
  },
  {
    reason: "empty DNS pod labels would select every pod of the namespace",
    configs: [config({ dns: { podLabels: {} } })],
    want: {
      fatal: "EnvironmentConfig crossvdc: data.dns.podLabels: must name at least one label",
      reason: "WaitingForDependency",
    },
  },
  {
    reason: "data that is not an object",
    configs: [config("platform: openshift")],
    want: {
      fatal: "EnvironmentConfig crossvdc: data: must be an object",
      reason: "WaitingForDependency",
    },
  },
];

describe("platform settings", () => {
  it.each(settingsCases.map((c) => [c.reason, c]))("%s", (_, c) => {
    expect(platformSettings({ platform: c.configs })).toEqual(c.want);
  });
});

describe("the platform settings examples", () => {
  it(
    "kubernetes.yaml, the preset in full, renders " + "an example as no EnvironmentConfig does",
    async () => {
      const e = exampleRenders().find((r) => r.name === "vdc-acme-prod")!;
      const withSettings = {
        ...e,
        required: [...e.required!, "examples/platform/kubernetes.yaml"],
      };
      const [a, b] = await Promise.all([renderExample(e), renderExample(withSettings)]);
      expect(a.fatal).toBeUndefined();
      expect(b.documents).toEqual(a.documents);
    },
  );

  const ajv = new Ajv({ allErrors: true, strict: false });
  const schema = JSON.parse(readFileSync(join(root, PLATFORM_SCHEMA_FILE), "utf8")) as object;
  const validData = ajv.compile(schema);
  // The OpenShift preset lives in package/platform/: the examples repository renders as one
  // cluster, and a cluster has one EnvironmentConfig crossvdc (the kubernetes default).
  // kubernetes.yaml also names the member cluster the placed example VDC lives on.
  const edge = { "edge-berlin": { providerConfigRef: { name: "edge-berlin" } } };
  const examples: [string, PlatformSettings][] = [
    ["examples/platform/kubernetes.yaml", { ...PRESETS.kubernetes, clusters: edge }],
    ["package/platform/openshift.yaml", PRESETS.openshift],
  ];
  it.each(examples)(
    "%s is a valid EnvironmentConfig whose data the generated schema accepts and that " +
      "gives its preset",
    (file, preset) => {
      const obj = parse(readFileSync(join(root, file), "utf8")) as KubeObject;
      expect(validateResource(obj)).toEqual([]);
      expect(validData(obj.data), ajv.errorsText(validData.errors)).toBe(true);
      expect(platformSettings({ platform: [obj] })).toEqual({ settings: preset });
    },
  );
});

// ---- the DNS path each preset opens, on the composed policies -----------------------------------

const tenant: KubeObject = {
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "Tenant",
  metadata: { name: "acme" },
  spec: { tier: "professional", admins: { groups: ["acme-admins"] } },
};
const vdc: KubeObject = {
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VDC",
  metadata: { name: "acme-dev", labels: { "crossvdc.io/tenant": "acme" } },
  spec: { tenantRef: { name: "acme" } },
};
const openshift = config({ platform: "openshift" });

/** Every NetworkPolicy the Tenant and VDC compose under these settings. */
function policiesWith(configs: KubeObject[]): KubeObject[] {
  const t = run({ xr: tenant, required: { vdcs: [vdc], platform: configs } });
  const v = run({ xr: vdc, required: { tenant: [tenant], vdcs: [vdc], platform: configs } });
  expect([...t.results, ...v.results].filter((r) => r.severity === "FATAL")).toEqual([]);
  return [...Object.values(t.resources), ...Object.values(v.resources)].filter(
    (r) => r.kind === "NetworkPolicy",
  );
}

const vdcNs: Namespace = { name: "acme-dev" };
const tenantNs: Namespace = { name: "tenant-acme" };
const app = (ns: Namespace) => ({ pod: { app: "web" }, namespace: ns });
const kubeDns = { pod: { "k8s-app": "kube-dns" }, namespace: { name: "kube-system" } };
const openshiftDns = {
  pod: { "dns.operator.openshift.io/daemonset-dns": "default" },
  namespace: { name: "openshift-dns" },
};

interface FlowCase {
  reason: string;
  flow: Flow;
  want: boolean;
}
const dnsFlows: Record<string, { configs: KubeObject[]; flows: FlowCase[] }> = {
  kubernetes: {
    configs: [],
    flows: [
      {
        reason: "a VDC pod resolves names at kube-dns over UDP",
        flow: { from: app(vdcNs), to: kubeDns, port: 53, protocol: "UDP" },
        want: true,
      },
      {
        reason: "and over TCP, for large answers",
        flow: { from: app(vdcNs), to: kubeDns, port: 53, protocol: "TCP" },
        want: true,
      },
      {
        reason: "the tenant namespace resolves names too",
        flow: { from: app(tenantNs), to: kubeDns, port: 53, protocol: "UDP" },
        want: true,
      },
      {
        reason: "only the DNS port of the DNS pods is open",
        flow: { from: app(vdcNs), to: kubeDns, port: 9153, protocol: "TCP" },
        want: false,
      },
      {
        reason: "other kube-system pods stay closed",
        flow: {
          from: app(vdcNs),
          to: { pod: { component: "etcd" }, namespace: { name: "kube-system" } },
          port: 53,
          protocol: "UDP",
        },
        want: false,
      },
      {
        reason: "OpenShift's DNS pods are not the DNS on this platform",
        flow: { from: app(vdcNs), to: openshiftDns, port: 5353, protocol: "UDP" },
        want: false,
      },
    ],
  },
  openshift: {
    configs: [openshift],
    flows: [
      {
        reason: "a VDC pod reaches OpenShift's DNS pods on their pod port 5353 over UDP",
        flow: { from: app(vdcNs), to: openshiftDns, port: 5353, protocol: "UDP" },
        want: true,
      },
      {
        reason: "and over TCP",
        flow: { from: app(vdcNs), to: openshiftDns, port: 5353, protocol: "TCP" },
        want: true,
      },
      {
        reason: "the tenant namespace too",
        flow: { from: app(tenantNs), to: openshiftDns, port: 5353, protocol: "TCP" },
        want: true,
      },
      {
        reason: "53 is the Service's port, not what policies see: not opened",
        flow: { from: app(vdcNs), to: openshiftDns, port: 53, protocol: "UDP" },
        want: false,
      },
      {
        reason: "kube-system has no DNS on OpenShift",
        flow: { from: app(vdcNs), to: kubeDns, port: 53, protocol: "UDP" },
        want: false,
      },
    ],
  },
};

describe.each(Object.entries(dnsFlows))("DNS on the %s preset", (_, { configs, flows }) => {
  const policies = policiesWith(configs);
  it.each(flows.map((c) => [`${c.reason}: ${describeFlow(c.flow)}`, c]))("%s", (_, c) => {
    expect(allowed(policies, c.flow)).toBe(c.want);
  });
});

describe("a malformed setting", () => {
  const cases: { reason: string; xr: KubeObject; required: Record<string, KubeObject[]> }[] = [
    { reason: "stops the Tenant", xr: tenant, required: { vdcs: [vdc] } },
    { reason: "stops the VDC", xr: vdc, required: { tenant: [tenant], vdcs: [vdc] } },
  ];
  it.each(cases.map((c) => [c.reason, c]))(
    "%s with one Fatal naming the field, its desired state untouched",
    (_, c) => {
      const desired = {
        namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } },
      };
      const parts = {
        xr: c.xr,
        desired,
        required: { ...c.required, platform: [config({ dns: { ports: [70000] } })] },
      };
      const out = run(parts);
      expect(out.results).toEqual([
        {
          severity: "FATAL",
          reason: "WaitingForDependency",
          message:
            "EnvironmentConfig crossvdc: data.dns.ports[0]: Too big: expected number to be <=65535",
        },
      ]);
      expect(out.resources).toEqual(desired);
      expect(fn.run(request(parts)).desired).toEqual(request(parts).desired);
    },
  );
});
