// The ClusterRole in package/rbac must grant exactly what the composers need:
// derived here from every example render (what is composed, what is required,
// which ClusterRoles RoleBindings point at, which DataSources VMs clone from).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { API_VERSION } from "../functions/api.js";
import type { KubeObject } from "../functions/compose.js";
import { exampleRenders, renderExample, root } from "../scripts/examples.js";
import { validateResource } from "./support/schemas.js";

const WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"];
const READ = ["get", "list", "watch"];

/** Kubernetes' own guess from kind to resource (meta.UnsafeGuessKindToResource). */
function resourceOf(kind: string): string {
  const s = kind.toLowerCase();
  if (s.endsWith("s")) return `${s}es`;
  if (s.endsWith("y")) return `${s.slice(0, -1)}ies`;
  return `${s}s`;
}
const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");

type Grants = Map<string, Set<string>>; // "group|resource|resourceName" -> verbs
function grant(g: Grants, group: string, resource: string, verbs: string[], name = "") {
  const key = `${group}|${resource}|${name}`;
  const set = g.get(key) ?? new Set<string>();
  verbs.forEach((v) => set.add(v));
  g.set(key, set);
}
const flat = (g: Grants) =>
  [...g.entries()].map(([k, v]) => `${k}: ${[...v].sort().join(",")}`).sort();

async function derived(): Promise<Grants> {
  const g: Grants = new Map();
  for (const e of exampleRenders()) {
    const out = await renderExample(e, false);
    // Crossplane's RBAC manager already grants it the XR kinds of installed XRDs.
    for (const sel of out.requirements)
      if (sel.apiVersion !== API_VERSION)
        grant(g, groupOf(sel.apiVersion), resourceOf(sel.kind), READ);
    for (const obj of out.documents.slice(1)) {
      grant(g, groupOf(obj.apiVersion), resourceOf(obj.kind), WRITE);
      const ref = (obj as { roleRef?: { kind?: string; name?: string } }).roleRef;
      if (obj.kind === "RoleBinding" && ref?.kind === "ClusterRole")
        grant(g, "rbac.authorization.k8s.io", "clusterroles", ["bind"], ref.name);
      const templates =
        (obj.spec as { dataVolumeTemplates?: { spec?: { sourceRef?: unknown } }[] } | undefined)
          ?.dataVolumeTemplates ?? [];
      if (obj.kind === "VirtualMachine" && templates.some((t) => t.spec?.sourceRef))
        grant(g, "cdi.kubevirt.io", "datavolumes/source", ["create"]);
    }
  }
  return g;
}

function granted(role: KubeObject): Grants {
  const g: Grants = new Map();
  for (const r of (
    role as unknown as {
      rules: {
        apiGroups: string[];
        resources: string[];
        resourceNames?: string[];
        verbs: string[];
      }[];
    }
  ).rules) {
    for (const group of r.apiGroups)
      for (const res of r.resources)
        for (const name of r.resourceNames ?? [""]) grant(g, group, res, r.verbs, name);
  }
  return g;
}

describe("package/rbac ClusterRole", () => {
  const role = parse(
    readFileSync(join(root, "package/rbac/clusterrole.yaml"), "utf8"),
  ) as KubeObject;
  let need: Grants;
  beforeAll(async () => {
    need = await derived();
  });

  it("is a valid ClusterRole aggregated to Crossplane", () => {
    expect(validateResource(role)).toEqual([]);
    expect(role.metadata?.labels?.["rbac.crossplane.io/aggregate-to-crossplane"]).toBe("true");
  });

  it("grants exactly what the examples compose and require", () => {
    expect(flat(granted(role))).toEqual(flat(need));
  });

  it("covers every XR kind's examples (so the derivation sees every composer)", () => {
    const kinds = new Set(
      exampleRenders().map(
        (e) => (parse(readFileSync(join(root, e.xr), "utf8")) as KubeObject).kind,
      ),
    );
    expect([...kinds].sort()).toEqual(["Tenant", "VDC", "VirtualMachine"]);
  });
});
