// Where crossvdc's packages are published, set in one place: package.json's "crossvdc" block
// (registry and organisation; the version is package.json's own). `npm run generate -- --registry R
// --org O` writes that block and regenerates every file that names a package: the Compositions'
// functionRef, the Configurations' dependsOn, examples/functions.yaml and the ImageConfig;
// `npm run package` builds the images under the same names.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import semver from "semver";

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface Publishing {
  /** An OCI registry host, e.g. xpkg.crossplane.io, ghcr.io, index.docker.io. */
  registry: string;
  /** The organisation (one or more path components) the packages live under. */
  org: string;
  /** The packages' version, package.json's own, without the leading v. */
  version: string;
}

/** One of crossvdc's packages, named under a Publishing. */
export interface PackageName {
  /** The repository under the org: function-crossvdc, crossvdc, crossvdc-proxmox. */
  repository: string;
  /** <registry>/<org>/<repository>: what dependsOn and an ImageConfig's prefix name. */
  source: string;
  /** <source>:v<version>: what is pushed and installed. */
  ref: string;
  /** The name Crossplane gives the package when it installs it as a dependency. */
  dependencyName: string;
}

export const REPOSITORIES = {
  function: "function-crossvdc",
  configuration: "crossvdc",
  proxmox: "crossvdc-proxmox",
} as const;

const HOST = /^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+|[a-z0-9.-]+:\d+)$/;
// The OCI distribution spec's path component, one or more of them.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const ORG = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

/** Why a registry or org cannot name a package, or undefined when it can. */
export function publishingProblem(p: Pick<Publishing, "registry" | "org">): string | undefined {
  if (!HOST.test(p.registry))
    return (
      `registry ${JSON.stringify(p.registry)} is not a registry host (e.g. ghcr.io, ` +
      `index.docker.io, localhost:5000)`
    );
  if (!ORG.test(p.org))
    return (
      `org ${JSON.stringify(p.org)} is not an OCI repository path (lowercase letters, ` +
      `digits, '.', '_', '-', components separated by '/')`
    );
  return undefined;
}

interface PackageJson {
  version: string;
  crossvdc?: { registry?: string; org?: string };
  [k: string]: unknown;
}

function readPackageJson(root: string): PackageJson {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;
}

/** The publishing settings in package.json. */
export function publishing(root = projectRoot): Publishing {
  const pkg = readPackageJson(root);
  const p = {
    registry: pkg.crossvdc?.registry ?? "",
    org: pkg.crossvdc?.org ?? "",
    version: pkg.version,
  };
  const problem = publishingProblem(p);
  if (problem) throw new Error(`package.json crossvdc: ${problem}`);
  return p;
}

/** Writes registry and org into package.json's crossvdc block, keeping everything else. */
export function setPublishing(root: string, p: Pick<Publishing, "registry" | "org">): void {
  const problem = publishingProblem(p);
  if (problem) throw new Error(problem);
  const pkg = readPackageJson(root);
  pkg.crossvdc = { ...pkg.crossvdc, registry: p.registry, org: p.org };
  writeFileSync(join(root, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
}

/**
 * Crossplane's name for a package it installs as a dependency: the repository path (no
 * registry, no tag) as a DNS label, `xpkg.ToDNSLabel(ref.Context().RepositoryStr())` in
 * crossplane internal/controller/pkg/resolver/reconciler.go. ToDNSLabel (crossplane-runtime
 * pkg/xpkg/name.go) keeps [a-z0-9], turns '.', '/', ':' and '-' into '-' except at the first,
 * 63rd and last character, stops after 63 characters and trims '-'.
 */
export function dependencyName(repositoryPath: string): string {
  let cut = "";
  for (let i = 0; i < repositoryPath.length; i++) {
    const b = repositoryPath[i]!;
    if (/[a-z0-9]/.test(b)) cut += b;
    if (/[./:-]/.test(b) && i !== 0 && i !== 62 && i !== repositoryPath.length - 1) cut += "-";
    if (i === 62) break;
  }
  return cut.replace(/^-+|-+$/g, "");
}

export function packageName(p: Publishing, repository: string): PackageName {
  const source = `${p.registry}/${p.org}/${repository}`;
  return {
    repository,
    source,
    ref: `${source}:v${p.version}`,
    dependencyName: dependencyName(`${p.org}/${repository}`),
  };
}

/**
 * The dependsOn range for packages of this release: this version up to the next
 * minor (0.x) or major.
 */
export function versionRange(version: string): string {
  const v = semver.parse(version);
  if (!v) throw new Error(`package.json version ${JSON.stringify(version)} is not semver`);
  const next = v.major === 0 ? `0.${v.minor + 1}.0` : `${v.major + 1}.0.0`;
  return `>=v${v.version} <v${next}`;
}
