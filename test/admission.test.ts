// The admission policy on VDCs (package/people/vdc-admission.yaml), evaluated as the API
// server evaluates it: matchConditions, then variables, then each validation, with CEL
// (@bufbuild/cel). The `authorizer` answers from real RBAC rules: the ClusterRole the Tenant
// composer gives a tenant's admins, the shipped platform role, cluster-admin's, Crossplane's.
// A request is allowed when RBAC allows its verb on vdcs and the policy lets it through.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  celEnv,
  celMethod,
  CelScalar,
  isCelError,
  mapType,
  parse,
  plan,
  type CelInput,
} from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../functions/compose.js";
import { root } from "../scripts/examples.js";
import { run } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

const docs = (file: string) =>
  parseAllDocuments(readFileSync(join(root, file), "utf8")).map((d) => d.toJSON() as KubeObject);
const [policy, binding] = docs("package/people/vdc-admission.yaml") as [KubeObject, KubeObject];
const people = docs("package/people/clusterroles.yaml");

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}
const rulesOf = (role: KubeObject | undefined) =>
  (role as { rules?: Rule[] } | undefined)?.rules ?? [];

/** The RBAC authorizer's answer for rules bound cluster-wide (RBAC allows custom verbs). */
function allows(rules: Rule[], group: string, resource: string, name: string, verb: string) {
  const any = (list: string[] | undefined, v: string) =>
    list !== undefined && (list.includes("*") || list.includes(v));
  return rules.some(
    (r) =>
      any(r.apiGroups, group) &&
      any(r.resources, resource) &&
      any(r.verbs, verb) &&
      (!r.resourceNames?.length || (name !== "" && r.resourceNames.includes(name))),
  );
}

// ---- who asks

/** The ClusterRole a Tenant composes for its admins, from the composer itself. */
function tenantAdmin(tenant: string): Rule[] {
  const out = run({
    xr: {
      apiVersion: "crossvdc.io/v1alpha1",
      kind: "Tenant",
      metadata: { name: tenant },
      spec: { admins: { users: [`admin@${tenant}.example`] } },
    },
    required: { vdcs: [] },
  });
  const role = out.resources["clusterrole-admins"];
  const crb = out.resources["clusterrolebinding-admins"] as { roleRef?: { name?: string } };
  expect(crb.roleRef?.name).toBe(role?.metadata?.name);
  return rulesOf(role);
}
const USERS: Record<string, { username: string; rules: Rule[] }> = {
  "acme admin": { username: "admin@acme.example", rules: tenantAdmin("acme") },
  "globex admin": { username: "admin@globex.example", rules: tenantAdmin("globex") },
  "cluster-admin": {
    username: "root",
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
  },
  "crossvdc:platform-admin": {
    username: "platform@example",
    rules: rulesOf(people.find((r) => r.metadata?.name === "crossvdc:platform-admin")),
  },
  // Crossplane's RBAC manager: verb * on the kinds of every XRD (crossplane:composite:*).
  crossplane: {
    username: "system:serviceaccount:crossplane-system:crossplane",
    rules: [{ apiGroups: ["crossvdc.io"], resources: ["tenants", "vdcs"], verbs: ["*"] }],
  },
  // A VDC editor: the aggregated roles, bound in a VDC namespace; nothing on cluster-scoped kinds.
  "vdc editor": { username: "dev@acme.example", rules: [] },
  "garbage collector": {
    username: "system:serviceaccount:kube-system:generic-garbage-collector",
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch", "delete"] }],
  },
};

// ---- the policy as the API server runs it

const ResourceCheck = mapType(CelScalar.STRING, CelScalar.DYN);
/** authorizer.group(g).resource(r).name(n).check(verb).allowed(), over the asking user's rules. */
function authorizerEnv(rules: Rule[]) {
  const step = (key: string) =>
    celMethod(key, ResourceCheck, [CelScalar.STRING], ResourceCheck, function (v) {
      const m = new Map<string, CelInput>();
      for (const [k, x] of this.entries()) if (typeof k === "string") m.set(k, x);
      m.set(key, v);
      return m;
    });
  const allowed = celMethod("allowed", ResourceCheck, [], CelScalar.BOOL, function () {
    const s = (k: string) => {
      const v = this.get(k);
      return typeof v === "string" ? v : "";
    };
    return allows(rules, s("group"), s("resource"), s("name"), s("check"));
  });
  return celEnv({
    funcs: [...strings, ...["group", "resource", "name", "check"].map(step), allowed],
  });
}

/** A JSON value as CEL sees it: objects as maps, integers as ints. */
function cel(v: unknown): CelInput {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(cel);
  if (typeof v === "object") {
    const m = new Map<string, CelInput>();
    for (const [k, x] of Object.entries(v)) m.set(k, cel(x));
    return m;
  }
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return v as CelInput;
}

interface Spec {
  matchConditions: { name: string; expression: string }[];
  variables: { name: string; expression: string }[];
  validations: { expression: string; messageExpression: string; reason: string }[];
}
const spec = policy.spec as Spec;

