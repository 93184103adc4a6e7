// The edge between Crossplane's RunFunction protocol and the pure composers:
// pick the composer by the XR's kind, parse the XR with its zod schema, ask for
// required resources, and turn the composer's output into a response built by
// plain assignment (the SDK's merge helpers concatenate arrays and `to()`
// aliases the request, both wrong for a function that owns its whole intent).
import {
  DEFAULT_TTL,
  Resource,
  Ready,
  Severity,
  Status,
  type RunFunctionRequest,
  type RunFunctionResponse,
  type Result,
  type ResourceSelector,
} from "@crossplane-org/function-sdk-typescript";
import type { Composer, FailureReason, KubeObject, Refusal, XR } from "./compose.js";
import { fieldPath, RefusalError } from "./compose.js";
import { parseCached } from "./parse.js";

const MAX_REPORTED_ISSUES = 5;

export class Fn {
  private readonly byType = new Map<string, Composer>();

  constructor(composers: Composer[]) {
    for (const c of composers) this.byType.set(`${c.apiVersion}/${c.kind}`, c);
  }

  run(req: RunFunctionRequest): RunFunctionResponse {
    const observed = req.observed?.composite?.resource as KubeObject | undefined;
    if (!observed || typeof observed !== "object")
      return fatal(req, "InternalError", "the request has no observed composite resource");
    const type = `${String(observed.apiVersion)}/${String(observed.kind)}`;
    const c = this.byType.get(type);
    if (!c) {
      return fatal(
        req,
        "InternalError",
        `no composer for kind ${short(type)}: this function ` +
          `composes ${[...this.byType.keys()].join(", ")}`,
      );
    }
    const parsed = parseXR(c, observed);
    if ("fatal" in parsed) return fatal(req, parsed.reason, parsed.fatal);
    const xr = parsed.xr;

    const got = req.requiredResources ?? {};
    const fetched: Record<string, KubeObject[]> = {};
    for (const k in got) {
      const items: KubeObject[] = [];
      for (const r of got[k]?.items ?? [])
        if (r.resource && typeof r.resource === "object") items.push(r.resource as KubeObject);
      fetched[k] = items;
    }
    const observedComposed: Record<string, KubeObject> = {};
    const observedResources = req.observed?.resources ?? {};
    for (const name in observedResources) {
      const r = observedResources[name]!.resource;
      if (r && typeof r === "object") observedComposed[name] = r as KubeObject;
    }
    let requirements: Record<string, ResourceSelector>;
    try {
      requirements = c.requirements(xr, fetched, observedComposed);
    } catch (err) {
      // A RefusalError says what is wrong with the XR; anything else is a bug.
      const reason = err instanceof RefusalError ? err.reason : "InternalError";
      return fatal(req, reason, `${c.kind} ${xr.metadata.name}: ${errorMessage(err)}`);
    }
    // Crossplane calls again with what we asked for; until then, change nothing.
    if (Object.keys(requirements).some((k) => !(k in got))) return passThrough(req, requirements);

    const required: Record<string, KubeObject[]> = {};
    for (const k in requirements) required[k] = fetched[k] ?? [];

    let out;
    try {
      out = c.compose({ xr, observed: observedComposed, required });
    } catch (err) {
      // A composer bug must not become an empty desired state: Fatal keeps what exists.
      return fatal(
        req,
        "InternalError",
        `${c.kind} ${xr.metadata.name}: internal error: ${errorMessage(err)}`,
        requirements,
      );
    }
    if ("fatal" in out) return fatal(req, out.reason, out.fatal, requirements);

    // Composers put no undefined in a list (the schema tests would fail), and the
    // encoder omits undefined object fields as the SDK's does: no copy to clean them.
    const resources: Record<string, Resource> = {};
    // Pass through what earlier pipeline steps composed; ours are assigned, never merged.
    const earlier = req.desired?.resources ?? {};
    for (const name in earlier) resources[name] = earlier[name]!;
    for (const name of Object.keys(out.resources).sort()) {
      const r = out.resources[name]!;
      resources[name] = resource(r.resource, r.ready ? Ready.READY_TRUE : Ready.READY_FALSE);
    }
    // A fresh composite, never the request's, with the status set whole: the SDK's
    // status helper deep-merges, concatenating arrays and dropping keys such as
    // "constructor" (a valid database name) on the way.
    const composite: KubeObject = {
      apiVersion: xr.apiVersion,
      kind: xr.kind,
      metadata: xr.metadata.namespace
        ? { name: xr.metadata.name, namespace: xr.metadata.namespace }
        : { name: xr.metadata.name },
      status: out.status,
    };
    const rsp: RunFunctionResponse = {
      meta: { tag: req.meta?.tag ?? "", ttl: { seconds: out.ttlSeconds, nanos: 0 } },
      desired: { composite: resource(composite, Ready.READY_UNSPECIFIED), resources },
      results: out.events.map((e): Result => ({
        severity: e.severity === "Warning" ? Severity.SEVERITY_WARNING : Severity.SEVERITY_NORMAL,
        reason: e.reason,
        message: e.message,
      })),
      context: req.context,
      requirements: requirementsOf(requirements),
      conditions: out.conditions.map((cd) => ({
        type: cd.type,
        status:
          cd.status === "True"
            ? Status.STATUS_CONDITION_TRUE
            : cd.status === "False"
              ? Status.STATUS_CONDITION_FALSE
              : Status.STATUS_CONDITION_UNKNOWN,
        reason: cd.reason,
        message: cd.message,
      })),
    };
    return rsp;
  }
}

