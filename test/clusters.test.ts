// Tenant.spec.clusters: Forklift Providers for managed clusters, reached through Open Cluster
// Management's ManagedServiceAccount and ClusterPermission.
import { describe } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { tenant, vdc } from "./support/fixtures.js";
import { run, type Plain, type RequestParts } from "./support/request.js";
import { runCases } from "./support/table.js";
import { refused, secretSelector, tenantRequirements } from "./support/wants.js";

const globex = (clusters: unknown[]) =>
  tenant({
    name: "globex",
    spec: { tier: "enterprise", admins: { groups: ["globex-admins"] }, clusters },
  });
const globexVDC = (name: string, tenantName = "globex") =>
  vdc({ name, tenant: tenantName, created: "2026-01-01T00:00:00Z" });
const b64 = (s: string) => Buffer.from(s).toString("base64");
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VydmljZWFjY291bnQ.c2lnbmF0dXJl";
const CA = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIEdge1CA\n-----END CERTIFICATE-----\n";
const URL = "https://api.edge-1.globex.example:6443";

/** A ManagedCluster as the OCM hub reports it once the klusterlet has joined. */
const managedCluster = (name: string, url?: string, caBundle: string | null = CA): KubeObject => ({
  apiVersion: "cluster.open-cluster-management.io/v1",
  kind: "ManagedCluster",
  metadata: {
    name,
    uid: "7c1d0000-0000-4000-8000-000000000003",
    labels: {
      "cluster.open-cluster-management.io/clusterset": "default",
      vendor: "OpenShift",
      name,
    },
  },
  spec: {
    hubAcceptsClient: true,
    leaseDurationSeconds: 60,
    ...(url
      ? { managedClusterClientConfigs: [{ url, ...(caBundle ? { caBundle: b64(caBundle) } : {}) }] }
      : {}),
  },
  status: {
    conditions: [
      {
        type: "HubAcceptedManagedCluster",
        status: "True",
        reason: "HubClusterAdminAccepted",
        message: "Accepted by hub cluster admin",
        lastTransitionTime: "2026-01-02T08:00:00Z",
      },
      {
        type: "ManagedClusterJoined",
        status: "True",
        reason: "ManagedClusterJoined",
        message: "Managed cluster joined",
        lastTransitionTime: "2026-01-02T08:01:00Z",
      },
      {
        type: "ManagedClusterConditionAvailable",
        status: "True",
        reason: "ManagedClusterAvailable",
        message: "Managed cluster is available",
        lastTransitionTime: "2026-01-02T08:01:00Z",
      },
    ],
  },
});
/**
 * The Secret the managed-serviceaccount addon reports the token to, in the
 * cluster's namespace on the hub.
 */
const tokenSecret = (
  cluster: string,
  data: Record<string, string> = { token: TOKEN, "ca.crt": CA },
): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name: "tenant-globex-mtv",
    namespace: cluster,
    uid: "8d2e0000-0000-4000-8000-000000000004",
    labels: { "authentication.open-cluster-management.io/is-managed-serviceaccount": "true" },
    ownerReferences: [
      {
        apiVersion: "authentication.open-cluster-management.io/v1beta1",
        kind: "ManagedServiceAccount",
        name: "tenant-globex-mtv",
        uid: "9e3f0000-0000-4000-8000-000000000005",
      },
    ],
  },
  type: "Opaque",
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

