// The Crossplane packages: metadata valid against the meta schemas, names from package.json's
// crossvdc block wherever a package is named, package and examples roots holding only what
// `crossplane xpkg build` should read, runtime settings bound through an ImageConfig, and the
// whole set packaged under another registry and organisation.
import { execFile, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { KubeObject } from "../functions/compose.js";
import { imageNodeFlags } from "../bench/build.js";
import { PROXMOX_PROVIDER } from "../scripts/generate.js";
import { builds, commands } from "../scripts/package.js";
import {
  dependencyName,
  packageName,
  publishing,
  REPOSITORIES,
  versionRange,
} from "../scripts/publishing.js";
import { projectRoot as root, validateResource } from "./support/schemas.js";

/** The fields of package metadata, Compositions and runtime objects these tests read. */
interface Spec {
  capabilities?: string[];
  dependsOn?: { apiVersion: string; kind: string; package: string; version: string }[];
  pipeline?: { step: string; functionRef: { name: string } }[];
  matchImages?: { type: string; prefix: string }[];
  runtime?: { configRef?: { name: string } };
  package?: string;
  group?: string;
  names?: { kind: string };
  deploymentTemplate?: {
    spec: { replicas: number; template: { spec: { containers: { args?: string[] }[] } } };
  };
}
type Obj = KubeObject & { spec?: Spec };
const read = (dir: string, p: string) => parse(readFileSync(join(dir, p), "utf8")) as Obj;
const docs = (file: string) =>
  parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/**
 * The files `crossplane xpkg build` reads from a root: every non-empty .yaml/.yml file below it,
 * directories walked (crossplane-runtime pkg/xpkg/parser/fsreader.go: SkipDirs, SkipNotYAML,
 * SkipEmpty), and for the package root none whose path contains the --examples-root string
 * (crossplane-runtime pkg/xpkg/build.go SkipContains, crossplane/cli cmd/crossplane/xpkg/build.go).
 */
function cliReads(dir: string, skipContaining?: string): string[] {
  if (!existsSync(dir)) return [];
  return filesUnder(dir)
    .map((f) => join(dir, f))
    .filter((f) => /\.ya?ml$/.test(f) && statSync(f).size > 0)
    .filter((f) => skipContaining === undefined || !f.includes(skipContaining));
}

/**
 * What the build's linter admits beside the one meta object (crossplane-runtime pkg/xpkg/lint.go).
 */
const LINTER: Record<string, string[]> = {
  Configuration: [
    "apiextensions.crossplane.io/CompositeResourceDefinition",
    "apiextensions.crossplane.io/Composition",
  ],
  Function: ["apiextensions.k8s.io/CustomResourceDefinition"],
};
const group = (o: Obj) => `${String(o.apiVersion).split("/")[0]}/${String(o.kind)}`;

/** What `crossplane xpkg build` would refuse or should never carry, for one build of the plan. */
function packageProblems(dir: string, b: ReturnType<typeof builds>[number]): string[] {
  const problems: string[] = [];
  const pkgFiles = cliReads(join(dir, b.packageRoot), b.examplesRoot);
  const objects = pkgFiles.flatMap((f) => docs(f).map((o) => ({ f: relative(dir, f), o })));
  const metas = objects.filter(({ o }) => o.apiVersion?.startsWith("meta.pkg.crossplane.io/"));
  if (metas.length !== 1)
    problems.push(`${b.packageRoot}: ${metas.length} package metadata objects`);
  const kind = metas[0]?.o.kind ?? "";
  for (const { f, o } of objects) {
    if (metas.some((m) => m.o === o)) continue;
    if (!(LINTER[kind] ?? []).includes(group(o))) problems.push(`${f}: ${group(o)} in a ${kind}`);
  }
  for (const { f, o } of objects) for (const e of validateResource(o)) problems.push(`${f}: ${e}`);
  // Examples: each one an XR of a kind the package defines, valid against its XRD.
  const defined = objects
    .filter(({ o }) => o.kind === "CompositeResourceDefinition")
    .map(({ o }) => `${o.spec?.group}/${o.spec?.names?.kind}`);
  for (const f of cliReads(join(dir, b.examplesRoot)))
    for (const o of docs(f)) {
      const rel = relative(dir, f);
      const k = `${String(o.apiVersion).split("/")[0]}/${String(o.kind)}`;
      if (!defined.includes(k) && !(kind === "Configuration" && isCoreXR(k)))
        problems.push(`${rel}: ${k} is not an XR of this package`);
      for (const e of validateResource(o)) problems.push(`${rel}: ${e}`);
    }
  return problems;
}
// The Proxmox Configuration defines no XRD: its examples are XRs of the core one it depends on.
const isCoreXR = (k: string) =>
  ["crossvdc.io/Tenant", "crossvdc.io/VDC", "crossvdc.io/VirtualMachine"].includes(k);

function packageScript(dir: string, ...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/package.ts", ...args], {
    cwd: dir,
    encoding: "utf8",
  });
}

