// The example renders listed in examples/renders.yaml, shared by `npm run demo` and the golden tests.
import type { CodecName } from "../functions/codec.js";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { loadObjects, render, type Rendered } from "./render-lib.js";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface ExampleRender {
  name: string;
  xr: string;
  required?: string[];
  observed?: string[];
  fatal?: boolean;
}

export function exampleRenders(): ExampleRender[] {
  return parse(readFileSync(join(root, "examples/renders.yaml"), "utf8")) as ExampleRender[];
}

/** The command a user would type to render this example. */
export function commandFor(e: ExampleRender): string {
  const flags = [
    ...(e.required ?? []).map((p) => `--required-resources ${p}`),
    ...(e.observed ?? []).map((p) => `--observed-resources ${p}`),
  ];
  return `npm run render -- ${[e.xr, ...flags].join(" ")}`;
}

export function renderExample(
  e: ExampleRender,
  includeFunctionResults = true,
  codec?: CodecName,
): Promise<Rendered> {
  const [xr] = loadObjects(join(root, e.xr));
  return render({
    xr: xr!,
    compositionsDir: join(root, "compositions"),
    required: (e.required ?? []).flatMap((p) => loadObjects(join(root, p))),
    observed: (e.observed ?? []).flatMap((p) => loadObjects(join(root, p))),
    includeFunctionResults,
    codec,
  });
}