interface Request {
  operation: "CREATE" | "UPDATE" | "DELETE";
  user: keyof typeof USERS;
  object?: KubeObject;
  oldObject?: KubeObject;
}
type Verdict = { allowed: true } | { allowed: false; message: string };

function admit(r: Request): Verdict {
  const who = USERS[r.user]!;
  const verb = r.operation.toLowerCase();
  const name = (r.object ?? r.oldObject)?.metadata?.name ?? "";
  // Authorization runs before admission.
  if (!allows(who.rules, "crossvdc.io", "vdcs", name, verb))
    return { allowed: false, message: `RBAC: ${r.user} may not ${verb} vdcs` };
  const env = authorizerEnv(who.rules);
  const evaluate = (expr: string, vars: Map<string, CelInput>) => {
    const out = plan(
      env,
      parse(expr),
    )({
      object: cel(r.object),
      oldObject: cel(r.oldObject),
      request: cel({ operation: r.operation, userInfo: { username: who.username } }),
      authorizer: new Map([["authorizer", true]]),
      variables: vars,
    });
    if (isCelError(out) || out instanceof Error) throw new Error(`${expr}: ${String(out)}`);
    return out;
  };
  const vars = new Map<string, CelInput>();
  for (const c of spec.matchConditions)
    if (evaluate(c.expression, vars) !== true) return { allowed: true };
  for (const v of spec.variables) vars.set(v.name, evaluate(v.expression, vars));
  for (const v of spec.validations) {
    if (evaluate(v.expression, vars) === true) continue;
    const message = evaluate(v.messageExpression, vars);
    return { allowed: false, message: typeof message === "string" ? message : "(not a string)" };
  }
  return { allowed: true };
}

// ---- requests

const vdc = (name: string, tenant: string, label?: string, spec: object = {}): KubeObject => ({
  apiVersion: "crossvdc.io/v1alpha1",
  kind: "VDC",
  metadata: {
    name,
    ...(label !== undefined ? { labels: { "crossvdc.io/tenant": label } } : {}),
  },
  spec: { tenantRef: { name: tenant }, quota: { cpu: 2 }, ...spec },
});
const acmeDev = vdc("acme-dev", "acme", "acme");
/** A VDC made before the policy: no label. */
const legacy = vdc("acme-old", "acme");
const withMeta = (o: KubeObject, more: Record<string, unknown>): KubeObject => ({
  ...o,
  metadata: { ...o.metadata, ...more },
});

const ALLOWED = { allowed: true } as const;
const denied = (message: string) => ({ allowed: false, message });

