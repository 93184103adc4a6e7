import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { bytes, run } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const tenant = (clusters: unknown[], status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "Tenant",
  metadata: { name: "globex" },
  spec: { tier: "enterprise", admins: { groups: ["globex-admins"] }, clusters },
  status,
});
const vdc = (name: string, tenantName = "globex"): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VDC",
  metadata: { name, creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { tenantRef: { name: tenantName } },
});
const b64 = (s: string) => Buffer.from(s).toString("base64");
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VydmljZWFjY291bnQ.c2lnbmF0dXJl";
const CA = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIEdge1CA\n-----END CERTIFICATE-----\n";

/** A ManagedCluster as the OCM hub reports it once the klusterlet has joined. */
const managedCluster = (name: string, url?: string): KubeObject => ({
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
    ...(url ? { managedClusterClientConfigs: [{ url, caBundle: b64(CA) }] } : {}),
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
/** The Secret the managed-serviceaccount addon reports the token to, in the cluster's namespace on the hub. */
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
const compose = (
  xr: KubeObject,
  required: Record<string, KubeObject[]>,
  observed: Record<string, KubeObject> = {},
) =>
  run({
    xr,
    observed,
    required: {
      vdcs: [vdc("globex-prod"), vdc("globex-dev"), vdc("acme-dev", "acme")],
      ...required,
    },
  });
const subject = {
  apiGroup: "authentication.open-cluster-management.io",
  kind: "ManagedServiceAccount",
  name: "tenant-globex-mtv",
};

function fatal(out: ReturnType<typeof run>): string {
  expect(out.results).toHaveLength(1);
  expect(out.results[0]!.severity).toBe("FATAL");
  return out.results[0]!.message;
}

describe("Tenant managed clusters", () => {
  it("asks for each cluster's ManagedCluster and its ManagedServiceAccount token Secret", () => {
    const out = run({ xr: tenant([edge, { name: "edge-2" }]) });
    expect(out.requirements).toEqual({
      vdcs: { apiVersion: "crossvdc.io/v1alpha1", kind: "VDC", matchLabels: { labels: {} } },
      "cluster-edge-1": {
        apiVersion: "cluster.open-cluster-management.io/v1",
        kind: "ManagedCluster",
        matchName: "edge-1",
      },
      "token-edge-1": {
        apiVersion: "v1",
        kind: "Secret",
        namespace: "edge-1",
        matchName: "tenant-globex-mtv",
      },
      "cluster-edge-2": {
        apiVersion: "cluster.open-cluster-management.io/v1",
        kind: "ManagedCluster",
        matchName: "edge-2",
      },
      "token-edge-2": {
        apiVersion: "v1",
        kind: "Secret",
        namespace: "edge-2",
        matchName: "tenant-globex-mtv",
      },
    });
    expect(out.resources).toEqual({});
  });

  it("before the token exists: ManagedServiceAccount and ClusterPermission scoped to the tenant's namespaces, no Secret, no Provider", () => {
    const out = compose(tenant([edge]), {
      "cluster-edge-1": [managedCluster("edge-1", "https://api.edge-1.globex.example:6443")],
      "token-edge-1": [],
    });
    expect(out.results).toEqual([]);
    expect(out.resources["cluster-edge-1-msa"]).toEqual({
      apiVersion: "authentication.open-cluster-management.io/v1beta1",
      kind: "ManagedServiceAccount",
      metadata: { name: "tenant-globex-mtv", namespace: "edge-1", labels },
      spec: { rotation: { enabled: true, validity: "8640h0m0s" } },
    });
    expect(out.resources["cluster-edge-1-permission"]).toEqual({
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
              apiGroups: ["instancetype.kubevirt.io"],
              resources: ["virtualmachineclusterinstancetypes", "virtualmachineclusterpreferences"],
              verbs: ["get", "list", "watch"],
            },
          ],
        },
        clusterRoleBinding: { subject },
        // admin in the tenant's own namespaces only: its VDCs (not another tenant's) and the extra one it listed.
        roleBindings: ["globex-dev", "globex-edge", "globex-prod"].map((namespace) => ({
          namespace,
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
          subject,
        })),
      },
    });
    expect(Object.keys(out.resources).filter((k) => k.startsWith("cluster-"))).toEqual([
      "cluster-edge-1-msa",
      "cluster-edge-1-permission",
    ]);
    expect(out.status?.clusters).toEqual([
      {
        name: "edge-1",
        url: "https://api.edge-1.globex.example:6443",
        namespaces: ["globex-dev", "globex-edge", "globex-prod"],
        tokenReady: false,
        ready: false,
        waiting: "the token Secret edge-1/tenant-globex-mtv of the ManagedServiceAccount",
      },
    ]);
    expect(out.conditions).toContainEqual({
      type: "ClusterProvidersReady",
      status: "False",
      reason: "WaitingForDependency",
      message:
        "Not ready: edge-1 (waiting for the token Secret edge-1/tenant-globex-mtv of the ManagedServiceAccount)",
    });
    for (const [key, r] of Object.entries(out.resources))
      expect([key, validateResource(r)]).toEqual([key, []]);
    expect(JSON.stringify(out.resources)).not.toContain("cluster-admin");
  });

  it("once the token exists: the provider Secret and an openshift Provider in the tenant namespace", () => {
    const out = compose(tenant([edge]), {
      "cluster-edge-1": [managedCluster("edge-1", "https://api.edge-1.globex.example:6443")],
      "token-edge-1": [tokenSecret("edge-1")],
    });
    expect(out.results).toEqual([]);
    expect(out.resources["cluster-edge-1-secret"]).toEqual({
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
        url: b64("https://api.edge-1.globex.example:6443"),
      },
    });
    expect(out.resources["cluster-edge-1-provider"]).toEqual({
      apiVersion: "forklift.konveyor.io/v1beta1",
      kind: "Provider",
      metadata: { name: "edge-1-mtv", namespace: "tenant-globex", labels },
      spec: {
        type: "openshift",
        url: "https://api.edge-1.globex.example:6443",
        secret: { name: "edge-1-mtv", namespace: "tenant-globex" },
      },
    });
    expect(out.status?.clusters).toEqual([
      {
        name: "edge-1",
        url: "https://api.edge-1.globex.example:6443",
        namespaces: ["globex-dev", "globex-edge", "globex-prod"],
        tokenReady: true,
        provider: "edge-1-mtv",
        ready: false,
      },
    ]);
    for (const [key, r] of Object.entries(out.resources))
      expect([key, validateResource(r)]).toEqual([key, []]);
    // The token goes to the provider Secret's desired state and nowhere else.
    const { resources, ...rest } = out;
    for (const v of [TOKEN, b64(TOKEN)]) expect(JSON.stringify(rest)).not.toContain(v);
    expect(
      Object.entries(resources)
        .filter(([, r]) => JSON.stringify(r).includes(b64(TOKEN)))
        .map(([k]) => k),
    ).toEqual(["cluster-edge-1-secret"]);
  });

  it.each([
    { name: "no token Secret", token: [], hasProvider: false },
    {
      name: "token Secret without ca.crt",
      token: [tokenSecret("edge-1", { token: TOKEN })],
      hasProvider: false,
    },
    {
      name: "token Secret with an empty token",
      token: [tokenSecret("edge-1", { token: "", "ca.crt": CA })],
      hasProvider: false,
    },
    { name: "token and CA", token: [tokenSecret("edge-1")], hasProvider: true },
  ])("never emits the Provider before its token: $name", ({ token, hasProvider }) => {
    const out = compose(tenant([edge]), {
      "cluster-edge-1": [managedCluster("edge-1", "https://api.edge-1.globex.example:6443")],
      "token-edge-1": token,
    });
    expect("cluster-edge-1-provider" in out.resources).toBe(hasProvider);
    expect("cluster-edge-1-secret" in out.resources).toBe(hasProvider);
  });

  it("takes spec.clusters[].apiServerURL over the ManagedCluster's, and waits when neither has one", () => {
    const explicit = compose(
      tenant([{ ...edge, apiServerURL: "https://api.edge-1.internal:6443" }]),
      {
        "cluster-edge-1": [managedCluster("edge-1", "https://api.edge-1.globex.example:6443")],
        "token-edge-1": [tokenSecret("edge-1")],
      },
    );
    expect(
      (explicit.resources["cluster-edge-1-provider"]!.spec as Record<string, unknown>).url,
    ).toBe("https://api.edge-1.internal:6443");
    const none = compose(tenant([edge]), {
      "cluster-edge-1": [managedCluster("edge-1")],
      "token-edge-1": [tokenSecret("edge-1")],
    });
    expect("cluster-edge-1-provider" in none.resources).toBe(false);
    expect(none.status?.clusters).toEqual([
      {
        name: "edge-1",
        namespaces: ["globex-dev", "globex-edge", "globex-prod"],
        tokenReady: true,
        ready: false,
        waiting:
          "the API URL: ManagedCluster edge-1 has no spec.managedClusterClientConfigs[0].url; set spec.clusters[0].apiServerURL",
      },
    ]);
  });

  it("keeps a Provider that exists, as it was, while its token Secret is missing", () => {
    const first = compose(tenant([edge]), {
      "cluster-edge-1": [managedCluster("edge-1", "https://api.edge-1.globex.example:6443")],
      "token-edge-1": [tokenSecret("edge-1")],
    });
    const observed = {
      "cluster-edge-1-secret": {
        ...first.resources["cluster-edge-1-secret"]!,
        metadata: {
          ...first.resources["cluster-edge-1-secret"]!.metadata,
          uid: "a1",
          resourceVersion: "9",
        },
      },
      "cluster-edge-1-provider": {
        ...first.resources["cluster-edge-1-provider"]!,
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
    };
    const out = compose(
      tenant([edge]),
      {
        "cluster-edge-1": [managedCluster("edge-1", "https://api.edge-1.globex.example:6443")],
        "token-edge-1": [],
      },
      observed,
    );
    expect(out.resources["cluster-edge-1-secret"]).toEqual(
      first.resources["cluster-edge-1-secret"],
    );
    expect(out.resources["cluster-edge-1-provider"]).toEqual(
      first.resources["cluster-edge-1-provider"],
    );
    expect(out.status?.clusters).toMatchObject([
      { name: "edge-1", tokenReady: false, provider: "edge-1-mtv", ready: true },
    ]);
  });

  it.each([
    {
      name: "all observed and ready",
      msa: [
        { type: "SecretCreated", status: "True" },
        { type: "TokenReported", status: "True" },
      ],
      permission: [{ type: "AppliedRBACManifestWork", status: "True" }],
      provider: [{ type: "Ready", status: "True" }],
      ready: {
        "cluster-edge-1-msa": true,
        "cluster-edge-1-permission": true,
        "cluster-edge-1-secret": true,
        "cluster-edge-1-provider": true,
      },
      condition: {
        type: "ClusterProvidersReady",
        status: "True",
        reason: "ProvidersReady",
        message: "Forklift Providers of 1 managed cluster(s) ready in namespace tenant-globex",
      },
    },
    {
      name: "token not reported, RBAC not applied, provider failing",
      msa: [
        { type: "SecretCreated", status: "True" },
        { type: "TokenReported", status: "False" },
      ],
      permission: [{ type: "AppliedRBACManifestWork", status: "False" }],
      provider: [{ type: "ConnectionTestFailed", status: "True" }],
      ready: {
        "cluster-edge-1-msa": false,
        "cluster-edge-1-permission": false,
        "cluster-edge-1-secret": true,
        "cluster-edge-1-provider": false,
      },
      condition: {
        type: "ClusterProvidersReady",
        status: "False",
        reason: "WaitingForDependency",
        message: "Not ready: edge-1 (Provider tenant-globex/edge-1-mtv not ready yet)",
      },
    },
  ])(
    "readiness from the observed objects: $name",
    ({ msa, permission, provider, ready, condition }) => {
      const at = "2026-01-03T00:00:00Z";
      const conds = (cs: { type: string; status: string }[]) =>
        cs.map((c) => ({ ...c, reason: c.type, message: "", lastTransitionTime: at }));
      const first = compose(tenant([edge]), {
        "cluster-edge-1": [managedCluster("edge-1", "https://api.edge-1.globex.example:6443")],
        "token-edge-1": [tokenSecret("edge-1")],
      });
      const observed = {
        "cluster-edge-1-msa": {
          ...first.resources["cluster-edge-1-msa"]!,
          status: {
            conditions: conds(msa),
            tokenSecretRef: { name: "tenant-globex-mtv", lastRefreshTimestamp: at },
          },
        },
        "cluster-edge-1-permission": {
          ...first.resources["cluster-edge-1-permission"]!,
          status: { conditions: conds(permission) },
        },
        "cluster-edge-1-secret": first.resources["cluster-edge-1-secret"]!,
        "cluster-edge-1-provider": {
          ...first.resources["cluster-edge-1-provider"]!,
          status: { conditions: conds(provider).map((c) => ({ ...c, category: "Required" })) },
        },
      };
      const out = compose(
        tenant([edge]),
        {
          "cluster-edge-1": [managedCluster("edge-1", "https://api.edge-1.globex.example:6443")],
          "token-edge-1": [tokenSecret("edge-1")],
        },
        observed,
      );
      expect(out.ready).toMatchObject(ready);
      expect(out.conditions).toContainEqual(condition);
    },
  );

  it.each([
    {
      name: "cluster not registered",
      clusters: [edge],
      required: { "cluster-edge-1": [], "token-edge-1": [] },
      message:
        'Tenant globex: spec.clusters[0].name: ManagedCluster "edge-1" is not registered in Open Cluster Management',
    },
    {
      name: "another tenant's namespace",
      clusters: [{ name: "edge-1", namespaces: ["globex-edge", "acme-dev"] }],
      required: { "cluster-edge-1": [managedCluster("edge-1")], "token-edge-1": [] },
      message:
        'Tenant globex: spec.clusters[0].namespaces[1]: "acme-dev" must start with "globex-": the tenant\'s service account only reaches the tenant\'s own namespaces',
    },
    {
      name: "duplicate cluster",
      clusters: [edge, edge],
      required: {},
      message: 'spec.clusters[1]: duplicate cluster "edge-1" (also at index 0)',
    },
    {
      name: "http API URL",
      clusters: [{ name: "edge-1", apiServerURL: "http://api.edge-1:6443" }],
      required: {},
      message: "spec.clusters[0].apiServerURL: must be an https URL",
    },
  ])(
    "refuses bad input with one Fatal result that keeps what exists: $name",
    ({ clusters, required, message }) => {
      const kept = { apiVersion: "v1", kind: "Namespace", metadata: { name: "tenant-globex" } };
      const out = run({
        xr: tenant(clusters),
        required: { vdcs: [], "cluster-edge-1": [], "token-edge-1": [], ...required },
        desired: { namespace: kept },
      });
      expect(fatal(out)).toContain(message);
      expect(out.resources).toEqual({ namespace: kept });
    },
  );

  it("composes nothing of this without clusters", () => {
    const out = compose(tenant([]), {});
    expect(Object.keys(out.resources).filter((k) => k.startsWith("cluster-"))).toEqual([]);
    expect(out.status).not.toHaveProperty("clusters");
    expect(out.conditions.map((c) => c.type)).toEqual(["BudgetAvailable"]);
  });

  it("is deterministic", () => {
    const req = {
      xr: tenant([edge]),
      required: {
        vdcs: [vdc("globex-prod")],
        "cluster-edge-1": [managedCluster("edge-1", "https://api.edge-1.globex.example:6443")],
        "token-edge-1": [tokenSecret("edge-1")],
      },
    };
    expect(bytes(req).equals(bytes(req))).toBe(true);
  });
});
