// `npm run render -- DIR`: a whole GitOps repository rendered as a cluster
// holding all of it would reconcile it, one line per XR, a CI gate. Each case
// is a small repository written to a temporary folder (or the examples).
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "../scripts/examples.js";
import { asExpected, renderRepository, summary, type XRRender } from "../scripts/repository.js";
import { pattern } from "./support/pattern.js";

const compositionsDir = join(root, "compositions");

const tenant = (name: string, tier = "free") =>
  `apiVersion: crossvdc.io/v1alpha1\nkind: Tenant\nmetadata: {name: ${name}}\nspec: ` +
  `{tier: ${tier}, admins: {users: [alice]}}\n`;
const vdc = (name: string, tenantName: string, extra = "") =>
  `apiVersion: crossvdc.io/v1alpha1\nkind: VDC\nmetadata: {name: ${name}, labels: ` +
  `{crossvdc.io/tenant: ${tenantName}}}\nspec:\n  tenantRef: ` +
  `{name: ${tenantName}}\n${extra}`;
const vm = (name: string, ns: string, size: string) =>
  `apiVersion: crossvdc.io/v1alpha1\nkind: VirtualMachine\nmetadata: {name: ${name}, ` +
  `namespace: ${ns}}\nspec:\n  size: {instanceType: ${size}}\n  image: {containerDisk: ` +
  `quay.io/containerdisks/fedora:40}\n`;

/** A repository in a temporary folder: file name -> content. */
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "crossvdc-repo-"));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

/** The examples, copied so a case can change one figure. */
function examplesWith(file: string, from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), "crossvdc-examples-"));
  cpSync(join(root, "examples"), dir, { recursive: true });
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
  writeFileSync(path, text.replace(from, to));
  return dir;
}

const byLabel = (rs: XRRender[], label: string) => {
  const r = rs.find((x) => x.label === label);
  if (!r) throw new Error(`no XR ${label} in ${rs.map((x) => x.label).join(", ")}`);
  return r;
};
const statusOf = (r: XRRender) => r.rendered.documents[0]!.status as Record<string, unknown>;
const conditionMessage = (r: XRRender, type: string) =>
  (statusOf(r).conditions as { type: string; message?: string }[]).find((c) => c.type === type)
    ?.message;

interface Case {
  name: string;
  reason: string;
  paths: () => string[];
  expectRefused?: (paths: string[]) => string[];
  /** What the gate must conclude. */
  ok: boolean;
  check: (rs: XRRender[], text: string) => void;
}

