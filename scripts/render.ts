// npm run render -- XR.yaml [--observed-resources FILE|DIR]... [--required-resources FILE|DIR]...
//                           [--include-function-results] [--include-full-xr] [--compositions DIR]
//   Prints a YAML stream like `crossplane composition render`; a Fatal result exits 1.
// npm run render -- DIR... [--expect-refused FILE|DIR]...
//   Renders every XR under the folders as a cluster holding all of them would,
//   one line per XR; exits 1 if any XR is refused (unless expected to be).
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { toYamlStream } from "./yaml.js";
import {
  isCrossvdc,
  isXR,
  loadFile,
  loadObjects,
  render,
  RenderError,
  unknownKind,
  where,
  XR_KINDS,
} from "./render-lib.js";
import { labelOf, renderRepository, summary, summaryLine } from "./repository.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// The backslash ends the line without adding one to the text.
export const USAGE = `\
usage: npm run render -- XR.yaml [options]     render one XR, print what Crossplane would apply
       npm run render -- DIR... [options]      render every XR under the folders, one line each

one XR:
  -e, --required-resources FILE|DIR   objects that answer the function's requirements (repeatable)
  -o, --observed-resources FILE|DIR   composed resources as the cluster reports them (repeatable)
  -r, --include-function-results      print the function's results as Result documents
  -x, --include-full-xr               print the whole XR, not only its status
a folder (a GitOps repository):
      --expect-refused FILE|DIR       XRs that must be refused, each rendered against the repository
                                      (repeatable; not part of the repository)
both:
      --compositions DIR              Compositions to run (default: compositions/)
  -h, --help                          this help

Exit status: 0 when everything rendered as expected, 1 when an XR was refused
(or one expected to be refused was not) or an input is wrong, 2 on a usage error.
`;

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
        "expect-refused": { type: "string", multiple: true },
        compositions: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    process.stderr.write(`render: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  const compositionsDir = values.compositions ?? join(root, "compositions");
  try {
    const folders = positionals.some((p) => isDirectory(p));
    if (folders || positionals.length > 1) {
      const single = [
        "observed-resources",
        "required-resources",
        "extra-resources",
        "include-full-xr",
      ] as const;
      const misplaced = single.filter((k) => values[k] !== undefined);
      if (misplaced.length) {
        process.stderr.write(
          `render: --${misplaced.join(", --")}: only for one XR; a folder answers ` +
            `requirements and observed state from its own objects\n`,
        );
        return 2;
      }
      const results = await renderRepository({
        paths: positionals,
        expectRefused: values["expect-refused"],
        compositionsDir,
      });
      const { text, ok } = summary(results);
      process.stdout.write(text);
      return ok ? 0 : 1;
    }
    if (values["expect-refused"]) {
      process.stderr.write("render: --expect-refused: only with a folder\n");
      return 2;
    }
    const file = positionals[0]!;
    const [xr, ...rest] = loadFile(file);
    if (xr && !isXR(xr.object))
      throw new RenderError(
        `${where(xr)}: ${
          isCrossvdc(xr.object)
            ? unknownKind(xr.object.apiVersion, xr.object.kind, XR_KINDS)
            : `${xr.object.apiVersion} ${xr.object.kind} is not an XR: render ` +
              `composes ${XR_KINDS.join(", ")}`
        }`,
      );
    if (!xr || rest.length)
      throw new RenderError(
        `${file}: expected exactly one XR, found ${rest.length + (xr ? 1 : 0)} objects; ` +
          `render a folder to render many`,
      );
    const requiredPaths = [
      ...(values["required-resources"] ?? []),
      ...(values["extra-resources"] ?? []),
    ];
    const out = await render({
      xr: xr.object,
      compositionsDir,
      observed: (values["observed-resources"] ?? []).flatMap(loadObjects),
      required: requiredPaths.flatMap(loadObjects),
      includeFunctionResults: values["include-function-results"],
      includeFullXR: values["include-full-xr"],
    });
    if (out.fatal !== undefined) {
      const r = {
        ...xr,
        xr: xr.object,
        label: labelOf(xr.object),
        expectRefused: false,
        rendered: out,
      };
      process.stderr.write(`${summaryLine(r, 0)}\n`);
      return 1;
    }
    process.stdout.write(toYamlStream(out.documents));
    return 0;
  } catch (err) {
    if (!(err instanceof RenderError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

process.exitCode = await main();
