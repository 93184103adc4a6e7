// Generates CompositeResourceDefinitions from the zod schemas, so the API that
// Kubernetes enforces and the one the function parses cannot drift apart.
import { z } from "zod";
import { API_VERSION, DEFAULT_META, GROUP, VERSION, type XRDSpec } from "./api.js";

type Schema = Record<string, unknown>;

/**
 * The printer columns Crossplane adds to the CRD of every XR (CompositeResourcePrinterColumns
 * in crossplane's internal/xcrd/schemas.go: SYNCED, READY, COMPOSITION, COMPOSITIONREVISION,
 * AGE, after the XRD's own); an XRD that names one again shows it twice.
 */
export const CROSSPLANE_PRINTER_COLUMNS = [
  "SYNCED",
  "READY",
  "COMPOSITION",
  "COMPOSITIONREVISION",
  "AGE",
];

export function xrdFor(x: XRDSpec): Schema {
  const twice = x.printerColumns.filter((c) =>
    CROSSPLANE_PRINTER_COLUMNS.includes(c.name.toUpperCase()),
  );
  if (twice.length)
    throw new Error(
      `${x.kind}: printer column ${twice.map((c) => c.name).join(", ")}: Crossplane adds ` +
        `it already`,
    );
  return {
    apiVersion: "apiextensions.crossplane.io/v2",
    kind: "CompositeResourceDefinition",
    metadata: { name: `${x.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: x.kind,
        listKind: `${x.kind}List`,
        plural: x.plural,
        singular: x.singular,
        ...(x.shortNames ? { shortNames: x.shortNames } : {}),
        ...(x.categories ? { categories: x.categories } : {}),
      },
      scope: x.scope,
      defaultCompositionRef: { name: `${x.plural}.${GROUP}` },
      versions: [
        {
          name: VERSION,
          served: true,
          referenceable: true,
          additionalPrinterColumns: x.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: x.description,
              properties: {
                spec: structural(x.spec),
                status: structural(x.status),
              },
              required: ["spec"],
            },
          },
        },
      ],
    },
  };
}

/**
 * The Composition of a kind: one pipeline step, our function, which picks the composer by kind.
 * functionName is the name Crossplane gives the function package it installs
 * (scripts/publishing.ts).
 */
export function compositionFor({
  xrd: x,
  functionName,
}: {
  xrd: XRDSpec;
  functionName: string;
}): Schema {
  return {
    apiVersion: "apiextensions.crossplane.io/v1",
    kind: "Composition",
    metadata: { name: `${x.plural}.${GROUP}`, labels: { "crossvdc.io/kind": x.kind } },
    spec: {
      compositeTypeRef: { apiVersion: API_VERSION, kind: x.kind },
      mode: "Pipeline",
      pipeline: [{ step: "compose", functionRef: { name: functionName } }],
    },
  };
}

/** zod → OpenAPI v3 → a Kubernetes structural schema. */
export function structural(schema: z.ZodType): Schema {
  const js = z.toJSONSchema(schema, {
    io: "input",
    target: "openapi-3.0",
    unrepresentable: "any",
  }) as Schema;
  delete js.$schema;
  return tidy(js);
}

function tidy(node: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    // Kubernetes forbids additionalProperties: false beside properties; the API
    // server prunes instead.
    if (k === "additionalProperties" && v === false) continue;
    if (k === "properties" && v && typeof v === "object") {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, Schema>).map(([p, s]) => [p, tidy(s)]),
      );
    } else if (k === "items" && v && typeof v === "object" && !Array.isArray(v))
      out[k] = tidy(v as Schema);
    else if (k === "additionalProperties" && v && typeof v === "object") out[k] = tidy(v as Schema);
    else out[k] = v;
  }
  // JavaScript's safe-integer bounds are not limits anyone chose.
  if (out.minimum === -Number.MAX_SAFE_INTEGER) delete out.minimum;
  if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  if (DEFAULT_META in out) {
    out.default = out[DEFAULT_META];
    delete out[DEFAULT_META];
  }
  if (out["x-kubernetes-int-or-string"]) {
    // The form controller-gen emits for resource.Quantity: int-or-string with the pattern on top.
    const branches = (out.anyOf as Schema[] | undefined) ?? [];
    const pattern = branches.find((b) => typeof b.pattern === "string")?.pattern;
    const maxLength = branches.find((b) => typeof b.maxLength === "number")?.maxLength;
    delete out.anyOf;
    delete out.type;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
    if (pattern) out.pattern = pattern;
    if (maxLength !== undefined) out.maxLength = maxLength;
  }
  return out;
}
