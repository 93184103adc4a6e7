// NetworkPolicy builders, after cdk8s-plus: one props object per policy and
// factories named for what they select, so a call site reads as the rule it
// makes (`Peer.pods({ namespace: Namespaces.named("cdi"), pods: ... })`,
// `NetworkPolicyPort.tcp(8080)`). Types are kubernetes-models' own.
import { isIP } from "node:net";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
// Types only, so the version's index (every networking.k8s.io/v1 model) is not loaded at run time.
import type {
  INetworkPolicyEgressRule,
  INetworkPolicyIngressRule,
  INetworkPolicyPeer,
  INetworkPolicyPort,
} from "kubernetes-models/networking.k8s.io/v1";
import type { KubeObject } from "./compose.js";
import { build, type NamespacedProps } from "./k8s.js";
import { memo } from "./memo.js";
import type { PlatformSettings } from "./platform.js";

/** A label selector, as a NetworkPolicy takes it. */
export type ILabelSelector = NonNullable<INetworkPolicyPeer["podSelector"]>;

/** The label Kubernetes sets on every namespace to its own name. */
export const NAME_LABEL = "kubernetes.io/metadata.name";

export const NetworkPolicyPort = {
  tcp: (port: number): INetworkPolicyPort => ({ protocol: "TCP", port }),
  udp: (port: number): INetworkPolicyPort => ({ protocol: "UDP", port }),
  /** Each port over UDP, then over TCP (DNS answers over both). */
  udpAndTcp: (ports: readonly number[]): INetworkPolicyPort[] => [
    ...ports.map(NetworkPolicyPort.udp),
    ...ports.map(NetworkPolicyPort.tcp),
  ],
};

export const Namespaces = {
  /** One namespace, by the label Kubernetes sets on it. */
  named: (name: string): ILabelSelector => ({ matchLabels: { [NAME_LABEL]: name } }),
  /** Any of these namespaces, by the same label. */
  anyOf: (names: readonly string[]): ILabelSelector => ({
    matchExpressions: [{ key: NAME_LABEL, operator: "In", values: [...names] }],
  }),
  /** Namespaces carrying all these labels. */
  select: (labels: Readonly<Record<string, string>>): ILabelSelector => ({
    matchLabels: { ...labels },
  }),
};

export const Pods = {
  /** Every pod of the namespace. */
  all: (): ILabelSelector => ({}),
  /** Pods carrying all these labels. */
  select: (labels: Readonly<Record<string, string>>): ILabelSelector => ({
    matchLabels: { ...labels },
  }),
  /** Pods whose label `key` is one of `values`. */
  anyOf: (key: string, values: readonly string[]): ILabelSelector => ({
    matchExpressions: [{ key, operator: "In", values: [...values] }],
  }),
};

export const Peer = {
  /** Pods in the policy's own namespace (`pods` omitted: all of them). */
  sameNamespace: (pods: ILabelSelector = Pods.all()): INetworkPolicyPeer => ({ podSelector: pods }),
  /** Pods in the namespaces `namespace` selects (`pods` omitted: all of them). */
  pods: (p: { namespace: ILabelSelector; pods?: ILabelSelector }): INetworkPolicyPeer =>
    p.pods
      ? { namespaceSelector: p.namespace, podSelector: p.pods }
      : { namespaceSelector: p.namespace },
  /** Addresses in a CIDR. */
  ipBlock: (cidr: string): INetworkPolicyPeer => ({ ipBlock: { cidr } }),
};

export interface NetworkPolicyProps extends NamespacedProps {
  /** metadata.name of the NetworkPolicy. */
  readonly name: string;
  /** The pods it selects; default: every pod of the namespace. */
  readonly podSelector?: ILabelSelector;
  /**
   * Directions it isolates the selected pods in; default: each direction that
   * has rules. A direction listed without rules denies it.
   */
  readonly policyTypes?: readonly ("Ingress" | "Egress")[];
  /** Traffic allowed in; a rule without `from` admits any source. */
  readonly ingress?: readonly INetworkPolicyIngressRule[];
  /** Traffic allowed out; a rule without `to` allows any destination. */
  readonly egress?: readonly INetworkPolicyEgressRule[];
}