// ------------------------------------------------------------------ names

describe("Crossplane's name for a dependency", () => {
  it.each([
    {
      reason: "crossplane-runtime's own case: every valid symbol becomes a dash, ends trimmed",
      path: "-hi/my.name/is-",
      want: "hi-my-name-is",
    },
    {
      reason: "crossplane-runtime's own case: cut to 63 characters",
      path: "a".repeat(64),
      want: "a".repeat(63),
    },
    {
      reason: "crossplane-runtime's own case: cut to 63, trailing dashes trimmed",
      path: `${"a".repeat(60)}----`,
      want: "a".repeat(60),
    },
    {
      reason: "the default: org crossvdc, repository function-crossvdc",
      path: "crossvdc/function-crossvdc",
      want: "crossvdc-function-crossvdc",
    },
    {
      reason: "an org of several path components keeps all of them",
      path: "alice/platform/function-crossvdc",
      want: "alice-platform-function-crossvdc",
    },
  ])("$reason", ({ path, want }) => {
    expect(dependencyName(path)).toBe(want);
  });
});

// ------------------------------------------------------------------ what is committed

describe("the committed packages", () => {
  const p = publishing();
  const fn = packageName(p, REPOSITORIES.function);
  const core = packageName(p, REPOSITORIES.configuration);

  it.each([
    {
      reason: "the function's metadata is valid against crossplane-meta",
      file: "package/function/crossplane.yaml",
      check: (o: Obj) => ({ kind: o.kind, capabilities: o.spec?.capabilities }),
      want: { kind: "Function", capabilities: ["composition"] },
    },
    {
      reason:
        "the core Configuration depends on the function alone: no provider-proxmox-bpg " +
        "on a KubeVirt-only cluster",
      file: "package/configuration/crossplane.yaml",
      check: (o: Obj) => o.spec?.dependsOn,
      want: [
        {
          apiVersion: "pkg.crossplane.io/v1",
          kind: "Function",
          package: fn.source,
          version: versionRange(p.version),
        },
      ],
    },
    {
      reason: "Proxmox VE support is one more Configuration: the core one and the provider",
      file: "package/configuration-proxmox/crossplane.yaml",
      check: (o: Obj) => o.spec?.dependsOn,
      want: [
        {
          apiVersion: "pkg.crossplane.io/v1",
          kind: "Configuration",
          package: core.source,
          version: versionRange(p.version),
        },
        PROXMOX_PROVIDER,
      ],
    },
    {
      reason:
        "the ImageConfig binds the runtime config to the function, whichever way it was installed",
      file: "package/runtime/imageconfig.yaml",
      check: (o: Obj) => o.spec,
      want: {
        matchImages: [{ type: "Prefix", prefix: fn.source }],
        runtime: { configRef: { name: "function-crossvdc" } },
      },
    },
    {
      reason:
        "the runtime config the ImageConfig names: two replicas, a larger message limit in MB",
      file: "package/runtime/deploymentruntimeconfig.yaml",
      check: (o: Obj) => ({
        name: o.metadata?.name,
        replicas: o.spec?.deploymentTemplate?.spec.replicas,
        args: o.spec?.deploymentTemplate?.spec.template.spec.containers[0]?.args,
      }),
      want: { name: "function-crossvdc", replicas: 2, args: ["--max-recv-message-size=32"] },
    },
    {
      reason:
        "examples/functions.yaml points the Crossplane CLI at a local server under the " +
        "name the Compositions call",
      file: "examples/functions.yaml",
      check: (o: Obj) => ({
        name: o.metadata?.name,
        package: o.spec?.package,
        annotations: o.metadata?.annotations,
      }),
      want: {
        name: fn.dependencyName,
        package: fn.ref,
        annotations: {
          "render.crossplane.io/runtime": "Development",
          "render.crossplane.io/runtime-development-target": "localhost:9443",
        },
      },
    },
  ])("$reason", ({ file, check, want }) => {
    const o = read(root, file);
    expect(validateResource(o)).toEqual([]);
    expect(check(o)).toEqual(want);
  });

  it.each([
    {
      reason: "every dependsOn version is a semver range Crossplane parses (vX.Y.Z bounds)",
      check: () =>
        ["package/configuration/crossplane.yaml", "package/configuration-proxmox/crossplane.yaml"]
          .flatMap((f) => read(root, f).spec?.dependsOn ?? [])
          .filter((d) => !/^>=v\d+\.\d+\.\d+ <v\d+\.\d+\.\d+$/.test(d.version)),
      want: [],
    },
    {
      reason:
        "every Composition calls the function the core Configuration installs, by " +
        "Crossplane's name for it",
      check: () =>
        readdirSync(join(root, "compositions")).flatMap((f) =>
          (read(root, `compositions/${f}`).spec?.pipeline ?? [])
            .map((s) => s.functionRef.name)
            .filter((n) => n !== fn.dependencyName),
        ),
      want: [],
    },
    {
      reason:
        "the image runs the built server as non-root on 9443, with production dependencies only",
      check: () => {
        const docker = readFileSync(join(root, "Dockerfile"), "utf8");
        return {
          ci: docker.includes("npm ci --omit=dev"),
          base: /^FROM gcr\.io\/distroless\/nodejs24-debian12/m.test(docker),
          user: /^USER 65532:65532$/m.test(docker),
          port: /^EXPOSE 9443$/m.test(docker),
          // The bench runs our server with the node flags found here (bench/build.ts).
          flags: imageNodeFlags(root),
          dockerignore: /^node_modules$/m.test(readFileSync(join(root, ".dockerignore"), "utf8")),
        };
      },
      want: {
        ci: true,
        base: true,
        user: true,
        port: true,
        flags: [
          "--max-semi-space-size=8",
          "--initial-old-space-size=64",
          "--max-old-space-size=1024",
        ],
        dockerignore: true,
      },
    },
  ])("$reason", ({ check, want }) => {
    expect(check()).toEqual(want);
  });
});

