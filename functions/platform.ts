// Platform settings: what differs from cluster to cluster (where DNS and the
// operators run, who scrapes metrics), read from one Crossplane
// EnvironmentConfig named `crossvdc` that every composer needing it asks for as
// a required resource. Its `data.platform` picks a preset (kubernetes or
// openshift); any other field given overrides that field of the preset. No
// EnvironmentConfig means the kubernetes preset, so a cluster without one
// composes what crossvdc always composed.
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import { z } from "zod";
import { dnsLabel, MAX_LIST } from "./api.js";
import { fieldPath, type KubeObject, type Refusal } from "./compose.js";
import { parseCached } from "./parse.js";

export const PLATFORM_CONFIG_API_VERSION = "apiextensions.crossplane.io/v1beta1";
export const PLATFORM_CONFIG_KIND = "EnvironmentConfig";
export const PLATFORM_CONFIG_NAME = "crossvdc";
/** Requirement key of the EnvironmentConfig. */
export const PLATFORM_KEY = "platform";

/**
 * The EnvironmentConfig, by name: Crossplane answers with it, or with nothing
 * when it does not exist.
 */
export function platformRequirement(): Record<string, ResourceSelector> {
  return {
    [PLATFORM_KEY]: {
      apiVersion: PLATFORM_CONFIG_API_VERSION,
      kind: PLATFORM_CONFIG_KIND,
      matchName: PLATFORM_CONFIG_NAME,
    },
  };
}

// Label syntax as the API server checks it (k8s.io/apimachinery
// validation.IsQualifiedName, IsValidLabelValue).
const LABEL_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]";
export const LABEL_KEY = new RegExp(
  `^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${LABEL_NAME}$`,
);
export const LABEL_VALUE = new RegExp(`^(${LABEL_NAME})?$`);

const namespaceName = (description: string) => dnsLabel(description);
const port = z.number().int().min(1).max(65535).meta({ description: "A port number (1-65535)." });
const labels = z
  .record(
    z.string().max(317).regex(LABEL_KEY, { message: "must be a label key such as k8s-app" }),
    z.string().max(63).regex(LABEL_VALUE, { message: "must be a label value" }),
  )
  .refine((m) => Object.keys(m).length > 0, { message: "must name at least one label" });
/** A namespace name, or a prefix pattern `name*` (a DNS-1123 label without its end, then `*`). */
const reservedPattern = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$|^[a-z0-9][-a-z0-9]*\*$/, {
    message: "must be a namespace name or a prefix pattern such as openshift-*",
  });

/** The ClusterImageCatalog crossvdc ships (package/postgres/), the default of both presets. */
export const IMAGE_CATALOG = "crossvdc-postgresql";