const labels = { "crossvdc.io/tenant": "globex", "crossvdc.io/type": "migration" };
const edge = { name: "edge-1", namespaces: ["globex-edge"] };
/** globex with these clusters, its VDCs globex-prod and globex-dev, and acme's acme-dev. */
const withClusters = (
  clusters: unknown[],
  required: Record<string, KubeObject[]>,
  observed?: Record<string, KubeObject>,
): RequestParts => ({
  xr: globex(clusters),
  ...(observed ? { observed } : {}),
  required: {
    vdcs: [globexVDC("globex-prod"), globexVDC("globex-dev"), globexVDC("acme-dev", "acme")],
    ...required,
  },
});
/** edge-1 joined, with its API URL (none for null), these token Secrets and its CA (or none). */
const joined = (token: KubeObject[], url: string | null = URL, caBundle: string | null = CA) => ({
  "cluster-edge-1": [managedCluster("edge-1", url ?? undefined, caBundle)],
  "token-edge-1": token,
});
/** Two more CAs, as an OpenShift API server's load-balancer signer and a corporate CA. */
const LB_CA = "-----BEGIN CERTIFICATE-----\nMIIDLBSIGNERedge1\n-----END CERTIFICATE-----\n";
const CORP_CA = "-----BEGIN CERTIFICATE-----\r\nMIIDCORPCA\r\n-----END CERTIFICATE-----\r\n";
const CORP_CA_NORMALIZED = "-----BEGIN CERTIFICATE-----\nMIIDCORPCA\n-----END CERTIFICATE-----\n";

/**
 * The list calls of Forklift's OpenShift provider connection test, cluster-wide
 * (kubev2v/forklift pkg/lib/inventory/container/ocp/collector.go Test(), v2.11.7 and v2.12.5).
 */
const CONNECTION_TEST = [
  { group: "", resource: "namespaces" },
  { group: "storage.k8s.io", resource: "storageclasses" },
  { group: "k8s.cni.cncf.io", resource: "network-attachment-definitions" },
  { group: "kubevirt.io", resource: "virtualmachines" },
  { group: "instancetype.kubevirt.io", resource: "virtualmachineinstancetypes" },
  { group: "instancetype.kubevirt.io", resource: "virtualmachineclusterinstancetypes" },
];
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}
/**
 * Which of the connection test's lists the composed ClusterPermission lets the tenant's
 * ManagedServiceAccount make across all namespaces, as the RBAC authorizer decides: only its
 * ClusterRole, bound by its ClusterRoleBinding, counts (RoleBindings grant in one namespace).
 */
function connectionTest(out: Plain): Record<string, boolean> {
  const spec = out.resources["cluster-edge-1-permission"]?.spec as
    | { clusterRole?: { rules?: PolicyRule[] }; clusterRoleBinding?: { subject?: unknown } }
    | undefined;
  const bound = JSON.stringify(spec?.clusterRoleBinding?.subject) === JSON.stringify(subject);
  const has = (list: string[] | undefined, v: string) =>
    !!list?.includes(v) || !!list?.includes("*");
  return Object.fromEntries(
    CONNECTION_TEST.map(({ group, resource }) => [
      `${group || "core"}/${resource}`,
      bound &&
        (spec?.clusterRole?.rules ?? []).some(
          (r) => has(r.apiGroups, group) && has(r.resources, resource) && has(r.verbs, "list"),
        ),
    ]),
  );
}
const subject = {
  apiGroup: "authentication.open-cluster-management.io",
  kind: "ManagedServiceAccount",
  name: "tenant-globex-mtv",
};
const namespaces = ["globex-dev", "globex-edge", "globex-prod"];
const BUDGET = {
  type: "BudgetAvailable",
  status: "True",
  reason: "WithinBudget",
  message: "2 VDC(s) within the budget",
};
/** Its two VDCs keep the Tenant from being deleted (test/protection.test.ts). */
const HAS_VDCS = {
  type: "DeletionProtected",
  status: "True",
  reason: "HasVDCs",
  message:
    "Tenant globex still has VDCs globex-dev, globex-prod, which deleting the Tenant would " +
    "leave without their tenant (its budget, its admins' rights). Delete the VDCs first; once " +
    "the last is gone, the Tenant's next reconcile (within 2 minutes) removes this protection " +
    "and it can be deleted",
};
const MSA_AND_PERMISSION = ["cluster-edge-1-msa", "cluster-edge-1-permission"];
const ALL_FOUR = [...MSA_AND_PERMISSION, "cluster-edge-1-provider", "cluster-edge-1-secret"];

