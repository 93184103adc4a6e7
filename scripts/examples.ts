// The example renders listed in test/renders.yaml, rendered one by one for the golden tests.
import type { CodecName } from "../functions/codec.js";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { loadObjects, render, type Rendered } from "./render-lib.js";
import { toYamlStream } from "./yaml.js";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface ExampleRender {
  name: string;
  xr: string;
  required?: string[];
  observed?: string[];
  fatal?: boolean;
}

export function exampleRenders(): ExampleRender[] {
  return parse(readFileSync(join(root, "test/renders.yaml"), "utf8")) as ExampleRender[];
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

/** The golden file of the example render `name`. */
export function goldenFile(name: string): string {
  return join(root, "test/golden", `${name}.yaml`);
}

/** What test/golden/<name>.yaml holds for a render: its documents, or the Fatal it ended with. */
export function goldenText(out: Rendered): string {
  return out.fatal !== undefined ? `# Fatal\n${out.fatal}\n` : toYamlStream(out.documents);
}
