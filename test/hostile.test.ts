// Hostile input, generated: for every kind in the registry, thousands of
// mutations of a valid example XR (wrong types, missing fields, huge strings
// and lists, unicode, negative and absurd quantities, names over 63
// characters, duplicate entries), and garbage in place of the observed and
// required resources. For each:
//   - Fn.run never throws;
//   - either the answer is exactly one Fatal result whose message names a
//     field path, with the desired state exactly as it came in (same protobuf
//     bytes: nothing partial), or the input happened to be valid and every
//     resource composed passes its upstream schema;
//   - the valid XR next to it still composes byte for byte what it did before
//     (no state shared between calls got corrupted).
// Requests over the gRPC message limit (RESOURCE_EXHAUSTED, and the server
// keeps serving) are covered in test/server.test.ts ("rejects a message over
// --max-recv-message-size"), not repeated here.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  RunFunctionRequest,
  RunFunctionResponse,
  Severity,
  State,
} from "@crossplane-org/function-sdk-typescript";
import type { Composer, KubeObject } from "../functions/compose.js";
import { CODECS, type Codec } from "../functions/codec.js";
import { composers } from "../functions/registry.js";
import { structural } from "../functions/xrd.js";
import { exampleRenders, root, type ExampleRender } from "../scripts/examples.js";
import { RESOURCE_NAME_ANNOTATION, loadObjects, matches } from "../scripts/render-lib.js";
import { fn, request } from "./support/request.js";
import { validateResource } from "./support/schemas.js";

type Json = unknown;
type Seg = string | number;

// ---- the valid example of each kind, completed the way Crossplane completes it ----

interface Base {
  kind: string;
  xr: KubeObject;
  observed: Record<string, KubeObject>;
  required: Record<string, KubeObject[]>;
}

/** What an earlier pipeline step composed: every answer must pass it through untouched. */
const EARLIER: Record<string, KubeObject> = {
  "earlier-step-config": {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "from-an-earlier-step", namespace: "default" },
    data: { k: "v" },
  },
};

function baseOf(c: Composer): Base | undefined {
  const e =
    exampleRenders().find((r) => !r.fatal && loadObjects(join(root, r.xr))[0]?.kind === c.kind) ??
    layoutExample(c.kind);
  if (!e) return undefined;
  const xr = loadObjects(join(root, e.xr))[0]!;
  const pool = (e.required ?? []).flatMap((p) => loadObjects(join(root, p)));
  const observed: Record<string, KubeObject> = {};
  for (const o of (e.observed ?? []).flatMap((p) => loadObjects(join(root, p)))) {
    const n = o.metadata?.annotations?.[RESOURCE_NAME_ANNOTATION];
    if (n) observed[n] = o;
  }
  let required: Record<string, KubeObject[]> = {};
  for (let round = 0; round < 5; round++) {
    const sel = fn.run(request({ xr, observed, required })).requirements?.resources ?? {};
    if (Object.keys(sel).every((k) => k in required)) break;
    required = Object.fromEntries(
      Object.entries(sel).map(([k, s]) => [k, pool.filter((o) => matches(s, o))]),
    );
  }
  return { kind: c.kind, xr, observed, required };
}

/**
 * A kind without an entry in test/renders.yaml yet: its first example in
 * examples/<dir>/, with what it requires from examples/<dir>/required and the tenants.
 */
function layoutExample(kind: string): ExampleRender | undefined {
  for (const dir of readdirSync(join(root, "examples"))) {
    const path = join(root, "examples", dir);
    if (["invalid", "observed", "required"].includes(dir) || !statSync(path).isDirectory())
      continue;
    for (const f of readdirSync(path)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()) {
      if (loadObjects(join(path, f))[0]?.kind !== kind) continue;
      const required = [`examples/${dir}/required`, "examples/tenants"].filter((p) =>
        existsSync(join(root, p)),
      );
      return { name: `${dir}/${f}`, xr: `examples/${dir}/${f}`, required };
    }
  }
  return undefined;
}

