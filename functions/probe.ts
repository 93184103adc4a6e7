// Reading what exists on a member cluster before delivering to it (issue 20, "nothing lost").
// The function cannot read a member cluster, and a provider-kubernetes Object applies its
// manifest with server-side apply, so it would silently adopt an object of the same name that
// someone else made there (a namespace, a PVC) and delete it with the VDC. A probe is an
// observe-only Object (managementPolicies [Observe]) that reads the object and reports whether
// it exists and what it is; it never creates, changes or deletes it, and deleting the probe
// deletes nothing (its policies hold no Delete).
//
// What a probe reports, as `probed()` reads it:
// - the object exists: provider-kubernetes gets it by apiVersion, kind, name and namespace and
//   writes it to status.atProvider.manifest (crossplane-contrib/provider-kubernetes 350ef9a,
//   internal/controller/namespaced/object/object.go, Observe and setAtProvider); an Object
//   without Create or Update is up to date (handleObservation), so crossplane-runtime marks it
//   Synced True, ReconcileSuccess (pkg/reconciler/managed/reconciler.go, 4e7ed23, the
//   `observation.ResourceUpToDate` branch).
// - the object is absent: Observe returns ResourceExists false on NotFound; an observe-only
//   resource then gets Synced False, reason ReconcileError, message
//   `errors.Wrap(errors.New(errExternalResourceNotExist), errReconcileObserve)`, that is
//   "observe failed: external resource does not exist" (reconciler.go, `if
//   !observation.ResourceExists && policy.ShouldOnlyObserve()`; pkg/errors Wrap is
//   fmt.Errorf("%s: %w"); crossplane/crossplane apis/core/v2/condition.go ReconcileError).
// - anything else (not reconciled yet, management policies disabled in the provider, no
//   ClusterProviderConfig, a cluster out of reach): unknown. A manifest left in status by an
//   earlier observation is not trusted then: it may be stale.
import { createHash } from "node:crypto";
import type { KubeObject } from "./compose.js";
import { memberKey, PROBE_KEY_PREFIX, wrapObject } from "./placement.js";

/** Longest name of a custom resource such as an Object: a DNS-1123 subdomain. */
const MAX_SUBDOMAIN = 253;

/** The message crossplane-runtime gives an observe-only resource whose object does not exist. */
export const NOT_EXIST_MESSAGE = "observe failed: external resource does not exist";

/** What a probe reads: an object on a member cluster, by the fields the provider gets it by. */
export interface ProbeTarget {
  readonly apiVersion: string;
  /** A kind of the core group or with a name no other probed kind has (see `probeName`). */
  readonly kind: string;
  readonly name: string;
  /** Namespaced objects only: the VDC's namespace, the probe's own (see `probeObject`). */
  readonly namespace?: string;
}

/** Properties of `probeKey()`. */
export interface ProbeKeyProps {
  /** The ManagedCluster read. */
  readonly cluster: string;
  readonly kind: string;
  readonly name: string;
}

/**
 * The composition resource name of a probe: `<cluster>/probe-<kind>-<name>`, kind lowercased
 * (`east/probe-namespace-acme-dev`). It never equals a key `placeResources` makes,
 * `memberKey(cluster, key)`: no composer key starts with `probe-` (they are constants and
 * `<constant>-<name>`: rolebinding-, database-, netpol-, ...), and `unwrapObserved` leaves
 * probes out of what the composers read. Injective: a cluster (a DNS label) holds no `/`, a
 * kind no `-`, so the first `/` and the first `-` after `probe-` split it back.
 */
export function probeKey(p: ProbeKeyProps): string {
  return memberKey(p.cluster, `${PROBE_KEY_PREFIX}${p.kind.toLowerCase()}-${p.name}`);
}

/** Properties of `probeName()`. */
export interface ProbeNameProps {
  readonly cluster: string;
  readonly kind: string;
  readonly name: string;
}

