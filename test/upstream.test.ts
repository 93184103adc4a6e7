// The upstream schemas pinned in schemas/upstream.yaml: the folder the tests read holds exactly
// the pinned bytes (in CI ../shared/crds, elsewhere the cache), and `npm run schemas` fetches
// them into the cache, refuses other bytes, and offline says in one line what is missing.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pinProblem, pins, sha256, type Pin } from "../scripts/schemas.js";
import { crdsDir, projectRoot as root } from "./support/schemas.js";
import { pattern } from "./support/pattern.js";

const pinned = pins();

/** Every file under a folder, relative to it. */
function filesUnder(dir: string, sub = ""): string[] {
  return readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, join(sub, e.name)) : [join(sub, e.name)],
  );
}

describe("the upstream schemas the tests read", () => {
  it.each(
    pinned.map((pin) => ({
      pin,
      reason: `the tests validate against ${pin.repository}@${pin.ref} ${pin.path}, byte for byte`,
    })),
  )("$pin.file has its pinned sha256 in the schema folder", ({ pin }) => {
    expect(pinProblem(crdsDir, pin)).toBeUndefined();
  });

  it.each([
    {
      reason: "a schema the tests could read but a fresh clone could not fetch is pinned too",
      check: () =>
        filesUnder(crdsDir)
          .filter((f) => /\.(ya?ml|json)$/.test(f))
          .filter((f) => !pinned.some((p) => p.file === f)),
      want: [],
    },
    {
      reason: "each pin names a repository, an immutable ref, a path, a sha256 and a license",
      check: () =>
        pinned.filter(
          (p) =>
            !/^[\w.-]+\/[\w.-]+$/.test(p.repository) ||
            !/^(v\d+\.\d+\.\d+|[0-9a-f]{40})$/.test(p.ref) ||
            p.path === "" ||
            !/^[0-9a-f]{64}$/.test(p.sha256) ||
            !/^(Apache-2\.0|MIT)$/.test(p.license),
        ),
      want: [],
    },
    {
      reason: "a copy with other bytes than pinned is refused: the checksum check above can fail",
      check: () => {
        const dir = mkdtempSync(join(tmpdir(), "crossvdc-tampered-"));
        const pin = pinned[0]!;
        const bytes = readFileSync(join(crdsDir, pin.file));
        cpSync(join(crdsDir, pin.file), join(dir, pin.file));
        writeFileSync(join(dir, pin.file), Buffer.concat([bytes, Buffer.from("\n")]));
        const altered = sha256(readFileSync(join(dir, pin.file)));
        return [pinProblem(dir, pin), pinProblem(dir, pinned[1]!)].map((p) =>
          p?.replace(altered, "<altered>"),
        );
      },
      want: [
        `${pinned[0]!.file}: sha256 <altered>, pinned ${pinned[0]!.sha256}`,
        `${pinned[1]!.file}: missing`,
      ],
    },
    {
      reason: "no upstream file is committed: the cache is ignored by git, prettier and docker",
      check: () =>
        [".gitignore", ".prettierignore", ".dockerignore"].filter(
          (f) => !/^\.cache\/?$/m.test(readFileSync(join(root, f), "utf8")),
        ),
      want: [],
    },
  ])("$reason", ({ check, want }) => {
    expect(check()).toEqual(want);
  });
});

// ------------------------------------------------------------------ npm run schemas

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" },
      (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * A stand-in for raw.githubusercontent.com on loopback: serves the pinned files
 * at <repository>/<ref>/<path>.
 */
function mirror(tamper?: Pin): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    const pin = pinned.find((p) => req.url === `/${p.repository}/${p.ref}/${p.path}`);
    if (!pin) {
      res.writeHead(404).end("404: Not Found");
      return;
    }
    const bytes = readFileSync(join(crdsDir, pin.file));
    if (pin === tamper) bytes.writeUInt8(bytes.readUInt8(bytes.length - 2) ^ 1, bytes.length - 2);
    res.writeHead(200).end(bytes);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }),
    ),
  );
}

/** A loopback URL nothing listens on: fetching from it fails as it does offline. */
function deadUrl(): Promise<string> {
  const s = createServer();
  return new Promise((resolve) =>
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(`http://127.0.0.1:${port}`));
    }),
  );
}

const tampered = pinned.find((p) => p.file.endsWith("pkg.crossplane.io_imageconfigs.yaml"))!;

interface ScriptCase {
  reason: string;
  command: "npm run pretest" | "npm run schemas";
  shared: "present" | "absent";
  cache: "empty" | "complete" | "one file altered";
  source: "mirror" | "tampered mirror" | "offline";
  status: number;
  /** What the script prints: stdout when it succeeds, its one stderr line when it fails. */
  says: RegExp | "";
  /** The files fetched from the source. */
  fetched: number;
  /** Whether the cache then holds every pinned file with its pinned bytes. */
  cacheComplete: boolean;
}

