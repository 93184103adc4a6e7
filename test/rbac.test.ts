// The ClusterRole in package/rbac must grant exactly what the composers need:
// derived here from every example render (what is composed, what is required,
// which ClusterRoles RoleBindings point at, which DataSources VMs clone from).
// Every RBAC rule crossvdc ships or composes (package/rbac, package/people, the
// Tenant's ClusterRole for its admins) must name kinds and verbs that exist.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseAllDocuments } from "yaml";
import { API_VERSION, GROUP, TENANT_ADMIN_VERB } from "../functions/api.js";
import type { KubeObject } from "../functions/compose.js";
import { xrds } from "../functions/registry.js";
import { exampleRenders, renderExample, root } from "../scripts/examples.js";
import { crdsDir, knownKinds, validateResource } from "./support/schemas.js";

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

/**
 * Groups Crossplane's own ClusterRole covers with verb * (its chart's
 * clusterrole.yaml): Usages among them.
 */
const CROSSPLANE_OWN = new Set(["protection.crossplane.io"]);

/** Every composed object of every example render. */
async function composedObjects(): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const e of exampleRenders()) out.push(...(await renderExample(e, false)).documents.slice(1));
  return out;
}

async function derived(): Promise<Grants> {
  const g: Grants = new Map();
  for (const e of exampleRenders()) {
    const out = await renderExample(e, false);
    // Crossplane's RBAC manager already grants it the XR kinds of installed XRDs, and its
    // own ClusterRole every apiextensions.crossplane.io kind (EnvironmentConfigs included).
    for (const sel of out.requirements)
      if (
        sel.apiVersion !== API_VERSION &&
        groupOf(sel.apiVersion) !== "apiextensions.crossplane.io"
      )
        grant(g, groupOf(sel.apiVersion), resourceOf(sel.kind), READ);
    const documents = out.documents.slice(1);
    const composedRoles = new Set(
      documents.filter((o) => o.kind === "ClusterRole").map((o) => o.metadata?.name),
    );
    for (const obj of documents) {
      if (CROSSPLANE_OWN.has(groupOf(obj.apiVersion))) continue;
      grant(g, groupOf(obj.apiVersion), resourceOf(obj.kind), WRITE);
      const ref = (obj as { roleRef?: { kind?: string; name?: string } }).roleRef;
      // Binding a role it composed needs no bind: Crossplane holds every rule
      // in it (checked below).
      if (ref?.kind === "ClusterRole" && !composedRoles.has(ref.name))
        grant(g, "rbac.authorization.k8s.io", "clusterroles", ["bind"], ref.name);
      const templates =
        (obj.spec as { dataVolumeTemplates?: { spec?: { sourceRef?: unknown } }[] } | undefined)
          ?.dataVolumeTemplates ?? [];
      if (obj.kind === "VirtualMachine" && templates.some((t) => t.spec?.sourceRef))
        grant(g, "cdi.kubevirt.io", "datavolumes/source", ["create"]);
      // OCM's webhook lets a ManagedClusterSetBinding through only for a creator who may
      // create managedclustersets/bind (api cluster/v1beta2 types_managedclustersetbinding.go).
      if (obj.kind === "ManagedClusterSetBinding")
        grant(g, "cluster.open-cluster-management.io", "managedclustersets/bind", ["create"]);
    }
  }
  return g;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}
const rulesOf = (role: KubeObject) => (role as unknown as { rules: Rule[] }).rules;

