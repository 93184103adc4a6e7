// Namespaces a Tenant or VDC may compose. Crossplane applies a composed Namespace with
// server-side apply and force ownership: a namespace of that name that already exists is
// adopted, whatever it holds, and deleted with the XR. So before composing one, a composer
// refuses a name that belongs to the platform, and asks Crossplane for the namespace by name:
// one that exists without crossvdc's labels for this very Tenant or VDC is someone else's, and
// is refused saying how to hand it over. Every refusal is a Fatal: nothing is applied.
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import type { KubeObject, Refusal } from "./compose.js";
import { LABEL_TENANT, LABEL_TYPE, LABEL_VDC, MAX_LISTED, MAX_NAME } from "./names.js";
import type { PlatformSettings } from "./platform.js";

/** Requirement key of the namespace the XR composes, asked for by name. */
export const NAMESPACE_KEY = "namespace";

/** The namespace by name: Crossplane answers with it, or with nothing when it does not exist. */
export function namespaceRequirement(name: string): Record<string, ResourceSelector> {
  return { [NAMESPACE_KEY]: { apiVersion: "v1", kind: "Namespace", matchName: name } };
}

/** Every Tenant's home namespace is `tenant-<name>`. */
export const TENANT_NAMESPACE_PREFIX = "tenant-";

export function tenantNamespace(tenant: string): string {
  return `${TENANT_NAMESPACE_PREFIX}${tenant}`;
}

/** A namespace name or `prefix*` pattern, and the rule a refusal names. */
interface Reserved {
  readonly pattern: string;
  readonly rule: string;
}

/**
 * Namespaces of every cluster: Kubernetes' own (default, kube-system, kube-public,
 * kube-node-lease and any kube-* to come), OpenShift's (openshift, openshift-*), and Crossplane's
 * where its Helm chart installs it (elsewhere: add it to reservedNamespaces).
 */
const BUILT_IN: readonly Reserved[] = [
  { pattern: "default", rule: "default: Kubernetes' default namespace" },
  { pattern: "kube-*", rule: "kube-*: Kubernetes' own namespaces" },
  { pattern: "openshift*", rule: "openshift*: OpenShift's own namespaces" },
  { pattern: "crossplane-system", rule: "crossplane-system: Crossplane's namespace" },
];

const SETTING = "of the platform settings";

/** The built-in names, then those of the platform settings, each with its rule. */
function reservedOf(s: PlatformSettings): Reserved[] {
  const out = [...BUILT_IN];
  const add = (pattern: string, rule: string) => out.push({ pattern, rule });
  add(s.dns.namespace, `dns.namespace ${SETTING}: the cluster DNS`);
  add(s.operators.cnpg, `operators.cnpg ${SETTING}: the CloudNativePG operator`);
  add(s.operators.forklift, `operators.forklift ${SETTING}: Forklift`);
  add(s.operators.cdi, `operators.cdi ${SETTING}: CDI`);
  if (s.monitoring)
    add(s.monitoring.namespace, `monitoring.namespace ${SETTING}: the Prometheus of tenants`);
  for (const p of s.reservedNamespaces) add(p, `reservedNamespaces ${SETTING}: ${p}`);
  return out;
}