const CASES: { reason: string; request: Request; want: Verdict }[] = [
  {
    reason: "a tenant admin creates a VDC for their own tenant",
    request: { operation: "CREATE", user: "acme admin", object: vdc("acme-test", "acme", "acme") },
    want: ALLOWED,
  },
  {
    reason: "a tenant admin cannot create a VDC for another tenant (charging its budget)",
    request: {
      operation: "CREATE",
      user: "acme admin",
      object: vdc("globex-test", "globex", "globex"),
    },
    want: denied(
      "only an admin of tenant globex may create, change or delete its VDCs (verb " +
        "administer on tenants.crossvdc.io/globex, granted by the Tenant to its " +
        "spec.admins)",
    ),
  },
  {
    reason: "a VDC must be named after its tenant",
    request: { operation: "CREATE", user: "acme admin", object: vdc("globex-x", "acme", "acme") },
    want: denied(
      `metadata.name: must start with "acme-" (the tenant's name), so tenants cannot ` +
        `take each other's names`,
    ),
  },
  {
    reason: "the tenant's name alone, with the dash and nothing after, is not a VDC name",
    request: { operation: "CREATE", user: "acme admin", object: vdc("acme-", "acme", "acme") },
    want: denied(`metadata.name: must start with "acme-"`),
  },
  {
    reason: "spec.tenantRef cannot be changed, even by an admin of both tenants",
    request: {
      operation: "UPDATE",
      user: "cluster-admin",
      oldObject: acmeDev,
      object: vdc("acme-dev", "globex", "globex"),
    },
    want: denied(
      "spec.tenantRef.name: is immutable (acme): create a VDC for the other tenant instead",
    ),
  },
  {
    reason: "the tenant label is required on a new VDC",
    request: { operation: "CREATE", user: "acme admin", object: vdc("acme-test", "acme") },
    want: denied(
      `metadata.labels["crossvdc.io/tenant"]: must be "acme" (spec.tenantRef.name): a ` +
        `tenant's VDCs find each other by this label`,
    ),
  },
  {
    reason: "the tenant label must name spec.tenantRef's tenant",
    request: {
      operation: "CREATE",
      user: "acme admin",
      object: vdc("acme-test", "acme", "globex"),
    },
    want: denied(`metadata.labels["crossvdc.io/tenant"]: must be "acme"`),
  },
  {
    reason: "the tenant label cannot be changed away from the tenant",
    request: {
      operation: "UPDATE",
      user: "acme admin",
      oldObject: acmeDev,
      object: withMeta(acmeDev, { labels: { "crossvdc.io/tenant": "globex" } }),
    },
    want: denied(`metadata.labels["crossvdc.io/tenant"]: must be "acme"`),
  },
  {
    reason: "a tenant admin changes their VDC's spec",
    request: {
      operation: "UPDATE",
      user: "acme admin",
      oldObject: acmeDev,
      object: vdc("acme-dev", "acme", "acme", { quota: { cpu: 4 } }),
    },
    want: ALLOWED,
  },
  {
    reason: "another tenant's admin cannot change it",
    request: {
      operation: "UPDATE",
      user: "globex admin",
      oldObject: acmeDev,
      object: vdc("acme-dev", "acme", "acme", { quota: { cpu: 4 } }),
    },
    want: denied("only an admin of tenant acme may create, change or delete its VDCs"),
  },
  {
    reason: "a tenant admin deletes their VDC",
    request: { operation: "DELETE", user: "acme admin", oldObject: acmeDev },
    want: ALLOWED,
  },
  {
    reason: "another tenant's admin cannot delete it",
    request: { operation: "DELETE", user: "globex admin", oldObject: acmeDev },
    want: denied("only an admin of tenant acme may create, change or delete its VDCs"),
  },
  {
    reason:
      "a platform admin (cluster-admin: verb * covers administer) creates a VDC for any tenant",
    request: {
      operation: "CREATE",
      user: "cluster-admin",
      object: vdc("globex-new", "globex", "globex"),
    },
    want: ALLOWED,
  },
  {
    reason: "a platform admin bound to crossvdc:platform-admin creates a VDC for any tenant",
    request: {
      operation: "CREATE",
      user: "crossvdc:platform-admin",
      object: vdc("globex-new", "globex", "globex"),
    },
    want: ALLOWED,
  },
  {
    reason: "a platform admin deletes any tenant's VDC",
    request: { operation: "DELETE", user: "crossvdc:platform-admin", oldObject: acmeDev },
    want: ALLOWED,
  },
  {
    reason: "the rules the function relies on bind platform admins too: no VDC without the label",
    request: { operation: "CREATE", user: "cluster-admin", object: vdc("globex-new", "globex") },
    want: denied(`metadata.labels["crossvdc.io/tenant"]: must be "globex"`),
  },
  {
    reason: "a VDC member has no say over VDCs (RBAC, before the policy)",
    request: { operation: "CREATE", user: "vdc editor", object: vdc("acme-test", "acme", "acme") },
    want: denied("RBAC: vdc editor may not create vdcs"),
  },
  {
    reason:
      "Crossplane marks a VDC made before the policy (finalizer, crossplane.io/in-use): " +
      "spec and tenant label unchanged",
    request: {
      operation: "UPDATE",
      user: "crossplane",
      oldObject: legacy,
      object: withMeta(legacy, {
        labels: { "crossplane.io/in-use": "true" },
        finalizers: ["composite.apiextensions.crossplane.io"],
      }),
    },
    want: ALLOWED,
  },
  {
    reason: "a spec change to a VDC made before the policy must bring the label",
    request: {
      operation: "UPDATE",
      user: "acme admin",
      oldObject: legacy,
      object: vdc("acme-old", "acme", undefined, { quota: { cpu: 4 } }),
    },
    want: denied(`metadata.labels["crossvdc.io/tenant"]: must be "acme"`),
  },
  {
    reason: "labelling a VDC made before the policy",
    request: {
      operation: "UPDATE",
      user: "acme admin",
      oldObject: legacy,
      object: withMeta(legacy, { labels: { "crossvdc.io/tenant": "acme" } }),
    },
    want: ALLOWED,
  },
  {
    reason: "the garbage collector deletes a VDC whose owner is gone without holding administer",
    request: { operation: "DELETE", user: "garbage collector", oldObject: acmeDev },
    want: ALLOWED,
  },
];

describe("package/people/vdc-admission.yaml", () => {
  it("is a valid ValidatingAdmissionPolicy and binding (admissionregistration.k8s.io/v1)", () => {
    expect(policy.kind).toBe("ValidatingAdmissionPolicy");
    expect(binding.kind).toBe("ValidatingAdmissionPolicyBinding");
    expect(validateResource(policy)).toEqual([]);
    expect(validateResource(binding)).toEqual([]);
    expect((binding.spec as { policyName: string }).policyName).toBe(policy.metadata?.name);
    expect((binding.spec as { validationActions: string[] }).validationActions).toEqual(["Deny"]);
  });

  it.each(CASES)("$reason", ({ request, want }) => {
    const got = admit(request);
    if (want.allowed) expect(got).toEqual(want);
    else {
      expect(got.allowed).toBe(false);
      expect((got as { message: string }).message).toContain(want.message);
    }
  });
});
