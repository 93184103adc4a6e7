// `npm ci` on the Node the README states: every installed package accepts it (no engine
// warnings, and with engine-strict an unsupported Node is refused outright), and every install
// script was reviewed (npm 11 blocks unreviewed ones and warns).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { projectRoot as root } from "./support/schemas.js";

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
}
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  engines: { node: string };
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};
const installed = Object.entries(lock.packages)
  .filter(([where]) => where !== "")
  .map(([where, e]) => ({ name: where.replace(/^.*node_modules\//, ""), ...e }));
const ours = pkg.engines.node;
const nodeRange = (e: LockEntry) => (Array.isArray(e.engines) ? undefined : e.engines?.node);

describe("the Node version", () => {
  it.each([
    {
      reason: "every installed package accepts every Node our engines admit",
      check: () =>
        installed
          .filter((e) => nodeRange(e) && !semver.subset(ours, nodeRange(e)!))
          .map((e) => `${e.name}@${e.version}: ${nodeRange(e)}`),
      want: [],
    },
    {
      reason:
        "the floor is the dependencies' own: the Node just below it is refused by one of them",
      check: () => {
        const floor = semver.minVersion(ours)!;
        const below = `${floor.major}.${floor.minor - 1}.99`;
        return {
          floor: floor.version,
          refusedBelow: installed.some(
            (e) => nodeRange(e) && !semver.satisfies(below, nodeRange(e)!),
          ),
        };
      },
      want: { floor: "20.19.0", refusedBelow: true },
    },
    {
      reason: "the tests run on a Node the engines admit (CI runs them on the machine's Node)",
      check: () => semver.satisfies(process.version, ours),
      want: true,
    },
    {
      reason: "npm refuses an unsupported Node instead of warning and installing anyway",
      check: () => /^engine-strict=true$/m.test(readFileSync(join(root, ".npmrc"), "utf8")),
      want: true,
    },
    {
      reason: "the README states the range engines states",
      check: () => readFileSync(join(root, "README.md"), "utf8").includes(`\`${ours}\``),
      want: true,
    },
    {
      reason:
        "every package with an install script is reviewed in allowScripts (npm 11 warns otherwise)",
      check: () =>
        installed
          .filter((e) => e.hasInstallScript && pkg.allowScripts?.[e.name] === undefined)
          .map((e) => e.name),
      want: [],
    },
  ])("$reason", ({ check, want }) => {
    expect(check()).toEqual(want);
  });
});
