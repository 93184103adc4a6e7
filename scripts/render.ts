// npm run render -- XR.yaml [--observed-resources FILE|DIR]... [--required-resources FILE|DIR]...
//                           [--include-function-results] [--include-full-xr] [--compositions DIR]
// Prints a YAML stream like `crossplane composition render`; a Fatal result exits 1.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { toYamlStream } from "./yaml.js";
import { loadObjects, render, RenderError } from "./render-lib.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE =
  "usage: npm run render -- XR.yaml [--observed-resources FILE|DIR] [--required-resources FILE|DIR] [--include-function-results] [--include-full-xr] [--compositions DIR]\n";

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        "observed-resources": { type: "string", short: "o", multiple: true },
        "required-resources": { type: "string", short: "e", multiple: true },
        "extra-resources": { type: "string", multiple: true },
        "include-function-results": { type: "boolean", short: "r" },
        "include-full-xr": { type: "boolean", short: "x" },
        compositions: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  try {
    const [xr, ...rest] = loadObjects(positionals[0]!);
    if (!xr || rest.length) throw new RenderError(`${positionals[0]}: expected exactly one XR`);
    const requiredPaths = [
      ...(values["required-resources"] ?? []),
      ...(values["extra-resources"] ?? []),
    ];
    const out = await render({
      xr,
      compositionsDir: values.compositions ?? join(root, "compositions"),
      observed: (values["observed-resources"] ?? []).flatMap(loadObjects),
      required: requiredPaths.flatMap(loadObjects),
      includeFunctionResults: values["include-function-results"],
      includeFullXR: values["include-full-xr"],
    });
    if (out.fatal !== undefined) {
      process.stderr.write(`crossplane: error: ${out.fatal}\n`);
      return 1;
    }
    process.stdout.write(toYamlStream(out.documents));
    return 0;
  } catch (err) {
    process.stderr.write(`crossplane: error: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main();
