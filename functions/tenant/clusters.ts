// Managed clusters of a tenant (the hub pattern): for each cluster registered
// in Open Cluster Management that the tenant's VMs may land on, compose what
// the MTV integration of Red Hat ACM composes (stolostron/mtv-integrations),
// scoped to the tenant:
//
//   in the cluster's namespace on the hub
//     ManagedServiceAccount tenant-<t>-mtv   the addon makes a ServiceAccount on the cluster
//                                            and reports its token to a hub Secret of that name
//     ClusterPermission tenant-<t>-mtv       admin in the tenant's namespaces there and read-only
//                                            access to what Forklift's inventory lists cluster-wide;
//                                            not cluster-admin, which the ACM integration grants
//   in the tenant namespace, once the token Secret exists
//     Secret <cluster>-mtv                   url, token, cacert, insecureSkipVerify "false"
//     Provider <cluster>-mtv                 type openshift, pointing at the cluster's API
//
// ACM puts the Secret and Provider in its own admin namespace (mtv-integrations).
// Here they go in the tenant namespace: the token only opens the tenant's own
// namespaces on that cluster, which its admins hold anyway, and the tenant's
// Plans (in its VDC namespaces) reference the Provider by namespace and name,
// while other tenants can neither read the token nor use the Provider.
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import type { Composed, KubeObject, Refusal, XRCondition } from "../compose.js";
import { isConditionTrue } from "../compose.js";
import { dnsName, LABEL_TYPE } from "../names.js";
import { asDesired, withLabels } from "../k8s.js";
import { FORKLIFT_API_VERSION } from "../vdc/migration.js";
import type { ManagedClusterSpec } from "./api.js";

export const OCM_CLUSTER_API_VERSION = "cluster.open-cluster-management.io/v1";
export const OCM_AUTH_API_VERSION = "authentication.open-cluster-management.io/v1beta1";
export const OCM_RBAC_API_VERSION = "rbac.open-cluster-management.io/v1alpha1";
const OCM_AUTH_GROUP = "authentication.open-cluster-management.io";
/** Token lifetime; the addon rotates the token before it expires and this composer copies the new one. */
export const TOKEN_VALIDITY = "8640h0m0s";

/** The ManagedServiceAccount (and ServiceAccount, ClusterPermission, token Secret) of a tenant on every cluster. */
export function serviceAccountName(tenantNamespace: string): string {
  return dnsName(tenantNamespace, "mtv");
}

/** Name of the Secret and Provider of a cluster in the tenant namespace, as the MTV integration names them. */
export function clusterProviderName(cluster: string): string {
  return dnsName(cluster, "mtv");
}

export const clusterKeys = (cluster: string) => ({
  serviceAccount: `cluster-${cluster}-msa`,
  permission: `cluster-${cluster}-permission`,
  secret: `cluster-${cluster}-secret`,
  provider: `cluster-${cluster}-provider`,
});

const managedClusterRequirement = (cluster: string) => `cluster-${cluster}`;
const tokenRequirement = (cluster: string) => `token-${cluster}`;

/** Each cluster's ManagedCluster (for its API URL) and its token Secret (for the Provider's credentials). */
export function clusterRequirements(
  tenantNamespace: string,
  clusters: ManagedClusterSpec[],
): Record<string, ResourceSelector> {
  const out: Record<string, ResourceSelector> = {};
  for (const c of clusters) {
    out[managedClusterRequirement(c.name)] = {
      apiVersion: OCM_CLUSTER_API_VERSION,
      kind: "ManagedCluster",
      matchName: c.name,
    };
    out[tokenRequirement(c.name)] = {
      apiVersion: "v1",
      kind: "Secret",
      namespace: c.name,
      matchName: serviceAccountName(tenantNamespace),
    };
  }
  return out;
}

