// Managed clusters of a tenant (the hub pattern): for each cluster registered
// in Open Cluster Management that the tenant's VMs may land on, compose what
// the MTV integration of Red Hat ACM composes (stolostron/mtv-integrations),
// scoped to the tenant:
//
//   in the cluster's namespace on the hub
//     ManagedServiceAccount tenant-<t>-mtv: the addon makes a ServiceAccount on the cluster
//       and reports its token to a hub Secret of that name
//     ClusterPermission tenant-<t>-mtv: admin in the tenant's namespaces there and read-only
//       access to what Forklift's inventory lists cluster-wide; not cluster-admin, which the
//       ACM integration grants
//   in the tenant namespace, once the token Secret exists
//     Secret <cluster>-mtv: url, token, cacert (the token's ca.crt, the ManagedCluster's
//       caBundles, the spec's caBundle), insecureSkipVerify "false"
//     Provider <cluster>-mtv: type openshift, pointing at the cluster's API
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
import { asDesired, withLabels, type NamespacedProps } from "../k8s.js";
import { FORKLIFT_API_VERSION } from "../vdc/migration.js";
import type { ManagedClusterSpec } from "./api.js";

export const OCM_CLUSTER_API_VERSION = "cluster.open-cluster-management.io/v1";
export const OCM_AUTH_API_VERSION = "authentication.open-cluster-management.io/v1beta1";
export const OCM_RBAC_API_VERSION = "rbac.open-cluster-management.io/v1alpha1";
const OCM_AUTH_GROUP = "authentication.open-cluster-management.io";
/**
 * Token lifetime; the addon rotates the token before it expires and this
 * composer copies the new one.
 */
export const TOKEN_VALIDITY = "8640h0m0s";

/**
 * The ManagedServiceAccount (and ServiceAccount, ClusterPermission, token
 * Secret) of a tenant on every cluster. `-mtv` ends both names, so a name cut
 * for length is never another input's uncut one (names.ts, rule 4).
 */
export function serviceAccountName(tenantNamespace: string): string {
  return dnsName(tenantNamespace, "mtv");
}

/**
 * Name of the Secret and Provider of a cluster in the tenant namespace, as the
 * MTV integration names them.
 */
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

/**
 * Each cluster's ManagedCluster (for its API URL) and its token Secret (for the
 * Provider's credentials).
 */
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

/**
 * Read-only, cluster-wide: what Forklift's inventory of a destination cluster lists. Its
 * connection test lists each of namespaces, storageclasses, network-attachment-definitions,
 * virtualmachines, virtualmachineinstancetypes and virtualmachineclusterinstancetypes across
 * all namespaces (kubev2v/forklift pkg/lib/inventory/container/ocp/collector.go Test(), v2.11
 * and v2.12) and the Provider fails without any one of them. Listing VirtualMachines in every
 * namespace shows the tenant other tenants' VM specs on that cluster; Forklift gives no way
 * around it.
 */