function granted(role: KubeObject): Grants {
  const g: Grants = new Map();
  for (const r of rulesOf(role)) {
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

// ---- every rule names kinds and verbs that exist

/**
 * What the API server serves: crossvdc's XRDs (and their status), and every
 * kind a schema is known for.
 */
function servedResources(): Set<string> {
  const out = new Set<string>();
  for (const x of xrds) for (const r of [x.plural, `${x.plural}/status`]) out.add(`${GROUP}|${r}`);
  for (const k of knownKinds()) {
    const [apiVersion, kind] = k.split("|") as [string, string];
    if (!kind.endsWith("List")) out.add(`${groupOf(apiVersion)}|${resourceOf(kind)}`);
  }
  // KubeVirt's JSON Schemas, named <group>_<kind in lower case>_<version>.json.
  for (const f of readdirSync(join(crdsDir, "kubevirt-jsonschema"))) {
    const m = /^(.+)_([a-z0-9]+)_[a-z0-9]+\.json$/.exec(f);
    if (m) out.add(`${m[1]}|${resourceOf(m[2]!)}`);
  }
  // CDI's clone check: creating a DataVolume that clones from a DataSource needs create on
  // datavolumes/source in the source's namespace (a virtual subresource, not in any schema).
  out.add("cdi.kubevirt.io|datavolumes/source");
  // managedclustersets/bind: OCM's virtual subresource for binding a set to a namespace.
  out.add("cluster.open-cluster-management.io|managedclustersets/bind");
  return out;
}
const STANDARD_VERBS = [
  "get",
  "list",
  "watch",
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection",
];
/** Verbs with a meaning only on some resources. */
const SPECIAL_VERBS: Record<string, string[]> = {
  "rbac.authorization.k8s.io|clusterroles": ["bind", "escalate"],
  "rbac.authorization.k8s.io|roles": ["bind", "escalate"],
  [`${GROUP}|tenants`]: [TENANT_ADMIN_VERB],
};

const shipped = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(root, dir, f), "utf8")).map((d) => ({
        where: `${dir}/${f}`,
        obj: d.toJSON() as KubeObject,
      })),
    );

describe("every RBAC rule crossvdc ships or composes", () => {
  const served = servedResources();
  let roles: { where: string; obj: KubeObject }[];
  beforeAll(async () => {
    roles = [
      ...shipped("package/rbac"),
      ...shipped("package/people"),
      ...(await composedObjects()).map((obj) => ({ where: "composed", obj })),
    ].filter(({ obj }) => obj.kind === "ClusterRole" || obj.kind === "Role");
  });

  it("covers the shipped roles and the Tenant's role for its admins", () => {
    const names = roles.map((r) => `${r.where}: ${r.obj.metadata?.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "package/rbac/clusterrole.yaml: crossplane:crossvdc",
        "package/people/clusterroles.yaml: crossvdc:aggregate-to-edit",
        "package/people/clusterroles.yaml: crossvdc:aggregate-to-view",
        "package/people/clusterroles.yaml: crossvdc:platform-admin",
        "composed: crossvdc-tenant-acme",
      ]),
    );
  });

  it("each is a valid ClusterRole whose rules name served resources and their verbs", () => {
    const problems: string[] = [];
    for (const { where, obj } of roles) {
      problems.push(...validateResource(obj).map((e) => `${where}: ${e}`));
      for (const r of rulesOf(obj))
        for (const group of r.apiGroups)
          for (const res of r.resources) {
            const key = `${group}|${res}`;
            const at = `${where} ${obj.metadata?.name}: ${key}`;
            if (!served.has(key)) problems.push(`${at}: no such resource`);
            const verbs = [...STANDARD_VERBS, ...(SPECIAL_VERBS[key] ?? [])];
            for (const v of r.verbs) if (!verbs.includes(v)) problems.push(`${at}: no verb ${v}`);
          }
    }
    expect(problems).toEqual([]);
  });

  it(
    "the Tenant's role grants only what Crossplane holds (verb * on crossvdc's XR kinds), " +
      "so it needs no escalate or bind",
    () => {
      for (const { obj } of roles.filter((r) => r.where === "composed"))
        for (const r of rulesOf(obj)) {
          expect(r.apiGroups).toEqual([GROUP]);
          for (const res of r.resources) expect(xrds.map((x) => x.plural)).toContain(res);
        }
    },
  );
});