/**
 * The request as the server would see it: built, then through protobuf and back
 * with the server's codec.
 */
function wire(
  p: {
    xr: KubeObject;
    observed: Record<string, KubeObject>;
    required: Record<string, KubeObject[]>;
  },
  codec: Codec,
): RunFunctionRequest {
  const req = request({ ...p, desired: EARLIER });
  return codec.decode(Buffer.from(RunFunctionRequest.encode(req).finish()));
}

const encodeState = (s: State | undefined) =>
  Buffer.from(State.encode(s ?? State.fromPartial({})).finish());

// ---- every path of a kind's spec, from the schema the XRD is generated from ----------

function schemaPaths(schema: Json, prefix: Seg[] = [], out: Seg[][] = [], depth = 0): Seg[][] {
  out.push(prefix);
  if (!schema || typeof schema !== "object" || depth > 8) return out;
  const s = schema as Record<string, unknown>;
  for (const alt of ["anyOf", "oneOf", "allOf"] as const) {
    if (Array.isArray(s[alt]))
      for (const a of s[alt] as Json[])
        schemaPaths(a, prefix, [], depth + 1)
          .slice(1)
          .forEach((p) => out.push(p));
  }
  if (s.properties && typeof s.properties === "object") {
    for (const [k, v] of Object.entries(s.properties))
      schemaPaths(v, [...prefix, k], out, depth + 1);
  }
  if (s.items && typeof s.items === "object") {
    schemaPaths(s.items, [...prefix, 0], out, depth + 1);
    out.push([...prefix, 1]);
  }
  return out;
}

/** Schema paths plus every path the example itself has, deduplicated. */
function pathsOf(c: Composer, xr: KubeObject): Seg[][] {
  const seen = new Set<string>();
  const out: Seg[][] = [];
  const add = (p: Seg[]) => {
    const k = JSON.stringify(p);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  };
  schemaPaths(structural(c.spec)).forEach(add);
  const walk = (v: Json, p: Seg[]) => {
    add(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(xr.spec ?? {}, []);
  return out;
}

function getAt(obj: Json, path: Seg[]): Json {
  let cur = obj;
  for (const s of path) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[s as string];
  }
  return cur;
}

/** Sets (or deletes, for `undefined`) the value at `path`, making containers on the way. */
function setAt(obj: Record<string, unknown>, path: Seg[], value: Json): void {
  let cur: Record<string | number, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const s = path[i]!;
    let next = cur[s];
    if (!next || typeof next !== "object") {
      next = typeof path[i + 1] === "number" ? [] : {};
      cur[s] = next;
    }
    cur = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(cur) && typeof last === "number") cur.splice(last, 1);
    else delete cur[last];
  } else cur[last] = value;
}

// ---- hostile values ------------------------------------------------------------------

/** A hostile value with a short label, so a failing case prints readably (values can be 100 kB). */
interface Hostile {
  label: string;
  /** A JSON value, or DELETE or DUPLICATE. */
  value: unknown;
}
const DELETE = Symbol("delete");
const DUPLICATE = Symbol("duplicate");

const named = (label: string, value: Hostile["value"]): Hostile => ({ label, value });
const big = (s: string, n: number) => s.repeat(n);
const deep = (n: number): Json => (n === 0 ? "bottom" : { nested: deep(n - 1) });

