// The NetworkPolicy evaluator the network-path tests rely on, held to the
// textbook cases of the Kubernetes documentation's NetworkPolicy page.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { allowed, inCidr, type Flow } from "./support/netpol.js";

const policy = (namespace: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "p", namespace },
  spec,
});
const ns = (name: string, labels: Record<string, string> = {}) => ({ name, labels });
const web = { pod: { app: "web" }, namespace: ns("prod") };
const db = { pod: { app: "db" }, namespace: ns("prod") };
const other = { pod: { app: "web" }, namespace: ns("dev", { team: "a" }) };
const tcp = (from: Flow["from"], to: Flow["to"], port: number): Flow => ({ from, to, port });

const denyAll = policy("prod", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
const dbFromWeb = policy("prod", {
  podSelector: { matchLabels: { app: "db" } },
  ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 5432 }] }],
});

const cases: { reason: string; policies: KubeObject[]; flow: Flow; want: boolean }[] = [
  {
    reason: "no policy: everything is allowed",
    policies: [],
    flow: tcp(web, db, 5432),
    want: true,
  },
  {
    reason: "a policy selecting no pod isolates nothing",
    policies: [policy("prod", { podSelector: { matchLabels: { app: "none" } }, ingress: [] })],
    flow: tcp(web, db, 5432),
    want: true,
  },
  {
    reason: "default deny both ways blocks traffic inside the namespace",
    policies: [denyAll],
    flow: tcp(web, db, 5432),
    want: false,
  },
  {
    reason: "policyTypes left out with only ingress rules isolates ingress alone",
    policies: [dbFromWeb],
    flow: tcp(db, web, 80),
    want: true,
  },
  {
    reason: "an ingress rule admits the selected peer on its port",
    policies: [dbFromWeb],
    flow: tcp(web, db, 5432),
    want: true,
  },
  {
    reason: "but not on another port",
    policies: [dbFromWeb],
    flow: tcp(web, db, 22),
    want: false,
  },
  {
    reason: "a podSelector peer alone means the policy's own namespace",
    policies: [dbFromWeb],
    flow: tcp(other, db, 5432),
    want: false,
  },
  {
    reason: "allowed traffic is the union: an ingress allow on top of deny-all still needs egress",
    policies: [denyAll, dbFromWeb],
    flow: tcp(web, db, 5432),
    want: false,
  },
  {
    reason: "with an egress allow as well, the flow passes both ends",
    policies: [
      denyAll,
      dbFromWeb,
      policy("prod", {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Egress"],
        egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }],
      }),
    ],
    flow: tcp(web, db, 5432),
    want: true,
  },
  {
    reason: "namespaceSelector and podSelector in one peer: both must match (AND)",
    policies: [
      policy("prod", {
        podSelector: {},
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { team: "a" } },
                podSelector: { matchLabels: { app: "api" } },
              },
            ],
          },
        ],
      }),
    ],
    flow: tcp(other, db, 5432),
    want: false,
  },
  {
    reason: "the same selectors as two peers: either may match (OR)",
    policies: [
      policy("prod", {
        podSelector: {},
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { team: "a" } } },
              { podSelector: { matchLabels: { app: "api" } } },
            ],
          },
        ],
      }),
    ],
    flow: tcp(other, db, 5432),
    want: true,
  },
  {
    reason: "every namespace carries kubernetes.io/metadata.name",
    policies: [
      policy("prod", {
        podSelector: {},
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: "kubernetes.io/metadata.name", operator: "In", values: ["dev"] },
                  ],
                },
              },
            ],
          },
        ],
      }),
    ],
    flow: tcp(other, db, 5432),
    want: true,
  },
  {
    reason: "an egress rule without peers allows any destination on its ports",
    policies: [
      policy("prod", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ ports: [{ protocol: "TCP", port: 443 }] }],
      }),
    ],
    flow: tcp(web, { ip: "203.0.113.7" }, 443),
    want: true,
  },
  {
    reason: "the protocol is part of the port: UDP 443 is not TCP 443",
    policies: [
      policy("prod", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ ports: [{ protocol: "TCP", port: 443 }] }],
      }),
    ],
    flow: { from: web, to: { ip: "203.0.113.7" }, port: 443, protocol: "UDP" },
    want: false,
  },
  {
    reason: "an ipBlock allows its CIDR",
    policies: [
      policy("prod", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }] }],
      }),
    ],
    flow: tcp(web, { ip: "10.2.3.4" }, 22),
    want: true,
  },
  {
    reason: "minus its except",
    policies: [
      policy("prod", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }] }],
      }),
    ],
    flow: tcp(web, { ip: "10.1.3.4" }, 22),
    want: false,
  },
  {
    reason: "a port range (endPort) covers the ports between",
    policies: [
      policy("prod", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ ports: [{ protocol: "TCP", port: 32000, endPort: 32768 }] }],
      }),
    ],
    flow: tcp(web, { ip: "192.0.2.1" }, 32100),
    want: true,
  },
  {
    reason: "a policy in another namespace does not isolate this one's pods",
    policies: [policy("dev", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })],
    flow: tcp(web, db, 5432),
    want: true,
  },
];

describe("NetworkPolicy evaluator", () => {
  it.each(cases.map((c) => [c.reason, c]))("%s", (_, c) => {
    expect(allowed(c.policies, c.flow)).toBe(c.want);
  });

  const cidrs: [string, string, boolean][] = [
    ["192.168.1.10", "192.168.1.0/24", true],
    ["192.168.2.10", "192.168.1.0/24", false],
    ["10.0.0.1", "0.0.0.0/0", true],
    ["2001:db8::1", "2001:db8::/32", true],
    ["2001:db9::1", "2001:db8::/32", false],
    ["10.0.0.1", "::/0", false],
  ];
  it.each(cidrs)("%s in %s: %s", (ip, cidr, want) => {
    expect(inCidr(ip, cidr)).toBe(want);
  });
});