// The objects composed once the token exists, observed as the API server and Forklift hold them.
const WITH_TOKEN = run(withClusters([edge], joined([tokenSecret("edge-1")]))).resources;
const SECRET = WITH_TOKEN["cluster-edge-1-secret"]!;
const PROVIDER = WITH_TOKEN["cluster-edge-1-provider"]!;
const observedWithToken = () => ({
  "cluster-edge-1-secret": {
    ...SECRET,
    metadata: { ...SECRET.metadata, uid: "a1", resourceVersion: "9" },
  },
  "cluster-edge-1-provider": {
    ...PROVIDER,
    status: {
      phase: "Ready",
      conditions: [
        {
          type: "Ready",
          status: "True",
          category: "Required",
          message: "The provider is ready.",
          lastTransitionTime: "2026-01-03T00:00:00Z",
        },
      ],
    },
  },
});
/** A status.resourceStatus entry as cluster-permission v0.17 writes it from the ManifestWork. */
const applied = (name: string, status = "True", namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  condition: [
    {
      type: "Applied",
      status,
      reason: status === "True" ? "AppliedManifestComplete" : "FailedApplyManifest",
      message: status === "True" ? "Apply manifest complete" : "Failed to apply manifest",
      lastTransitionTime: "2026-01-03T00:00:00Z",
    },
  ],
});
/** What the work agent reports applied on edge-1: all of it, or as told. */
const resourceStatus = (
  roleBindings = namespaces.map((ns) => applied("tenant-globex-mtv", "True", ns)),
) => ({
  clusterRoles: [applied("tenant-globex-mtv")],
  clusterRoleBindings: [applied("tenant-globex-mtv")],
  roleBindings,
});
interface ObservedProps {
  /** The ManagedServiceAccount's TokenReported condition; True. */
  readonly tokenReported?: string;
  /** The ClusterPermission's AppliedRBACManifestWork condition; True. */
  readonly rbacApplied?: string;
  /** The Provider's condition; Ready True. */
  readonly provider?: { type: string; status: string };
  /** The ClusterPermission's status.resourceStatus, null for none; all applied. */
  readonly permissionResources?: object | null;
}
/** All four objects observed, ready unless told otherwise. */
function observedWith(p: ObservedProps = {}): Record<string, KubeObject> {
  const at = "2026-01-03T00:00:00Z";
  const conds = (cs: { type: string; status: string }[]) =>
    cs.map((c) => ({ ...c, reason: c.type, message: "", lastTransitionTime: at }));
  const permissionResources =
    p.permissionResources === undefined ? resourceStatus() : p.permissionResources;
  return {
    "cluster-edge-1-msa": {
      ...WITH_TOKEN["cluster-edge-1-msa"]!,
      status: {
        conditions: conds([
          { type: "SecretCreated", status: "True" },
          { type: "TokenReported", status: p.tokenReported ?? "True" },
        ]),
        tokenSecretRef: { name: "tenant-globex-mtv", lastRefreshTimestamp: at },
      },
    },
    "cluster-edge-1-permission": {
      ...WITH_TOKEN["cluster-edge-1-permission"]!,
      status: {
        conditions: conds([{ type: "AppliedRBACManifestWork", status: p.rbacApplied ?? "True" }]),
        ...(permissionResources ? { resourceStatus: permissionResources } : {}),
      },
    },
    "cluster-edge-1-secret": SECRET,
    "cluster-edge-1-provider": {
      ...PROVIDER,
      status: {
        conditions: conds([p.provider ?? { type: "Ready", status: "True" }]).map((c) => ({
          ...c,
          category: "Required",
        })),
      },
    },
  };
}
/** globex with edge-1 joined and its token Secret, and these objects observed. */
const withToken = (observed?: Record<string, KubeObject>) =>
  withClusters([edge], joined([tokenSecret("edge-1")]), observed);
/** status.clusters of edge-1 with its API URL: what it is waiting for, or its Provider. */
const edgeStatus = (more: Record<string, unknown>) => [
  { name: "edge-1", url: URL, namespaces, ...more },
];
/** A refused spec, with the namespace an earlier reconcile composed, which the Fatal must keep. */
const refusing = (clusters: unknown[], required: Record<string, KubeObject[]> = {}) => ({
  xr: globex(clusters),
  required: { vdcs: [], "cluster-edge-1": [], "token-edge-1": [], ...required },
  desired: {
    namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: "tenant-globex" } },
  },
});

