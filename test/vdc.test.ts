import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import { bytes, run } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const tenant: KubeObject = {
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "Tenant",
  metadata: { name: "acme" },
  spec: {
    tier: "professional",
    admins: { groups: ["acme-admins"] },
    quota: { cpu: "16", memory: "64Gi", storage: "1Ti", vms: 20, vdcs: 3 },
  },
};
const vdc = (name: string, spec: Record<string, unknown>, created?: string): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VDC",
  metadata: { name, ...(created ? { creationTimestamp: created } : {}) },
  spec: { tenantRef: { name: "acme" }, ...spec },
});
const labels = { "crossvdc.io/tenant": "acme", "crossvdc.io/vdc": "acme-dev" };

describe("VDC composer", () => {
  it("composes namespace, quota, limits, isolation and bindings from defaults", () => {
    const xr = vdc("acme-dev", {});
    const out = run({ xr, required: { tenant: [tenant], vdcs: [xr] } });
    expect(out.results).toEqual([]);
    expect(out.resources.namespace).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: "acme-dev",
        labels: {
          ...labels,
          "crossvdc.io/type": "vdc",
          "alpha.kubevirt.io/auto-memory-limits-ratio": "1.2",
        },
      },
    });
    expect(out.resources.quota).toEqual({
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "vdc-quota", namespace: "acme-dev", labels },
      spec: {
        hard: {
          "requests.cpu": "2",
          "requests.memory": "4Gi",
          "requests.storage": "50Gi",
          pods: "50",
          persistentvolumeclaims: "20",
          "count/virtualmachines.kubevirt.io": "2",
        },
      },
    });
    expect(out.resources.limits).toEqual({
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "vdc-limits", namespace: "acme-dev", labels },
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu: "1", memory: "1Gi" },
            defaultRequest: { cpu: "100m", memory: "256Mi" },
            max: { cpu: "8", memory: "32Gi" },
          },
        ],
      },
    });
    expect(out.resources["netpol-allow-from-namespaces"]).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-from-namespaces", namespace: "acme-dev", labels },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: "kubernetes.io/metadata.name", operator: "In", values: ["tenant-acme"] },
                  ],
                },
              },
            ],
          },
        ],
      },
    });
    // Tenant admins are VDC admins; no editors or viewers means no empty bindings.
    expect(out.resources["rolebinding-admin"]).toEqual({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "vdc-admin", namespace: "acme-dev", labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "acme-admins" }],
    });
    expect(Object.keys(out.resources).sort()).toEqual([
      "limits",
      "namespace",
      "netpol-allow-dns",
      "netpol-allow-from-namespaces",
      "netpol-allow-same-namespace",
      "netpol-default-deny",
      "quota",
      "rolebinding-admin",
    ]);
    expect(out.status).toEqual({ namespace: "acme-dev", tenant: "acme", phase: "Pending" });
    expect(out.conditions).toEqual([
      {
        type: "BudgetAdmitted",
        status: "True",
        reason: "WithinTenantBudget",
        message:
          "Admitted; tenant acme has cpu 14, memory 60Gi, storage 974Gi, vms 18, vdcs 2 left",
      },
    ]);
    for (const r of Object.values(out.resources)) expect(validateResource(r)).toEqual([]);
  });

  it("binds members to admin, edit and view, tenant admins first, without duplicates", () => {
    const xr = vdc("acme-dev", {
      members: {
        admins: { groups: ["acme-admins", "ops"], users: ["bob"] },
        editors: { groups: ["devs"] },
        viewers: { users: ["auditor"] },
      },
    });
    const out = run({ xr, required: { tenant: [tenant], vdcs: [] } });
    const subjects = (key: string) =>
      (
        out.resources[key] as unknown as { subjects: { kind: string; name: string }[] }
      ).subjects.map((s) => `${s.kind}:${s.name}`);
    expect(subjects("rolebinding-admin")).toEqual(["Group:acme-admins", "Group:ops", "User:bob"]);
    expect(subjects("rolebinding-edit")).toEqual(["Group:devs"]);
    expect(subjects("rolebinding-view")).toEqual(["User:auditor"]);
  });

  it("opens the listed namespaces and egress, and composes no policies when open", () => {
    const isolated = run({
      xr: vdc("acme-dev", {
        network: {
          allowFromNamespaces: ["monitoring"],
          allowEgress: [{ cidr: "10.0.0.0/8", ports: [{ port: 443 }] }, { cidr: "2001:db8::/32" }],
        },
      }),
      required: { tenant: [tenant], vdcs: [] },
    });
    expect(
      (isolated.resources["netpol-allow-from-namespaces"]!.spec as any).ingress[0].from[0]
        .namespaceSelector.matchExpressions[0].values,
    ).toEqual(["tenant-acme", "monitoring"]);
    expect(isolated.resources["netpol-allow-egress"]!.spec).toEqual({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        { to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ port: 443, protocol: "TCP" }] },
        { to: [{ ipBlock: { cidr: "2001:db8::/32" } }] },
      ],
    });
    for (const r of Object.values(isolated.resources)) expect(validateResource(r)).toEqual([]);
    const open = run({
      xr: vdc("acme-dev", { network: { isolation: "open" } }),
      required: { tenant: [tenant], vdcs: [] },
    });
    expect(Object.keys(open.resources).filter((k) => k.startsWith("netpol-"))).toEqual([]);
  });

  it("reads usage and percentages from the observed ResourceQuota, and is Ready when everything is", () => {
    const xr = vdc("acme-dev", { network: { isolation: "open" } });
    const first = run({ xr, required: { tenant: [tenant], vdcs: [] } });
    const observed: Record<string, KubeObject> = {};
    for (const [k, r] of Object.entries(first.resources)) observed[k] = structuredClone(r);
    observed.namespace!.status = { phase: "Active" };
    observed.quota!.status = {
      hard: {
        "requests.cpu": "2",
        "requests.memory": "4Gi",
        "requests.storage": "50Gi",
        pods: "50",
        persistentvolumeclaims: "20",
        "count/virtualmachines.kubevirt.io": "2",
      },
      used: {
        "requests.cpu": "1500m",
        "requests.memory": "1536Mi",
        "requests.storage": "0",
        pods: "3",
        "count/virtualmachines.kubevirt.io": "2",
      },
    };
    const out = run({ xr, observed, required: { tenant: [tenant], vdcs: [] } });
    expect(Object.values(out.ready).every(Boolean)).toBe(true);
    expect(out.status).toEqual({
      namespace: "acme-dev",
      tenant: "acme",
      phase: "Ready",
      usage: {
        cpu: { used: "1500m", hard: "2", percent: 75 },
        memory: { used: "1536Mi", hard: "4Gi", percent: 37 },
        storage: { used: "0", hard: "50Gi", percent: 0 },
        pods: { used: "3", hard: "50", percent: 6 },
        persistentVolumeClaims: { used: "0", hard: "20", percent: 0 },
        vms: { used: "2", hard: "2", percent: 100 },
      },
    });
    expect(out.results).toEqual([
      {
        severity: "NORMAL",
        reason: "VDCReady",
        message: "VDC acme-dev is ready in namespace acme-dev",
      },
    ]);
  });

  describe("admission", () => {
    const dev = vdc(
      "acme-dev",
      { quota: { cpu: "6", memory: "24Gi", storage: "400Gi", vms: 8 } },
      "2026-01-01T00:00:00Z",
    );
    const prod = vdc(
      "acme-prod",
      { quota: { cpu: "8", memory: "32Gi", storage: "500Gi", vms: 10 } },
      "2026-01-02T00:00:00Z",
    );
    const kept = { apiVersion: "v1", kind: "Namespace", metadata: { name: "acme-new" } };
    it.each([
      {
        name: "cpu over the budget",
        xr: vdc("acme-new", { quota: { cpu: "4", memory: "1Gi", storage: "1Gi", vms: 1 } }),
        message:
          "VDC acme-new: over the budget of tenant acme: spec.quota.cpu: asks 4 but tenant acme has 2 of 16 left (held by acme-dev, acme-prod); over by 2",
      },
      {
        name: "two figures over",
        xr: vdc("acme-new", { quota: { cpu: "1", memory: "9Gi", storage: "1Gi", vms: 3 } }),
        message:
          "VDC acme-new: over the budget of tenant acme: spec.quota.memory: asks 9Gi but tenant acme has 8Gi of 64Gi left (held by acme-dev, acme-prod); over by 1Gi; spec.quota.vms: asks 3 but tenant acme has 2 of 20 left (held by acme-dev, acme-prod); over by 1",
      },
      {
        name: "tenant missing",
        xr: vdc("acme-new", {}),
        tenants: [],
        message: 'VDC acme-new: spec.tenantRef.name: Tenant "acme" does not exist',
      },
      {
        name: "name not prefixed by the tenant",
        xr: vdc("globex-dev", {}),
        message: 'VDC globex-dev: metadata.name: must start with "acme-" (the tenant\'s name)',
      },
      {
        name: "bad egress CIDR",
        xr: vdc("acme-new", { network: { allowEgress: [{ cidr: "10.0.0.0/33" }] } }),
        message: "spec.network.allowEgress[0].cidr: must be an IPv4 or IPv6 CIDR",
      },
      {
        name: "default above max",
        xr: vdc("acme-new", { limits: { defaultCpu: "4", maxCpu: "2" } }),
        message: "spec.limits.defaultCpu: must not exceed limits.maxCpu (2)",
      },
      {
        name: "duplicate namespaces",
        xr: vdc("acme-new", { network: { allowFromNamespaces: ["a", "a"] } }),
        message: 'spec.network.allowFromNamespaces[1]: duplicate namespace "a" (also at index 0)',
      },
      {
        name: "proxmox without its settings",
        xr: vdc("acme-new", { backend: { type: "proxmox" } }),
        message: "spec.backend.providerConfigRef: required when type is proxmox",
      },
    ])("refuses with one Fatal result and keeps what exists: $name", ({ xr, message, tenants }) => {
      const out = run({
        xr,
        required: { tenant: tenants ?? [tenant], vdcs: [dev, prod, xr] },
        desired: { namespace: kept },
      });
      expect(out.results).toHaveLength(1);
      expect(out.results[0]!.severity).toBe("FATAL");
      expect(out.results[0]!.message).toContain(message);
      expect(out.resources).toEqual({ namespace: kept });
    });

    it("admits an exact fit", () => {
      const xr = vdc("acme-new", { quota: { cpu: "2", memory: "8Gi", storage: "124Gi", vms: 2 } });
      const out = run({ xr, required: { tenant: [tenant], vdcs: [dev, prod] } });
      expect(out.results).toEqual([]);
      expect(out.conditions[0]!.message).toBe(
        "Admitted; tenant acme has cpu 0, memory 0, storage 0, vms 0, vdcs 0 left",
      );
    });

    it("keeps an older VDC admitted when a newer one takes too much", () => {
      const greedy = vdc("acme-greedy", { quota: { cpu: "15" } }, "2026-02-01T00:00:00Z");
      const out = run({ xr: dev, required: { tenant: [tenant], vdcs: [dev, prod, greedy] } });
      expect(out.results).toEqual([]);
      const refused = run({
        xr: greedy,
        required: { tenant: [tenant], vdcs: [dev, prod, greedy] },
      });
      expect(refused.results[0]!.message).toContain(
        "spec.quota.cpu: asks 15 but tenant acme has 2 of 16 left",
      );
    });

    it("ignores other tenants' VDCs and counts the number of VDCs", () => {
      const other = {
        ...vdc("globex-dev", { quota: { cpu: "100" } }),
        spec: { tenantRef: { name: "globex" }, quota: { cpu: "100" } },
      };
      const third = vdc(
        "acme-third",
        { quota: { cpu: "1", memory: "1Gi", storage: "1Gi", vms: 1 } },
        "2026-01-03T00:00:00Z",
      );
      const out = run({
        xr: vdc("acme-fourth", { quota: { cpu: "1", memory: "1Gi", storage: "1Gi", vms: 1 } }),
        required: { tenant: [tenant], vdcs: [other, dev, prod, third] },
      });
      expect(out.results[0]!.message).toContain(
        "number of VDCs: asks 1 but tenant acme has 0 of 3 left",
      );
    });
  });

  it("asks for its tenant and every VDC", () => {
    const out = run({ xr: vdc("acme-dev", {}) });
    expect(out.requirements).toEqual({
      tenant: { apiVersion: "crossvdc.io/v1alpha1", kind: "Tenant", matchName: "acme" },
      vdcs: { apiVersion: "crossvdc.io/v1alpha1", kind: "VDC", matchLabels: { labels: {} } },
    });
    expect(out.resources).toEqual({});
  });

  it("is deterministic", () => {
    const xr = vdc("acme-dev", { members: { editors: { users: ["z", "a"] } } });
    const a = bytes({ xr, required: { tenant: [tenant], vdcs: [xr] } });
    const b = bytes({ xr, required: { tenant: [tenant], vdcs: [xr] } });
    expect(a.equals(b)).toBe(true);
  });
});
