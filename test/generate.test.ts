import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { generated } from "../scripts/generate.js";
import { root } from "../scripts/examples.js";
import { validateResource } from "./support/schemas.js";

describe("generated XRDs and Compositions", () => {
  const files = Object.entries(generated());

  it.each(files.map(([f]) => [f]))("%s is committed as the zod schemas generate it (run npm run generate)", (file) => {
    expect(readFileSync(join(root, file), "utf8")).toBe(generated()[file]);
  });

  it.each(files.map(([f]) => [f]))("%s validates against Crossplane's own CRD", (file) => {
    expect(validateResource(parse(readFileSync(join(root, file), "utf8")))).toEqual([]);
  });
});
