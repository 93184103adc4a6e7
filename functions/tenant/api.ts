import { z } from "zod";
import { count, dnsLabel, MAX_LIST, quantity, subjects, text, unique } from "../api.js";

export const TIERS = ["demo", "free", "professional", "enterprise"] as const;
export type Tier = (typeof TIERS)[number];

/** Budget keys a tenant spreads over its VDCs. */
export const BUDGET_KEYS = ["cpu", "memory", "storage", "vms", "vdcs"] as const;
export type BudgetKey = (typeof BUDGET_KEYS)[number];
export type Budget = Record<BudgetKey, string>;

/** The budget each tier gets when spec.quota leaves a figure out. */
export const TIER_BUDGETS: Record<Tier, Budget> = {
  demo: { cpu: "4", memory: "8Gi", storage: "50Gi", vms: "2", vdcs: "1" },
  free: { cpu: "8", memory: "16Gi", storage: "100Gi", vms: "5", vdcs: "2" },
  professional: { cpu: "64", memory: "256Gi", storage: "2Ti", vms: "50", vdcs: "10" },
  enterprise: { cpu: "512", memory: "2Ti", storage: "50Ti", vms: "500", vdcs: "50" },
};

const managedCluster = z
  .object({
    name: dnsLabel(
      "Name of the ManagedCluster registered in Open Cluster Management; its namespace " +
        "on the hub holds the ManagedServiceAccount and ClusterPermission.",
    ),
    apiServerURL: z
      .string()
      .max(2048)
      .regex(/^https:\/\/[^\s/]+(\/[^\s]*)?$/, { message: "must be an https URL" })
      .optional()
      .meta({
        description:
          "API server of the cluster, e.g. https://api.edge-1.example.com:6443. Default: " +
          "the ManagedCluster's spec.managedClusterClientConfigs[0].url.",
      }),
    caBundle: z
      .string()
      .max(65536)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: "must be base64" })
      .refine(
        (v) => Buffer.from(v, "base64").toString("utf8").includes("-----BEGIN CERTIFICATE-----"),
        { message: "must be base64 of PEM certificates" },
      )
      .optional()
      .meta({
        format: "byte",
        description:
          "Base64 PEM CA certificates (as in a ManagedCluster's caBundle) the Provider also" +
          " trusts for the API server, when its certificate is signed by a CA neither the" +
          " ManagedCluster's spec.managedClusterClientConfigs[].caBundle nor the service" +
          " account's ca.crt holds.",
      }),
    namespaces: z
      .array(dnsLabel("Namespace on the managed cluster."))
      .max(MAX_LIST)
      .default([])
      .superRefine(unique((n: string) => n, "namespace"))
      .meta({
        description:
          "Namespaces on that cluster the tenant's migrations may write to besides the " +
          "namespaces of its VDCs, which are always included. Each must start with " +
          "'<tenant>-'. They must exist on the cluster.",
      }),
  })
  .meta({
    description:
      "A cluster registered in Open Cluster Management that the tenant's VMs may be migrated to.",
  });

export type ManagedClusterSpec = z.output<typeof managedCluster>;