// ------------------------------------------------------------------ npm run package

describe("npm run package", () => {
  const r = packageScript(root);
  const plan = builds(root);

  it.each(
    plan.map((b) => ({
      b,
      reason:
        `${b.repository}: the roots the CLI reads hold package metadata, XRDs and ` +
        `Compositions, and example XRs valid against the XRDs`,
    })),
  )("$reason", ({ b }) => {
    expect(r.status).toBe(0);
    expect(packageProblems(root, b)).toEqual([]);
  });

  it.each([
    {
      reason: "the package roots hold exactly crossplane.yaml, the XRDs and the Compositions",
      check: () =>
        Object.fromEntries(plan.map((b) => [b.packageRoot, filesUnder(join(root, b.packageRoot))])),
      want: {
        ".package/function": ["crossplane.yaml"],
        ".package/configuration": [
          "crossplane.yaml",
          ...readdirSync(join(root, "apis")).map((d) => join("apis", d, "definition.yaml")),
          ...readdirSync(join(root, "compositions")).map((f) => join("compositions", f)),
        ].sort(),
        ".package/configuration-proxmox": ["crossplane.yaml"],
      },
    },
    {
      reason:
        "the function package has no examples root on disk, so the CLI's default " +
        "./examples (fixtures, Secrets) is never read",
      check: () => existsSync(join(root, plan[0]!.examplesRoot)),
      want: false,
    },
    {
      reason: "every build names its examples root, and every push the ref it built",
      check: () =>
        commands(root).build.filter(
          (c) => c[0] === "crossplane" && !c.some((a) => a.startsWith("--examples-root=")),
        ),
      want: [],
    },
  ])("$reason", ({ check, want }) => {
    expect(r.status).toBe(0);
    expect(check()).toEqual(want);
  });
});

// ------------------------------------------------------------------ another registry and org