const hostileValue: fc.Arbitrary<Hostile> = fc.oneof(
  // wrong types and missing fields
  fc.constantFrom<Hostile>(
    named("delete", DELETE),
    named("null", null),
    named("true", true),
    named("false", false),
    named("0", 0),
    named('""', ""),
    named("[]", []),
    named("{}", {}),
    named("[null]", [null]),
    named("[[]]", [[]]),
    named('{"":""}', { "": "" }),
    named("[{}]", [{}]),
    named('["a"]', ["a"]),
    // The SDK's protobuf decoder stops at 100 levels of recursion (~32 levels of JSON in a
    // resource); deeper requests fail to decode before they reach Fn (INTERNAL), so stay under it.
    named("deep object (depth 20)", deep(20)),
  ),
  // negative and absurd quantities and numbers
  fc.constantFrom<Hostile>(
    ...[
      "-1",
      "-0.5Gi",
      "-0",
      "1e400",
      "9".repeat(40),
      "99999999Ei",
      "9223372036854775808",
      "8Ei",
      "1.5.5",
      "Gi",
      " 4 ",
      "0x10",
      "NaN",
      "Infinity",
      "1e-30",
      "4096Pi",
      "1E19",
      "+4",
      "1Mi ",
      "１２",
      "4\u0000",
      "1m1",
      "..5",
      "5.",
      ".5",
    ].map((s) => named(JSON.stringify(s), s)),
    ...[
      -1,
      -0.5,
      1.5,
      1e300,
      -1e300,
      2 ** 63,
      2 ** 53 + 2,
      1e-300,
      4294967296,
      65536,
      1_000_001,
      -2147483649,
    ].map((n) => named(String(n), n)),
  ),
  // huge strings and lists, unicode, long names, duplicates
  fc.constantFrom<Hostile>(
    named('"x" × 100000', big("x", 100_000)),
    named('"é" × 70000', big("é", 70_000)),
    named('"😀" × 30000', big("😀", 30_000)),
    named('"a" × 64', big("a", 64)),
    named('"acme-" + "x" × 59', `acme-${big("x", 59)}`),
    named('"a" × 254', big("a", 254)),
    named("RTL + combining", "\u202eevil\u0301\u0301\u0301"),
    named("lone surrogate", "a\ud800b"),
    named("NUL", "a\u0000b"),
    named("UPPER", "ACME-DEV"),
    named("path traversal", "../../etc/passwd"),
    named('10000 × "a"', Array(10_000).fill("a")),
    named(
      "300 × {}",
      Array.from({ length: 300 }, () => ({})),
    ),
    named('257 × "ns"', Array(257).fill("ns")),
    named(
      "300 distinct names",
      Array.from({ length: 300 }, (_, i) => `n${i}`),
    ),
    named("duplicate the list's entries", DUPLICATE),
  ),
  // anything JSON, small
  fc.jsonValue({ maxDepth: 3 }).map((v) => named(`json ${JSON.stringify(v)?.slice(0, 80)}`, v)),
  fc.string({ unit: "binary", maxLength: 40 }).map((s) => named(`unicode ${JSON.stringify(s)}`, s)),
  fc.integer({ min: 64, max: 253 }).map((n) => named(`name of ${n}`, `acme-${big("z", n - 5)}`)),
);

/**
 * metadata.name as the API server lets it through: a DNS-1123 subdomain of up to 253 characters.
 * Over 63 characters, with dots, with the tenant's prefix or not.
 */
const kubernetesName: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,70}[a-z0-9])?$/),
  fc.stringMatching(/^acme-[a-z0-9]([-a-z0-9]{0,70}[a-z0-9])?$/),
  fc.stringMatching(/^acme-[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){1,3}$/),
  fc.integer({ min: 60, max: 253 }).map((n) => `acme-${"d".repeat(n - 5)}`),
  fc.constantFrom(
    "acme",
    "acme-dev",
    "acme.corp",
    "acme-dev.staging",
    "0",
    "acme--dev",
    `acme-${"x".repeat(58)}`,
    `acme-${"x".repeat(59)}`,
  ),
);

interface Mutation {
  path: Seg[];
  hostile: Hostile;
}

