// npm run schemas: fetches the upstream schemas pinned in schemas/upstream.yaml into the
// ignored cache .cache/crds/ (the layout of ../shared/crds) and checks each file's sha256.
// npm run schemas -- --if-missing: the same, but nothing to do where ../shared/crds exists or
// the cache already holds every pinned file; npm test runs it first, so a fresh clone with
// internet passes. Without either and without internet it says so in one line and exits 1.
//
// Environment (for mirrors and for the tests of this script):
//   CROSSVDC_SHARED_CRDS   the shared copy read first (default ../shared/crds)
//   CROSSVDC_CRDS_CACHE    the cache fetched into (default .cache/crds)
//   CROSSVDC_CRDS_BASE_URL where <repository>/<ref>/<path> is fetched from
//                          (default https://raw.githubusercontent.com)
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * One pinned upstream file: where it lands (`file`, relative to the schema
 * folder) and where it comes from.
 */
export interface Pin {
  file: string;
  repository: string;
  ref: string;
  path: string;
  sha256: string;
  license: string;
}

export const PINS_FILE = join(root, "schemas/upstream.yaml");

let cached: Pin[] | undefined;
/** The pinned files, in the order of schemas/upstream.yaml. */
export function pins(): Pin[] {
  cached ??= (parse(readFileSync(PINS_FILE, "utf8")) as { files: Pin[] }).files;
  return cached;
}

export interface SchemaLocations {
  shared: string;
  cache: string;
  baseUrl: string;
}

export function schemaLocations(env: NodeJS.ProcessEnv = process.env): SchemaLocations {
  return {
    shared: resolve(root, env.CROSSVDC_SHARED_CRDS || "../shared/crds"),
    cache: resolve(root, env.CROSSVDC_CRDS_CACHE || ".cache/crds"),
    baseUrl: (env.CROSSVDC_CRDS_BASE_URL || "https://raw.githubusercontent.com").replace(
      /\/+$/,
      "",
    ),
  };
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * The folder the tests read: the shared copy where it exists, else the cache;
 * undefined when neither does.
 */
export function schemaDir(loc: SchemaLocations = schemaLocations()): string | undefined {
  if (isDir(loc.shared)) return loc.shared;
  if (isDir(loc.cache)) return loc.cache;
  return undefined;
}

/** A path as the user would type it from the project root. */
export function shown(p: string): string {
  const r = relative(root, p);
  return r === "" ? "." : r;
}

/** The one line printed when the schemas are nowhere. */
export function missingMessage(loc: SchemaLocations, why?: string): string {
  return (
    `crossvdc: the upstream schemas the tests validate against are missing: ` +
    `no ${shown(loc.shared)}` +
    ` and no complete ${shown(loc.cache)}${why ? `; ${why}` : ""}.` +
    " Run `npm run schemas` where GitHub is reachable, or set CROSSVDC_SHARED_CRDS to a copy."
  );
}

export function sourceUrl(pin: Pin, baseUrl: string): string {
  return `${baseUrl}/${pin.repository}/${pin.ref}/${pin.path}`;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What is wrong with one pinned file in a folder: missing, or other bytes than pinned. */
export function pinProblem(dir: string, pin: Pin): string | undefined {
  const p = join(dir, pin.file);
  if (!existsSync(p)) return `${pin.file}: missing`;
  const got = sha256(readFileSync(p));
  return got === pin.sha256 ? undefined : `${pin.file}: sha256 ${got}, pinned ${pin.sha256}`;
}

class FetchError extends Error {}

async function download(pin: Pin, loc: SchemaLocations): Promise<void> {
  const url = sourceUrl(pin, loc.baseUrl);
  let bytes: Uint8Array;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new FetchError(`fetching ${url} failed: HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    if (e instanceof FetchError) throw e;
    // fetch() wraps the socket error (ECONNREFUSED, ENOTFOUND, ...) in its cause.
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
    throw new FetchError(
      `fetching ${url} failed (${e instanceof Error ? e.message : String(e)}${cause})`,
    );
  }
  const got = sha256(bytes);
  if (got !== pin.sha256)
    throw new FetchError(
      `refused ${url}: its sha256 is ${got}, not the ${pin.sha256} pinned in schemas/upstream.yaml`,
    );
  const target = join(loc.cache, pin.file);
  mkdirSync(dirname(target), { recursive: true });
  // Written whole, then renamed: an interrupted run never leaves a file that looks fetched.
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, target);
}

/**
 * Fetches every pinned file the cache lacks or holds other bytes of; returns how many it fetched.
 */
export async function fill(loc: SchemaLocations): Promise<number> {
  const todo = pins().filter((p) => pinProblem(loc.cache, p) !== undefined);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < todo.length) {
      try {
        await download(todo[next++]!, loc);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(6, todo.length) }, worker));
  return todo.length;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help")) {
    console.log(
      "usage: npm run schemas [-- --if-missing]\n" +
        ("Fetches the upstream schemas pinned in schemas/upstream.yaml into .cache/crds " +
          "and checks\n") +
        "their sha256. --if-missing: nothing to do where ../shared/crds exists.",
    );
    return 0;
  }
  const loc = schemaLocations();
  if (argv.includes("--if-missing") && isDir(loc.shared)) return 0;
  try {
    const n = await fill(loc);
    if (n > 0) console.log(`fetched ${n} pinned schema(s) into ${shown(loc.cache)}`);
    return 0;
  } catch (e) {
    const why = e instanceof FetchError ? e.message : String(e);
    console.error(
      argv.includes("--if-missing") || !isDir(loc.shared)
        ? missingMessage(loc, why)
        : `crossvdc: ${why}`,
    );
    return 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