function matches(name: string, pattern: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

export interface NamespaceProps {
  /** The XR's kind: Tenant or VDC. */
  readonly kind: "Tenant" | "VDC";
  /** The XR's name. */
  readonly name: string;
  /** The namespace it composes: tenant-<name> for a Tenant, its name for a VDC. */
  readonly namespace: string;
  /** The labels it puts on the namespace that say whose it is (tenant, type, and vdc). */
  readonly owner: Readonly<Record<string, string>>;
  readonly settings: PlatformSettings;
  /** Crossplane's answer to NAMESPACE_KEY: the namespace, or nothing when it does not exist. */
  readonly found: readonly KubeObject[] | undefined;
}

/** The labels that say whose a namespace is, in the order a refusal lists them. */
const OWNERSHIP_LABELS = [LABEL_TENANT, LABEL_TYPE, LABEL_VDC] as const;

/**
 * Why the XR may not compose its namespace, if it may not: the name belongs to the platform
 * (InvalidSpec), or the namespace exists without crossvdc's labels for this very XR (Conflict).
 * A namespace crossvdc created carries them, so it keeps working; one that does not exist yet
 * is composed.
 */
export function namespaceRefusal(p: NamespaceProps): Refusal | undefined {
  const what = `${p.kind} ${p.name}`;
  // A VDC's namespace is its name: tenant-<x> could be Tenant x's home, made now or later.
  if (p.kind === "VDC" && p.namespace.startsWith(TENANT_NAMESPACE_PREFIX))
    return {
      fatal:
        `${what}: metadata.name: must not start with "${TENANT_NAMESPACE_PREFIX}": namespace ` +
        `${p.namespace} is the home of a Tenant ` +
        `${p.namespace.slice(TENANT_NAMESPACE_PREFIX.length)} (every Tenant's is ` +
        `${TENANT_NAMESPACE_PREFIX}<name>), so a VDC so named could take it; pick another name`,
      reason: "InvalidSpec",
    };
  const adopt = `composing it would adopt it, with all it holds, and delete it with the ${p.kind}`;
  const reserved = reservedOf(p.settings).find((r) => matches(p.namespace, r.pattern));
  if (reserved)
    return {
      fatal:
        `${what}: metadata.name: namespace ${p.namespace} belongs to the platform ` +
        `(${reserved.rule}); ${adopt}, so it is refused: pick another name`,
      reason: "InvalidSpec",
    };
  const existing = p.found?.find((o) => o.metadata?.name === p.namespace);
  if (!existing) return undefined;
  const other = notOwned(existing, p.owner);
  if (!other) return undefined;
  return {
    fatal:
      `${what}: metadata.name: namespace ${p.namespace} exists and crossvdc did not create it ` +
      `for ${what} (${other.whose}); ${adopt}. To hand it over, label it (kubectl label ` +
      `namespace ${p.namespace} ${other.label} --overwrite): crossvdc then manages it and ` +
      `deletes it with the ${p.kind}. Or pick another name`,
    reason: "Conflict",
  };
}

/** Why an existing namespace is not the XR's (`whose`), and the labels that would make it so. */
interface NotOwned {
  readonly whose: string;
  /** `k=v k=v`: the ownership labels, as `kubectl label` takes them. */
  readonly label: string;
}

/** How an existing namespace is someone else's, or undefined when it carries `owner`'s labels. */
function notOwned(
  existing: KubeObject,
  owner: Readonly<Record<string, string>>,
): NotOwned | undefined {
  const labels: Record<string, unknown> = existing.metadata?.labels ?? {};
  const keys = OWNERSHIP_LABELS.filter((k) => k in owner);
  const wrong = keys.filter((k) => labels[k] !== owner[k]);
  if (wrong.length === 0) return undefined;
  const holder = labels[LABEL_TENANT];
  const whose =
    typeof holder === "string" && holder !== owner[LABEL_TENANT]
      ? `it is labelled for tenant ${JSON.stringify(holder.slice(0, MAX_NAME))}`
      : `it lacks ${wrong.map((k) => `${k}=${owner[k]}`).join(", ")}`;
  const label = keys.map((k) => `${k}=${owner[k]}`).join(" ");
  return { whose, label };
}

/** The label a tool that manages a namespace puts on it (Helm, Argo CD, an operator). */
const MANAGED_BY = "app.kubernetes.io/managed-by";

/** Who else a namespace names as its holder: its managed-by label and its owners. */
function holders(ns: KubeObject): string {
  const out: string[] = [];
  const by = ns.metadata?.labels?.[MANAGED_BY];
  if (typeof by === "string" && by !== "")
    out.push(`${MANAGED_BY}=${JSON.stringify(by.slice(0, MAX_NAME))}`);
  const refs = ns.metadata?.ownerReferences;
  if (Array.isArray(refs))
    for (const r of (refs as { kind?: unknown; name?: unknown }[]).slice(0, MAX_LISTED))
      if (typeof r?.kind === "string" && typeof r.name === "string")
        out.push(
          `owned by ${r.kind.slice(0, MAX_NAME)} ${JSON.stringify(r.name.slice(0, MAX_NAME))}`,
        );
  return out.length ? `; ${out.join(", ")}` : "";
}

/** Properties of `memberNamespaceRefusal()`. */
export interface MemberNamespaceProps {
  /** The VDC, whose name its namespace has. */
  readonly vdc: string;
  /** The member cluster it is to be delivered to. */
  readonly cluster: string;
  /** The field that chose the cluster: spec.placement.cluster or .clusterSelector. */
  readonly field: string;
  /** The labels the VDC puts on its namespace that say whose it is (tenant, type, vdc). */
  readonly owner: Readonly<Record<string, string>>;
  /** The namespace of that name as read on the cluster (functions/probe.ts). */
  readonly found: KubeObject;
}

/**
 * Why a placed VDC may not deliver its namespace to the member cluster: one of that name exists
 * there without crossvdc's labels for this VDC (Conflict), which a provider-kubernetes Object
 * would adopt (server-side apply) and delete with the VDC, as `namespaceRefusal` says on the hub.
 */
export function memberNamespaceRefusal(p: MemberNamespaceProps): Refusal | undefined {
  const other = notOwned(p.found, p.owner);
  if (!other) return undefined;
  const what = `VDC ${p.vdc}`;
  return {
    fatal:
      `${what}: ${p.field}: namespace ${p.vdc} exists on cluster ${p.cluster} and crossvdc ` +
      `did not create it for ${what} (${other.whose}${holders(p.found)}); delivering the VDC ` +
      `there would adopt it, with all it holds, and delete it with the VDC. To hand it over, ` +
      `label it on cluster ${p.cluster} (kubectl label namespace ${p.vdc} ${other.label} ` +
      `--overwrite): crossvdc then manages it and deletes it with the VDC. Or place the VDC ` +
      `on another cluster`,
    reason: "Conflict",
  };
}