/** Everything ready but the ClusterPermission. */
const PERMISSION_NOT_READY = {
  "cluster-edge-1-msa": true,
  "cluster-edge-1-permission": false,
  "cluster-edge-1-secret": true,
  "cluster-edge-1-provider": true,
};

const facets = {
  connectionTest,
  /** The names of what the clusters composed, sorted. */
  clusterNames: (out: Plain) =>
    Object.keys(out.resources)
      .filter((k) => k.startsWith("cluster-"))
      .sort(),
  clusters: (out: Plain) => out.status?.clusters,
  clusterReady: (out: Plain) =>
    Object.fromEntries(Object.entries(out.ready).filter(([k]) => k.startsWith("cluster-"))),
  providersReady: (out: Plain) => out.conditions.find((c) => c.type === "ClusterProvidersReady"),
  grantsClusterAdmin: (out: Plain) => JSON.stringify(out.resources).includes("cluster-admin"),
  /** The composed objects that hold the token, and whether anything else in the response does. */
  holdToken: (out: Plain) =>
    Object.entries(out.resources)
      .filter(([, r]) => JSON.stringify(r).includes(b64(TOKEN)))
      .map(([k]) => k),
  tokenElsewhere: (out: Plain) => {
    const text = JSON.stringify({ ...out, resources: undefined });
    return text.includes(TOKEN) || text.includes(b64(TOKEN));
  },
};