/** Read-only, cluster-wide: what Forklift's inventory of a destination cluster lists (namespaces, storage classes, networks, instance types). */
const INVENTORY_RULES = [
  { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
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
];

export interface ClustersInput {
  tenant: string;
  ns: string;
  labels: Record<string, string>;
  clusters: ManagedClusterSpec[];
  /** The tenant's VDC namespaces: its service account is admin in each, on every cluster. */
  vdcNamespaces: string[];
  observed: Record<string, KubeObject>;
  required: Record<string, KubeObject[]>;
}

export interface ClustersOutput {
  resources: Record<string, Composed>;
  status: { clusters?: unknown[] };
  conditions: XRCondition[];
}

export function composeClusters(input: ClustersInput): Refusal | ClustersOutput {
  const { tenant, ns, clusters, observed, required } = input;
  if (clusters.length === 0) return { resources: {}, status: {}, conditions: [] };
  const labels = withLabels(input.labels, { [LABEL_TYPE]: "migration" });
  const msa = serviceAccountName(ns);
  const resources: Record<string, Composed> = {};
  const statuses: Record<string, unknown>[] = [];
  const waiting: string[] = [];

  for (const [i, c] of clusters.entries()) {
    const field = `spec.clusters[${i}]`;
    const foreign = c.namespaces.findIndex((n) => !n.startsWith(`${tenant}-`));
    if (foreign >= 0) {
      return {
        fatal: `Tenant ${tenant}: ${field}.namespaces[${foreign}]: "${c.namespaces[foreign]}" must start with "${tenant}-": the tenant's service account only reaches the tenant's own namespaces`,
        reason: "InvalidSpec",
      };
    }
    const managed = required[managedClusterRequirement(c.name)]?.[0];
    if (!managed)
      return {
        fatal: `Tenant ${tenant}: ${field}.name: ManagedCluster "${c.name}" is not registered in Open Cluster Management`,
        reason: "WaitingForDependency",
      };
    const url = c.apiServerURL ?? clientConfigURL(managed);
    const namespaces = [...new Set([...input.vdcNamespaces, ...c.namespaces])].sort();
    const keys = clusterKeys(c.name);

    resources[keys.serviceAccount] = {
      resource: {
        apiVersion: OCM_AUTH_API_VERSION,
        kind: "ManagedServiceAccount",
        metadata: { name: msa, namespace: c.name, labels },
        spec: { rotation: { enabled: true, validity: TOKEN_VALIDITY } },
      },
      ready:
        isConditionTrue(observed[keys.serviceAccount], "SecretCreated") &&
        isConditionTrue(observed[keys.serviceAccount], "TokenReported"),
    };
    resources[keys.permission] = {
      resource: clusterPermission(msa, c.name, labels, namespaces),
      ready: isConditionTrue(observed[keys.permission], "AppliedRBACManifestWork"),
    };

    const token = tokenData(required[tokenRequirement(c.name)]?.[0]);
    const name = clusterProviderName(c.name);
    const status = (more: { provider?: string; ready: boolean; waiting?: string }) => ({
      name: c.name,
      url: url || undefined,
      namespaces,
      tokenReady: token !== undefined,
      provider: more.provider,
      ready: more.ready,
      waiting: more.waiting,
    });
    const provider = observed[keys.provider];
    // The Provider never goes out before its token: it would be created without credentials and fail.
    if (token && url) {
      resources[keys.secret] = {
        resource: providerSecret(name, ns, labels, url, token),
        ready: observed[keys.secret] !== undefined,
      };
      resources[keys.provider] = {
        resource: clusterProvider(name, ns, labels, url),
        ready: isConditionTrue(provider, "Ready"),
      };
      statuses.push(status({ provider: name, ready: isConditionTrue(provider, "Ready") }));
      if (!isConditionTrue(provider, "Ready"))
        waiting.push(`${c.name} (Provider ${ns}/${name} not ready yet)`);
      continue;
    }
    const why = !url
      ? `the API URL: ManagedCluster ${c.name} has no spec.managedClusterClientConfigs[0].url; set ${field}.apiServerURL`
      : `the token Secret ${c.name}/${msa} of the ManagedServiceAccount`;
    waiting.push(`${c.name} (waiting for ${why})`);
    // A Provider already made is kept as it was rather than deleted while its token or URL is missing.
    if (provider && observed[keys.secret]) {
      resources[keys.secret] = { resource: asDesired(observed[keys.secret]!), ready: true };
      resources[keys.provider] = {
        resource: asDesired(provider),
        ready: isConditionTrue(provider, "Ready"),
      };
      statuses.push(
        status({ provider: name, ready: isConditionTrue(provider, "Ready"), waiting: why }),
      );
      continue;
    }
    statuses.push(status({ ready: false, waiting: why }));
  }

  return {
    resources,
    status: { clusters: statuses },
    conditions: [
      waiting.length
        ? {
            type: "ClusterProvidersReady",
            status: "False",
            reason: "WaitingForDependency",
            message: `Not ready: ${waiting.join("; ")}`,
          }
        : {
            type: "ClusterProvidersReady",
            status: "True",
            reason: "ProvidersReady",
            message: `Forklift Providers of ${clusters.length} managed cluster(s) ready in namespace ${ns}`,
          },
    ],
  };
}

function clientConfigURL(managed: KubeObject): string | undefined {
  const configs = (
    managed.spec as { managedClusterClientConfigs?: { url?: unknown }[] } | undefined
  )?.managedClusterClientConfigs;
  const url = Array.isArray(configs) ? configs[0]?.url : undefined;
  return typeof url === "string" && url !== "" ? url : undefined;
}

/**
 * The token and CA of the token Secret, base64 as the API serves them (or
 * encoded from stringData). Copied into the provider Secret's desired state and
 * nowhere else: not to status, conditions, events or logs.
 */
function tokenData(secret: KubeObject | undefined): { token: string; cacert: string } | undefined {
  if (!secret) return undefined;
  const pick = (key: string): string | undefined => {
    const data = (secret.data as Record<string, unknown> | undefined)?.[key];
    if (typeof data === "string" && data !== "") return data;
    const plain = (secret.stringData as Record<string, unknown> | undefined)?.[key];
    return typeof plain === "string" && plain !== ""
      ? Buffer.from(plain, "utf8").toString("base64")
      : undefined;
  };
  const token = pick("token");
  const cacert = pick("ca.crt");
  return token && cacert ? { token, cacert } : undefined;
}

function clusterPermission(
  msa: string,
  cluster: string,
  labels: Record<string, string>,
  namespaces: string[],
): KubeObject {
  const subject = { apiGroup: OCM_AUTH_GROUP, kind: "ManagedServiceAccount", name: msa };
  return {
    apiVersion: OCM_RBAC_API_VERSION,
    kind: "ClusterPermission",
    metadata: { name: msa, namespace: cluster, labels },
    spec: {
      clusterRole: { rules: INVENTORY_RULES },
      clusterRoleBinding: { subject },
      ...(namespaces.length
        ? {
            roleBindings: namespaces.map((namespace) => ({
              namespace,
              roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "admin",
              },
              subject,
            })),
          }
        : {}),
    },
  };
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

function providerSecret(
  name: string,
  ns: string,
  labels: Record<string, string>,
  url: string,
  token: { token: string; cacert: string },
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      namespace: ns,
      labels: withLabels(labels, {
        createdForProviderType: "openshift",
        createdForResourceType: "providers",
      }),
    },
    type: "Opaque",
    data: {
      cacert: token.cacert,
      insecureSkipVerify: b64("false"),
      token: token.token,
      url: b64(url),
    },
  };
}

function clusterProvider(
  name: string,
  ns: string,
  labels: Record<string, string>,
  url: string,
): KubeObject {
  return {
    apiVersion: FORKLIFT_API_VERSION,
    kind: "Provider",
    metadata: { name, namespace: ns, labels },
    spec: { type: "openshift", url, secret: { name, namespace: ns } },
  };
}