const cases: ScriptCase[] = [
  {
    reason: "a fresh clone without internet is told in one line what is missing and what to run",
    command: "npm run pretest",
    shared: "absent",
    cache: "empty",
    source: "offline",
    status: 1,
    says: pattern(
      /^/,
      "crossvdc: the upstream schemas the tests validate against are missing: no ",
      /\S+/,
      " and no complete ",
      /\S+/,
      "; fetching http://127.0.0.1:",
      /\d+\/\S+/,
      " failed (fetch failed: connect ECONNREFUSED ",
      /[^)]*/,
      "). Run `npm run schemas` where GitHub is reachable, or set CROSSVDC_SHARED_CRDS to a copy.",
      /$/,
    ),
    fetched: 0,
    cacheComplete: false,
  },
  {
    reason: "a fresh clone with internet fetches every pinned file before the tests run",
    command: "npm run pretest",
    shared: "absent",
    cache: "empty",
    source: "mirror",
    status: 0,
    says: new RegExp(`^fetched ${pinned.length} pinned schema\\(s\\) into \\S+\\n$`),
    fetched: pinned.length,
    cacheComplete: true,
  },
  {
    reason: "a file whose bytes are not the pinned ones is refused and never lands in the cache",
    command: "npm run pretest",
    shared: "absent",
    cache: "empty",
    source: "tampered mirror",
    status: 1,
    says: new RegExp(
      `refused ` +
        `http://127\\.0\\.0\\.1:\\d+/${tampered.repository}/${tampered.ref}/${tampered.path}: ` +
        `its sha256 is [0-9a-f]{64}, not the ${tampered.sha256} pinned in ` +
        `schemas/upstream\\.yaml\\. Run \`npm run schemas\``,
    ),
    fetched: -1, // some, in parallel
    cacheComplete: false,
  },
  {
    reason: "in CI the shared copy is used: nothing is fetched",
    command: "npm run pretest",
    shared: "present",
    cache: "empty",
    source: "offline",
    status: 0,
    says: "",
    fetched: 0,
    cacheComplete: false,
  },
  {
    reason: "a complete cache is used as it is, offline too",
    command: "npm run pretest",
    shared: "absent",
    cache: "complete",
    source: "offline",
    status: 0,
    says: "",
    fetched: 0,
    cacheComplete: true,
  },
  {
    reason: "a cached file altered since is fetched again, and only that one",
    command: "npm run pretest",
    shared: "absent",
    cache: "one file altered",
    source: "mirror",
    status: 0,
    says: /^fetched 1 pinned schema\(s\) into \S+\n$/,
    fetched: 1,
    cacheComplete: true,
  },
  {
    reason: "npm run schemas fills the cache even beside a shared copy (e.g. to mirror it)",
    command: "npm run schemas",
    shared: "present",
    cache: "empty",
    source: "mirror",
    status: 0,
    says: new RegExp(`^fetched ${pinned.length} pinned schema\\(s\\) into \\S+\\n$`),
    fetched: pinned.length,
    cacheComplete: true,
  },
];

describe("npm run schemas", () => {
  const servers: Server[] = [];
  let good: { url: string; hits: string[] };
  let bad: { url: string; hits: string[] };
  let dead: string;
  beforeAll(async () => {
    const g = await mirror();
    const b = await mirror(tampered);
    servers.push(g.server, b.server);
    good = g;
    bad = b;
    dead = await deadUrl();
  });
  afterAll(() => servers.forEach((s) => s.close()));

  it.each(cases)("$reason", async (c) => {
    const tmp = mkdtempSync(join(tmpdir(), "crossvdc-schemas-"));
    const cache = join(tmp, "cache");
    if (c.cache !== "empty")
      for (const p of pinned) cpSync(join(crdsDir, p.file), join(cache, p.file));
    if (c.cache === "one file altered") writeFileSync(join(cache, tampered.file), "altered\n");
    const source = c.source === "mirror" ? good : c.source === "tampered mirror" ? bad : undefined;
    const before = source?.hits.length ?? 0;
    const script = c.command.split(" ").slice(2);
    const r = await run("npm", ["run", "--silent", ...script], {
      CROSSVDC_SHARED_CRDS: c.shared === "present" ? crdsDir : join(tmp, "no-shared-copy"),
      CROSSVDC_CRDS_CACHE: cache,
      CROSSVDC_CRDS_BASE_URL: source?.url ?? dead,
    });
    expect({ status: r.status, stackTrace: /^\s+at /m.test(r.stdout + r.stderr) }).toEqual({
      status: c.status,
      stackTrace: false,
    });
    if (c.status === 0) {
      expect(r.stderr).toBe("");
      if (c.says === "") expect(r.stdout).toBe("");
      else expect(r.stdout).toMatch(c.says);
    } else {
      expect(r.stderr.split("\n").filter((l) => l !== "")).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(c.says);
    }
    if (c.fetched >= 0) expect((source?.hits.length ?? 0) - before).toBe(c.fetched);
    const problems = pinned.filter((p) => pinProblem(cache, p) !== undefined);
    if (c.cacheComplete) expect(problems).toEqual([]);
    else expect(problems).not.toEqual([]);
    // Whatever the outcome, what the cache holds is pinned bytes (a refused file never lands).
    if (existsSync(cache))
      for (const f of filesUnder(cache)) {
        const pin = pinned.find((p) => p.file === f);
        expect(pin, `${relative(tmp, join(cache, f))} is pinned`).toBeDefined();
        expect(sha256(readFileSync(join(cache, f)))).toBe(pin!.sha256);
      }
  });
});
