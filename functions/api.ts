// zod building blocks shared by every XR kind. These schemas are the single
// source of truth: the XRDs in apis/ are generated from them (scripts/generate.ts)
// and the function parses every XR with them, so admission and API agree.
import { z } from "zod";
import { DNS1123_LABEL, MAX_NAME } from "./names.js";
import { NON_NEGATIVE_QUANTITY_PATTERN, isQuantity } from "./quantity.js";

export const GROUP = "crossvdc.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/**
 * The verb on `tenants.crossvdc.io/<name>` that makes someone an admin of that tenant: the
 * admission policy in package/people lets only such a user create, change or delete a VDC
 * naming the tenant. RBAC allows custom verbs; `*` (cluster-admin, Crossplane) includes it.
 */
export const TENANT_ADMIN_VERB = "administer";

/** Bounds that keep a hostile XR from costing us memory; generous for real use. */
export const MAX_LIST = 256;
export const MAX_STRING = 1024;

/**
 * A Kubernetes quantity (int-or-string, as controller-gen emits resource.Quantity),
 * normalised to a string. Negative values are refused: nothing here is negative.
 * Undescribed: a field gives it its one `.meta()` (quantity, describedQuantity,
 * withQuantityDefault).
 */
export function quantityValue() {
  return z
    .union([
      z.number().int().nonnegative(),
      z.string().max(64).regex(new RegExp(NON_NEGATIVE_QUANTITY_PATTERN)),
    ])
    .refine((v) => isQuantity(v), {
      message:
        "must be a non-negative Kubernetes quantity no larger than int64 (e.g. 500m, 4, 8Gi)",
    })
    .transform((v) => String(v));
}

export function quantity(description: string) {
  return describedQuantity(quantityValue(), description);
}

/**
 * The one `.meta()` of a quantity field built on quantityValue() (refined, say): its
 * description, and the int-or-string marker the XRD needs.
 */
export function describedQuantity<S extends z.ZodType<string, string | number>>(
  schema: S,
  description: string,
) {
  return schema.meta({ description, "x-kubernetes-int-or-string": true });
}

/**
 * A quantity with a default. zod leaves the default of a transformed schema out
 * of JSON Schema; functions/xrd.ts puts it back.
 */
export function quantityOr(description: string, def: string) {
  return withQuantityDefault(quantityValue(), description, def);
}

/**
 * A default on any quantity schema, refined ones included, with the marker the XRD generator reads.
 */
export function withQuantityDefault<S extends z.ZodType<string, string | number>>(
  schema: S,
  description: string,
  def: string,
) {
  return schema
    .default(def as z.util.NoUndefined<z.output<S>>)
    .meta({ description, "x-kubernetes-int-or-string": true, [DEFAULT_META]: def });
}

export function count(description: string) {
  return z.number().int().min(0).max(1_000_000).meta({ description });
}

export function dnsLabel(description: string) {
  return z
    .string()
    .min(1)
    .max(MAX_NAME)
    .regex(new RegExp(DNS1123_LABEL), {
      message:
        "must be a DNS-1123 label: lower case alphanumerics and '-', starting and ending " +
        "alphanumeric",
    })
    .meta({ description });
}

export function text(description: string, max = MAX_STRING) {
  return z.string().max(max).meta({ description });
}

/** Kubernetes RBAC subjects, as Capsule's Tenant API names them. */
export const subjects = (description: string) =>
  z
    .object({
      groups: z.array(z.string().min(1).max(MAX_STRING)).max(MAX_LIST).default([]).meta({
        description: "Group names as the cluster's authenticator reports them (OIDC groups claim).",
      }),
      users: z
        .array(z.string().min(1).max(MAX_STRING))
        .max(MAX_LIST)
        .default([])
        .meta({ description: "User names as the cluster's authenticator reports them." }),
    })
    .prefault({})
    .meta({ description });

/** Rejects duplicates in a list by a key, naming the index of the second one. */
export function unique<T>(key: (t: T) => string, what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      // Quoted in full only while short: a Fatal message stays readable (and under 4 KiB).
      const shown = k.length > 64 ? `${k.slice(0, 64)}…" (${k.length} characters, ` : `${k}" (`;
      if (seen.has(k))
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `duplicate ${what} "${shown}also at index ${seen.get(k)})`,
        });
      else seen.set(k, i);
    });
  };
}

/** Metadata key carrying a default zod cannot express in JSON Schema. */
export const DEFAULT_META = "x-crossvdc-default";

/** What the XRD generator needs beyond the schemas. */
export interface XRDSpec {
  kind: string;
  plural: string;
  singular: string;
  scope: "Cluster" | "Namespaced";
  shortNames?: string[];
  categories?: string[];
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  printerColumns: {
    name: string;
    type: string;
    jsonPath: string;
    description?: string;
    priority?: number;
  }[];
}
