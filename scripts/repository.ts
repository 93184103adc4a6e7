// Render a whole GitOps repository: every XR under a folder, each answered from
// the other objects there as Crossplane would answer it in a cluster holding
// all of them. `npm run render -- DIR` prints one line per XR and is a CI gate.
import { relative, resolve, sep } from "node:path";
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import type { KubeObject } from "../functions/compose.js";
import {
  COMPOSITE_LABEL,
  groupOf,
  isCrossvdc,
  isXR,
  loadFile,
  matches,
  RenderError,
  RESOURCE_NAME_ANNOTATION,
  Renderer,
  unknownKind,
  where,
  XR_KINDS,
  yamlFiles,
  type Loaded,
  type Rendered,
} from "./render-lib.js";

/**
 * The creationTimestamp an XR of the repository is given when its file has none:
 * one instant for all, as if the repository were applied at once (Kubernetes
 * timestamps have one-second resolution, so objects applied together are
 * charged by name). XRs expected to be refused get none: they come last, as
 * objects added to the repository afterwards would.
 */
export const APPLIED_AT = "1970-01-01T00:00:00Z";
/** Renders of the whole repository until no XR's status changes (a VM reads its VDC's). */
const MAX_SETTLE_ROUNDS = 5;

export interface RepositoryOptions {
  /** Folders or files holding the repository. */
  paths: string[];
  /**
   * Folders or files of XRs that must be refused, each rendered against the
   * repository; they are not part of it.
   */
  expectRefused?: string[];
  compositionsDir: string;
  includeFunctionResults?: boolean;
}

export interface XRRender {
  xr: KubeObject;
  /** `Kind name` or `Kind namespace/name`. */
  label: string;
  file: string;
  doc: number;
  expectRefused: boolean;
  rendered: Rendered;
}

export function labelOf(o: KubeObject): string {
  const ns = o.metadata?.namespace;
  return `${o.kind} ${ns ? `${ns}/` : ""}${String(o.metadata?.name ?? "")}`;
}

/** One object per group, kind, namespace and name, as in a cluster. */
function identity(o: KubeObject): string {
  const { namespace = "", name } = o.metadata ?? {};
  return `${groupOf(o.apiVersion)}|${o.kind}|${namespace}|${String(name ?? "")}`;
}

function under(file: string, roots: string[]): boolean {
  const f = resolve(file);
  return roots.some((r) => f === r || f.startsWith(r + sep));
}

function load(paths: string[], skip: string[]): Loaded[] {
  const files = [...new Set(paths.flatMap((p) => yamlFiles(p)))].filter((f) => !under(f, skip));
  return files.flatMap(loadFile);
}

/** The objects of the cluster by apiVersion and kind, so each requirement scans only its kind. */
class Cluster {
  private readonly byKind = new Map<string, KubeObject[]>();
  constructor(objects: Iterable<KubeObject>) {
    for (const o of objects) {
      const k = `${o.apiVersion}|${o.kind}`;
      const list = this.byKind.get(k);
      if (list) list.push(o);
      else this.byKind.set(k, [o]);
    }
  }
  lookup = (sel: ResourceSelector): KubeObject[] =>
    (this.byKind.get(`${sel.apiVersion}|${sel.kind}`) ?? []).filter((o) => matches(sel, o));
}

function problems(list: string[]): RenderError {
  return new RenderError(list.join("\n"));
}