export const tenantSpec = z
  .object({
    displayName: text("Human-readable name shown in consoles and printer columns.", 253).optional(),
    tier: z.enum(TIERS).default("free").meta({
      description:
        "Service tier. Sets the default budget and the database presets of the tenant's VDCs.",
    }),
    admins: subjects(
      "Tenant administrators: bound to the ClusterRole admin in the tenant namespace and " +
        "in every VDC of the tenant. At least one group or user.",
    ),
    quota: z
      .object({
        cpu: quantity("CPU cores over all the tenant's VDCs. Defaults from the tier.").optional(),
        memory: quantity("Memory over all the tenant's VDCs. Defaults from the tier.").optional(),
        storage: quantity(
          "Persistent storage over all the tenant's VDCs. Defaults from the tier.",
        ).optional(),
        vms: count(
          "Virtual machines over all the tenant's VDCs. Defaults from the tier.",
        ).optional(),
        vdcs: count("Number of VDCs the tenant may create. Defaults from the tier.").optional(),
      })
      .prefault({})
      .meta({
        description:
          "The tenant's budget over all its VDCs. Each figure left out defaults from the tier.",
      }),
    networkIsolation: z
      .boolean()
      .default(true)
      .meta({
        description:
          "Deny traffic into the tenant namespace from other namespaces (DNS and " +
          "same-namespace traffic stay open).",
      }),
    clusters: z
      .array(managedCluster)
      .max(64)
      .default([])
      .superRefine(unique((c: ManagedClusterSpec) => c.name, "cluster"))
      .meta({
        description:
          "Managed clusters (Open Cluster Management) the tenant's VMs may land on. Each gets," +
          " as the MTV integration does, a ManagedServiceAccount and a ClusterPermission (admin" +
          " in the tenant's namespaces there, cluster-wide read of what Forklift's inventory" +
          " lists), and, once the token is issued, a Secret and a Forklift Provider" +
          " <cluster>-mtv in the tenant namespace.",
      }),
  })
  .superRefine((s, ctx) => {
    if (s.admins.groups.length + s.admins.users.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["admins"],
        message: "at least one admin group or user is required",
      });
    }
  })
  .meta({
    description:
      "A tenant: an organisation with its own namespace, administrators and a budget " +
      "shared by its VDCs.",
    "x-kubernetes-validations": [
      {
        rule: "size(self.admins.groups) + size(self.admins.users) > 0",
        message: "at least one admin group or user is required",
      },
    ],
  });

export type TenantSpec = z.output<typeof tenantSpec>;

/** The tenant's effective budget: spec.quota with every missing figure taken from the tier. */
export function budgetOf(spec: TenantSpec): Budget {
  const tierBudget = TIER_BUDGETS[spec.tier];
  const out = { ...tierBudget };
  for (const k of BUDGET_KEYS) {
    const v = spec.quota[k];
    if (v !== undefined) out[k] = String(v);
  }
  return out;
}

/** What each figure of a budget counts. */
const BUDGET_FIGURES: Record<BudgetKey, string> = {
  cpu: "CPU cores.",
  memory: "Memory.",
  storage: "Persistent storage.",
  vms: "Virtual machines.",
  vdcs: "Number of VDCs.",
};

const budget = (description: string) =>
  z
    .object(
      Object.fromEntries(
        BUDGET_KEYS.map((k) => [k, z.string().optional().meta({ description: BUDGET_FIGURES[k] })]),
      ) as Record<BudgetKey, z.ZodOptional<z.ZodString>>,
    )
    .optional()
    .meta({ description });

export const tenantStatus = z.object({
  namespace: z.string().optional().meta({ description: "The tenant's namespace." }),
  phase: z
    .enum(["Pending", "Ready", "Failed"])
    .optional()
    .meta({
      description:
        "Pending until every composed resource is ready; Failed when the VDCs hold more " +
        "than the budget.",
    }),
  budget: budget("The effective budget: spec.quota with defaults from the tier."),
  allocated: budget(
    "What the tenant's VDCs hold of the budget (sum of their spec.quota; vdcs is their number).",
  ),
  remaining: budget(
    "Budget minus allocated; negative when the budget was lowered below what VDCs hold.",
  ),
  vdcs: z.array(z.string()).optional().meta({ description: "Names of the tenant's VDCs." }),
  clusters: z
    .array(
      z.object({
        name: z.string().meta({ description: "The managed cluster." }),
        url: z.string().optional().meta({ description: "Its API server URL." }),
        namespaces: z.array(z.string()).meta({
          description: "Namespaces on the cluster the tenant's service account may write to.",
        }),
        tokenReady: z
          .boolean()
          .meta({ description: "The ManagedServiceAccount's token Secret has been issued." }),
        provider: z.string().optional().meta({
          description: "Forklift Provider of the cluster in the tenant namespace, once composed.",
        }),
        ready: z
          .boolean()
          .meta({ description: "The Provider is Ready (validated and connected)." }),
        waiting: z.string().optional().meta({ description: "What the Provider waits for." }),
      }),
    )
    .optional()
    .meta({ description: "Managed clusters and their Forklift Providers." }),
});
