// Composer tests as tables, after function-patch-and-transform's TestRunFunction: each case is
// {reason, xr, observed?, required?, desired?, want}, run through the gRPC edge as Crossplane
// calls it, and one assertion compares what `want` states with what came back, printing the
// reason above the diff. Every case also checks the rules that hold for any request: each
// composed object is valid for its upstream schema, and a Fatal result returns the desired
// state as it came in (Crossplane deletes what a function stops returning).
import { expect, it } from "vitest";
import type { FailureReason, KubeObject } from "../../functions/compose.js";
import { bytes, run, type Plain, type RequestParts } from "./request.js";
import { validateResource } from "./schemas.js";

/**
 * The outcome a case states; each field given is compared in full, the others are not looked at.
 */
export interface Want {
  results?: Plain["results"];
  /**
   * Shorthand for `results: [fatal(message, reason)]`: the one Fatal result,
   * with the class of failure it reports.
   */
  fatal?: { reason: FailureReason; message: string };
  resources?: Plain["resources"];
  /** The names of the composed objects, sorted, where the objects are stated by other cases. */
  names?: string[];
  /**
   * Parts of composed objects by dotted path from the object's name, e.g. `vm.spec.runStrategy`.
   */
  at?: Record<string, unknown>;
  ready?: Plain["ready"];
  status?: Plain["status"];
  conditions?: Plain["conditions"];
  requirements?: Plain["requirements"];
  ttl?: Plain["ttl"];
  /** Requests whose responses must be byte-identical to this case's (and this one to itself). */
  sameBytesAs?: RequestParts[];
}

/**
 * What a file's own cases may state beside `Want`, each computed from the
 * response (and the request).
 */
export type Facets = Record<string, (out: Plain, request: RequestParts) => unknown>;

export interface Case<F extends Facets = Facets> extends RequestParts {
  /** Why the outcome is what it is; printed when the case fails. */
  reason: string;
  want: Want & { [K in keyof F]?: unknown };
}

/** The one Fatal result a refused request returns. */
export function fatal(message: string, reason: FailureReason): Plain["results"][number] {
  return { severity: "FATAL", reason, message };
}

/** The value at a dotted path (array indices as numbers), or undefined. */
export function at(o: unknown, path: string): unknown {
  let v: unknown = o;
  for (const k of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

const base: Record<string, (out: Plain, want: Want) => unknown> = {
  names: (out) => Object.keys(out.resources).sort(),
  at: (out, want) =>
    Object.fromEntries(Object.keys(want.at ?? {}).map((p) => [p, at(out.resources, p)])),
};

/**
 * The schema issues of every composed object, and of the DataVolume KubeVirt
 * makes of each template.
 */
function schemaIssues(resources: Record<string, KubeObject>): Record<string, string[]> {
  const issues: Record<string, string[]> = {};
  for (const [name, r] of Object.entries(resources)) {
    const found = validateResource(r);
    // A provider-kubernetes Object delivering a VM to a member cluster: the VM's templates.
    const vm =
      r.kind === "Object"
        ? ((r.spec as { forProvider?: { manifest?: KubeObject } } | undefined)?.forProvider
            ?.manifest ?? r)
        : r;
    const templates =
      (vm.spec as { dataVolumeTemplates?: { metadata: object; spec: unknown }[] } | undefined)
        ?.dataVolumeTemplates ?? [];
    for (const t of templates)
      found.push(
        ...validateResource({
          apiVersion: "cdi.kubevirt.io/v1beta1",
          kind: "DataVolume",
          metadata: { ...t.metadata, namespace: vm.metadata?.namespace },
          spec: t.spec,
        }),
      );
    if (found.length > 0) issues[name] = found;
  }
  return issues;
}

/** Runs each case as one test named by its key. */
export function runCases<F extends Facets = Facets>(
  cases: Record<string, Case<F>>,
  facets: F = {} as F,
): void {
  it.each(Object.entries(cases))("%s", (_name, c) => {
    const { sameBytesAs, fatal: refusal, ...rest } = c.want;
    const want: Record<string, unknown> = refusal
      ? { ...rest, results: [fatal(refusal.message, refusal.reason)] }
      : rest;
    expect(Object.keys(c.want), "a case states an outcome").not.toEqual([]);
    const out = run(c);
    const got: Record<string, unknown> = {};
    for (const key of Object.keys(want)) {
      const facet = facets[key];
      if (facet) got[key] = facet(out, c);
      else if (key in base) got[key] = base[key]!(out, c.want);
      else if (key in out) got[key] = out[key as keyof Plain];
      else throw new Error(`${key}: not an outcome this table knows`);
    }
    expect(got, c.reason).toEqual(want);
    expect(schemaIssues(out.resources), `${c.reason} (schemas)`).toEqual({});
    if (out.results.some((r) => r.severity === "FATAL"))
      expect(out.resources, `${c.reason} (a Fatal keeps the desired state)`).toEqual(
        c.desired ?? {},
      );
    if (sameBytesAs) {
      const mine = bytes(c);
      expect(bytes(c).equals(mine), `${c.reason} (same request)`).toBe(true);
      for (const other of sameBytesAs)
        expect(bytes(other).equals(mine), `${c.reason} (same bytes)`).toBe(true);
    }
  });
}