/**
 * The name of a probe's Object: `probe.<cluster>.<kind>.<name>`, kind lowercased
 * (`probe.east.namespace.acme-dev`). An Object's name is a DNS-1123 subdomain, which may hold
 * `.`; the name `wrapObject` gives (dnsName: `<cluster>-<kind>-<name>`, a DNS label) never
 * does, so no probe shares a name with a wrapped object, whatever the cluster or target names
 * (rule 2 of functions/names.ts: the parts are joined with a separator they cannot contain).
 * Injective in (cluster, kind, name): a cluster (a DNS label) and a kind hold no `.`, so the
 * first three dots split the name back; the target's name may hold dots, it comes last.
 * Kinds are told apart by their lowercased name, unique in an API group (the API server's
 * singular resource name); a VDC's probes read core kinds.
 * Past 253 characters (a target name over ~160) the name is cut to
 * `probe.<cluster>.<kind>-<head>-<16 hex digits>`: two dots where an uncut name has three or
 * more, so none equals an uncut one, and 64 bits of SHA-256 keep cut names apart.
 */
export function probeName(p: ProbeNameProps): string {
  const kind = p.kind.toLowerCase();
  const full = `probe.${p.cluster}.${kind}.${p.name}`;
  if (full.length <= MAX_SUBDOMAIN) return full;
  const hash = createHash("sha256")
    .update(`${p.cluster}\u0000${kind}\u0000${p.name}`)
    .digest("hex")
    .slice(0, 16);
  const start = `probe.${p.cluster}.${kind}-`;
  const head = p.name
    .replace(/\./g, "-")
    .slice(0, MAX_SUBDOMAIN - start.length - hash.length - 1)
    .replace(/-+$/, "");
  return head ? `${start}${head}-${hash}` : `${start}${hash}`;
}

/** Properties of `probeObject()`. */
export interface ProbeProps {
  /** The object to read. */
  readonly target: ProbeTarget;
  /** The ManagedCluster it is read on. */
  readonly cluster: string;
  /** The ClusterProviderConfig that reaches that cluster. */
  readonly providerConfig: string;
  /** The hub namespace the Object lives in: the VDC's. */
  readonly namespace: string;
  /** The Object's labels: the composer's, never input. */
  readonly labels: Record<string, string>;
}

/**
 * The observe-only Object that reads `target` on `cluster` (see the top of this file), named by
 * `probeName`. A namespaced target is read in the probe's own namespace, the VDC's, which is its
 * namespace on the member cluster too: every probe of a hub namespace reads there or at cluster
 * scope, so kind and name tell them apart. Another namespace is a composer bug: it throws.
 */
export function probeObject(p: ProbeProps): KubeObject {
  const t = p.target;
  if (t.namespace !== undefined && t.namespace !== p.namespace)
    throw new Error(
      `probeObject: ${t.kind} ${t.namespace}/${t.name} is not in the probe's namespace ` +
        `${p.namespace}`,
    );
  const o = wrapObject({
    manifest: {
      apiVersion: t.apiVersion,
      kind: t.kind,
      metadata: { name: t.name, ...(t.namespace !== undefined ? { namespace: t.namespace } : {}) },
    },
    cluster: p.cluster,
    providerConfig: p.providerConfig,
    namespace: p.namespace,
    labels: p.labels,
    observeOnly: true,
  });
  // wrapObject names the Object that would deliver the target: a probe's name differs.
  (o.metadata ??= {}).name = probeName({ cluster: p.cluster, kind: t.kind, name: t.name });
  return o;
}

/** What a probe says about its target. */
export type Probed =
  | { readonly state: "absent" }
  | { readonly state: "present"; readonly object: KubeObject }
  | { readonly state: "unknown" };

interface Condition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
}

/**
 * What the observed probe Object says (see the top of this file): absent only on the exact
 * condition crossplane-runtime sets for an observe-only resource whose object does not exist;
 * present only when the last reconcile succeeded and the manifest read is in status; else
 * unknown, including a probe not observed yet.
 */
export function probed(observed: KubeObject | undefined): Probed {
  const status = observed?.status as
    { conditions?: unknown; atProvider?: { manifest?: unknown } } | undefined;
  const conditions = Array.isArray(status?.conditions) ? (status.conditions as Condition[]) : [];
  const synced = conditions.find((c) => c?.type === "Synced");
  if (
    synced?.status === "False" &&
    synced.reason === "ReconcileError" &&
    synced.message === NOT_EXIST_MESSAGE
  )
    return { state: "absent" };
  const manifest = status?.atProvider?.manifest;
  if (
    synced?.status === "True" &&
    manifest !== null &&
    typeof manifest === "object" &&
    !Array.isArray(manifest)
  )
    return { state: "present", object: manifest as KubeObject };
  return { state: "unknown" };
}