function mutationsArb(where: "spec" | "metadata", paths: Seg[][]): fc.Arbitrary<Mutation[]> {
  return fc
    .array(fc.record({ path: fc.constantFrom(...paths), hostile: hostileValue }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((ms) =>
      ms.map((m) =>
        Object.assign(m, {
          [fc.toStringMethod]: () => `${[where, ...m.path].join(".")} = ${m.hostile.label}`,
        }),
      ),
    );
}

function mutate(xr: KubeObject, where: "spec" | "metadata", ms: Mutation[]): KubeObject {
  const out = structuredClone(xr);
  for (const m of ms) {
    const path: Seg[] = [where, ...m.path];
    const v = m.hostile.value;
    if (v === DELETE) setAt(out, path, undefined);
    else if (v === DUPLICATE) {
      const cur = getAt(out, path);
      setAt(
        out,
        path,
        Array.isArray(cur) && cur.length
          ? [...(cur as unknown[]), ...structuredClone(cur as unknown[])]
          : [cur, cur],
      );
    } else setAt(out, path, structuredClone(v));
  }
  return out;
}

// ---- the invariant ---------------------------------------------------------------------

/** `spec`, `spec.quota.cpu`, `metadata.name`, `spec.members[0]`... somewhere in the message. */
// data: the platform settings' EnvironmentConfig, a required resource.
const FIELD_PATH = /(?:^|[\s("'])(?:spec|metadata|data)(?:[.[:]|$)/;

type Outcome = "fatal" | "composed" | "asked";

function check(
  req: RunFunctionRequest,
  baseline: { req: RunFunctionRequest; bytes: Buffer },
  codec: Codec,
): Outcome {
  let rsp: RunFunctionResponse;
  try {
    rsp = fn.run(req);
  } catch (err) {
    throw new Error(`Fn.run threw: ${(err as Error).stack ?? String(err)}`, { cause: err });
  }
  const fatals = rsp.results.filter((r) => r.severity === Severity.SEVERITY_FATAL);
  let outcome: Outcome;
  if (fatals.length) {
    expect(rsp.results, "a Fatal answer is exactly one result").toHaveLength(1);
    const message = fatals[0]!.message;
    expect(message, "a Fatal message names the field").toMatch(FIELD_PATH);
    expect(
      message.length,
      `a Fatal message stays short: ${message.slice(0, 200)}…`,
    ).toBeLessThanOrEqual(4096);
    expect(
      encodeState(rsp.desired).equals(encodeState(req.desired)),
      `desired state passed through untouched (${message})`,
    ).toBe(true);
    expect(rsp.conditions).toEqual([]);
    outcome = "fatal";
  } else if (
    Object.keys(rsp.requirements?.resources ?? {}).some(
      (k) => !(k in (req.requiredResources ?? {})),
    )
  ) {
    // Asks Crossplane for more before composing: nothing may change yet.
    expect(rsp.results).toEqual([]);
    expect(encodeState(rsp.desired).equals(encodeState(req.desired))).toBe(true);
    outcome = "asked";
  } else {
    // Valid after all: what it composes must be valid Kubernetes, and earlier
    // steps' resources kept.
    const resources = rsp.desired?.resources ?? {};
    for (const [name, r] of Object.entries(EARLIER)) expect(resources[name]?.resource).toEqual(r);
    const composed = Object.entries(resources).filter(([name]) => !(name in EARLIER));
    expect(composed.length).toBeGreaterThan(0);
    for (const [name, r] of composed)
      expect(validateResource(r.resource), `composed resource ${name}`).toEqual([]);
    outcome = "composed";
  }
  const again = codec.encode(fn.run(baseline.req));
  expect(again.equals(baseline.bytes), "the valid XR still composes the same output").toBe(true);
  return outcome;
}

// ---- garbage observed and required resources ------------------------------------------------

const garbageObject: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom<Json>(
    "not an object",
    42,
    null,
    [],
    [1, 2, 3],
    { apiVersion: 42, kind: ["VDC"], metadata: "x", spec: [] },
    {
      apiVersion: "crossvdc.io/v1alpha1",
      kind: "VDC",
      metadata: { name: { nested: true } },
      spec: { tenantRef: "acme", quota: "lots" },
    },
    {
      apiVersion: "crossvdc.io/v1alpha1",
      kind: "VDC",
      metadata: { name: "acme-x", creationTimestamp: 12 },
      spec: {
        tenantRef: { name: "acme" },
        quota: { cpu: "-4", memory: "1e400", storage: 1e300, vms: -1 },
      },
    },
    {
      apiVersion: "crossvdc.io/v1alpha1",
      kind: "VDC",
      metadata: { name: "acme-y" },
      spec: {
        tenantRef: { name: "acme" },
        quota: { cpu: "99999999Ei", memory: [], storage: {}, vms: "many" },
      },
    },
    {
      apiVersion: "crossvdc.io/v1alpha1",
      kind: "Tenant",
      metadata: { name: "acme" },
      spec: { admins: "everyone", quota: { cpu: -1 } },
    },
    {
      apiVersion: "crossvdc.io/v1alpha1",
      kind: "Tenant",
      metadata: { name: "acme" },
      spec: "garbage",
    },
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "x" },
      status: { phase: { Active: true } },
    },
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      status: { hard: { "requests.cpu": "-1", "requests.memory": [] }, used: "all" },
    },
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      status: {
        hard: { "requests.cpu": "0", pods: "1e400" },
        used: { "requests.cpu": "99999999Ei" },
      },
    },
    { status: { conditions: "Ready" } },
    { status: { conditions: [null, 1, { type: "Ready", status: 7 }] } },
  ),
);

