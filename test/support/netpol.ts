// A NetworkPolicy evaluator, so tests state the flows a cluster would allow or
// drop instead of looking for a policy by name. Standard semantics
// (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
//  - a pod is isolated for egress (ingress) once any policy in its namespace
//    selects it and lists Egress (Ingress) in its policyTypes; policyTypes left
//    out means Ingress, plus Egress when the policy has egress rules;
//  - a flow is allowed when the source may send it (not isolated for egress, or
//    some egress rule of a policy selecting it matches) and the destination may
//    receive it (likewise for ingress); rules are a union, never subtracted;
//  - a rule matches when one of its peers matches (no peers: any) and one of
//    its ports does (no ports: any);
//  - a peer's podSelector alone means pods of the policy's namespace; with a
//    namespaceSelector, pods of those namespaces; an ipBlock matches addresses
//    (its except carved out). Addresses outside the cluster are never isolated.
import type { KubeObject } from "../../functions/compose.js";

export interface Namespace {
  name: string;
  /** Labels besides kubernetes.io/metadata.name, which every namespace carries. */
  labels?: Record<string, string>;
}

/** A pod (its labels and namespace), or an address outside the cluster. */
export type Endpoint =
  { pod: Record<string, string>; namespace: Namespace; ip?: string } | { ip: string };

export interface Flow {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Port {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: Port[];
}
interface PolicySpec {
  podSelector: Selector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

export function matchesSelector(sel: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    const ok =
      e.operator === "In"
        ? has && (e.values ?? []).includes(value!)
        : e.operator === "NotIn"
          ? !has || !(e.values ?? []).includes(value!)
          : e.operator === "Exists"
            ? has
            : e.operator === "DoesNotExist"
              ? !has
              : fail(`unknown selector operator ${e.operator}`);
    if (!ok) return false;
  }
  return true;
}

function fail(message: string): never {
  throw new Error(message);
}

const nsLabels = (ns: Namespace) => ({ ...ns.labels, "kubernetes.io/metadata.name": ns.name });

/** An address as a bigint and its width in bits (32 for IPv4, 128 for IPv6). */
function address(ip: string): [bigint, number] {
  if (ip.includes(":")) {
    const [head, tail] = ip.split("::") as [string, string | undefined];
    const h = head ? head.split(":") : [];
    const t = tail ? tail.split(":") : [];
    const groups =
      tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
    if (groups.length !== 8) fail(`not an IPv6 address: ${ip}`);
    return [groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n), 128];
  }
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)))
    fail(`not an IPv4 address: ${ip}`);
  return [parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n), 32];
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/") as [string, string];
  const [a, width] = address(ip);
  const [b, bWidth] = address(base);
  if (width !== bWidth) return false;
  const shift = BigInt(width - Number(bits));
  return a >> shift === b >> shift;
}

function peerMatches(peer: Peer, policyNs: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    if (!other.ip) return false;
    return (
      inCidr(other.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip!, c))
    );
  }
  if (!("pod" in other)) return false; // pod and namespace selectors select pods only
  const nsOk = peer.namespaceSelector
    ? matchesSelector(peer.namespaceSelector, nsLabels(other.namespace))
    : other.namespace.name === policyNs;
  return nsOk && (!peer.podSelector || matchesSelector(peer.podSelector, other.pod));
}

function portMatches(p: Port, port: number, protocol: string): boolean {
  if ((p.protocol ?? "TCP") !== protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === "string") fail(`named port ${p.port}: the evaluator knows no pod specs`);
  return p.endPort === undefined ? port === p.port : port >= p.port && port <= p.endPort;
}

function ruleMatches(
  rule: Rule,
  peers: Peer[] | undefined,
  policyNs: string,
  other: Endpoint,
  flow: Flow,
) {
  const protocol = flow.protocol ?? "TCP";
  const peerOk = !peers?.length || peers.some((p) => peerMatches(p, policyNs, other));
  const portOk = !rule.ports?.length || rule.ports.some((p) => portMatches(p, flow.port, protocol));
  return peerOk && portOk;
}

function typesOf(spec: PolicySpec): string[] {
  return spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
}

/**
 * Whether `self` may send (Egress) or receive (Ingress) the flow, by the policies of its namespace.
 */
function side(
  policies: KubeObject[],
  direction: "Ingress" | "Egress",
  self: Endpoint,
  other: Endpoint,
  flow: Flow,
): boolean {
  if (!("pod" in self)) return true; // outside the cluster: no policy applies
  const selecting = policies.filter(
    (p) =>
      p.kind === "NetworkPolicy" &&
      p.metadata?.namespace === self.namespace.name &&
      typesOf(p.spec as PolicySpec).includes(direction) &&
      matchesSelector((p.spec as PolicySpec).podSelector, self.pod),
  );
  if (!selecting.length) return true;
  return selecting.some((p) => {
    const spec = p.spec as PolicySpec;
    const rules = (direction === "Egress" ? spec.egress : spec.ingress) ?? [];
    return rules.some((r) =>
      ruleMatches(r, direction === "Egress" ? r.to : r.from, self.namespace.name, other, flow),
    );
  });
}

/** Whether the policies let the flow through: out of its source and into its destination. */
export function allowed(policies: KubeObject[], flow: Flow): boolean {
  return (
    side(policies, "Egress", flow.from, flow.to, flow) &&
    side(policies, "Ingress", flow.to, flow.from, flow)
  );
}

/** A flow as one line, for test names. */
export function describeFlow(f: Flow): string {
  const end = (e: Endpoint) =>
    "pod" in e
      ? `${e.namespace.name}/{${Object.entries(e.pod)
          .map(([k, v]) => `${k}=${v}`)
          .join(",")}}`
      : e.ip;
  return `${end(f.from)} -> ${end(f.to)}:${f.port}/${f.protocol ?? "TCP"}`;
}
