// A Tenant or VDC never takes a namespace it did not create (issue 16 part 1). Crossplane applies
// a composed Namespace with server-side apply and force ownership, so one that exists would be
// adopted and deleted with the XR: names of the platform are refused outright, and a namespace
// that exists without crossvdc's labels for this very XR is refused naming how to hand it over.
// Each refusal is one Fatal result that returns the desired state as it came in (the table
// runner checks that for every Fatal), so nothing of the namespace is touched.
import { describe } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { NAMESPACE_KEY } from "../functions/namespaces.js";
import { tenant, vdc } from "./support/fixtures.js";
import type { Plain } from "./support/request.js";
import { fatal, runCases, type Case } from "./support/table.js";

const ADMINS = { admins: { users: ["alice"] } };
const tenantOf = (name: string) => tenant({ name, spec: ADMINS });
/** The platform settings, the EnvironmentConfig crossvdc, with this data. */
const settings = (data: Record<string, unknown>): KubeObject => ({
  apiVersion: "apiextensions.crossplane.io/v1beta1",
  kind: "EnvironmentConfig",
  metadata: { name: "crossvdc" },
  data,
});
const OPENSHIFT = [settings({ platform: "openshift" })];
const ns = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, ...(labels ? { labels } : {}) },
  status: { phase: "Active" },
});
/** The desired state the request came in with, which every refusal must return as it came. */
const before = (name: string) => ({
  namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
});

/** A VDC of `tenantName` named `name`, its tenant and siblings answered, its namespace as given. */
function vdcCase(
  name: string,
  o: { tenant?: string; namespace?: KubeObject[]; platform?: KubeObject[] } = {},
): Omit<Case, "reason" | "want"> {
  const t = o.tenant ?? name.slice(0, name.indexOf("-"));
  const xr = vdc({ name, tenant: t });
  return {
    xr,
    required: {
      tenant: [tenantOf(t)],
      vdcs: [xr],
      namespace: o.namespace ?? [],
      ...(o.platform ? { platform: o.platform } : {}),
    },
    desired: before(name),
  };
}

/** A Tenant named `name`, its home namespace tenant-<name> as given. */
function tenantCase(
  name: string,
  o: { namespace?: KubeObject[]; platform?: KubeObject[] } = {},
): Omit<Case, "reason" | "want"> {
  return {
    xr: tenantOf(name),
    required: {
      vdcs: [],
      namespace: o.namespace ?? [],
      ...(o.platform ? { platform: o.platform } : {}),
    },
    desired: before(`tenant-${name}`),
  };
}

/** The refusal of a platform namespace, naming the rule. */
const platformName = (what: string, namespace: string, rule: string) =>
  fatal(
    `${what}: metadata.name: namespace ${namespace} belongs to the platform (${rule}); ` +
      `composing it would adopt it, with all it holds, and delete it with the ` +
      `${what.split(" ")[0]}, so it is refused: pick another name`,
    "InvalidSpec",
  );
const SETTINGS = "of the platform settings";
const vdcLabels = (tenantName: string, name: string) => ({
  "crossvdc.io/tenant": tenantName,
  "crossvdc.io/vdc": name,
  "crossvdc.io/type": "vdc",
});
/** The refusal of a namespace that is not the XR's, saying how to hand it over. */
const handOver = (what: string, namespace: string, whose: string, labels: string) =>
  fatal(
    `${what}: metadata.name: namespace ${namespace} exists and crossvdc did not create it ` +
      `for ${what} (${whose}); composing it would adopt it, with all it holds, and delete it ` +
      `with the ${what.split(" ")[0]}. To hand it over, label it (kubectl label namespace ` +
      `${namespace} ${labels} --overwrite): crossvdc then manages it and deletes it with the ` +
      `${what.split(" ")[0]}. Or pick another name`,
    "Conflict",
  );
const facets = {
  /** What the XR asks Crossplane for under the namespace requirement key. */
  asks: (out: Plain) => out.requirements[NAMESPACE_KEY],
};
const VDC_LABELS = "crossvdc.io/tenant=acme crossvdc.io/type=vdc crossvdc.io/vdc=acme-legacy";

