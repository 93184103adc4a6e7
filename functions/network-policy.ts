// NetworkPolicy builders, after cdk8s-plus: one props object per policy and
// factories named for what they select, so a call site reads as the rule it
// makes (`Peer.pods({ namespace: Namespaces.named("cdi"), pods: ... })`,
// `NetworkPolicyPort.tcp(8080)`). Types are kubernetes-models' own.
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyEgressRule } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule";
import type { INetworkPolicyIngressRule } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort";
import type { KubeObject } from "./compose.js";
import { build, type NamespacedProps } from "./k8s.js";
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

/** The policies every isolated namespace starts from: deny all, then open its own namespace and DNS. */
export function baselinePolicies(p: BaselineProps): Record<string, KubeObject> {
  const common = { namespace: p.namespace, labels: p.labels };
  return {
    "netpol-default-deny": networkPolicy({
      ...common,
      name: "default-deny",
      policyTypes: ["Ingress", "Egress"],
    }),
    "netpol-allow-same-namespace": networkPolicy({
      ...common,
      name: "allow-same-namespace",
      ingress: [{ from: [Peer.sameNamespace()] }],
      egress: [{ to: [Peer.sameNamespace()] }],
    }),
    "netpol-allow-dns": networkPolicy({
      ...common,
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
    }),
  };
}