interface Garbage {
  /** Replace or add required items: [requirement key index, item index or -1 to add, value]. */
  required: [number, number, Json][];
  /** Replace observed composed resources: [observed key index or -1 for a new key, value]. */
  observed: [number, Json][];
  /** Observed XR status. */
  status?: Json;
}

const garbageArb: fc.Arbitrary<Garbage> = fc.record(
  {
    required: fc.array(fc.tuple(fc.nat(5), fc.integer({ min: -1, max: 5 }), garbageObject), {
      maxLength: 4,
    }),
    observed: fc.array(fc.tuple(fc.integer({ min: -1, max: 12 }), garbageObject), { maxLength: 4 }),
    status: garbageObject,
  },
  { requiredKeys: ["required", "observed"] },
);

/**
 * Garbage goes in after decoding, so non-objects reach Fn.run as they never could over the wire.
 */
function withGarbage(base: Base, g: Garbage, codec: Codec): RunFunctionRequest {
  const req = wire(base, codec);
  if ("status" in g)
    (req.observed!.composite!.resource as Record<string, unknown>).status = structuredClone(
      g.status,
    );
  const reqKeys = Object.keys(req.requiredResources);
  for (const [k, i, v] of g.required) {
    const key = reqKeys.length ? reqKeys[k % reqKeys.length]! : `garbage-${k}`;
    const items = (req.requiredResources[key] ??= { items: [] }).items;
    const value = structuredClone(v) as Record<string, unknown>;
    if (i < 0 || i >= items.length) items.push({ resource: value } as never);
    else items[i] = { resource: value } as never;
  }
  const obsKeys = Object.keys(req.observed!.resources);
  for (const [k, v] of g.observed) {
    const key = k < 0 || k >= obsKeys.length ? `garbage-${k}` : obsKeys[k]!;
    req.observed!.resources[key] = {
      ...(req.observed!.resources[key] ?? {}),
      resource: structuredClone(v) as Record<string, unknown>,
    } as never;
  }
  return req;
}

// ---- the properties
// ------------------------------------------------------------------------------

const RUNS = { spec: 1500, metadata: 400, garbage: 600 };

