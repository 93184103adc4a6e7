// Migration sources of a VDC for Forklift (Migration Toolkit for
// Virtualization): per source a Provider, a NetworkMap and a StorageMap into
// the VDC, plus one destination Provider for this cluster. A source is composed
// only once the tenant's credentials Secret holds the keys its type needs;
// the Secret is read for its key names, never for its credentials.
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import type { Composed, KubeObject, Refusal, XRCondition } from "../compose.js";
import { compareText, isConditionTrue } from "../compose.js";
import { LABEL_TYPE, MAX_LISTED, nameList } from "../names.js";
import { asDesired, secretKeys, withLabels, type NamespacedProps } from "../k8s.js";
import {
  DESTINATION_PROVIDER,
  type MigrationSourceSpec,
  type MigrationSourceType,
  type VDCSpec,
} from "./api.js";

export const FORKLIFT_API_VERSION = "forklift.konveyor.io/v1beta1";

/**
 * The Forklift objects a Plan into this VDC names; deterministic so the
 * VirtualMachine composer can reference them.
 */
export interface MigrationNames {
  /** Namespace of all of them: the VDC's own. */
  namespace: string;
  sourceProvider: string;
  destinationProvider: string;
  networkMap: string;
  storageMap: string;
}

export function migrationNames(vdc: string, source: string): MigrationNames {
  return {
    namespace: vdc,
    sourceProvider: source,
    destinationProvider: DESTINATION_PROVIDER,
    networkMap: `${source}-network`,
    storageMap: `${source}-storage`,
  };
}

/** Composition resource names. */
export const sourceProviderKey = (source: string) => `migration-provider-${source}`;
export const networkMapKey = (source: string) => `migration-networkmap-${source}`;
export const storageMapKey = (source: string) => `migration-storagemap-${source}`;
export const DESTINATION_KEY = "migration-destination";
/** Requirement key of a source's credentials Secret. */
export const secretRequirementKey = (source: string) => `secret-${source}`;

/** Requirement key of the Forklift Plans in the VDC namespace. */
export const PLANS_KEY = "migration-plans";

/**
 * Each source's credentials Secret, in the VDC namespace; and, while the VDC
 * has or had sources, every Forklift Plan in the VDC namespace, so a source a
 * running migration uses is not deleted under it. Every Plan, not only those
 * our VirtualMachines compose: a tenant may plan a migration by hand or in the
 * MTV console, against the same Provider.
 */
export function migrationRequirements(
  ns: string,
  spec: VDCSpec,
  status: Record<string, unknown> = {},
): Record<string, ResourceSelector> {
  const secrets = spec.migration.sources.map((s): [string, ResourceSelector] => [
    secretRequirementKey(s.name),
    { apiVersion: "v1", kind: "Secret", namespace: ns, matchName: s.secretRef.name },
  ]);
  const had = ((status.migration as { sources?: unknown } | undefined)?.sources ?? []) as unknown[];
  const plans: [string, ResourceSelector][] =
    spec.migration.sources.length || had.length
      ? [
          [
            PLANS_KEY,
            {
              apiVersion: FORKLIFT_API_VERSION,
              kind: "Plan",
              namespace: ns,
              matchLabels: { labels: {} },
            },
          ],
        ]
      : [];
  return Object.fromEntries([...secrets, ...plans]);
}

/** A Plan Forklift is done with: it succeeded, failed or was canceled, or it was archived. */
function planFinished(plan: KubeObject): boolean {
  if ((plan.spec as { archived?: unknown } | undefined)?.archived === true) return true;
  return ["Succeeded", "Failed", "Canceled"].some((t) => isConditionTrue(plan, t));
}

/**
 * Names of the unfinished Plans that migrate from the source Provider `provider` in namespace `ns`.
 */
function plansUsing(plans: KubeObject[], provider: string, ns: string): string[] {
  return plans
    .filter((p) => {
      const source = (
        p.spec as { provider?: { source?: { name?: unknown; namespace?: unknown } } } | undefined
      )?.provider?.source;
      // A reference without a namespace means the Plan's own.
      const sourceNs = source?.namespace || p.metadata?.namespace;
      return source?.name === provider && sourceNs === ns && !planFinished(p);
    })
    .map((p) => String(p.metadata?.name ?? ""))
    .sort();
}

/** Forklift reads the insecureSkipVerify flag with Go's strconv.ParseBool: these spell true. */
const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);

/**
 * Whether a Secret's flag is true as Forklift reads it (pkg/controller/base/controller.go
 * GetInsecureSkipVerifyFlag: strconv.ParseBool, no trimming; anything else is false). The one
 * value ever read from a credentials Secret: a switch, not a credential; compared, never copied
 * or reported.
 */