function run(cmd: string, args: string[], cwd: string): Promise<{ status: number; out: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { cwd, encoding: "utf8" }, (err, stdout, stderr) =>
      resolve({ status: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

/** A copy of the project (sources, generated files, package/) sharing node_modules. */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "crossvdc-publish-"));
  for (const f of [
    "package.json",
    "tsconfig.json",
    "Dockerfile",
    "functions",
    "scripts",
    "apis",
    "compositions",
    "examples",
    "package",
  ])
    cpSync(join(root, f), join(dir, f), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return dir;
}

describe("publishing under another registry and organisation", () => {
  it(
    "npm run generate -- --registry R --org O, then npm run package, names every package " +
      "there",
    async () => {
      const dir = copyProject();
      const tsx = (script: string, ...args: string[]) =>
        run(process.execPath, ["--import", "tsx", script, ...args], dir);
      const g = await tsx(
        "scripts/generate.ts",
        "--registry",
        "ghcr.io",
        "--org",
        "alice/platform",
      );
      expect(g.status).toBe(0);
      const pk = await tsx("scripts/package.ts");
      expect(pk.status).toBe(0);
      const version = publishing(dir).version;
      const at = (repo: string) => `ghcr.io/alice/platform/${repo}`;
      const landed = {
        settings: (
          JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { crossvdc: unknown }
        ).crossvdc,
        functionRefs: [
          ...new Set(
            readdirSync(join(dir, ".package/configuration/compositions")).flatMap((f) =>
              (read(dir, `.package/configuration/compositions/${f}`).spec?.pipeline ?? []).map(
                (s) => s.functionRef.name,
              ),
            ),
          ),
        ],
        coreDependsOn: (
          read(dir, ".package/configuration/crossplane.yaml").spec?.dependsOn ?? []
        ).map((d) => d.package),
        proxmoxDependsOn: (
          read(dir, ".package/configuration-proxmox/crossplane.yaml").spec?.dependsOn ?? []
        ).map((d) => d.package),
        functionsYaml: ((o: Obj) => [o.metadata?.name, o.spec?.package])(
          read(dir, "examples/functions.yaml"),
        ),
        imageConfig: read(dir, "package/runtime/imageconfig.yaml").spec?.matchImages,
        commands: pk.out
          .split("\n")
          .filter((l) => l.startsWith("  "))
          .map((l) => l.trim()),
      };
      expect(landed).toEqual({
        settings: { registry: "ghcr.io", org: "alice/platform" },
        functionRefs: ["alice-platform-function-crossvdc"],
        coreDependsOn: [at("function-crossvdc")],
        proxmoxDependsOn: [at("crossvdc"), PROXMOX_PROVIDER.package],
        functionsYaml: [
          "alice-platform-function-crossvdc",
          `${at("function-crossvdc")}:v${version}`,
        ],
        imageConfig: [{ type: "Prefix", prefix: at("function-crossvdc") }],
        commands: [
          `docker build -t ${at("function-crossvdc")}:v${version} .`,
          `crossplane xpkg build --package-root=.package/function ` +
            `--examples-root=.package/examples/function ` +
            `--embed-runtime-image=${at("function-crossvdc")}:v${version} ` +
            `--package-file=.package/function-crossvdc.xpkg`,
          "crossplane xpkg build --package-root=.package/configuration " +
            "--examples-root=.package/examples/configuration " +
            "--package-file=.package/crossvdc.xpkg",
          "crossplane xpkg build --package-root=.package/configuration-proxmox " +
            "--examples-root=.package/examples/configuration-proxmox " +
            "--package-file=.package/crossvdc-proxmox.xpkg",
          `crossplane xpkg push --package-files=.package/function-crossvdc.xpkg ` +
            `${at("function-crossvdc")}:v${version}`,
          `crossplane xpkg push ` +
            `--package-files=.package/crossvdc.xpkg ${at("crossvdc")}:v${version}`,
          `crossplane xpkg push ` +
            `--package-files=.package/crossvdc-proxmox.xpkg ${at("crossvdc-proxmox")}:v${version}`,
        ],
      });
      // Nothing still names the default organisation, and the roots are as valid as the defaults'.
      const stale = [".package", "package", "compositions", "examples/functions.yaml"].flatMap(
        (d) =>
          (statSync(join(dir, d)).isDirectory()
            ? filesUnder(join(dir, d)).map((f) => join(d, f))
            : [d]
          ).filter((f) =>
            /xpkg\.crossplane\.io\/crossvdc\/|crossvdc-function-crossvdc/.test(
              readFileSync(join(dir, f), "utf8"),
            ),
          ),
      );
      expect(stale).toEqual([]);
      for (const b of builds(dir)) expect(packageProblems(dir, b)).toEqual([]);
    },
  );

  it.each([
    {
      reason: "a registry that is not a host",
      args: ["--registry", "my registry"],
      says: /^npm run generate: registry "my registry" is not a registry host/,
    },
    {
      reason: "an org with capitals (OCI paths are lowercase)",
      args: ["--org", "Alice"],
      says: /^npm run generate: org "Alice" is not an OCI repository path/,
    },
    {
      reason: "a flag without its value",
      args: ["--org"],
      says: /^npm run generate: --org needs a value$/,
    },
  ])("refuses $reason in one line and changes nothing", async ({ args, says }) => {
    const dir = copyProject();
    const before = readFileSync(join(dir, "package.json"), "utf8");
    const g = await run(process.execPath, ["--import", "tsx", "scripts/generate.ts", ...args], dir);
    expect(g.status).toBe(2);
    expect(g.out.trim().split("\n")).toHaveLength(1);
    expect(g.out.trim()).toMatch(says);
    expect(readFileSync(join(dir, "package.json"), "utf8")).toBe(before);
  });
});