export const INVENTORY_RULES = [
  { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["k8s.cni.cncf.io"],
    resources: ["network-attachment-definitions"],
    verbs: ["get", "list", "watch"],
  },
  { apiGroups: ["kubevirt.io"], resources: ["virtualmachines"], verbs: ["get", "list", "watch"] },
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
  const serviceAccount = serviceAccountName(ns);
  const resources: Record<string, Composed> = {};
  const statuses: Record<string, unknown>[] = [];
  const waiting: string[] = [];

  for (const [i, cluster] of clusters.entries()) {
    const field = `spec.clusters[${i}]`;
    const foreign = cluster.namespaces.findIndex((n) => !n.startsWith(`${tenant}-`));
    if (foreign >= 0) {
      return {
        fatal:
          `Tenant ${tenant}: ${field}.namespaces[${foreign}]: ` +
          `"${cluster.namespaces[foreign]}" must start with "${tenant}-": the tenant's ` +
          `service account only reaches the tenant's own namespaces`,
        reason: "InvalidSpec",
      };
    }
    const managed = required[managedClusterRequirement(cluster.name)]?.[0];
    if (!managed)
      return {
        fatal:
          `Tenant ${tenant}: ${field}.name: ManagedCluster "${cluster.name}" is not ` +
          `registered in Open Cluster Management`,
        reason: "WaitingForDependency",
      };
    const url = cluster.apiServerURL ?? clientConfigURL(managed);
    const namespaces = [...new Set([...input.vdcNamespaces, ...cluster.namespaces])].sort();
    const keys = clusterKeys(cluster.name);

    resources[keys.serviceAccount] = {
      resource: managedServiceAccount({ name: serviceAccount, namespace: cluster.name, labels }),
      ready:
        isConditionTrue(observed[keys.serviceAccount], "SecretCreated") &&
        isConditionTrue(observed[keys.serviceAccount], "TokenReported"),
    };
    resources[keys.permission] = {
      resource: clusterPermission({
        serviceAccount,
        namespace: cluster.name,
        labels,
        adminIn: namespaces,
      }),
      ready: permissionApplied(observed[keys.permission], namespaces),
    };

    const token = tokenData(required[tokenRequirement(cluster.name)]?.[0]);
    const caBundle = joinCABundles([
      token?.caCert,
      ...clientConfigCABundles(managed),
      cluster.caBundle,
    ]);
    const name = clusterProviderName(cluster.name);
    const clusterStatus = (more: { provider?: string; ready: boolean; waiting?: string }) => ({
      name: cluster.name,
      url: url || undefined,
      namespaces,
      tokenReady: token !== undefined,
      provider: more.provider,
      ready: more.ready,
      waiting: more.waiting,
    });
    const provider = observed[keys.provider];
    // The Provider never goes out before its token: it would be created without
    // credentials and fail.
    if (token && caBundle && url) {
      resources[keys.secret] = {
        resource: providerSecret({
          name,
          namespace: ns,
          labels,
          url,
          token: token.token,
          caBundle,
        }),
        ready: observed[keys.secret] !== undefined,
      };
      resources[keys.provider] = {
        resource: clusterProvider({ name, namespace: ns, labels, url }),
        ready: isConditionTrue(provider, "Ready"),
      };
      statuses.push(clusterStatus({ provider: name, ready: isConditionTrue(provider, "Ready") }));
      if (!isConditionTrue(provider, "Ready"))
        waiting.push(`${cluster.name} (Provider ${ns}/${name} not ready yet)`);
      continue;
    }
    const why = !url
      ? `the API URL: ManagedCluster ${cluster.name} has no ` +
        `spec.managedClusterClientConfigs[0].url; set ${field}.apiServerURL`
      : !token
        ? `the token Secret ${cluster.name}/${serviceAccount} of the ManagedServiceAccount`
        : `a CA: neither the token Secret's ca.crt nor ManagedCluster ${cluster.name}'s` +
          ` caBundle holds one; set ${field}.caBundle`;
    waiting.push(`${cluster.name} (waiting for ${why})`);
    // A Provider already made is kept as it was rather than deleted while its
    // token or URL is missing.
    if (provider && observed[keys.secret]) {
      resources[keys.secret] = { resource: asDesired(observed[keys.secret]!), ready: true };
      resources[keys.provider] = {
        resource: asDesired(provider),
        ready: isConditionTrue(provider, "Ready"),
      };
      statuses.push(
        clusterStatus({ provider: name, ready: isConditionTrue(provider, "Ready"), waiting: why }),
      );
      continue;
    }
    statuses.push(clusterStatus({ ready: false, waiting: why }));
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
            message:
              `Forklift Providers of ${clusters.length} managed cluster(s) ready in ` +
              `namespace ${ns}`,
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

/** Each caBundle (base64 PEM) of the ManagedCluster's client configs. */
function clientConfigCABundles(managed: KubeObject): string[] {
  const configs = (managed.spec as { managedClusterClientConfigs?: unknown } | undefined)
    ?.managedClusterClientConfigs;
  return (Array.isArray(configs) ? configs : [])
    .map((c) => (c as { caBundle?: unknown } | null)?.caBundle)
    .filter((b): b is string => typeof b === "string" && b !== "");
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g;

/**
 * One base64 PEM bundle of every certificate in these base64 PEM bundles, each once, in the
 * order given, in 64-column PEM; undefined when none holds a certificate. CAs are public.
 */
export function joinCABundles(bundles: (string | undefined)[]): string | undefined {
  const bodies = new Set<string>();
  for (const bundle of bundles) {
    if (!bundle) continue;
    const pem = Buffer.from(bundle, "base64").toString("utf8");
    for (const match of pem.matchAll(PEM_CERTIFICATE)) bodies.add(match[1]!.replace(/\s+/g, ""));
  }
  if (!bodies.size) return undefined;
  const pem = [...bodies].map(
    (body) =>
      `-----BEGIN CERTIFICATE-----\n${body.replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----\n`,
  );
  return Buffer.from(pem.join(""), "utf8").toString("base64");
}

/**
 * The token and CA of the token Secret, base64 as the API serves them (or
 * encoded from stringData). Copied into the provider Secret's desired state and
 * nowhere else: not to status, conditions, events or logs.
 */
function tokenData(secret: KubeObject | undefined): { token: string; caCert?: string } | undefined {
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
  return token ? { token, caCert: pick("ca.crt") } : undefined;
}

/** A ClusterPermission condition or per-resource status entry, as cluster-permission writes it. */
interface AppliedStatus {
  namespace?: string;
  condition?: { type?: unknown; status?: unknown }[];
}

/**
 * Whether the ClusterPermission's RBAC was applied on the managed cluster. cluster-permission
 * v0.17 mirrors the ManifestWork's Applied condition into AppliedRBACManifestWork and each
 * manifest's into status.resourceStatus (controllers/clusterpermission_status_controller.go);
 * before v0.17, AppliedRBACManifestWork turned True once the ManifestWork was written on the
 * hub, applied or not. So ready only when the ClusterRole, the ClusterRoleBinding and a
 * RoleBinding in each namespace are each reported Applied.
 */
export function permissionApplied(permission: KubeObject | undefined, adminIn: string[]): boolean {
  if (!isConditionTrue(permission, "AppliedRBACManifestWork")) return false;
  const status = (permission?.status as { resourceStatus?: Record<string, unknown> } | undefined)
    ?.resourceStatus;
  const entries = (key: string): AppliedStatus[] => {
    const list = status?.[key];
    return Array.isArray(list) ? (list as AppliedStatus[]) : [];
  };
  const applied = (e: AppliedStatus) =>
    Array.isArray(e.condition) &&
    e.condition.some((c) => c?.type === "Applied" && c.status === "True");
  const allApplied = (key: string) => entries(key).length > 0 && entries(key).every(applied);
  return (
    allApplied("clusterRoles") &&
    allApplied("clusterRoleBindings") &&
    adminIn.every((ns) => entries("roleBindings").some((e) => e.namespace === ns && applied(e)))
  );
}

/** Properties of the tenant's ManagedServiceAccount on one cluster. */
interface ManagedServiceAccountProps extends NamespacedProps {
  /** Its name, and that of the ServiceAccount the addon makes on the cluster. */
  readonly name: string;
}

/**
 * A ManagedServiceAccount: the addon makes the ServiceAccount on the cluster
 * and reports its token, rotated.
 */
function managedServiceAccount(props: ManagedServiceAccountProps): KubeObject {
  return {
    apiVersion: OCM_AUTH_API_VERSION,
    kind: "ManagedServiceAccount",
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    spec: { rotation: { enabled: true, validity: TOKEN_VALIDITY } },
  };
}

/** Properties of the tenant's ClusterPermission on one cluster. */
interface ClusterPermissionProps extends NamespacedProps {
  /** The ManagedServiceAccount it grants to; the ClusterPermission has its name. */
  readonly serviceAccount: string;
  /** The namespaces on the cluster where the service account is admin; may be empty. */
  readonly adminIn: string[];
}

/**
 * Read-only inventory access cluster-wide, and admin in the tenant's
 * namespaces, for the tenant's service account.
 */
function clusterPermission(props: ClusterPermissionProps): KubeObject {
  const { serviceAccount: name, adminIn } = props;
  const subject = { apiGroup: OCM_AUTH_GROUP, kind: "ManagedServiceAccount", name };
  return {
    apiVersion: OCM_RBAC_API_VERSION,
    kind: "ClusterPermission",
    metadata: { name, namespace: props.namespace, labels: props.labels },
    spec: {
      clusterRole: { rules: INVENTORY_RULES },
      clusterRoleBinding: { subject },
      ...(adminIn.length
        ? {
            roleBindings: adminIn.map((namespace) => ({
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

/** Properties of a cluster's Provider and its Secret in the tenant namespace. */
interface ClusterProviderProps extends NamespacedProps {
  /** Name of both, as the MTV integration names them: `<cluster>-mtv`. */
  readonly name: string;
  /** The cluster's API server URL. */
  readonly url: string;
}

/** Properties of a cluster's Provider Secret. */
interface ProviderSecretProps extends ClusterProviderProps {
  /** The service account's token, base64 as the token Secret holds it. */
  readonly token: string;
  /** The CAs the Provider trusts for the API server, base64 PEM. */
  readonly caBundle: string;
}

/**
 * The Secret a cluster's Provider reads: URL, token, CA, and insecureSkipVerify "false". The
 * CA goes under cacert, the one key both Forklift 2.11 and 2.12 read (pkg/lib/client/openshift
 * RestCfg: 2.11 reads cacert, 2.12 ca.crt, then cacert).
 */
function providerSecret(props: ProviderSecretProps): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: props.name,
      namespace: props.namespace,
      labels: withLabels(props.labels, {
        createdForProviderType: "openshift",
        createdForResourceType: "providers",
      }),
    },
    type: "Opaque",
    data: {
      cacert: props.caBundle,
      insecureSkipVerify: b64("false"),
      token: props.token,
      url: b64(props.url),
    },
  };
}

/** A managed cluster as a Forklift Provider of type openshift. */
function clusterProvider(props: ClusterProviderProps): KubeObject {
  const { name, namespace } = props;
  return {
    apiVersion: FORKLIFT_API_VERSION,
    kind: "Provider",
    metadata: { name, namespace, labels: props.labels },
    spec: { type: "openshift", url: props.url, secret: { name, namespace } },
  };
}