export function secretFlag(secret: KubeObject, key: string): boolean {
  const raw = (secret.stringData as Record<string, unknown> | undefined)?.[key];
  if (typeof raw === "string") return GO_TRUE.has(raw);
  const b64 = (secret.data as Record<string, unknown> | undefined)?.[key];
  return typeof b64 === "string" && GO_TRUE.has(Buffer.from(b64, "base64").toString("utf8"));
}

/** Keys of a Secret with a non-empty value (its length is looked at, never its content). */
function filledKeys(secret: KubeObject): Set<string> {
  const filled = (v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.entries(v).filter(([, value]) => typeof value === "string" && value !== "")
      : [];
  return new Set([...filled(secret.data), ...filled(secret.stringData)].map(([k]) => k));
}

/**
 * The CA keys Forklift reads (pkg/lib/util/util.go GetCACert): "ca.crt", else the deprecated
 * "cacert", either counting only when non-empty. 2.12 reads both; 2.11 reads "cacert" only.
 */
export const CA_KEYS = ["ca.crt", "cacert"] as const;

const q = (k: string) => `"${k}"`;
const anyOf = (keys: Set<string>, ...alts: string[]) => alts.some((a) => keys.has(a));

/**
 * What a Secret lacks for a source type, as Forklift 2.11 and 2.12 validate it
 * (pkg/controller/provider/validation.go): one entry per missing key, or per missing choice of
 * keys; empty when complete. vSphere and oVirt need a CA unless insecureSkipVerify is true.
 */
export function missingCredentials(type: MigrationSourceType, secret: KubeObject): string[] {
  const keys = secretKeys(secret);
  const need = (...all: string[]) => all.filter((k) => !keys.has(k)).map(q);
  const needCA = () =>
    secretFlag(secret, "insecureSkipVerify") || anyOf(filledKeys(secret), ...CA_KEYS)
      ? []
      : [`"ca.crt" or "cacert" (unless insecureSkipVerify is "true")`];
  switch (type) {
    case "openshift":
      return need("token");
    case "vsphere":
    case "ovirt":
      return [...need("user", "password"), ...needCA()];
    case "ova":
      return need("url");
    case "openstack": {
      // An application credential stands on its own: its secret plus its ID, or
      // its name with the user it belongs to.
      if (
        keys.has("applicationCredentialSecret") &&
        (keys.has("applicationCredentialID") ||
          (keys.has("applicationCredentialName") && anyOf(keys, "userID", "username")))
      )
        return [];
      const missing = need("username", "password");
      if (!anyOf(keys, "projectName", "projectID")) missing.push(`"projectName" or "projectID"`);
      if (!anyOf(keys, "userDomainName", "userDomainID"))
        missing.push(`"userDomainName" or "userDomainID"`);
      return missing;
    }
  }
}

const ALTERNATIVES: Partial<Record<MigrationSourceType, string>> = {
  openstack:
    '; or, instead, an application credential: "applicationCredentialSecret" with ' +
    '"applicationCredentialID", or with "applicationCredentialName" and "userID" or ' +
    '"username"',
};

export interface MigrationInput {
  vdc: string;
  ns: string;
  labels: Record<string, string>;
  spec: VDCSpec;
  observed: Record<string, KubeObject>;
  required: Record<string, KubeObject[]>;
}

export interface MigrationOutput {
  resources: Record<string, Composed>;
  status: { migration?: { destinationProvider: string; sources: unknown[] } };
  conditions: XRCondition[];
}

export function composeMigration(input: MigrationInput): Refusal | MigrationOutput {
  const { vdc, ns, spec, observed, required } = input;
  const sources = spec.migration.sources;
  const resources: Record<string, Composed> = {};
  const statuses: Record<string, unknown>[] = [];

  // Sources that left the spec while a migration still runs from them: their Provider and maps
  // stay as they are until every Plan using them is done, then go.
  const inSpec = new Set(sources.map((s) => s.name));
  const plans = required[PLANS_KEY] ?? [];
  const kept: { name: string; plans: string[] }[] = [];
  const providerPrefix = sourceProviderKey("");
  for (const key in observed) {
    if (!key.startsWith(providerPrefix) || key === providerPrefix) continue;
    const name = key.slice(providerPrefix.length);
    if (inSpec.has(name)) continue;
    const using = plansUsing(plans, name, ns);
    if (!using.length) continue;
    kept.push({ name, plans: using });
    for (const key of [sourceProviderKey(name), networkMapKey(name), storageMapKey(name)]) {
      const keptObject = observed[key];
      if (keptObject) resources[key] = forkliftComposed(asDesired(keptObject), keptObject);
    }
  }
  kept.sort((a, b) => compareText(a.name, b.name));
  const keptStatuses = kept.map((keptSource) => {
    const provider = observed[sourceProviderKey(keptSource.name)]!;
    const names = migrationNames(vdc, keptSource.name);
    const providerType = (provider.spec as { type?: unknown } | undefined)?.type;
    return {
      name: keptSource.name,
      type: typeof providerType === "string" ? providerType : "",
      ready: isConditionTrue(provider, "Ready"),
      connected: isConditionTrue(provider, "ConnectionTestSucceeded"),
      networkMap: names.networkMap,
      storageMap: names.storageMap,
      keptFor: keptSource.plans,
    };
  });
  const protectedCondition: XRCondition = kept.length
    ? {
        type: "MigrationSourcesProtected",
        status: "True",
        reason: "KeptForRunningMigrations",
        message:
          `Removed from spec.migration.sources but kept while migrations from them ` +
          `run: ${nameList(
            kept.map(
              (keptSource) =>
                `${keptSource.name} ` +
                `(Plan${keptSource.plans.length > 1 ? "s" : ""} ${nameList(keptSource.plans)})`,
            ),
            MAX_LISTED,
            "; ",
          )}`,
      }
    : {
        type: "MigrationSourcesProtected",
        status: "False",
        reason: "NoneKept",
        message: "No migration source is kept against the spec",
      };

  if (sources.length === 0) {
    if (!kept.length) return { resources: {}, status: {}, conditions: [] };
    const destination = observed[DESTINATION_KEY];
    if (destination)
      resources[DESTINATION_KEY] = forkliftComposed(asDesired(destination), destination);
    return {
      resources,
      status: { migration: { destinationProvider: DESTINATION_PROVIDER, sources: keptStatuses } },
      conditions: [protectedCondition],
    };
  }
  const labels = withLabels(input.labels, { [LABEL_TYPE]: "migration" });
  const waiting: string[] = [];
  const notReady: string[] = [];

  for (const [i, source] of sources.entries()) {
    const field = `spec.migration.sources[${i}]`;
    const names = migrationNames(vdc, source.name);
    const namedSecret = `Secret ${ns}/${source.secretRef.name}`;
    const secret = required[secretRequirementKey(source.name)]?.[0];
    const sourceStatus = (
      ready: boolean,
      connected: boolean,
      more: { phase?: string; waiting?: string },
    ) => ({
      name: source.name,
      type: source.type,
      networkMap: names.networkMap,
      storageMap: names.storageMap,
      ready,
      connected,
      phase: more.phase,
      waiting: more.waiting,
    });
    if (!secret) {
      // A Provider that exists is not dropped for want of its Secret: Fatal keeps it and says why.
      if (observed[sourceProviderKey(source.name)]) {
        return {
          fatal:
            `VDC ${vdc}: ${field}.secretRef.name: ${namedSecret} no longer exists; restore ` +
            `it, or remove the source to delete its Provider`,
          reason: "WaitingForDependency",
        };
      }
      // A new source waits: the tenant can only create the Secret once the VDC namespace exists.
      const why = `waiting for ${namedSecret}: create it with the ${source.type} credentials`;
      waiting.push(`${source.name} (${why})`);
      statuses.push(sourceStatus(false, false, { waiting: why }));
      continue;
    }
    const missing = missingCredentials(source.type, secret);
    if (missing.length) {
      return {
        fatal:
          `VDC ${vdc}: ${field} (${source.name}): ${namedSecret} lacks the ` +
          `key${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, which ${source.type} ` +
          `providers need${ALTERNATIVES[source.type] ?? ""}`,
        reason: "WaitingForDependency",
      };
    }
    const provider = observed[sourceProviderKey(source.name)];
    resources[sourceProviderKey(source.name)] = forkliftComposed(
      sourceProvider({ namespace: ns, labels, source }),
      provider,
    );
    resources[networkMapKey(source.name)] = forkliftComposed(
      networkMap({ namespace: ns, labels, names, source }),
      observed[networkMapKey(source.name)],
    );
    resources[storageMapKey(source.name)] = forkliftComposed(
      storageMap({ namespace: ns, labels, names, source, storageClass: spec.backend.storageClass }),
      observed[storageMapKey(source.name)],
    );
    const phase = (provider?.status as { phase?: unknown } | undefined)?.phase;
    const ready = isConditionTrue(provider, "Ready");
    if (!ready) notReady.push(source.name);
    statuses.push(
      sourceStatus(ready, isConditionTrue(provider, "ConnectionTestSucceeded"), {
        phase: typeof phase === "string" ? phase : undefined,
      }),
    );
  }
  resources[DESTINATION_KEY] = forkliftComposed(
    destinationProvider({ namespace: ns, labels }),
    observed[DESTINATION_KEY],
  );

  const condition: XRCondition = waiting.length
    ? {
        type: "MigrationSourcesReady",
        status: "False",
        reason: "WaitingForDependency",
        message: `Not composed yet: ${waiting.join("; ")}`,
      }
    : notReady.length
      ? {
          type: "MigrationSourcesReady",
          status: "False",
          reason: "ProvidersNotReady",
          message:
            `Forklift has not validated and connected the providers ` + `of: ${nameList(notReady)}`,
        }
      : {
          type: "MigrationSourcesReady",
          status: "True",
          reason: "ProvidersReady",
          message: `${sources.length} source(s) ready`,
        };
  return {
    resources,
    status: {
      migration: {
        destinationProvider: DESTINATION_PROVIDER,
        sources: [...statuses, ...keptStatuses],
      },
    },
    conditions: [condition, protectedCondition],
  };
}

/**
 * Forklift's Provider and maps report a Ready condition once validated (and,
 * for providers, connected).
 */
function forkliftComposed(resource: KubeObject, observed: KubeObject | undefined): Composed {
  return { resource, ready: isConditionTrue(observed, "Ready") };
}

/** Properties of a source's Provider. */
interface SourceProviderProps extends NamespacedProps {
  /** The spec.migration.sources entry: name, type, URL, credentials Secret, settings. */
  readonly source: MigrationSourceSpec;
}

/** The Forklift Provider of a source, with the tenant's credentials Secret in the VDC namespace. */
function sourceProvider(props: SourceProviderProps): KubeObject {
  const { namespace, source } = props;
  return {
    apiVersion: FORKLIFT_API_VERSION,
    kind: "Provider",
    metadata: { name: source.name, namespace, labels: props.labels },
    spec: {
      type: source.type,
      url: source.url,
      secret: { name: source.secretRef.name, namespace },
      settings: Object.keys(source.settings).length
        ? Object.fromEntries(Object.entries(source.settings).sort(([a], [b]) => compareText(a, b)))
        : undefined,
    },
  };
}

/**
 * This cluster as Forklift's destination: type openshift with an empty URL,
 * which needs no credentials.
 */
function destinationProvider(props: NamespacedProps): KubeObject {
  return {
    apiVersion: FORKLIFT_API_VERSION,
    kind: "Provider",
    metadata: { name: DESTINATION_PROVIDER, namespace: props.namespace, labels: props.labels },
    spec: { type: "openshift", url: "", secret: {} },
  };
}

function providers(ns: string, names: MigrationNames) {
  return {
    source: { name: names.sourceProvider, namespace: ns },
    destination: { name: names.destinationProvider, namespace: ns },
  };
}

/** Properties of a source's NetworkMap and StorageMap. */
interface MigrationMapProps extends NamespacedProps {
  /** The names of the source's Forklift objects. */
  readonly names: MigrationNames;
  /** The spec.migration.sources entry, with its network and storage map. */
  readonly source: MigrationSourceSpec;
}

/**
 * The NetworkMap of a source: its networks onto the pod network or the VDC's own Multus networks.
 */
function networkMap(props: MigrationMapProps): KubeObject {
  const { namespace, names } = props;
  return {
    apiVersion: FORKLIFT_API_VERSION,
    kind: "NetworkMap",
    metadata: { name: names.networkMap, namespace, labels: props.labels },
    spec: {
      provider: providers(namespace, names),
      map: props.source.networkMap.map((m) => ({
        source: m.source,
        // Multus networks come from the VDC's own namespace only: a tenant
        // cannot attach VMs to another's network.
        destination:
          m.destination.type === "multus"
            ? { type: "multus", name: m.destination.name, namespace }
            : { type: m.destination.type },
      })),
    },
  };
}

/** Properties of a source's StorageMap. */
interface StorageMapProps extends MigrationMapProps {
  /**
   * The StorageClass of entries that name none: spec.backend.storageClass.
   * @default - none: then the spec requires every entry to name one
   */
  readonly storageClass?: string;
}

/** The StorageMap of a source: its datastores onto the VDC's StorageClasses. */
function storageMap(props: StorageMapProps): KubeObject {
  const { namespace, names } = props;
  return {
    apiVersion: FORKLIFT_API_VERSION,
    kind: "StorageMap",
    metadata: { name: names.storageMap, namespace, labels: props.labels },
    spec: {
      provider: providers(namespace, names),
      map: props.source.storageMap.map((m) => ({
        source: m.source,
        // The spec refuses an entry without a class when the VDC has no
        // default, so one of the two is set.
        destination: {
          storageClass: m.storageClass ?? props.storageClass,
          accessMode: m.accessMode || undefined,
          volumeMode: m.volumeMode || undefined,
        },
      })),
    },
  };
}