/**
 * What the SDK's `fromObject` returns, built directly: it goes through
 * `Resource.fromJSON`, six objects and a closure per resource, which one call
 * at a time cost more than their size suggests (docs/performance.md).
 */
function resource(obj: KubeObject, ready: Ready): Resource {
  return { resource: obj, connectionDetails: {}, ready };
}

function parseXR(c: Composer, obj: KubeObject): { xr: XR<unknown> } | Refusal {
  const md = obj.metadata;
  const name = md?.name;
  if (typeof name !== "string" || name === "")
    return { fatal: `${c.kind}: metadata.name: required`, reason: "InvalidSpec" };
  const what = `${c.kind} ${short(name)}`;
  const namespace = typeof md?.namespace === "string" ? md.namespace : "";
  const r = parseCached(c.spec, obj.spec ?? {}, `${namespace}/${name}`);
  if (!r.success) {
    const issues = r.error.issues
      .slice(0, MAX_REPORTED_ISSUES)
      .map((i) => `${fieldPath(["spec", ...i.path])}: ${i.message}`);
    const more =
      r.error.issues.length > MAX_REPORTED_ISSUES
        ? ` (and ${r.error.issues.length - MAX_REPORTED_ISSUES} more)`
        : "";
    return { fatal: `${what}: invalid spec: ${issues.join("; ")}${more}`, reason: "InvalidSpec" };
  }
  const status =
    obj.status && typeof obj.status === "object" && !Array.isArray(obj.status)
      ? (obj.status as Record<string, unknown>)
      : {};
  return {
    xr: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: {
        name,
        ...(typeof md?.namespace === "string" && md.namespace ? { namespace: md.namespace } : {}),
        ...(md?.labels && typeof md.labels === "object" ? { labels: md.labels } : {}),
        ...(typeof md?.creationTimestamp === "string"
          ? { creationTimestamp: md.creationTimestamp }
          : {}),
      },
      spec: r.data,
      status,
    },
  };
}

/** Fatal: one result, the desired state the request came in with, nothing new. */
export function fatal(
  req: RunFunctionRequest,
  reason: FailureReason,
  message: string,
  requirements?: Record<string, ResourceSelector>,
): RunFunctionResponse {
  return unchanged(req, [{ severity: Severity.SEVERITY_FATAL, reason, message }], requirements);
}

function passThrough(
  req: RunFunctionRequest,
  requirements: Record<string, ResourceSelector>,
): RunFunctionResponse {
  return unchanged(req, [], requirements);
}

/**
 * The desired state the request came in with, untouched: what a Fatal result or
 * an unanswered requirement returns.
 */
function unchanged(
  req: RunFunctionRequest,
  results: Result[],
  requirements: Record<string, ResourceSelector> | undefined,
): RunFunctionResponse {
  return {
    meta: { tag: req.meta?.tag ?? "", ttl: DEFAULT_TTL },
    desired: req.desired ?? { composite: undefined, resources: {} },
    results,
    context: req.context,
    requirements: requirements ? requirementsOf(requirements) : undefined,
    conditions: [],
  };
}

function requirementsOf(resources: Record<string, ResourceSelector>) {
  return { extraResources: {}, resources, schemas: {} };
}

function short(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
