// One description per field (issue 19 part 1): every field of the schemas the XRDs and the
// platform settings' JSON Schema are generated from carries exactly one `.meta()`, with its
// description, as a Go API type carries one doc comment per field. `.meta()` and `.describe()`
// each register a clone of the schema, and the generated description merges every one along the
// way, so a field described twice says two things in one place and a field with none is blank
// in `kubectl explain`.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { platformData } from "../functions/platform.js";
import { xrds } from "../functions/registry.js";

type Schema = z.core.$ZodType;

/** Wrappers whose inner schema is the same field: its `.meta()` may sit inside or outside them. */
const WRAPPERS = new Set([
  "optional",
  "default",
  "prefault",
  "nullable",
  "readonly",
  "catch",
  "nonoptional",
]);

/**
 * The metadata registered on a field, by each `.meta()` or `.describe()` on the way to the
 * schema it was built from (zod keeps that as the clone's parent), through wrappers and the
 * input side of a transform; and that schema, whose own fields are walked next.
 */
function metadataOf(field: Schema): { metas: Record<string, unknown>[]; base: Schema } {
  const metas: Record<string, unknown>[] = [];
  let base = field;
  for (let node: Schema | undefined = field; node;) {
    // Only what this clone registered: globalRegistry.get() would merge its parents' in.
    const own = z.globalRegistry._map.get(node);
    if (own) metas.push(own);
    base = node;
    const def = node._zod.def as { type: string; innerType?: Schema; in?: Schema };
    node =
      node._zod.parent ??
      (WRAPPERS.has(def.type) ? def.innerType : def.type === "pipe" ? def.in : undefined);
  }
  return { metas, base };
}

/** The parts of a zod definition that hold fields. */
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
}

/** What is wrong with the description of the field at path, and of every field under it. */
function problems(field: Schema, path: string): string[] {
  const { metas, base } = metadataOf(field);
  const described = metas.filter((m) => typeof m.description === "string").length;
  const out: string[] = [];
  if (described === 0) out.push(`${path}: no description`);
  else if (metas.length > 1) out.push(`${path}: ${metas.length} .meta()/.describe() calls`);
  // An array's items and a map's values are not fields: only their own fields are checked.
  const under = (s: Schema, p: string) => {
    const d = metadataOf(s).base._zod.def as Def;
    if (d.type === "object")
      for (const [k, v] of Object.entries(d.shape!)) out.push(...problems(v, `${p}.${k}`));
    else if (d.type === "array") under(d.element!, `${p}[]`);
    else if (d.type === "record") under(d.valueType!, `${p}{}`);
    else if (d.type === "union") for (const o of d.options!) under(o, p);
  };
  under(base, path);
  return out;
}

interface Case {
  reason: string;
  /** Where the schema sits, as the messages name its fields. */
  path: string;
  schema: Schema;
  want: string[];
}

const generated: Case[] = [
  ...xrds.flatMap((x) => [
    { reason: `${x.kind}'s spec`, path: `${x.kind}.spec`, schema: x.spec, want: [] },
    { reason: `${x.kind}'s status`, path: `${x.kind}.status`, schema: x.status, want: [] },
  ]),
  {
    reason: "the EnvironmentConfig crossvdc's data",
    path: "EnvironmentConfig.data",
    schema: platformData,
    want: [],
  },
];

const text = z.string().max(10);
const broken: Case[] = [
  {
    reason: "a field without a description is found, nested in an array of objects too",
    path: "root",
    schema: z
      .object({
        a: text.meta({ description: "A." }),
        list: z
          .array(z.object({ b: text.optional() }))
          .meta({ description: "Items with no description." }),
      })
      .meta({ description: "Root." }),
    want: ["root.list[].b: no description"],
  },
  {
    reason: "a description given again outside a wrapper is two",
    path: "root",
    schema: z
      .object({ a: text.meta({ description: "A." }).optional().meta({ description: "Again." }) })
      .meta({ description: "Root." }),
    want: ["root.a: 2 .meta()/.describe() calls"],
  },
  {
    reason: ".describe() counts as a description source like .meta()",
    path: "root",
    schema: z
      .object({ a: text.describe("A.").min(1).meta({ description: "Again." }) })
      .meta({ description: "Root." }),
    want: ["root.a: 2 .meta()/.describe() calls"],
  },
  {
    reason: "a description split from the field's other metadata is two calls",
    path: "root",
    schema: z
      .object({
        a: text.meta({ description: "A." }).meta({ "x-kubernetes-int-or-string": true }),
      })
      .meta({ description: "Root." }),
    want: ["root.a: 2 .meta()/.describe() calls"],
  },
  {
    reason: "metadata without a description is no description",
    path: "root",
    schema: z.object({}).meta({ title: "Root" }),
    want: ["root: no description"],
  },
];

describe("each field has one .meta() with its description", () => {
  it.each([...generated, ...broken])("$reason", ({ path, schema, want }) => {
    expect(problems(schema, path)).toEqual(want);
  });
});
