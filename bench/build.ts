// Compiles the function server (functions/) and the floor (bench/noop.ts) to
// plain JavaScript, so both run under `node` as the image runs dist/main.js,
// with no TypeScript loader in the measured process. The output goes to a
// private cache (node_modules/.cache/crossvdc-bench), not dist/, so a bench
// run never races a build or a test that reads dist/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export interface Built {
  /** `node <nodeFlags> <main>` starts our server. */
  main: string;
  /** The node flags the image's ENTRYPOINT passes before dist/main.js (heap sizing). */
  nodeFlags: string[];
  /** `node <noop>` starts the floor. */
  noop: string;
  /** tsc's complaints, if any (the output is still emitted and used). */
  warnings: string;
}

export function build(root: string): Built {
  const out = join(root, "node_modules/.cache/crossvdc-bench");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // Inside node_modules a file has no package scope of its own: say it is ESM.
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module", private: true }));
  const tsconfig = join(out, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, "tsconfig.json"),
      compilerOptions: {
        rootDir: root,
        outDir: out,
        noEmit: false,
        sourceMap: false,
        declaration: false,
        incremental: false,
      },
      include: [join(root, "functions"), join(root, "bench/noop.ts")],
    }),
  );
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  let warnings = "";
  try {
    execFileSync(process.execPath, [tsc, "-p", tsconfig], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    // tsc emits despite type errors (noEmitOnError is off); report them, run what was emitted.
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    warnings = `${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`.trim() || e.message;
  }
  const main = join(out, "functions/main.js");
  const noop = join(out, "bench/noop.js");
  if (!existsSync(main) || !existsSync(noop))
    throw new Error(`build produced no ${existsSync(main) ? noop : main}:\n${warnings}`);
  return { main, noop, nodeFlags: imageNodeFlags(root), warnings };
}

/**
 * The flags between node and the script in the Dockerfile's ENTRYPOINT, so the
 * bench runs our server as the image does.
 */
export function imageNodeFlags(root: string): string[] {
  const m = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(root, "Dockerfile"), "utf8"));
  if (!m) throw new Error("Dockerfile has no ENTRYPOINT in exec form");
  const argv = JSON.parse(m[1]!) as string[];
  const script = argv.indexOf("dist/main.js");
  if (argv[0] !== "/nodejs/bin/node" || script < 0)
    throw new Error(`Dockerfile ENTRYPOINT is not node ... dist/main.js: ${m[1]}`);
  return argv.slice(1, script);
}
