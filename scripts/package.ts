// npm run package: assembles the package roots and examples roots in .package/ and prints the
// commands that build and push the three packages under the registry and organisation in
// package.json's crossvdc block (set them with npm run generate -- --registry R --org O).
//   npm run package -- --build   also runs the builds (docker, crossplane CLI)
//   npm run package -- --push    builds, then pushes (after docker/crossplane login)
//
// `crossplane xpkg build` reads every non-empty .yaml/.yml file under --package-root, and under
// --examples-root (default ./examples, relative to where it runs: this repository's fixtures,
// Secrets included), so every build names both roots, and each holds only what belongs in the
// package: crossplane.yaml, the XRDs and Compositions; example XRs. (crossplane/cli
// cmd/crossplane/xpkg/build.go; crossplane-runtime pkg/xpkg/build.go, parser/fsreader.go.)
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageName, projectRoot, publishing, REPOSITORIES } from "./publishing.js";

export interface PackageBuild {
  /** The package's repository under the org. */
  repository: string;
  /** --package-root, relative to the project root. */
  packageRoot: string;
  /** --examples-root, relative to the project root; absent on disk means no examples. */
  examplesRoot: string;
  /** The runtime image embedded in a function package. */
  embedRuntimeImage?: string;
  /** The .xpkg file written. */
  output: string;
  /** Where it is pushed: <registry>/<org>/<repository>:v<version>. */
  ref: string;
}

const OUT = ".package";

/** The three packages, their roots and names under package.json's publishing settings. */
export function builds(root = projectRoot): PackageBuild[] {
  const p = publishing(root);
  const fn = packageName(p, REPOSITORIES.function);
  const core = packageName(p, REPOSITORIES.configuration);
  const proxmox = packageName(p, REPOSITORIES.proxmox);
  return [
    {
      repository: fn.repository,
      packageRoot: `${OUT}/function`,
      // Never created: a function package has no example XRs.
      examplesRoot: `${OUT}/examples/function`,
      embedRuntimeImage: fn.ref,
      output: `${OUT}/${fn.repository}.xpkg`,
      ref: fn.ref,
    },
    {
      repository: core.repository,
      packageRoot: `${OUT}/configuration`,
      examplesRoot: `${OUT}/examples/configuration`,
      output: `${OUT}/${core.repository}.xpkg`,
      ref: core.ref,
    },
    {
      repository: proxmox.repository,
      packageRoot: `${OUT}/configuration-proxmox`,
      examplesRoot: `${OUT}/examples/configuration-proxmox`,
      output: `${OUT}/${proxmox.repository}.xpkg`,
      ref: proxmox.ref,
    },
  ];
}

/**
 * Writes the package roots and examples roots under .package/ from package/,
 * apis/ and compositions/.
 */
export function assemble(root = projectRoot): void {
  const out = join(root, OUT);
  rmSync(out, { recursive: true, force: true });
  const copy = (from: string, to: string) =>
    cpSync(join(root, from), join(out, to), { recursive: true });
  mkdirSync(out, { recursive: true });
  copy("package/function/crossplane.yaml", "function/crossplane.yaml");
  copy("package/configuration/crossplane.yaml", "configuration/crossplane.yaml");
  copy("apis", "configuration/apis");
  copy("compositions", "configuration/compositions");
  copy("package/configuration-proxmox/crossplane.yaml", "configuration-proxmox/crossplane.yaml");
  copy("package/examples/configuration", "examples/configuration");
  copy("package/examples/configuration-proxmox", "examples/configuration-proxmox");
}

/** The commands that build (docker, crossplane xpkg build) and push the packages, in order. */
export function commands(root = projectRoot): { build: string[][]; push: string[][] } {
  const all = builds(root);
  const fn = all[0]!;
  return {
    build: [
      ["docker", "build", "-t", fn.embedRuntimeImage!, "."],
      ...all.map((b) => [
        "crossplane",
        "xpkg",
        "build",
        `--package-root=${b.packageRoot}`,
        `--examples-root=${b.examplesRoot}`,
        ...(b.embedRuntimeImage ? [`--embed-runtime-image=${b.embedRuntimeImage}`] : []),
        `--package-file=${b.output}`,
      ]),
    ],
    push: all.map((b) => ["crossplane", "xpkg", "push", `--package-files=${b.output}`, b.ref]),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const push = argv.includes("--push");
  const build = push || argv.includes("--build");
  assemble();
  const { build: buildCmds, push: pushCmds } = commands();
  console.log(`assembled the package roots in ${OUT}/`);
  const steps = [...buildCmds, ...pushCmds];
  const run = [...(build ? buildCmds : []), ...(push ? pushCmds : [])];
  if (run.length === 0) {
    console.log("build and push with:");
    for (const c of steps) console.log(`  ${c.join(" ")}`);
  }
  for (const c of run) {
    console.log(`$ ${c.join(" ")}`);
    const r = spawnSync(c[0]!, c.slice(1), { cwd: projectRoot, stdio: "inherit" });
    if (r.status !== 0) {
      console.error(
        r.error ? `${c[0]} could not be run: ${r.error.message}` : `${c[0]} exited ${r.status}`,
      );
      process.exit(1);
    }
  }
}
