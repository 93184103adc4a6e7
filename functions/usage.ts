// Deletion protection by Crossplane's own mechanism: a Usage (namespaced XR) or ClusterUsage
// (cluster-scoped XR) whose `of` is the XR itself and whose `reason` says what deleting it would
// take and how to lift the protection. As read in crossplane/crossplane (master, 2d040d2):
// - apis/protection/v1beta1 (CRDs in ../shared/crds): `of` needs resourceRef or resourceSelector,
//   the spec `by` or `reason`; `of` without `by` must stay in the Usage's namespace (ours does).
// - internal/controller/protection/usage/reconciler.go: the usage controller labels the `of`
//   object crossplane.io/in-use=true and marks the Usage Ready (Available). When the Usage is
//   deleted and has no `by`, it takes the label off (no other Usage left) and lets it go.
// - cluster/webhookconfigurations/usage.yaml and internal/webhook/protection/usage/handler.go:
//   every DELETE of an object so labelled is asked; the handler finds Usages by an index of
//   of.apiVersion's group, kind, resourceRef.name and namespace (internal/protection/usage/
//   finder.go) and refuses with 409 and `This resource is in-use by 1 usage(s), including the
//   *v1beta1.ClusterUsage "crossvdc-vdc-acme-prod" with reason: "<reason>".` So `of` names the
//   XR by resourceRef: the index holds only names, a selector is resolved into one later.
//
// Who composes it: the XR it protects. The Usage is deleted with its XR, but a delete of the XR is
// refused for as long as the Usage exists, so that never happens while it protects; when the XR
// stops composing it (the protection lifted), Crossplane deletes it, the usage controller takes
// the in-use label off the XR, and the next delete goes through. No `by`: a composed Usage with
// `by` waits for that resource to be gone before it goes, which would never end for the XR itself.
// No `replayDeletion`: lifting a protection never deletes anything by itself; deleting is asked
// again. A Fatal result returns the desired state as it came, so a refused spec keeps its Usage.
import { API_VERSION } from "./api.js";
import { isConditionTrue, type Composed, type KubeObject } from "./compose.js";
import { prefixedName } from "./names.js";

export const USAGE_API_VERSION = "protection.crossplane.io/v1beta1";
/** The composition resource name of the Usage protecting an XR. */
export const USAGE_KEY = "deletion-protection";
/** The custom condition every protectable XR reports. */
export const PROTECTION_CONDITION = "DeletionProtected";
/** Names listed in a refusal before "and N more", so it stays readable at any scale. */
const MAX_LISTED = 10;

/** `a, b, c` or `a, ..., j and 5 more`. */
export function listed(names: readonly string[]): string {
  const head = names.slice(0, MAX_LISTED).join(", ");
  return names.length > MAX_LISTED ? `${head} and ${names.length - MAX_LISTED} more` : head;
}

export interface UsageProps {
  /** The XR's kind: VDC or Tenant (a ClusterUsage), VirtualMachine (a Usage in its namespace). */
  readonly kind: "Tenant" | "VDC" | "VirtualMachine";
  readonly name: string;
  /** The XR's namespace, for a namespaced XR. */
  readonly namespace?: string;
  readonly labels: Record<string, string>;
  /** What deleting the XR would take and how to lift the protection; the API server quotes it. */
  readonly reason: string;
  readonly observed: KubeObject | undefined;
}

/** The Usage of the XR itself; ready once the usage controller reports it Ready (XR in use). */
export function selfUsage(p: UsageProps): Composed {
  const of = { apiVersion: API_VERSION, kind: p.kind, resourceRef: { name: p.name } };
  const resource: KubeObject = {
    apiVersion: USAGE_API_VERSION,
    kind: p.namespace === undefined ? "ClusterUsage" : "Usage",
    metadata: {
      // Cut only after a double dash (names.ts, rule 6): a ClusterUsage's name is unique in the
      // whole cluster, and no other XR's name can be made to equal it.
      name: prefixedName(`crossvdc-${p.kind.toLowerCase()}`, p.name),
      ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
      labels: p.labels,
    },
    spec: { of, reason: p.reason },
  };
  return { resource, ready: isConditionTrue(p.observed, "Ready") };
}