describe("Tenant managed clusters", () => {
  runCases(
    {
      AsksForClusterAndToken: {
        reason:
          "A tenant asks for each cluster's ManagedCluster and its ManagedServiceAccount " +
          "token Secret",
        xr: globex([edge, { name: "edge-2" }]),
        want: {
          requirements: {
            ...tenantRequirements({ tenant: "globex" }),
            "cluster-edge-1": {
              apiVersion: "cluster.open-cluster-management.io/v1",
              kind: "ManagedCluster",
              matchName: "edge-1",
            },
            "token-edge-1": secretSelector({ namespace: "edge-1", name: "tenant-globex-mtv" }),
            "cluster-edge-2": {
              apiVersion: "cluster.open-cluster-management.io/v1",
              kind: "ManagedCluster",
              matchName: "edge-2",
            },
            "token-edge-2": secretSelector({ namespace: "edge-2", name: "tenant-globex-mtv" }),
          },
          resources: {},
        },
      },
      BeforeToken: {
        reason:
          "Before the token exists: a ManagedServiceAccount and a ClusterPermission, " +
          "admin in the tenant's own namespaces only (its VDCs, not another tenant's, and " +
          "the one it listed), never cluster-admin; no Secret, no Provider",
        ...withClusters([edge], joined([])),
        want: {
          results: [],
          clusterNames: MSA_AND_PERMISSION,
          at: {
            "cluster-edge-1-msa": {
              apiVersion: "authentication.open-cluster-management.io/v1beta1",
              kind: "ManagedServiceAccount",
              metadata: { name: "tenant-globex-mtv", namespace: "edge-1", labels },
              spec: { rotation: { enabled: true, validity: "8640h0m0s" } },
            },
            "cluster-edge-1-permission": {
              apiVersion: "rbac.open-cluster-management.io/v1alpha1",
              kind: "ClusterPermission",
              metadata: { name: "tenant-globex-mtv", namespace: "edge-1", labels },
              spec: {
                clusterRole: {
                  rules: [
                    { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
                    {
                      apiGroups: ["storage.k8s.io"],
                      resources: ["storageclasses"],
                      verbs: ["get", "list", "watch"],
                    },
                    {
                      apiGroups: ["k8s.cni.cncf.io"],
                      resources: ["network-attachment-definitions"],
                      verbs: ["get", "list", "watch"],
                    },
                    {
                      apiGroups: ["kubevirt.io"],
                      resources: ["virtualmachines"],
                      verbs: ["get", "list", "watch"],
                    },
                    {
                      apiGroups: ["instancetype.kubevirt.io"],
                      resources: [
                        "virtualmachineclusterinstancetypes",
                        "virtualmachineclusterpreferences",
                        "virtualmachineinstancetypes",
                        "virtualmachinepreferences",
                      ],
                      verbs: ["get", "list", "watch"],
                    },
                  ],
                },
                clusterRoleBinding: { subject },
                roleBindings: namespaces.map((namespace) => ({
                  namespace,
                  roleRef: {
                    apiGroup: "rbac.authorization.k8s.io",
                    kind: "ClusterRole",
                    name: "admin",
                  },
                  subject,
                })),
              },
            },
          },
          clusters: edgeStatus({
            tokenReady: false,
            ready: false,
            waiting: "the token Secret edge-1/tenant-globex-mtv of the ManagedServiceAccount",
          }),
          conditions: [
            BUDGET,
            {
              type: "ClusterProvidersReady",
              status: "False",
              reason: "WaitingForDependency",
              message:
                "Not ready: edge-1 (waiting for the token Secret " +
                "edge-1/tenant-globex-mtv of the ManagedServiceAccount)",
            },
            HAS_VDCS,
          ],
          grantsClusterAdmin: false,
        },
      },
      WithToken: {
        reason:
          "Once the token exists: the provider Secret and an openshift Provider in the " +
          "tenant namespace; the token goes to that Secret and nowhere else",
        ...withToken(),
        want: {
          results: [],
          at: {
            "cluster-edge-1-secret": {
              apiVersion: "v1",
              kind: "Secret",
              metadata: {
                name: "edge-1-mtv",
                namespace: "tenant-globex",
                labels: {
                  ...labels,
                  createdForProviderType: "openshift",
                  createdForResourceType: "providers",
                },
              },
              type: "Opaque",
              data: {
                cacert: b64(CA),
                insecureSkipVerify: b64("false"),
                token: b64(TOKEN),
                url: b64(URL),
              },
            },
            "cluster-edge-1-provider": {
              apiVersion: "forklift.konveyor.io/v1beta1",
              kind: "Provider",
              metadata: { name: "edge-1-mtv", namespace: "tenant-globex", labels },
              spec: {
                type: "openshift",
                url: URL,
                secret: { name: "edge-1-mtv", namespace: "tenant-globex" },
              },
            },
          },
          clusters: edgeStatus({
            tokenReady: true,
            provider: "edge-1-mtv",
            ready: false,
          }),
          holdToken: ["cluster-edge-1-secret"],
          tokenElsewhere: false,
        },
      },
      NoProviderWithoutTokenSecret: {
        reason: "No Provider and no Secret before the token Secret exists",
        ...withClusters([edge], joined([])),
        want: { clusterNames: MSA_AND_PERMISSION },
      },
      PassesConnectionTest: {
        reason:
          "The ClusterPermission lets the service account make every list of Forklift's " +
          "OpenShift connection test cluster-wide, VirtualMachines and " +
          "VirtualMachineInstancetypes included",
        ...withClusters([edge], joined([])),
        want: {
          connectionTest: Object.fromEntries(
            CONNECTION_TEST.map(({ group, resource }) => [`${group || "core"}/${resource}`, true]),
          ),
        },
      },
      CAFromManagedCluster: {
        reason:
          "A token Secret without ca.crt still makes the Provider: the ManagedCluster's " +
          "caBundle is its CA",
        ...withClusters([edge], joined([tokenSecret("edge-1", { token: TOKEN })])),
        want: {
          clusterNames: ALL_FOUR,
          at: { "cluster-edge-1-secret.data.cacert": b64(CA) },
        },
      },
      CAsJoined: {
        reason:
          "The Provider trusts the token's ca.crt, the ManagedCluster's caBundle and the " +
          "spec's caBundle, each certificate once, as 64-column PEM",
        ...withClusters(
          [{ ...edge, caBundle: b64(`${CORP_CA}${CA}`) }],
          joined([tokenSecret("edge-1")], URL, LB_CA),
        ),
        want: { at: { "cluster-edge-1-secret.data.cacert": b64(CA + LB_CA + CORP_CA_NORMALIZED) } },
      },
      CAFromSpecOnly: {
        reason: "With no CA from the cluster, the spec's caBundle alone makes the Provider",
        ...withClusters(
          [{ ...edge, caBundle: b64(CORP_CA) }],
          joined([tokenSecret("edge-1", { token: TOKEN })], URL, null),
        ),
        want: {
          clusterNames: ALL_FOUR,
          at: { "cluster-edge-1-secret.data.cacert": b64(CORP_CA_NORMALIZED) },
        },
      },
      NoProviderWithoutCA: {
        reason:
          "No Provider and no Secret while no CA is known: none in the token Secret, the " +
          "ManagedCluster or the spec",
        ...withClusters([edge], joined([tokenSecret("edge-1", { token: TOKEN })], URL, null)),
        want: {
          clusterNames: MSA_AND_PERMISSION,
          clusters: edgeStatus({
            tokenReady: true,
            ready: false,
            waiting:
              "a CA: neither the token Secret's ca.crt nor ManagedCluster edge-1's caBundle " +
              "holds one; set spec.clusters[0].caBundle",
          }),
        },
      },
      RefusesCABundleNotPEM: {
        reason: "A caBundle is base64 of PEM certificates",
        ...refusing([{ ...edge, caBundle: b64("not a certificate") }]),
        want: refused(
          "InvalidSpec",
          "Tenant globex: invalid spec: spec.clusters[0].caBundle: must be base64 of PEM " +
            "certificates",
        ),
      },
      NoProviderWithEmptyToken: {
        reason: "No Provider and no Secret while the token is empty",
        ...withClusters([edge], joined([tokenSecret("edge-1", { token: "", "ca.crt": CA })])),
        want: { clusterNames: MSA_AND_PERMISSION },
      },
      ProviderWithTokenAndCA: {
        reason: "A token and a CA make the Secret and the Provider",
        ...withToken(),
        want: { clusterNames: ALL_FOUR },
      },
      ExplicitAPIServerURL: {
        reason: "spec.clusters[].apiServerURL is taken over the ManagedCluster's",
        ...withClusters(
          [{ ...edge, apiServerURL: "https://api.edge-1.internal:6443" }],
          joined([tokenSecret("edge-1")]),
        ),
        want: { at: { "cluster-edge-1-provider.spec.url": "https://api.edge-1.internal:6443" } },
      },
      NoAPIServerURL: {
        reason:
          "Without an API URL from either there is no Provider, and the status says what " +
          "is missing",
        ...withClusters([edge], joined([tokenSecret("edge-1")], null)),
        want: {
          clusterNames: MSA_AND_PERMISSION,
          clusters: [
            {
              name: "edge-1",
              namespaces,
              tokenReady: true,
              ready: false,
              waiting:
                "the API URL: ManagedCluster edge-1 has no " +
                "spec.managedClusterClientConfigs[0].url; set " +
                "spec.clusters[0].apiServerURL",
            },
          ],
        },
      },
      KeepsProviderWithoutToken: {
        reason: "A Provider that exists is kept, as it was, while its token Secret is missing",
        ...withClusters([edge], joined([]), observedWithToken()),
        want: {
          at: { "cluster-edge-1-secret": SECRET, "cluster-edge-1-provider": PROVIDER },
          clusters: edgeStatus({
            tokenReady: false,
            provider: "edge-1-mtv",
            ready: true,
            waiting: "the token Secret edge-1/tenant-globex-mtv of the ManagedServiceAccount",
          }),
        },
      },
      AllReady: {
        reason: "Readiness comes from the observed objects: all ready",
        ...withToken(observedWith()),
        want: {
          clusterReady: {
            "cluster-edge-1-msa": true,
            "cluster-edge-1-permission": true,
            "cluster-edge-1-secret": true,
            "cluster-edge-1-provider": true,
          },
          providersReady: {
            type: "ClusterProvidersReady",
            status: "True",
            reason: "ProvidersReady",
            message: "Forklift Providers of 1 managed cluster(s) ready in namespace tenant-globex",
          },
        },
      },
      NotReady: {
        reason:
          "Readiness comes from the observed objects: token not reported, RBAC not " +
          "applied, provider failing",
        ...withToken(
          observedWith({
            tokenReported: "False",
            rbacApplied: "False",
            provider: { type: "ConnectionTestFailed", status: "True" },
          }),
        ),
        want: {
          clusterReady: {
            "cluster-edge-1-msa": false,
            "cluster-edge-1-permission": false,
            "cluster-edge-1-secret": true,
            "cluster-edge-1-provider": false,
          },
          providersReady: {
            type: "ClusterProvidersReady",
            status: "False",
            reason: "WaitingForDependency",
            message: "Not ready: edge-1 (Provider tenant-globex/edge-1-mtv not ready yet)",
          },
        },
      },
      PermissionWrittenNotApplied: {
        reason:
          "AppliedRBACManifestWork without per-resource status (cluster-permission before " +
          "v0.17 sets it once the ManifestWork is written) is not ready: nothing says the RBAC " +
          "is on the cluster",
        ...withToken(observedWith({ permissionResources: null })),
        want: { clusterReady: PERMISSION_NOT_READY },
      },
      PermissionRoleBindingNotApplied: {
        reason:
          "A RoleBinding the work agent failed to apply in one namespace leaves the permission " +
          "not ready",
        ...withToken(
          observedWith({
            permissionResources: resourceStatus([
              applied("tenant-globex-mtv", "True", "globex-dev"),
              applied("tenant-globex-mtv", "False", "globex-edge"),
              applied("tenant-globex-mtv", "True", "globex-prod"),
            ]),
          }),
        ),
        want: { clusterReady: PERMISSION_NOT_READY },
      },
      PermissionRoleBindingMissing: {
        reason:
          "A namespace added since the work was applied (no RoleBinding reported there yet) " +
          "leaves the permission not ready",
        ...withToken(
          observedWith({
            permissionResources: resourceStatus([
              applied("tenant-globex-mtv", "True", "globex-dev"),
              applied("tenant-globex-mtv", "True", "globex-prod"),
            ]),
          }),
        ),
        want: { clusterReady: PERMISSION_NOT_READY },
      },
      RefusesUnregisteredCluster: {
        reason: "A cluster not registered in OCM is refused; the Fatal keeps what exists",
        ...refusing([edge]),
        want: refused(
          "WaitingForDependency",
          'Tenant globex: spec.clusters[0].name: ManagedCluster "edge-1" is not ' +
            "registered in Open Cluster Management",
        ),
      },
      RefusesOtherTenantsNamespace: {
        reason: "The tenant's service account reaches only the tenant's own namespaces",
        ...refusing([{ name: "edge-1", namespaces: ["globex-edge", "acme-dev"] }], {
          "cluster-edge-1": [managedCluster("edge-1")],
        }),
        want: refused(
          "InvalidSpec",
          'Tenant globex: spec.clusters[0].namespaces[1]: "acme-dev" must start with ' +
            "\"globex-\": the tenant's service account only reaches the tenant's own " +
            "namespaces",
        ),
      },
      RefusesDuplicateCluster: {
        reason: "A cluster listed twice is refused",
        ...refusing([edge, edge]),
        want: refused(
          "InvalidSpec",
          'Tenant globex: invalid spec: spec.clusters[1]: duplicate cluster "edge-1" ' +
            "(also at index 0)",
        ),
      },
      RefusesHTTPURL: {
        reason: "An API URL is https",
        ...refusing([{ name: "edge-1", apiServerURL: "http://api.edge-1:6443" }]),
        want: refused(
          "InvalidSpec",
          "Tenant globex: invalid spec: spec.clusters[0].apiServerURL: must be an https URL",
        ),
      },
      NoClusters: {
        reason: "Without clusters nothing of this is composed, reported or conditioned",
        ...withClusters([], {}),
        want: { clusterNames: [], clusters: undefined, conditions: [BUDGET, HAS_VDCS] },
      },
      Deterministic: {
        reason: "The same request gives the same bytes",
        xr: globex([edge]),
        required: { vdcs: [globexVDC("globex-prod")], ...joined([tokenSecret("edge-1")]) },
        want: { sameBytesAs: [] },
      },
    },
    facets,
  );
});
