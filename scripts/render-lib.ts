// Offline render, after `crossplane composition render`: run the XR's
// Composition pipeline against the real function server, started in-process
// on loopback, and return what Crossplane would apply. No cluster, no Docker.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { parseAllDocuments } from "yaml";
import {
  RunFunctionRequest,
  Ready,
  Severity,
  Status,
  type ResourceSelector,
  type RunFunctionResponse,
} from "@crossplane-org/function-sdk-typescript";
import { packageName, publishing, REPOSITORIES } from "./publishing.js";
import { newClient, runFunction } from "../functions/client.js";
import type { KubeObject } from "../functions/compose.js";
import { Fn } from "../functions/fn.js";
import { composers } from "../functions/registry.js";
import { startServer } from "../functions/server.js";

export const RESOURCE_NAME_ANNOTATION = "crossplane.io/composition-resource-name";
const MAX_REQUIREMENT_ROUNDS = 5;

export interface RenderOptions {
  xr: KubeObject;
  compositionsDir: string;
  observed?: KubeObject[];
  required?: KubeObject[];
  includeFunctionResults?: boolean;
  includeFullXR?: boolean;
}

export class RenderError extends Error {}

/** Every YAML document in a file, or in every .yaml/.yml file of a directory (sorted). */
export function loadObjects(path: string): KubeObject[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  const out: KubeObject[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(f, "utf8"))) {
      if (doc.errors.length) throw new RenderError(`${f}: ${doc.errors[0]!.message}`);
      const obj = doc.toJSON();
      if (obj && typeof obj === "object") out.push(obj as KubeObject);
    }
  }
  return out;
}

function findComposition(dir: string, xr: KubeObject): KubeObject {
  for (const c of loadObjects(dir)) {
    const ref = (
      c.spec as { compositeTypeRef?: { apiVersion?: string; kind?: string } } | undefined
    )?.compositeTypeRef;
    if (c.kind === "Composition" && ref?.apiVersion === xr.apiVersion && ref?.kind === xr.kind)
      return c;
  }
  throw new RenderError(`no Composition in ${dir} for ${xr.apiVersion} ${xr.kind}`);
}

export function matches(sel: ResourceSelector, obj: KubeObject): boolean {
  if (obj.apiVersion !== sel.apiVersion || obj.kind !== sel.kind) return false;
  if (sel.namespace && obj.metadata?.namespace !== sel.namespace) return false;
  if (sel.matchName !== undefined) return obj.metadata?.name === sel.matchName;
  const want = sel.matchLabels?.labels ?? {};
  return Object.entries(want).every(([k, v]) => obj.metadata?.labels?.[k] === v);
}

export interface Rendered {
  documents: KubeObject[];
  fatal?: string;
  /** Every selector the function asked Crossplane to fetch, in the order asked. */
  requirements: ResourceSelector[];
}