const cases: Case[] = [
  {
    name: "the examples",
    reason:
      "the examples are one consistent repository: every XR composes, and each in " +
      "examples/invalid is refused against it",
    paths: () => [join(root, "examples")],
    expectRefused: () => [join(root, "examples/invalid")],
    ok: true,
    check: (rs, text) => {
      expect(rs.filter((r) => !r.expectRefused && r.rendered.fatal !== undefined)).toEqual([]);
      expect(rs.filter((r) => r.expectRefused).map((r) => r.label)).toEqual([
        "VDC acme-staging",
        "VirtualMachine acme-dev/big",
      ]);
      expect(text).toMatch(/^VDC acme-dev +composes \d+ resources$/m);
      expect(text).toContain(
        "VDC acme-staging                         refused, as expected: VDC acme-staging: " +
          "over the budget of tenant acme",
      );
      expect(text).toMatch(/\n13 XR\(s\) compose, 2 refused as expected\n$/);
    },
  },
  {
    name: "VMs over their VDC's quota together",
    reason:
      "rendered one by one, each of acme-lab's VMs fits; together they do not, and the " +
      "gate refuses the one charged last",
    paths: () => [examplesWith("vms/app.yaml", "instanceType: medium", "instanceType: large")],
    expectRefused: (p) => [join(p[0]!, "invalid")],
    ok: false,
    check: (rs, text) => {
      expect(byLabel(rs, "VirtualMachine acme-lab/ubuntu").rendered.fatal).toContain(
        "over the quota of VDC acme-lab: cpu: asks 1, but VDC acme-lab's spec.quota.cpu " +
          "is 4 and VMs use 4",
      );
      expect(text).toMatch(/^VirtualMachine acme-lab\/ubuntu +REFUSED: /m);
      expect(text).toMatch(
        pattern(
          "1 of 15 XR(s) did not render as expected: VirtualMachine acme-lab/ubuntu (",
          /.*/,
          "vms/lab-ubuntu.yaml)\n",
          /$/,
        ),
      );
    },
  },
  {
    name: "XRD defaults on required resources",
    reason:
      "VDCs without a quota get the XRD's (cpu 2, memory 4Gi, storage 50Gi, vms 2) from " +
      "the API server, so the Tenant charges what each VDC charges itself",
    paths: () => [
      repo({ "t.yaml": tenant("t"), "a.yaml": vdc("t-a", "t"), "b.yaml": vdc("t-b", "t") }),
    ],
    ok: true,
    check: (rs) => {
      const t = byLabel(rs, "Tenant t");
      expect(statusOf(t).allocated).toEqual({
        cpu: "4",
        memory: "8Gi",
        storage: "100Gi",
        vms: "4",
        vdcs: "2",
      });
      expect(statusOf(t).remaining).toEqual({
        cpu: "4",
        memory: "8Gi",
        storage: "0",
        vms: "1",
        vdcs: "0",
      });
      for (const v of ["VDC t-a", "VDC t-b"])
        expect(conditionMessage(byLabel(rs, v), "BudgetAdmitted")).toBe(
          "Admitted; tenant t has cpu 4, memory 8Gi, storage 0, vms 1, vdcs 0 left",
        );
    },
  },
  {
    name: "a VM reads its VDC's status",
    reason:
      "a VDC's databases take cpu from its quota (status.databaseDemand, set by the " +
      "VDC's own render); a VM that fits only without them is refused, as in a cluster",
    paths: () => [
      repo({
        "t.yaml": tenant("t"),
        "v.yaml": vdc("t-v", "t", "  databases: [{name: pg}]\n"),
        "small.yaml": vm("small", "t-v", "small"),
        "medium.yaml": vm("medium", "t-v", "small").replace("small}", "medium}"),
      }),
    ],
    ok: false,
    check: (rs) => {
      expect(statusOf(byLabel(rs, "VDC t-v")).databaseDemand).toMatchObject({ cpu: "1" });
      expect(byLabel(rs, "VirtualMachine t-v/medium").rendered.fatal).toContain(
        "(databases take 1)",
      );
      expect(byLabel(rs, "VirtualMachine t-v/small").rendered.fatal).toBeUndefined();
    },
  },
  {
    name: "observed state by Crossplane's label",
    reason:
      "an object with crossplane.io/composition-resource-name is observed state of the XR its " +
      "crossplane.io/composite label names: the VDC sees its namespace (crossvdc's, by its " +
      "labels) terminating, the Tenant does not",
    paths: () => [
      repo({
        "t.yaml": tenant("t"),
        "v.yaml": vdc("t-v", "t"),
        "ns.yaml":
          "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: t-v\n" +
          "  labels: {crossplane.io/composite: t-v, crossvdc.io/tenant: t,\n" +
          "    crossvdc.io/type: vdc, crossvdc.io/vdc: t-v}\n" +
          "  annotations: {crossplane.io/composition-resource-name: namespace}\n" +
          "status: {phase: Terminating}\n",
      }),
    ],
    ok: true,
    check: (rs) => {
      expect(statusOf(byLabel(rs, "VDC t-v")).phase).toBe("Failed");
      expect(statusOf(byLabel(rs, "Tenant t")).phase).toBe("Pending");
    },
  },
  {
    name: "an expected refusal that composes",
    reason: "an XR under --expect-refused that the function admits fails the gate",
    paths: () => [repo({ "t.yaml": tenant("t") })],
    expectRefused: () => [repo({ "v.yaml": vdc("t-v", "t") })],
    ok: false,
    check: (_, text) => {
      expect(text).toMatch(
        /^VDC t-v +composes \d+ resources {2}UNEXPECTED: it should have been refused$/m,
      );
    },
  },
];

describe("npm run render -- DIR", () => {
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    const paths = c.paths();
    const rs = await renderRepository({
      paths,
      expectRefused: c.expectRefused?.(paths),
      compositionsDir,
    });
    const { text, ok } = summary(rs);
    c.check(rs, text);
    expect(ok, text).toBe(c.ok);
    expect(rs.every(asExpected)).toBe(c.ok);
  });
});

const errorCases: { name: string; reason: string; files: Record<string, string>; error: RegExp }[] =
  [
    {
      name: "duplicate object",
      reason:
        "one object per kind, namespace and name, as in a cluster; the second place " +
        "names the first",
      files: { "a.yaml": tenant("t"), "b.yaml": tenant("t") },
      error: /b\.yaml: document 1: Tenant t is already defined in .*a\.yaml: document 1$/,
    },
    {
      name: "unknown crossvdc kind",
      reason:
        "a typo in a kind of crossvdc's group is not silently ignored; the known kinds are listed",
      files: { "a.yaml": "apiVersion: crossvdc.io/v1alpha1\nkind: Vdc\nmetadata: {name: x}\n" },
      error: pattern(
        "a.yaml: document 1: unknown kind crossvdc.io/v1alpha1 Vdc: the known kinds of ",
        "crossvdc.io are crossvdc.io/v1alpha1 Tenant, crossvdc.io/v1alpha1 VDC, ",
        "crossvdc.io/v1alpha1 VirtualMachine",
        /$/,
      ),
    },
    {
      name: "observed state without its XR's label",
      reason:
        "observed state is tied to its XR by the label Crossplane sets; without it " +
        "render cannot tell whose it is",
      files: {
        "t.yaml": tenant("t"),
        "ns.yaml":
          "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tenant-t\n  annotations: " +
          "{crossplane.io/composition-resource-name: namespace}\n",
      },
      error: pattern(
        "ns.yaml: document 1: Namespace tenant-t has the annotation ",
        "crossplane.io/composition-resource-name of a composed resource but no label ",
        "crossplane.io/composite naming its XR",
        /$/,
      ),
    },
    {
      name: "observed state of a missing XR",
      reason:
        "a composed resource whose XR is not in the repository is stale state, reported " +
        "rather than ignored",
      files: {
        "ns.yaml":
          "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tenant-t\n  labels: " +
          "{crossplane.io/composite: t}\n  annotations: " +
          "{crossplane.io/composition-resource-name: namespace}\n",
      },
      error: pattern(
        "ns.yaml: document 1: Namespace tenant-t is labelled crossplane.io/composite: t, ",
        "but no XR of that name is in the repository",
        /$/,
      ),
    },
    {
      name: "not a Kubernetes object",
      reason: "every YAML document in the repository is an object; a list or a scalar is a mistake",
      files: { "a.yaml": "- one\n- two\n" },
      error: pattern(
        "a.yaml: document 1: not a Kubernetes object: ",
        "apiVersion and kind must be non-empty strings",
        /$/,
      ),
    },
  ];

