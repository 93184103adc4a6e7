import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { bytes, run } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const tenant = (spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "Tenant",
  metadata: { name: "acme" },
  spec,
  ...extra,
});
const vdc = (
  name: string,
  tenantName: string,
  quota: Record<string, unknown>,
  created = "2026-01-01T00:00:00Z",
): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VDC",
  metadata: { name, creationTimestamp: created },
  spec: { tenantRef: { name: tenantName }, quota },
});
const labels = { "crossvdc.io/tenant": "acme", "crossvdc.io/type": "tenant" };

describe("Tenant composer", () => {
  it("composes namespace, admin binding and isolation policies, with the tier's budget", () => {
    const out = run({
      xr: tenant({ admins: { groups: ["acme-admins"], users: ["alice"] } }),
      required: { vdcs: [] },
    });
    expect(out.results).toEqual([]);
    expect(out.resources).toEqual({
      namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: "tenant-acme", labels } },
      "rolebinding-admins": {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "tenant-admins", namespace: "tenant-acme", labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
        subjects: [
          { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "acme-admins" },
          { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" },
        ],
      },
      "netpol-default-deny": {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "default-deny", namespace: "tenant-acme", labels },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      "netpol-allow-same-namespace": {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-same-namespace", namespace: "tenant-acme", labels },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
          ingress: [{ from: [{ podSelector: {} }] }],
          egress: [{ to: [{ podSelector: {} }] }],
        },
      },
      "netpol-allow-dns": {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-dns", namespace: "tenant-acme", labels },
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [
            {
              to: [
                {
                  namespaceSelector: {
                    matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
                  },
                  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                },
              ],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
          ],
        },
      },
    });
    expect(out.ready).toEqual({
      namespace: false,
      "rolebinding-admins": false,
      "netpol-default-deny": false,
      "netpol-allow-same-namespace": false,
      "netpol-allow-dns": false,
    });
    expect(out.status).toEqual({
      namespace: "tenant-acme",
      phase: "Pending",
      budget: { cpu: "8", memory: "16Gi", storage: "100Gi", vms: "5", vdcs: "2" },
      allocated: { cpu: "0", memory: "0", storage: "0", vms: "0", vdcs: "0" },
      remaining: { cpu: "8", memory: "16Gi", storage: "100Gi", vms: "5", vdcs: "2" },
      vdcs: [],
    });
    expect(out.conditions).toEqual([
      {
        type: "BudgetAvailable",
        status: "True",
        reason: "WithinBudget",
        message: "0 VDC(s) within the budget",
      },
    ]);
    expect(out.ttl).toBe(30);
    for (const r of Object.values(out.resources)) expect(validateResource(r)).toEqual([]);
  });

  it("asks for the VDCs first and changes nothing until Crossplane has fetched them", () => {
    const out = run({ xr: tenant({ admins: { users: ["alice"] } }), desired: {} });
    expect(out.results).toEqual([]);
    expect(out.resources).toEqual({});
    expect(out.requirements).toEqual({
      vdcs: { apiVersion: "crossvdc.io/v1alpha1", kind: "VDC", matchLabels: { labels: {} } },
    });
  });

  it("composes no policies without network isolation", () => {
    const out = run({
      xr: tenant({ admins: { users: ["alice"] }, networkIsolation: false }),
      required: { vdcs: [] },
    });
    expect(Object.keys(out.resources).sort()).toEqual(["namespace", "rolebinding-admins"]);
  });

  it.each([
    {
      name: "all observed, namespace Active",
      nsPhase: "Active",
      previous: "Pending",
      phase: "Ready",
      events: [
        {
          severity: "NORMAL",
          reason: "TenantReady",
          message: "Tenant acme is ready in namespace tenant-acme",
        },
      ],
      ttl: 120,
    },
    {
      name: "already Ready: no repeated event",
      nsPhase: "Active",
      previous: "Ready",
      phase: "Ready",
      events: [],
      ttl: 120,
    },
    {
      name: "namespace terminating",
      nsPhase: "Terminating",
      previous: "Ready",
      phase: "Failed",
      events: [
        {
          severity: "WARNING",
          reason: "NamespaceTerminating",
          message: "Namespace tenant-acme is terminating",
        },
      ],
      ttl: 30,
    },
  ])("readiness and phase: $name", ({ nsPhase, previous, phase, events, ttl }) => {
    const xr = tenant(
      { admins: { users: ["alice"] }, networkIsolation: false },
      { status: { phase: previous } },
    );
    const observed = {
      namespace: {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "tenant-acme" },
        status: { phase: nsPhase },
      },
      "rolebinding-admins": {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "tenant-admins", namespace: "tenant-acme" },
      },
    };
    const out = run({ xr, observed, required: { vdcs: [] } });
    expect(out.ready).toEqual({ namespace: nsPhase === "Active", "rolebinding-admins": true });
    expect(out.status?.phase).toBe(phase);
    expect(out.results).toEqual(events);
    expect(out.ttl).toBe(ttl);
  });

  it("reports the budget its VDCs hold, charging them oldest first and skipping one that does not fit", () => {
    const xr = tenant({
      admins: { users: ["alice"] },
      tier: "professional",
      quota: { cpu: "10", memory: "20Gi" },
    });
    const vdcs = [
      vdc(
        "acme-prod",
        "acme",
        { cpu: "6", memory: "8Gi", storage: "100Gi", vms: 4 },
        "2026-01-02T00:00:00Z",
      ),
      vdc(
        "acme-dev",
        "acme",
        { cpu: "2500m", memory: "4Gi", storage: "50Gi", vms: 2 },
        "2026-01-01T00:00:00Z",
      ),
      vdc(
        "acme-big",
        "acme",
        { cpu: "4", memory: "1Gi", storage: "1Gi", vms: 1 },
        "2026-01-03T00:00:00Z",
      ),
      vdc("other-dev", "other", { cpu: "100", memory: "1Ti", storage: "1Ti", vms: 100 }),
    ];
    const out = run({ xr, required: { vdcs } });
    expect(out.status).toMatchObject({
      budget: { cpu: "10", memory: "20Gi", storage: "2Ti", vms: "50", vdcs: "10" },
      allocated: { cpu: "8500m", memory: "12Gi", storage: "150Gi", vms: "6", vdcs: "2" },
      remaining: { cpu: "1500m", memory: "8Gi", storage: "1898Gi", vms: "44", vdcs: "8" },
      vdcs: ["acme-dev", "acme-prod"],
    });
    expect(out.conditions).toEqual([
      {
        type: "BudgetAvailable",
        status: "False",
        reason: "VDCsRefused",
        message: "VDCs over the budget and refused: acme-big (cpu)",
      },
    ]);
  });

  it.each([
    {
      name: "no admins",
      spec: { admins: { groups: [], users: [] } },
      message:
        "Tenant acme: invalid spec: spec.admins: at least one admin group or user is required",
    },
    {
      name: "unknown tier",
      spec: { tier: "gold", admins: { users: ["a"] } },
      message:
        'spec.tier: Invalid option: expected one of "demo"|"free"|"professional"|"enterprise"',
    },
    {
      name: "negative cpu",
      spec: { admins: { users: ["a"] }, quota: { cpu: "-1" } },
      message: "spec.quota.cpu",
    },
    {
      name: "memory not a quantity",
      spec: { admins: { users: ["a"] }, quota: { memory: "lots" } },
      message: "spec.quota.memory",
    },
    {
      name: "fractional vms",
      spec: { admins: { users: ["a"] }, quota: { vms: 1.5 } },
      message: "spec.quota.vms",
    },
    { name: "spec not an object", spec: "acme", message: "Tenant acme: invalid spec" },
  ])(
    "bad input is one Fatal result naming the field, and keeps the desired state: $name",
    ({ spec, message }) => {
      const kept = { apiVersion: "v1", kind: "Namespace", metadata: { name: "tenant-acme" } };
      const out = run({
        xr: tenant(spec as Record<string, unknown>),
        required: { vdcs: [] },
        desired: { namespace: kept },
      });
      expect(out.results).toHaveLength(1);
      expect(out.results[0]!.severity).toBe("FATAL");
      expect(out.results[0]!.message).toContain(message);
      expect(out.resources).toEqual({ namespace: kept });
    },
  );

  it("refuses a name whose namespace would exceed 63 characters", () => {
    const name = "a".repeat(57);
    const out = run({
      xr: tenant({ admins: { users: ["a"] } }, { metadata: { name } }),
      required: { vdcs: [] },
    });
    expect(out.results).toEqual([
      {
        severity: "FATAL",
        reason: "InvalidInput",
        message: `Tenant ${name}: metadata.name: must be at most 56 characters, so that namespace tenant-${name} is a valid name`,
      },
    ]);
  });

  it("gives byte-identical responses for the same request, whatever order the VDCs arrive in", () => {
    const xr = tenant({ admins: { users: ["alice"] } });
    const a = vdc("acme-a", "acme", { cpu: "1" });
    const b = vdc("acme-b", "acme", { cpu: "1" });
    expect(
      bytes({ xr, required: { vdcs: [a, b] } }).equals(bytes({ xr, required: { vdcs: [a, b] } })),
    ).toBe(true);
    expect(
      bytes({ xr, required: { vdcs: [a, b] } }).equals(bytes({ xr, required: { vdcs: [b, a] } })),
    ).toBe(true);
  });
});