export async function renderRepository(opts: RepositoryOptions): Promise<XRRender[]> {
  const refusedRoots = (opts.expectRefused ?? []).map((p) => resolve(p));
  const repo = load(opts.paths, refusedRoots);
  const candidates = load(opts.expectRefused ?? [], []);
  const errors: string[] = [];

  // Objects are unique by identity, as in a cluster (GitOps tools refuse duplicates too).
  const seen = new Map<string, Loaded>();
  for (const l of [...repo, ...candidates]) {
    const id = identity(l.object);
    const first = seen.get(id);
    if (first)
      errors.push(`${where(l)}: ${labelOf(l.object)} is already defined in ${where(first)}`);
    else seen.set(id, l);
  }
  for (const l of [...repo, ...candidates])
    if (isCrossvdc(l.object) && !isXR(l.object))
      errors.push(`${where(l)}: ${unknownKind(l.object.apiVersion, l.object.kind, XR_KINDS)}`);
  for (const l of candidates)
    if (!isXR(l.object))
      errors.push(`${where(l)}: ${labelOf(l.object)} is not an XR, so it cannot be refused`);

  const stamp = (o: KubeObject): KubeObject =>
    o.metadata?.creationTimestamp
      ? o
      : { ...o, metadata: { ...o.metadata, creationTimestamp: APPLIED_AT } };
  const xrs = repo.filter((l) => isXR(l.object)).map((l) => ({ ...l, object: stamp(l.object) }));

  // Observed state: objects carrying Crossplane's marks of a composed resource,
  // the composition resource name and the label naming their XR.
  const observed = new Map<Loaded, KubeObject[]>(xrs.map((x) => [x, []]));
  for (const l of repo) {
    const md = l.object.metadata;
    if (md?.annotations?.[RESOURCE_NAME_ANNOTATION] === undefined) continue;
    const owner = md.labels?.[COMPOSITE_LABEL];
    if (!owner) {
      errors.push(
        `${where(l)}: ${labelOf(l.object)} has the ` +
          `annotation ${RESOURCE_NAME_ANNOTATION} of a composed resource but no ` +
          `label ${COMPOSITE_LABEL} naming its XR`,
      );
      continue;
    }
    // A namespaced XR composes only in its own namespace.
    const of = xrs.filter(
      (x) =>
        x.object.metadata?.name === owner &&
        (!x.object.metadata?.namespace || x.object.metadata.namespace === md.namespace),
    );
    if (of.length === 1) observed.get(of[0]!)!.push(l.object);
    else
      errors.push(
        of.length === 0
          ? `${where(l)}: ${labelOf(l.object)} is labelled ${COMPOSITE_LABEL}: ${owner}, ` +
              `but no XR of that ` +
              `name${md.namespace ? ` (cluster-scoped, or in namespace ${md.namespace})` : ""} ` +
              `is in the repository`
          : `${where(l)}: ${labelOf(l.object)} is labelled ${COMPOSITE_LABEL}: ${owner}, ` +
              `which names ${of.map((x) => labelOf(x.object)).join(" and ")}`,
      );
  }
  if (errors.length) throw problems(errors);

  const renderer = await Renderer.start(opts.compositionsDir);
  try {
    const others = repo.filter((l) => !isXR(l.object)).map((l) => l.object);
    // Each XR's status as the others read it: what its latest render set, from the file's at first.
    const status = new Map<Loaded, unknown>(xrs.map((x) => [x, x.object.status]));
    const withStatus = (x: Loaded): KubeObject => {
      const s = status.get(x);
      const rest = { ...x.object };
      delete rest.status;
      return s === undefined ? rest : { ...rest, status: s };
    };
    const renderAll = async (cluster: Cluster) => {
      const out = new Map<Loaded, Rendered>();
      for (const x of xrs)
        out.set(
          x,
          await renderer.render({
            xr: x.object,
            observed: observed.get(x),
            required: cluster.lookup,
            includeFunctionResults: opts.includeFunctionResults,
          }),
        );
      return out;
    };
    let rendered: Map<Loaded, Rendered> | undefined;
    let cluster = new Cluster([...others, ...xrs.map(withStatus)]);
    for (let round = 1; ; round++) {
      rendered = await renderAll(cluster);
      let changed = false;
      for (const x of xrs) {
        const r = rendered.get(x)!;
        // A Fatal result changes nothing, the status included.
        if (r.fatal !== undefined) continue;
        const next = r.documents[0]?.status;
        if (JSON.stringify(next) !== JSON.stringify(status.get(x))) {
          status.set(x, next);
          changed = true;
        }
      }
      if (!changed) break;
      if (round === MAX_SETTLE_ROUNDS)
        throw new RenderError(
          `the statuses of the repository's XRs still changed after ${MAX_SETTLE_ROUNDS} ` +
            `renders of it`,
        );
      cluster = new Cluster([...others, ...xrs.map(withStatus)]);
    }
    const results: XRRender[] = xrs.map((x) => ({
      xr: x.object,
      label: labelOf(x.object),
      file: x.file,
      doc: x.doc,
      expectRefused: false,
      rendered: rendered.get(x)!,
    }));
    // Each XR expected to be refused, added on its own to the settled repository.
    for (const c of candidates) {
      const added = new Cluster([...others, ...xrs.map(withStatus), c.object]);
      results.push({
        xr: c.object,
        label: labelOf(c.object),
        file: c.file,
        doc: c.doc,
        expectRefused: true,
        rendered: await renderer.render({
          xr: c.object,
          required: added.lookup,
          includeFunctionResults: opts.includeFunctionResults,
        }),
      });
    }
    return results;
  } finally {
    await renderer.close();
  }
}

/** Composed resources of a render (its documents but the XR and the results). */
export function composedOf(r: Rendered): KubeObject[] {
  return r.documents.slice(1).filter((d) => d.kind !== "Result");
}

/** Whether an XR rendered as the repository expects: composed, or refused when it must be. */
export function asExpected(r: XRRender): boolean {
  return (r.rendered.fatal !== undefined) === r.expectRefused;
}

/** The gate's line for one XR. */
export function summaryLine(r: XRRender, width: number): string {
  const head = r.label.padEnd(width);
  const fatal = r.rendered.fatal;
  if (fatal === undefined) {
    const n = composedOf(r.rendered).length;
    const line = `${head}  composes ${n} resource${n === 1 ? "" : "s"}`;
    return r.expectRefused ? `${line}  UNEXPECTED: it should have been refused` : line;
  }
  return `${head}  ${r.expectRefused ? "refused, as expected" : "REFUSED"}: ${fatal}`;
}

/** Every line of the gate, then a count; `ok` is false if any XR did not render as expected. */
export function summary(results: XRRender[], cwd = process.cwd()): { text: string; ok: boolean } {
  const width = Math.max(0, ...results.map((r) => r.label.length));
  const bad = results.filter((r) => !asExpected(r));
  const refused = results.filter((r) => r.expectRefused).length;
  const lines = results.map((r) => summaryLine(r, width));
  lines.push(
    bad.length
      ? `${bad.length} of ${results.length} XR(s) did not render as ` +
          `expected: ${bad.map((r) => `${r.label} (${relative(cwd, r.file)})`).join(", ")}`
      : `${results.length - refused} XR(s) ` +
          `compose${refused ? `, ${refused} refused as expected` : ""}`,
  );
  return { text: `${lines.join("\n")}\n`, ok: bad.length === 0 };
}