describe("npm run render -- DIR: input errors", () => {
  it.each(errorCases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expect(renderRepository({ paths: [repo(c.files)], compositionsDir })).rejects.toThrow(
      c.error,
    );
  });
});

// The command lines, as a user runs them.
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", `scripts/${script}.ts`, ...args], {
    cwd: root,
    encoding: "utf8",
  });

describe("render and validate on the command line", () => {
  const typo = repo({
    "typo.yaml": "apiVersion: crossvdc.io/v1alpha1\nkind: Vdc\nmetadata: {name: x}\n",
  });
  const file = join(typo, "typo.yaml");
  const cli: {
    name: string;
    reason: string;
    script: string;
    args: string[];
    status: number;
    out: RegExp;
    err?: RegExp;
  }[] = [
    {
      name: "render --help",
      reason: "the usage says both forms and what the exit status means",
      script: "render",
      args: ["--help"],
      status: 0,
      out: pattern(
        /^/,
        "usage: npm run render -- XR.yaml",
        /[\s\S]*/,
        "npm run render -- DIR...",
        /[\s\S]*--expect-refused[\s\S]*Exit status/,
      ),
    },
    {
      name: "validate --help",
      reason: "validate documents that it takes folders",
      script: "validate",
      args: ["--help"],
      status: 0,
      out: /^usage: npm run validate -- FILE\|DIR\.\.\.[\s\S]*Exit status/,
    },
    {
      name: "render of one refused XR",
      reason: "one XR's Fatal is worded as the gate's line for it, on stderr, exit 1",
      script: "render",
      args: ["examples/invalid/acme-staging.yaml", "-e", "examples/tenants", "-e", "examples/vdcs"],
      status: 1,
      out: /^$/,
      err: /^VDC acme-staging {2}REFUSED: VDC acme-staging: over the budget of tenant acme: /,
    },
    {
      name: "render of an unknown kind",
      reason: "the same sentence as validate's, with the known kinds",
      script: "render",
      args: [file],
      status: 1,
      out: /^$/,
      err: new RegExp(
        `^${file}: document 1: unknown kind crossvdc.io/v1alpha1 Vdc: the known kinds of ` +
          `crossvdc.io are crossvdc.io/v1alpha1 Tenant, crossvdc.io/v1alpha1 VDC, ` +
          `crossvdc.io/v1alpha1 VirtualMachine\\n$`,
      ),
    },
    {
      name: "validate of an unknown kind",
      reason: "the same sentence as render's, with the known kinds",
      script: "validate",
      args: [typo],
      status: 1,
      out: new RegExp(
        `^${file}: document 1: unknown kind crossvdc.io/v1alpha1 Vdc: the known kinds of ` +
          `crossvdc.io are crossvdc.io/v1alpha1 Tenant, crossvdc.io/v1alpha1 VDC, ` +
          `crossvdc.io/v1alpha1 VirtualMachine\\n`,
      ),
    },
    {
      name: "render of a missing path",
      reason:
        "a path that does not exist is one line, worded as validate words it, never a stack trace",
      script: "render",
      args: ["examples/nope.yaml"],
      status: 1,
      out: /^$/,
      err: /^examples\/nope\.yaml: no such file or directory\n$/,
    },
    {
      name: "validate of a missing path",
      reason: "a path that does not exist is one line, worded as render words it",
      script: "validate",
      args: ["examples/nope.yaml"],
      status: 1,
      out: /^examples\/nope\.yaml: no such file or directory\n/,
    },
  ];
  it.each(cli.map((c) => [c.name, c]))("%s", (_, c) => {
    const r = run(c.script, ...c.args);
    expect(r.stdout).toMatch(c.out);
    expect(r.stderr).toMatch(c.err ?? /^$/);
    expect(r.status).toBe(c.status);
    // Neither tool calls itself Crossplane.
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/^crossplane:/m);
  });
});
