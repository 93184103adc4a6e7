// Typed builders for the core Kubernetes objects Tenants and VDCs share. The
// types come from kubernetes-models, so a misspelt field fails to compile.
import { Namespace } from "kubernetes-models/v1/Namespace";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import type { ISubject } from "kubernetes-models/rbac.authorization.k8s.io/v1/Subject";
import type { Composed, KubeObject } from "./compose.js";
import { build, merged } from "./speed.js";

/**
 * Composers build their objects with build(), typed by a kubernetes-models
 * class (speed.ts says how).
 */
export { build };

/** `labels` and `more` in one new map. Label keys are ours, never input. */
export function withLabels(
  labels: Record<string, string>,
  more: Record<string, string>,
): Record<string, string> {
  return merged(labels, more);
}

/** Properties of a namespaced object a composer makes: where it lives and how it is labelled. */
export interface NamespacedProps {
  /** metadata.namespace: the XR's own namespace (a VDC's, a tenant's). */
  readonly namespace: string;
  /**
   * metadata.labels: the composer's labels (crossvdc.io/tenant, crossvdc.io/vdc, ...), never input.
   */
  readonly labels: Record<string, string>;
}

/** Properties of `namespace()`. */
export interface NamespaceProps {
  /** metadata.name: the namespace's name. */
  readonly name: string;
  /** metadata.labels. */
  readonly labels: Record<string, string>;
  /**
   * The namespace as observed, for its readiness.
   * @default - not yet created: not ready
   */
  readonly observed?: KubeObject;
}

/** A Namespace, ready once Active: Terminating or missing is not ready. */
export function namespace(props: NamespaceProps): Composed {
  const { name, labels } = props;
  const resource = build(Namespace, { metadata: { name, labels } });
  const phase = (props.observed?.status as { phase?: unknown } | undefined)?.phase;
  return { resource, ready: phase === "Active" };
}

/**
 * The phase of a namespace-owning XR: Failed while its namespace terminates
 * (something deleted it), Ready when every composed resource is, else Pending.
 */
export function namespacePhase(
  resources: Record<string, Composed>,
  observedNamespace: KubeObject | undefined,
): "Pending" | "Ready" | "Failed" {
  if ((observedNamespace?.status as { phase?: unknown } | undefined)?.phase === "Terminating")
    return "Failed";
  for (const k in resources) if (!resources[k]!.ready) return "Pending";
  return "Ready";
}

/** Anything without a status of its own is ready once it exists. */
export function existing(resource: KubeObject, observed: KubeObject | undefined): Composed {
  return { resource, ready: observed !== undefined };
}

export interface Subjects {
  groups: string[];
  users: string[];
}

/** Subjects in spec order, groups first; duplicates dropped so the list is exact. */
export function subjectsOf(...lists: Subjects[]): ISubject[] {
  const seen = new Set<string>();
  const out: ISubject[] = [];
  for (const kind of ["Group", "User"] as const) {
    for (const l of lists) {
      for (const name of kind === "Group" ? l.groups : l.users) {
        const k = `${kind}/${name}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push({ apiGroup: "rbac.authorization.k8s.io", kind, name });
      }
    }
  }
  return out;
}

/** Properties of `roleBinding()`. */
export interface RoleBindingProps extends NamespacedProps {
  /** metadata.name of the RoleBinding. */
  readonly name: string;
  /** The ClusterRole granted in the namespace: `admin`, `edit` or `view`. */
  readonly clusterRole: string;
  /** Who is granted it, as `subjectsOf()` lists them. */
  readonly subjects: ISubject[];
}

/** A RoleBinding that grants a ClusterRole in one namespace. */
export function roleBinding(props: RoleBindingProps): KubeObject {
  return build(RoleBinding, {
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    roleRef: {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: props.clusterRole,
    },
    subjects: props.subjects,
  });
}

const SERVER_SET = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "ownerReferences",
  "finalizers",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "selfLink",
];

/**
 * An observed object as desired state: what it is, without its status and the
 * metadata the server sets.
 */
export function asDesired(obj: KubeObject): KubeObject {
  const out = structuredClone(obj);
  delete out.status;
  const md = { ...(out.metadata ?? {}) };
  for (const k of SERVER_SET) delete md[k];
  if (md.annotations) {
    const { ["kubectl.kubernetes.io/last-applied-configuration"]: _, ...rest } = md.annotations;
    md.annotations = rest;
  }
  out.metadata = md;
  return out;
}

/**
 * The key names of a Secret, as the API returns it (data) or as a manifest may
 * state it (stringData).
 */
export function secretKeys(secret: KubeObject): Set<string> {
  const names = (v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : [];
  return new Set([...names(secret.data), ...names(secret.stringData)]);
}
