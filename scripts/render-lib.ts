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
import { GROUP } from "../functions/api.js";
import { packageName, publishing, REPOSITORIES } from "./publishing.js";
import { newClient, runFunction, type FunctionClient } from "../functions/client.js";
import type { KubeObject } from "../functions/compose.js";
import { Fn } from "../functions/fn.js";
import { composers, xrds } from "../functions/registry.js";
import type { CodecName } from "../functions/codec.js";
import { startServer, type ServerHandle } from "../functions/server.js";
import { xrdFor } from "../functions/xrd.js";

export const RESOURCE_NAME_ANNOTATION = "crossplane.io/composition-resource-name";
/** The label Crossplane puts on every composed resource: the name of its XR. */
export const COMPOSITE_LABEL = "crossplane.io/composite";
const MAX_REQUIREMENT_ROUNDS = 5;

export interface RenderOptions {
  xr: KubeObject;
  compositionsDir: string;
  observed?: KubeObject[];
  /**
   * The objects the cluster holds, searched for each requirement (XRD defaults
   * are applied to XRs among them).
   */
  required?: KubeObject[] | RequiredLookup;
  includeFunctionResults?: boolean;
  includeFullXR?: boolean;
  /** The server's protobuf codec (--codec), for render(); a Renderer's is set by start(). */
  codec?: CodecName;
}

/**
 * Answers one requirement: the objects a selector matches (render applies XRD defaults to them).
 */
export type RequiredLookup = (sel: ResourceSelector) => KubeObject[];

/** A problem with the input files: `render` and `validate` word it the same way. */
export class RenderError extends Error {}

// ---- reading files ---------------------------------------------------------------

/** A document read from a file, with where it came from (1-based document number). */
export interface Loaded {
  object: KubeObject;
  file: string;
  doc: number;
}

/** `file: document n`, the one way render and validate say where something is. */
export function where(l: { file: string; doc: number }): string {
  return `${l.file}: document ${l.doc}`;
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    throw new RenderError(`${path}: no such file or directory`);
  }
}

/** A file, or every .yaml/.yml file under a directory and its subdirectories, in path order. */
export function yamlFiles(path: string, recursive = true): string[] {
  if (!statOf(path).isDirectory()) return [path];
  const out: string[] = [];
  for (const f of readdirSync(path).sort()) {
    const full = join(path, f);
    if (statSync(full).isDirectory()) {
      if (recursive) out.push(...yamlFiles(full));
    } else if (/\.ya?ml$/.test(f)) out.push(full);
  }
  return out;
}

/** One document of a file: the object, or what is wrong with it. */
export type Document =
  (Loaded & { error?: undefined }) | { file: string; doc: number; error: string };

/**
 * Every non-empty document of a file; one that is not YAML or not a Kubernetes
 * object carries an error, worded as render and validate both print it.
 */
export function readDocuments(file: string): Document[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [{ file, doc: 1, error: `${file}: no such file or directory` }];
  }
  const out: Document[] = [];
  parseAllDocuments(text).forEach((d, i) => {
    const at = { file, doc: i + 1 };
    if (d.errors.length) return out.push({ ...at, error: `${where(at)}: ${d.errors[0]!.message}` });
    const obj: unknown = d.toJSON();
    if (obj === null || obj === undefined) return;
    if (!isKubeObject(obj))
      return out.push({
        ...at,
        error:
          `${where(at)}: not a Kubernetes object: apiVersion and kind must be non-empty ` +
          `strings`,
      });
    out.push({ object: obj, ...at });
  });
  return out;
}

/**
 * Every document of a file with where it came from; empty documents are
 * skipped, anything but a Kubernetes object is an error.
 */
export function loadFile(file: string): Loaded[] {
  return readDocuments(file).map((d) => {
    if (d.error !== undefined) throw new RenderError(d.error);
    return d;
  });
}

export function isKubeObject(obj: unknown): obj is KubeObject {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return false;
  const o = obj as Record<string, unknown>;
  return (
    typeof o.apiVersion === "string" &&
    o.apiVersion !== "" &&
    typeof o.kind === "string" &&
    o.kind !== ""
  );
}

/**
 * Every YAML document in a file, or in every .yaml/.yml file of a directory
 * (sorted, not recursive).
 */
export function loadObjects(path: string): KubeObject[] {
  return yamlFiles(path, false).flatMap((f) => loadFile(f).map((l) => l.object));
}

// ---- kinds ---------------------------------------------------------------------------

/** `apiVersion kind` of every XR kind this function composes. */
export const XR_KINDS: string[] = composers.map((c) => `${c.apiVersion} ${c.kind}`).sort();

export function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
}

/**
 * The one wording of an unknown kind, for render and validate: it lists the
 * kinds known in the same API group, or says that none is, naming crossvdc's.
 */
export function unknownKind(apiVersion: string, kind: string, known: readonly string[]): string {
  const group = groupOf(apiVersion);
  const same = known.filter((k) => groupOf(k.split(" ")[0]!) === group).sort();
  return same.length
    ? `unknown kind ${apiVersion} ${kind}: the known kinds of ${group || "the core group"} ` +
        `are ${same.join(", ")}`
    : `unknown kind ${apiVersion} ${kind}: no kind of ${group || "the core group"} is ` +
        `known; crossvdc's kinds are ${XR_KINDS.join(", ")}`;
}

/** Whether an object is of crossvdc's API group: an XR, or a mistake in one. */
export function isCrossvdc(obj: KubeObject): boolean {
  return groupOf(obj.apiVersion) === GROUP;
}

export function isXR(obj: KubeObject): boolean {
  return XR_KINDS.includes(`${obj.apiVersion} ${obj.kind}`);
}

// ---- XRD defaults ------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