describe("hostile namespace names: one Fatal each, the desired state unchanged", () => {
  runCases({
    KubeSystem: {
      reason: "Tenant kube's VDC kube-system would take Kubernetes' own namespace",
      ...vdcCase("kube-system"),
      want: {
        results: [
          platformName("VDC kube-system", "kube-system", "kube-*: Kubernetes' own namespaces"),
        ],
      },
    },
    KubePublic: {
      reason: "Every kube-* namespace is Kubernetes', also one it adds later",
      ...vdcCase("kube-node-lease"),
      want: {
        results: [
          platformName(
            "VDC kube-node-lease",
            "kube-node-lease",
            "kube-*: Kubernetes' own namespaces",
          ),
        ],
      },
    },
    OpenShiftConfig: {
      reason: "openshift-* belongs to OpenShift, on any platform",
      ...vdcCase("openshift-config"),
      want: {
        results: [
          platformName(
            "VDC openshift-config",
            "openshift-config",
            "openshift*: OpenShift's own namespaces",
          ),
        ],
      },
    },
    CrossplaneSystem: {
      reason: "Crossplane's namespace runs this very function",
      ...vdcCase("crossplane-system"),
      want: {
        results: [
          platformName(
            "VDC crossplane-system",
            "crossplane-system",
            "crossplane-system: Crossplane's namespace",
          ),
        ],
      },
    },
    CNPGOperator: {
      reason: "The CloudNativePG operator's namespace, from the kubernetes preset",
      ...vdcCase("cnpg-system"),
      want: {
        results: [
          platformName(
            "VDC cnpg-system",
            "cnpg-system",
            `operators.cnpg ${SETTINGS}: the CloudNativePG operator`,
          ),
        ],
      },
    },
    ForkliftOperator: {
      reason: "Forklift's namespace, from the kubernetes preset",
      ...vdcCase("konveyor-forklift"),
      want: {
        results: [
          platformName(
            "VDC konveyor-forklift",
            "konveyor-forklift",
            `operators.forklift ${SETTINGS}: Forklift`,
          ),
        ],
      },
    },
    MonitoringSetting: {
      reason: "The monitoring namespace a cluster's settings name",
      ...vdcCase("metrics-system", {
        platform: [settings({ monitoring: { namespace: "metrics-system" } })],
      }),
      want: {
        results: [
          platformName(
            "VDC metrics-system",
            "metrics-system",
            `monitoring.namespace ${SETTINGS}: the Prometheus of tenants`,
          ),
        ],
      },
    },
    DNSSetting: {
      reason: "The DNS namespace a cluster's settings name",
      ...vdcCase("dns-system", { platform: [settings({ dns: { namespace: "dns-system" } })] }),
      want: {
        results: [
          platformName(
            "VDC dns-system",
            "dns-system",
            `dns.namespace ${SETTINGS}: the cluster DNS`,
          ),
        ],
      },
    },
    OpenShiftCDI: {
      reason: "On OpenShift, OpenShift Virtualization's namespace holds CDI",
      ...vdcCase("openshift-cnv", { platform: OPENSHIFT }),
      want: {
        results: [
          platformName(
            "VDC openshift-cnv",
            "openshift-cnv",
            "openshift*: OpenShift's own namespaces",
          ),
        ],
      },
    },
    ReservedPattern: {
      reason: "A reservedNamespaces pattern of the settings refuses every name it matches",
      ...vdcCase("acme-infra-eu", {
        platform: [settings({ reservedNamespaces: ["acme-infra*"] })],
      }),
      want: {
        results: [
          platformName(
            "VDC acme-infra-eu",
            "acme-infra-eu",
            `reservedNamespaces ${SETTINGS}: acme-infra*`,
          ),
        ],
      },
    },
    OtherTenantsHome: {
      reason: "Tenant tenant's VDC tenant-shop would take Tenant shop's home namespace",
      ...vdcCase("tenant-shop"),
      want: {
        results: [
          fatal(
            'VDC tenant-shop: metadata.name: must not start with "tenant-": namespace ' +
              "tenant-shop is the home of a Tenant shop (every Tenant's is tenant-<name>), so a " +
              "VDC so named could take it; pick another name",
            "InvalidSpec",
          ),
        ],
      },
    },
    ForeignNamespace: {
      reason: "A namespace someone made by hand is not the VDC's to adopt",
      ...vdcCase("acme-legacy", { namespace: [ns("acme-legacy", { team: "ops" })] }),
      want: {
        results: [
          handOver(
            "VDC acme-legacy",
            "acme-legacy",
            "it lacks crossvdc.io/tenant=acme, crossvdc.io/type=vdc, crossvdc.io/vdc=acme-legacy",
            VDC_LABELS,
          ),
        ],
      },
    },
    OtherTenantsNamespace: {
      reason: "A namespace crossvdc made for another tenant is that tenant's",
      ...vdcCase("acme-legacy", {
        namespace: [ns("acme-legacy", vdcLabels("globex", "acme-legacy"))],
      }),
      want: {
        results: [
          handOver(
            "VDC acme-legacy",
            "acme-legacy",
            'it is labelled for tenant "globex"',
            VDC_LABELS,
          ),
        ],
      },
    },
    OtherVDCsNamespace: {
      reason: "Labels for another VDC of the same tenant do not make it this VDC's",
      ...vdcCase("acme-legacy", {
        namespace: [ns("acme-legacy", vdcLabels("acme", "acme-old"))],
      }),
      want: {
        results: [
          handOver(
            "VDC acme-legacy",
            "acme-legacy",
            "it lacks crossvdc.io/vdc=acme-legacy",
            VDC_LABELS,
          ),
        ],
      },
    },
    TenantHomeReserved: {
      reason: "A Tenant's home namespace is checked against the platform's names too",
      ...tenantCase("infra", { platform: [settings({ reservedNamespaces: ["tenant-infra"] })] }),
      want: {
        results: [
          platformName(
            "Tenant infra",
            "tenant-infra",
            `reservedNamespaces ${SETTINGS}: tenant-infra`,
          ),
        ],
      },
    },
    TenantHomeForeign: {
      reason: "A Tenant's home namespace made by hand is not the Tenant's to adopt",
      ...tenantCase("shop", { namespace: [ns("tenant-shop")] }),
      want: {
        results: [
          handOver(
            "Tenant shop",
            "tenant-shop",
            "it lacks crossvdc.io/tenant=shop, crossvdc.io/type=tenant",
            "crossvdc.io/tenant=shop crossvdc.io/type=tenant",
          ),
        ],
      },
    },
    TenantHomeTakenByVDC: {
      reason:
        "A home namespace a VDC tenant-shop of Tenant tenant took (before this rule) is that " +
        "tenant's, not Tenant shop's",
      ...tenantCase("shop", { namespace: [ns("tenant-shop", vdcLabels("tenant", "tenant-shop"))] }),
      want: {
        results: [
          handOver(
            "Tenant shop",
            "tenant-shop",
            'it is labelled for tenant "tenant"',
            "crossvdc.io/tenant=shop crossvdc.io/type=tenant",
          ),
        ],
      },
    },
  });
});