export function networkPolicy(props: NetworkPolicyProps): KubeObject {
  const types = props.policyTypes ?? [
    ...(props.ingress ? (["Ingress"] as const) : []),
    ...(props.egress ? (["Egress"] as const) : []),
  ];
  return build(NetworkPolicy, {
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    spec: {
      podSelector: props.podSelector ?? Pods.all(),
      policyTypes: [...types],
      ingress: props.ingress ? [...props.ingress] : undefined,
      egress: props.egress ? [...props.egress] : undefined,
    },
  });
}

export interface BaselineProps extends NamespacedProps {
  /** Where the cluster DNS pods run and listen. */
  readonly dns: PlatformSettings["dns"];
}

/**
 * The policies every isolated namespace starts from: deny all, then open its own namespace and DNS.
 */
export function baselinePolicies(p: BaselineProps): Record<string, KubeObject> {
  const common = { namespace: p.namespace, labels: p.labels };
  return {
    "netpol-default-deny": networkPolicy({
      name: "default-deny",
      policyTypes: ["Ingress", "Egress"],
      ...common,
    }),
    "netpol-allow-same-namespace": networkPolicy({
      name: "allow-same-namespace",
      ingress: [{ from: [Peer.sameNamespace()] }],
      egress: [{ to: [Peer.sameNamespace()] }],
      ...common,
    }),
    "netpol-allow-dns": networkPolicy({
      name: "allow-dns",
      egress: [
        {
          to: [
            Peer.pods({
              namespace: Namespaces.named(p.dns.namespace),
              pods: Pods.select(p.dns.podLabels),
            }),
          ],
          ports: NetworkPolicyPort.udpAndTcp(p.dns.ports),
        },
      ],
      ...common,
    }),
  };
}

/**
 * Where a URL points: its host and port (the URL's own port, or its scheme's: http 80, https 443).
 * Memoised, and so frozen: a VDC names the same few URLs on every reconcile.
 */
export const urlEndpoint = memo(endpointOf, 1024);

function endpointOf(url: string): Readonly<{ host: string; port: number }> | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const port = u.port
    ? Number(u.port)
    : u.protocol === "https:"
      ? 443
      : u.protocol === "http:"
        ? 80
        : undefined;
  // Port 0 parses but is no port a policy can name.
  return port === undefined || port < 1 || !u.hostname
    ? undefined
    : Object.freeze({ host: u.hostname, port });
}

/** A destination of egress: a host (name or IP literal) and a TCP port. */
export interface Destination {
  readonly host?: string;
  readonly port: number;
}

/**
 * The single-address CIDR of an IP literal (as URL.hostname gives it, IPv6 in
 * brackets), else "". Memoised as urlEndpoint is: isIP runs two regular expressions.
 */
const ipCidr = memo((host: string): string => {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const v = isIP(bare);
  return v === 4 ? `${bare}/32` : v === 6 ? `${bare}/128` : "";
}, 1024);

/**
 * Egress rules to these destinations over TCP. NetworkPolicy has no
 * hostnames: a host that is an IP literal becomes an ipBlock of that one
 * address; a hostname (or no host) opens its port to any address, because what
 * it resolves to is not known here and may change. Rules come out sorted and
 * without duplicates: ports to any address first, then one rule per address.
 */
export function egressTo(destinations: readonly Destination[]): INetworkPolicyEgressRule[] {
  const anywhere = new Set<number>();
  const byAddress = new Map<string, Set<number>>();
  for (const d of destinations) {
    const cidr = d.host === undefined ? "" : ipCidr(d.host);
    if (cidr === "") anywhere.add(d.port);
    else {
      const ports = byAddress.get(cidr) ?? new Set<number>();
      ports.add(d.port);
      byAddress.set(cidr, ports);
    }
  }
  const tcp = (ports: Set<number>) =>
    [...ports].sort((a, b) => a - b).map((p) => NetworkPolicyPort.tcp(p));
  const rules: INetworkPolicyEgressRule[] = [];
  if (anywhere.size) rules.push({ ports: tcp(anywhere) });
  for (const cidr of [...byAddress.keys()].sort()) {
    // A port already open to any address needs no rule of its own.
    const ports = new Set([...byAddress.get(cidr)!].filter((p) => !anywhere.has(p)));
    if (ports.size) rules.push({ to: [Peer.ipBlock(cidr)], ports: tcp(ports) });
  }
  return rules;
}