export const PLATFORMS = ["kubernetes", "openshift"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The settings as the EnvironmentConfig's `data` states them: every field optional. */
export const platformData = z
  .strictObject({
    platform: z
      .enum(PLATFORMS)
      .optional()
      .meta({
        description:
          "The preset every other field defaults to: kubernetes (upstream installs; the " +
          "default) or openshift.",
      }),
    dns: z
      .strictObject({
        namespace: namespaceName("Namespace of the cluster DNS pods.").optional(),
        podLabels: labels
          .optional()
          .meta({ description: "Labels that select the cluster DNS pods in that namespace." }),
        ports: z
          .array(port)
          .min(1)
          .max(8)
          .optional()
          .meta({
            description:
              "Ports the DNS pods listen on (the pod's port, not the Service's: policies " +
              "see the pod), allowed over UDP and TCP.",
          }),
      })
      .optional()
      .meta({ description: "The cluster DNS pods every isolated namespace may query." }),
    operators: z
      .strictObject({
        cnpg: namespaceName("Namespace of the CloudNativePG operator.").optional(),
        forklift: namespaceName(
          "Namespace of Forklift (Migration Toolkit for Virtualization).",
        ).optional(),
        cdi: namespaceName("Namespace of the Containerized Data Importer (CDI).").optional(),
      })
      .optional()
      .meta({ description: "Namespaces the operators run in, to let them into isolated VDCs." }),
    monitoring: z
      .strictObject({
        namespace: namespaceName(
          "Namespace of the Prometheus that scrapes tenants' metrics. Leave it out " +
            "(monitoring: {}) for none.",
        ).optional(),
      })
      .optional()
      .meta({
        description:
          "Where the Prometheus that scrapes tenants runs; without a namespace there is " +
          "no scrape path.",
      }),
    reservedNamespaces: z
      .array(reservedPattern)
      .max(MAX_LIST)
      .optional()
      .meta({
        description:
          "Names and prefix patterns (name*) refused as tenant or VDC namespaces, on top " +
          "of the built-in ones.",
      }),
    postgres: z
      .strictObject({
        imageCatalog: dnsLabel(
          "ClusterImageCatalog the databases' PostgreSQL images come from, by major version " +
            `(default ${IMAGE_CATALOG}, shipped with crossvdc).`,
        ).optional(),
      })
      .optional()
      .meta({ description: "PostgreSQL settings." }),
    clusterSet: dnsLabel(
      "The ManagedClusterSet a VDC's clusterSelector chooses from, bound to the VDC's " +
        "namespace (default: default).",
    ).optional(),
    clusters: z
      .record(
        dnsLabel("Name of the ManagedCluster (Open Cluster Management)."),
        z
          .strictObject({
            providerConfigRef: z
              .strictObject({
                name: dnsLabel("Name of the ClusterProviderConfig."),
              })
              .meta({
                description:
                  "The provider-kubernetes ClusterProviderConfig (kubernetes.m.crossplane.io) " +
                  "that reaches the cluster's API server.",
              }),
          })
          .meta({ description: "How crossvdc delivers objects to one member cluster." }),
      )
      .optional()
      .meta({
        description:
          "Member clusters VDCs may be placed on (VDC spec.placement), by ManagedCluster name. " +
          "A VDC placed on a cluster not listed here is refused.",
      }),
  })
  .meta({
    description:
      `data of the EnvironmentConfig ${PLATFORM_CONFIG_NAME} ` +
      `(${PLATFORM_CONFIG_API_VERSION}): crossvdc's platform settings. Every field is ` +
      `optional; a field given overrides the preset's.`,
  });
export type PlatformData = z.output<typeof platformData>;

/** Settings with every field resolved: the preset, then what the EnvironmentConfig gives. */
export interface PlatformSettings {
  readonly platform: Platform;
  readonly dns: {
    readonly namespace: string;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly ports: readonly number[];
  };
  readonly operators: { readonly cnpg: string; readonly forklift: string; readonly cdi: string };
  /** Absent: no Prometheus scrapes tenants, so no scrape path is opened. */
  readonly monitoring?: { readonly namespace: string };
  readonly reservedNamespaces: readonly string[];
  readonly postgres: { readonly imageCatalog: string };
  /** The ManagedClusterSet a VDC's spec.placement.clusterSelector chooses from. */
  readonly clusterSet: string;
  /** Member clusters by ManagedCluster name: the ClusterProviderConfig that reaches each. */
  readonly clusters: Readonly<Record<string, { readonly providerConfigRef: { name: string } }>>;
}

export const PRESETS: Readonly<Record<Platform, PlatformSettings>> = {
  // Upstream installs: kube-dns's CoreDNS pods (label kept by kubeadm and most
  // distributions), each operator's own manifests or Helm chart namespace.
  kubernetes: {
    platform: "kubernetes",
    dns: { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, ports: [53] },
    operators: { cnpg: "cnpg-system", forklift: "konveyor-forklift", cdi: "cdi" },
    reservedNamespaces: [],
    postgres: { imageCatalog: IMAGE_CATALOG },
    clusterSet: "default",
    clusters: {},
  },
  // OpenShift: the DNS operator's DaemonSet (openshift/cluster-dns-operator
  // assets/dns/daemonset.yaml) listens on 5353 behind the Service's 53;
  // OperatorHub installs CloudNativePG in openshift-operators, MTV in
  // openshift-mtv, OpenShift Virtualization (and its CDI) in openshift-cnv;
  // the user-workload Prometheus scrapes user namespaces.
  openshift: {
    platform: "openshift",
    dns: {
      namespace: "openshift-dns",
      podLabels: { "dns.operator.openshift.io/daemonset-dns": "default" },
      ports: [5353],
    },
    operators: { cnpg: "openshift-operators", forklift: "openshift-mtv", cdi: "openshift-cnv" },
    monitoring: { namespace: "openshift-user-workload-monitoring" },
    reservedNamespaces: ["openshift", "openshift-*"],
    postgres: { imageCatalog: IMAGE_CATALOG },
    clusterSet: "default",
    clusters: {},
  },
};

/** The preset, with each field the data gives on top. */
export function resolveSettings(data: PlatformData): PlatformSettings {
  const p = PRESETS[data.platform ?? "kubernetes"];
  const monitoring = data.monitoring
    ? data.monitoring.namespace
      ? { namespace: data.monitoring.namespace }
      : undefined
    : p.monitoring;
  return {
    platform: p.platform,
    dns: {
      namespace: data.dns?.namespace ?? p.dns.namespace,
      podLabels: data.dns?.podLabels ?? p.dns.podLabels,
      ports: data.dns?.ports ?? p.dns.ports,
    },
    operators: {
      cnpg: data.operators?.cnpg ?? p.operators.cnpg,
      forklift: data.operators?.forklift ?? p.operators.forklift,
      cdi: data.operators?.cdi ?? p.operators.cdi,
    },
    ...(monitoring ? { monitoring } : {}),
    reservedNamespaces: data.reservedNamespaces ?? p.reservedNamespaces,
    postgres: { imageCatalog: data.postgres?.imageCatalog ?? p.postgres.imageCatalog },
    clusterSet: data.clusterSet ?? p.clusterSet,
    clusters: data.clusters ?? p.clusters,
  };
}

/**
 * Resolved once per parsed value: parseCached hands back the same frozen object for the same data.
 */
const resolved = new WeakMap<PlatformData, PlatformSettings>();

/**
 * The platform settings from the required EnvironmentConfig, or a Fatal
 * message naming the field that is wrong. Crossplane fetched it by name, so
 * whatever it answered with is ours; no answer means the kubernetes preset.
 */
export function platformSettings(
  required: Record<string, KubeObject[]>,
): { settings: PlatformSettings } | Refusal {
  const config = required[PLATFORM_KEY]?.[0];
  if (!config || config.data === undefined) return { settings: PRESETS.kubernetes };
  const data = config.data;
  const what = `${PLATFORM_CONFIG_KIND} ${PLATFORM_CONFIG_NAME}`;
  if (data === null || typeof data !== "object" || Array.isArray(data))
    // The XR is not at fault: what it needs, the platform's settings, is unusable.
    return { fatal: `${what}: data: must be an object`, reason: "WaitingForDependency" };
  const parsed = parseCached(platformData, data, PLATFORM_CONFIG_NAME);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // An unknown field is named itself, so a misspelt setting is found, not silently ignored.
    const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
    const message = issue.code === "unrecognized_keys" ? "unknown setting" : issue.message;
    return {
      fatal: `${what}: ${fieldPath(["data", ...path])}: ${message}`,
      reason: "WaitingForDependency",
    };
  }
  let settings = resolved.get(parsed.data);
  if (!settings) resolved.set(parsed.data, (settings = resolveSettings(parsed.data)));
  return { settings };
}

/** Where `npm run generate` writes the JSON Schema of `data`. */
export const PLATFORM_SCHEMA_FILE = "package/platform/settings.schema.json";

/**
 * The JSON Schema of the EnvironmentConfig's `data` (draft-07, as most editors
 * and validators read it).
 */
export function platformJsonSchema(): Record<string, unknown> {
  return {
    $comment: "Generated by `npm run generate` from functions/platform.ts; do not edit.",
    ...(z.toJSONSchema(platformData, { io: "input", target: "draft-7" }) as Record<
      string,
      unknown
    >),
  };
}