describe("namespaces crossvdc made, or that do not exist yet, keep composing", () => {
  runCases(
    {
      OwnedVDCNamespace: {
        reason: "A VDC's namespace crossvdc created carries its labels: composed as before",
        ...vdcCase("acme-legacy", {
          namespace: [
            ns("acme-legacy", {
              ...vdcLabels("acme", "acme-legacy"),
              "alpha.kubevirt.io/auto-memory-limits-ratio": "1.0",
              "kubernetes.io/metadata.name": "acme-legacy",
            }),
          ],
        }),
        want: { results: [], at: { "namespace.metadata.name": "acme-legacy" } },
      },
      NewVDCNamespace: {
        reason: "A namespace that does not exist yet is composed",
        ...vdcCase("acme-legacy"),
        want: { results: [], at: { "namespace.metadata.name": "acme-legacy" } },
      },
      OwnedTenantHome: {
        reason: "A Tenant's home namespace crossvdc created is composed as before",
        ...tenantCase("shop", {
          namespace: [
            ns("tenant-shop", { "crossvdc.io/tenant": "shop", "crossvdc.io/type": "tenant" }),
          ],
        }),
        want: { results: [], at: { "namespace.metadata.name": "tenant-shop" } },
      },
      NewTenantHome: {
        reason: "A Tenant's home namespace that does not exist yet is composed",
        ...tenantCase("shop"),
        want: { results: [], at: { "namespace.metadata.name": "tenant-shop" } },
      },
      VDCAsksForItsNamespace: {
        reason: "A VDC asks Crossplane for its namespace by name, beside what else it needs",
        xr: vdc({ name: "acme-legacy" }),
        want: { asks: { apiVersion: "v1", kind: "Namespace", matchName: "acme-legacy" } },
      },
      TenantAsksForItsHome: {
        reason: "A Tenant asks Crossplane for its home namespace by name",
        xr: tenantOf("shop"),
        want: { asks: { apiVersion: "v1", kind: "Namespace", matchName: "tenant-shop" } },
      },
    },
    facets,
  );
});