export async function render(opts: RenderOptions): Promise<Rendered> {
  const composition = findComposition(opts.compositionsDir, opts.xr);
  const pipeline = ((composition.spec as { pipeline?: unknown[] }).pipeline ?? []) as {
    step: string;
    functionRef: { name: string };
    input?: unknown;
  }[];
  const observed: Record<string, { resource: KubeObject }> = {};
  for (const o of opts.observed ?? []) {
    const name = o.metadata?.annotations?.[RESOURCE_NAME_ANNOTATION];
    if (name) observed[name] = { resource: o };
  }
  const handle = await startServer({
    address: "127.0.0.1:0",
    insecure: true,
    fn: new Fn(composers),
    logger: pino({ level: "silent" }),
  });
  const client = newClient(`127.0.0.1:${handle.port}`);
  try {
    let desired: RunFunctionResponse["desired"] = { composite: undefined, resources: {} };
    const results: KubeObject[] = [];
    const conditions: RunFunctionResponse["conditions"] = [];
    const requirements: ResourceSelector[] = [];
    // The name the Compositions call the function by, from package.json's crossvdc block.
    const functionName = packageName(publishing(), REPOSITORIES.function).dependencyName;
    for (const step of pipeline) {
      if (step.functionRef.name !== functionName)
        throw new RenderError(
          `step ${step.step}: render runs only ${functionName}, not ${step.functionRef.name}`,
        );
      let rsp: RunFunctionResponse | undefined;
      let asked = "";
      let required: Record<string, { items: { resource: KubeObject }[] }> = {};
      // Like Crossplane: call, fetch what the function asked for, call again until the ask is stable.
      for (let round = 0; round < MAX_REQUIREMENT_ROUNDS; round++) {
        const req = RunFunctionRequest.fromPartial({
          meta: { tag: `render-${step.step}` },
          observed: { composite: { resource: opts.xr }, resources: observed },
          desired,
          input: step.input as Record<string, unknown> | undefined,
          requiredResources: required,
        });
        rsp = await runFunction(client, req);
        const sel = rsp.requirements?.resources ?? {};
        const key = JSON.stringify(sel);
        if (key === asked || Object.keys(sel).length === 0) break;
        asked = key;
        requirements.push(...Object.values(sel));
        required = Object.fromEntries(
          Object.entries(sel).map(([k, s]) => [
            k,
            {
              items: (opts.required ?? [])
                .filter((o) => matches(s, o))
                .map((resource) => ({ resource })),
            },
          ]),
        );
      }
      for (const r of rsp!.results) {
        results.push({
          apiVersion: "render.crossplane.io/v1beta1",
          kind: "Result",
          step: step.step,
          severity: Severity[r.severity],
          ...(r.reason ? { reason: r.reason } : {}),
          message: r.message,
        });
        if (r.severity === Severity.SEVERITY_FATAL)
          return { documents: results, fatal: r.message, requirements };
      }
      conditions.push(...rsp!.conditions);
      desired = rsp!.desired;
    }
    return { documents: assemble(opts, desired, conditions, results), requirements };
  } finally {
    client.close();
    await handle.shutdown();
  }
}

function assemble(
  opts: RenderOptions,
  desired: RunFunctionResponse["desired"],
  conditions: RunFunctionResponse["conditions"],
  results: KubeObject[],
): KubeObject[] {
  const xr = opts.xr;
  const resources = desired?.resources ?? {};
  const names = Object.keys(resources).sort();
  const allReady = names.every((n) => resources[n]!.ready === Ready.READY_TRUE);
  const status = { ...((desired?.composite?.resource?.status as Record<string, unknown>) ?? {}) };
  status.conditions = [
    ...conditions.map((c) => ({
      type: c.type,
      status:
        c.status === Status.STATUS_CONDITION_TRUE
          ? "True"
          : c.status === Status.STATUS_CONDITION_FALSE
            ? "False"
            : "Unknown",
      reason: c.reason,
      ...(c.message ? { message: c.message } : {}),
    })),
    // What Crossplane derives from the composed resources' readiness.
    allReady
      ? { type: "Ready", status: "True", reason: "Available" }
      : { type: "Ready", status: "False", reason: "Creating" },
  ];
  const head: KubeObject = opts.includeFullXR
    ? { ...xr, status: { ...((xr.status as object) ?? {}), ...status } }
    : {
        apiVersion: xr.apiVersion,
        kind: xr.kind,
        metadata: {
          name: xr.metadata?.name,
          ...(xr.metadata?.namespace ? { namespace: xr.metadata.namespace } : {}),
        },
        status,
      };
  const composed = names.map((n) => {
    const obj = structuredClone(resources[n]!.resource) as KubeObject;
    obj.metadata = {
      ...obj.metadata,
      annotations: { ...(obj.metadata?.annotations ?? {}), [RESOURCE_NAME_ANNOTATION]: n },
      labels: {
        ...(obj.metadata?.labels ?? {}),
        "crossplane.io/composite": String(xr.metadata?.name),
      },
    };
    return obj;
  });
  return [head, ...composed, ...(opts.includeFunctionResults ? results : [])];
}