const xrdSchemas = new Map<string, Json>(
  xrds.map((x) => {
    const xrd = xrdFor(x) as { spec: { versions: { schema: { openAPIV3Schema: Json } }[] } };
    return [
      `${composers.find((c) => c.kind === x.kind)!.apiVersion} ${x.kind}`,
      xrd.spec.versions[0]!.schema.openAPIV3Schema,
    ];
  }),
);

/**
 * The object as the API server stores and returns it: every absent field whose
 * XRD schema has a default gets it, top down, so a defaulted object's own
 * fields are defaulted too (structural schema defaulting). Objects that are not
 * crossvdc XRs come back as they are.
 */
export function withXRDDefaults(obj: KubeObject): KubeObject {
  const schema = xrdSchemas.get(`${obj.apiVersion} ${obj.kind}`);
  return schema ? (defaulted(schema, obj) as KubeObject) : obj;
}

function defaulted(schema: Json, v: unknown): unknown {
  if (Array.isArray(v))
    return isJson(schema.items) ? v.map((e) => defaulted(schema.items as Json, e)) : v;
  if (!isJson(v)) return v;
  const out: Json = { ...v };
  if (isJson(schema.properties)) {
    for (const [k, ps] of Object.entries(schema.properties)) {
      if (!isJson(ps)) continue;
      // A null counts as absent unless the field is nullable, as the API server has it.
      if (
        (out[k] === undefined || (out[k] === null && ps.nullable !== true)) &&
        ps.default !== undefined
      )
        out[k] = structuredClone(ps.default);
      if (out[k] !== undefined) out[k] = defaulted(ps, out[k]);
    }
  } else if (isJson(schema.additionalProperties)) {
    for (const k of Object.keys(out)) out[k] = defaulted(schema.additionalProperties, out[k]);
  }
  return out;
}

// ---- rendering ------------------------------------------------------------------------------

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

interface Step {
  step: string;
  functionRef: { name: string };
  input?: unknown;
}

/** One function server, started once, for any number of renders. */
export class Renderer {
  private readonly compositions: KubeObject[];

  private constructor(
    private readonly compositionsDir: string,
    private readonly handle: ServerHandle,
    private readonly client: FunctionClient,
  ) {
    this.compositions = loadObjects(compositionsDir).filter((c) => c.kind === "Composition");
  }

  /** `codec`: the server's protobuf codec (--codec); the default unless a test asks for another. */
  static async start(compositionsDir: string, codec?: CodecName): Promise<Renderer> {
    const handle = await startServer({
      address: "127.0.0.1:0",
      insecure: true,
      codec,
      fn: new Fn(composers),
      logger: pino({ level: "silent" }),
    });
    try {
      return new Renderer(compositionsDir, handle, newClient(`127.0.0.1:${handle.port}`));
    } catch (err) {
      await handle.shutdown();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client.close();
    await this.handle.shutdown();
  }

  private pipelineOf(xr: KubeObject): Step[] {
    for (const c of this.compositions) {
      const ref = (
        c.spec as { compositeTypeRef?: { apiVersion?: string; kind?: string } } | undefined
      )?.compositeTypeRef;
      if (ref?.apiVersion === xr.apiVersion && ref?.kind === xr.kind)
        return ((c.spec as { pipeline?: unknown[] }).pipeline ?? []) as Step[];
    }
    if (!isXR(xr)) throw new RenderError(unknownKind(xr.apiVersion, xr.kind, XR_KINDS));
    throw new RenderError(
      `no Composition in ${this.compositionsDir} for ${xr.apiVersion} ${xr.kind}`,
    );
  }

  async render(opts: Omit<RenderOptions, "compositionsDir">): Promise<Rendered> {
    const pipeline = this.pipelineOf(opts.xr);
    const xr = withXRDDefaults(opts.xr);
    const pool = opts.required ?? [];
    const lookup: RequiredLookup =
      typeof pool === "function" ? pool : (sel) => pool.filter((o) => matches(sel, o));
    const observed: Record<string, { resource: KubeObject }> = {};
    for (const o of opts.observed ?? []) {
      const name = o.metadata?.annotations?.[RESOURCE_NAME_ANNOTATION];
      if (name) observed[name] = { resource: o };
    }
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
      // Like Crossplane: call, fetch what the function asked for, call again
      // until the ask is stable.
      for (let round = 0; round < MAX_REQUIREMENT_ROUNDS; round++) {
        const req = RunFunctionRequest.fromPartial({
          meta: { tag: `render-${step.step}` },
          observed: { composite: { resource: xr }, resources: observed },
          desired,
          input: step.input as Record<string, unknown> | undefined,
          requiredResources: required,
        });
        rsp = await runFunction(this.client, req);
        const sel = rsp.requirements?.resources ?? {};
        const key = JSON.stringify(sel);
        if (key === asked || Object.keys(sel).length === 0) break;
        asked = key;
        requirements.push(...Object.values(sel));
        required = Object.fromEntries(
          Object.entries(sel).map(([k, s]) => [
            k,
            // What the API server returns: XRs with their XRD's defaults.
            { items: lookup(s).map((o) => ({ resource: withXRDDefaults(o) })) },
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
  }
}

/** One render with a server of its own. */
export async function render(opts: RenderOptions): Promise<Rendered> {
  const r = await Renderer.start(opts.compositionsDir, opts.codec);
  try {
    return await r.render(opts);
  } finally {
    await r.close();
  }
}

function assemble(
  opts: Omit<RenderOptions, "compositionsDir">,
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
    ? { ...xr, status: { ...(xr.status ?? {}), ...status } }
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
        [COMPOSITE_LABEL]: String(xr.metadata?.name),
      },
    };
    return obj;
  });
  return [head, ...composed, ...(opts.includeFunctionResults ? results : [])];
}