// Each codec in turn: removing functions/wire/ must change nothing here.
for (const [codecName, codec] of Object.entries<Codec>(CODECS))
  for (const c of composers) {
    const base = baseOf(c);
    describe.skipIf(!base)(
      `${c.kind}, --codec=${codecName}: hostile ` +
        `input${base ? "" : " (no example of this kind in test/renders.yaml)"}`,
      () => {
        const b = base!;
        const valid = wire(b, codec);
        const baseline = { req: valid, bytes: codec.encode(fn.run(valid)) };

        it("the example composes, and every composed resource is valid", () => {
          const rsp = fn.run(valid);
          expect(rsp.results.filter((r) => r.severity === Severity.SEVERITY_FATAL)).toEqual([]);
          for (const r of Object.values(rsp.desired?.resources ?? {}))
            expect(validateResource(r.resource)).toEqual([]);
        });

        it(
          `${RUNS.spec} mutated specs: one Fatal result naming the field with the desired ` +
            `state untouched, or a valid composition`,
          () => {
            const seen: Record<Outcome, number> = { fatal: 0, composed: 0, asked: 0 };
            fc.assert(
              fc.property(mutationsArb("spec", pathsOf(c, b.xr)), (ms) => {
                seen[check(wire({ ...b, xr: mutate(b.xr, "spec", ms) }, codec), baseline, codec)]++;
              }),
              { numRuns: RUNS.spec },
            );
            // The generator is hostile enough to be refused most of the time, and not always.
            expect(seen.fatal).toBeGreaterThan(RUNS.spec / 2);
          },
          120_000,
        );

        it(
          `${RUNS.metadata} mutated metadata: names and namespaces the API server accepts ` +
            `(names up to 253 characters, dots), missing or wrong-typed names, garbage labels`,
          () => {
            const metaPaths: Seg[][] = [
              ["labels"],
              ["labels", "crossvdc.io/tenant"],
              ["creationTimestamp"],
              ["annotations"],
            ];
            const mutation = fc.oneof(
              {
                weight: 3,
                arbitrary: kubernetesName.map(
                  (name) =>
                    [{ path: ["name"], hostile: named(JSON.stringify(name), name) }] as Mutation[],
                ),
              },
              // A namespace is one that exists (a DNS-1123 label), or none: the
              // API server allows nothing else.
              {
                weight: 1,
                arbitrary: fc
                  .option(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/), {
                    nil: undefined,
                  })
                  .map(
                    (ns) =>
                      [
                        {
                          path: ["namespace"],
                          hostile:
                            ns === undefined
                              ? named("delete", DELETE)
                              : named(JSON.stringify(ns), ns),
                        },
                      ] as Mutation[],
                  ),
              },
              {
                weight: 1,
                arbitrary: fc
                  .constantFrom<Hostile>(
                    named("delete", DELETE),
                    named("null", null),
                    named("42", 42),
                    named('""', ""),
                    named("{}", {}),
                  )
                  .map((h) => [{ path: ["name"], hostile: h }] as Mutation[]),
              },
              { weight: 2, arbitrary: mutationsArb("metadata", metaPaths) },
            );
            fc.assert(
              fc.property(mutation, (ms) => {
                check(wire({ ...b, xr: mutate(b.xr, "metadata", ms) }, codec), baseline, codec);
              }),
              { numRuns: RUNS.metadata },
            );
          },
          120_000,
        );

        it(
          `${RUNS.garbage} requests with garbage observed and required resources and XR ` +
            `status`,
          () => {
            fc.assert(
              fc.property(garbageArb, (g) => {
                check(withGarbage(b, g, codec), baseline, codec);
              }),
              { numRuns: RUNS.garbage },
            );
          },
          120_000,
        );

        it("a request without an observed XR, or with a non-object XR, is one Fatal result", () => {
          for (const resource of [undefined, "x", 42, [], null]) {
            const req = wire(b, codec);
            req.observed!.composite = resource === undefined ? undefined : ({ resource } as never);
            const rsp = fn.run(req);
            expect(rsp.results).toHaveLength(1);
            expect(rsp.results[0]!.severity).toBe(Severity.SEVERITY_FATAL);
            expect(encodeState(rsp.desired).equals(encodeState(req.desired))).toBe(true);
          }
          expect(codec.encode(fn.run(baseline.req)).equals(baseline.bytes)).toBe(true);
        });
      },
    );
  }
