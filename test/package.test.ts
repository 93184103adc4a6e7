import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { FUNCTION_NAME, FUNCTION_PACKAGE } from "../functions/api.js";
import type { KubeObject } from "../functions/compose.js";
import { imageNodeFlags } from "../bench/build.js";
import { root } from "../scripts/examples.js";
import { validateResource } from "./support/schemas.js";

const read = (p: string) => parse(readFileSync(join(root, p), "utf8")) as KubeObject;
const yamlFiles = (dir: string): string[] =>
  readdirSync(join(root, dir)).flatMap((f) => {
    const p = join(dir, f);
    return statSync(join(root, p)).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });

/** The name Crossplane gives a package installed as a dependency: its path without the registry, '/' as '-'. */
function dependencyName(pkg: string): string {
  return pkg.split("/").slice(1).join("-").split(":")[0]!;
}

describe("Crossplane packages", () => {
  const configuration = read("package/configuration/crossplane.yaml");
  const fn = read("package/function/crossplane.yaml");

  it.each([["package/configuration/crossplane.yaml"], ["package/function/crossplane.yaml"]])(
    "%s validates against crossplane-meta",
    (file) => {
      expect(validateResource(read(file))).toEqual([]);
    },
  );

  it("the function package declares the composition capability and its metadata", () => {
    expect(fn.apiVersion).toBe("meta.pkg.crossplane.io/v1beta1");
    expect((fn.spec as { capabilities: string[] }).capabilities).toEqual(["composition"]);
    for (const a of ["maintainer", "source", "license", "description"])
      expect(fn.metadata?.annotations?.[`meta.crossplane.io/${a}`]).toBeTruthy();
  });

  it("the configuration needs Crossplane v2 and pins its dependencies with semver ranges", () => {
    const spec = configuration.spec as {
      crossplane: { version: string };
      dependsOn: { kind: string; package: string; version: string }[];
    };
    expect(spec.crossplane.version).toBe(">=v2.0.0");
    expect(spec.dependsOn.map((d) => [d.kind, d.package])).toEqual([
      ["Function", FUNCTION_PACKAGE],
      ["Provider", "xpkg.upbound.io/valkiriaaquaticamendi/provider-proxmox-bpg"],
    ]);
    for (const d of spec.dependsOn) expect(d.version).toMatch(/^>=v\d+\.\d+\.\d+ <v\d+\.\d+\.\d+$/);
  });

  it("every Composition's pipeline calls only the function the configuration depends on", () => {
    const declared = (
      configuration.spec as { dependsOn: { kind: string; package: string }[] }
    ).dependsOn
      .filter((d) => d.kind === "Function")
      .map((d) => dependencyName(d.package));
    expect(declared).toEqual([FUNCTION_NAME]);
    for (const file of yamlFiles("compositions")) {
      const c = read(file);
      expect(validateResource(c)).toEqual([]);
      for (const step of (c.spec as { pipeline: { functionRef: { name: string } }[] }).pipeline)
        expect(declared).toContain(step.functionRef.name);
    }
  });

  it("every XRD in apis/ has a Composition for its kind", () => {
    const compositions = yamlFiles("compositions").map(
      (f) =>
        (read(f).spec as { compositeTypeRef: { apiVersion: string; kind: string } })
          .compositeTypeRef,
    );
    for (const file of yamlFiles("apis")) {
      const xrd = read(file);
      expect(validateResource(xrd)).toEqual([]);
      const spec = xrd.spec as {
        group: string;
        names: { kind: string };
        versions: { name: string; referenceable: boolean }[];
      };
      const version = spec.versions.find((v) => v.referenceable)!.name;
      expect(compositions).toContainEqual({
        apiVersion: `${spec.group}/${version}`,
        kind: spec.names.kind,
      });
    }
  });

  it("examples/functions.yaml points the Crossplane CLI at a local server under the name the Compositions use", () => {
    const f = read("examples/functions.yaml");
    expect(f.metadata?.name).toBe(FUNCTION_NAME);
    expect(f.metadata?.annotations).toEqual({
      "render.crossplane.io/runtime": "Development",
      "render.crossplane.io/runtime-development-target": "localhost:9443",
    });
  });

  it("the runtime config runs two replicas with a larger message limit", () => {
    // No schema for DeploymentRuntimeConfig in ../shared/crds; check what it is for.
    const d = read("package/runtime/deploymentruntimeconfig.yaml") as any;
    expect(d.apiVersion).toBe("pkg.crossplane.io/v1beta1");
    expect(d.spec.deploymentTemplate.spec.replicas).toBe(2);
    expect(d.spec.deploymentTemplate.spec.template.spec.containers[0].args).toEqual([
      "--max-recv-message-size=32",
    ]);
  });

  it("npm run package assembles a configuration root of crossplane.yaml, XRDs and Compositions only", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/package.ts"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    const out = join(root, ".package/configuration");
    const files = yamlFiles(relative(root, out))
      .map((f) => relative(relative(root, out), f))
      .sort();
    expect(files).toEqual(
      ["crossplane.yaml", ...yamlFiles("apis"), ...yamlFiles("compositions")].sort(),
    );
    for (const f of files.filter((f) => f !== "crossplane.yaml")) {
      for (const doc of parseAllDocuments(readFileSync(join(out, f), "utf8"))) {
        expect(["CompositeResourceDefinition", "Composition"]).toContain(
          (doc.toJSON() as KubeObject).kind,
        );
      }
    }
  });

  it("the image runs the built server as non-root on 9443, with production dependencies only", () => {
    const docker = readFileSync(join(root, "Dockerfile"), "utf8");
    expect(docker).toContain("npm ci --omit=dev");
    expect(docker).toMatch(/^FROM gcr\.io\/distroless\/nodejs24-debian12/m);
    expect(docker).toMatch(/^USER 65532:65532$/m);
    expect(docker).toMatch(/^EXPOSE 9443$/m);
    // The bench runs our server with the node flags found here (bench/build.ts).
    expect(imageNodeFlags(root)).toEqual(["--max-semi-space-size=8", "--max-old-space-size=1024"]);
    expect(readFileSync(join(root, ".dockerignore"), "utf8")).toMatch(/^node_modules$/m);
  });
});
