// Every command in the README, in its shell blocks and in the code spans of its prose and
// tables, is run here, or by a named test, or is listed as needing a cluster with the reason;
// for those, the files it names must exist and every object in them (and in a heredoc) must
// be valid. A command the table does not know fails the test: add it to the table.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { root } from "../scripts/examples.js";
import { yamlFiles } from "../scripts/render-lib.js";
import { crdsDir, validateResource } from "./support/schemas.js";

interface Command {
  text: string;
  heredoc?: string;
}

/**
 * The commands of the README's ```sh blocks: continuations joined, heredocs
 * kept, comments and `&&` split off.
 */
export function readmeCommands(markdown: string): Command[] {
  const out: Command[] = [];
  for (const [, block] of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block!.split("\n");
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      while (line.endsWith("\\") && i + 1 < lines.length)
        line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
      line = line
        .replace(/\s+#.*$/, "")
        .replace(/^#.*$/, "")
        .trim();
      if (!line) continue;
      let heredoc: string | undefined;
      const tag = /<<-?'?(\w+)'?/.exec(line)?.[1];
      if (tag) {
        const body: string[] = [];
        while (i + 1 < lines.length && lines[i + 1] !== tag) body.push(lines[++i]!);
        i++;
        heredoc = body.join("\n");
      }
      for (const part of line.split(/\s+&&\s+/))
        out.push({ text: part.replace(/\s+/g, " "), heredoc });
    }
  }
  return out;
}

/** The words a README command starts with (after `ENV=value` prefixes). */
const COMMAND_WORDS = ["npm", "npx", "node", "kubectl", "crossplane", "docker", "git"];
const INLINE_COMMAND = new RegExp(`^(?:[A-Z][A-Z0-9_]*=\\S+ )*(?:${COMMAND_WORDS.join("|")}) \\S`);

/**
 * The commands in the code spans of the README's prose and tables (fenced blocks left out):
 * a span that starts with a command word and an argument, each once. A bare word (`node`,
 * a status field) or a name (`crossplane.yaml`) is not a command.
 */
export function inlineCommands(markdown: string): Command[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "");
  const texts = [...prose.matchAll(/`([^`]+)`/g)]
    .map(([, span]) => span!.replace(/\s+/g, " ").trim())
    .filter((t) => INLINE_COMMAND.test(t));
  return [...new Set(texts)].map((text) => ({ text }));
}

type How =
  /** Run here as written. */
  | { run: true }
  /** A usage form (placeholders): the script's --help runs and lists every flag it names. */
  | { help: true }
  /** Run by another test, or by the file named; `contains` is what makes that so. */
  | { test: string; contains?: string; reason: string }
  /** Compiled as `npm run build` compiles it, then started and stopped as the image runs it. */
  | { build: true }
  | { cluster: string };

/** How each command is covered, first match wins. */
const COVERAGE: { pattern: RegExp; how: How }[] = [
  {
    pattern: /^npm ci$/,
    how: {
      test: "package-lock.json",
      reason: "installs what every test runs with; CI runs it before npm test",
    },
  },
  { pattern: /^npm test$/, how: { test: "package.json", reason: "is this test suite" } },
  {
    pattern: /^npm run package$/,
    how: {
      test: "test/package.test.ts",
      reason: "runs scripts/package.ts and checks what it assembles",
    },
  },
  {
    pattern: /^npm run package -- --(build|push)$/,
    how: {
      cluster:
        "needs Docker, the Crossplane CLI and a registry login; test/package.test.ts " +
        "checks the roots and the commands it prints",
    },
  },
  {
    pattern: /^npm run schemas -- --if-missing$/,
    how: {
      test: "package.json",
      contains: '"pretest": "tsx scripts/schemas.ts --if-missing"',
      reason: "npm test runs it first, as pretest",
    },
  },
  {
    pattern: /^npm run image-node$/,
    how: {
      test: "test/image-node.test.ts",
      contains: "const bin = imageNode()!;",
      reason: "fetches the same binary through imageNode() and runs the examples under it",
    },
  },
  {
    pattern: /^npm run schemas$/,
    how: {
      test: "test/upstream.test.ts",
      contains: 'run("npm", ["run", "--silent", ...script]',
      reason:
        "runs it against a loopback stand-in for GitHub; here it would fetch from the internet",
    },
  },
  {
    pattern: /^npm run generate\b/,
    how: {
      test: "test/generate.test.ts",
      reason:
        "checks that what it writes is what is committed; run here with other flags it " +
        "would rewrite the tree",
    },
  },
  {
    // Usage forms (a placeholder, or one flag alone) say how to call it, not what to render.
    pattern: /^npm run (render|validate) -- (<\w+>|[A-Z|]+\.\.\.|XR\.yaml( \.\.\.)?|--[\w-]+)$/,
    how: { help: true },
  },
  { pattern: /^npm run (demo|render|validate)\b/, how: { run: true } },
  { pattern: /^npm run build$/, how: { build: true } },
  {
    pattern: /^node dist\/main\.js \[flags\]$/,
    how: {
      test: "Dockerfile",
      contains: '"dist/main.js"]',
      reason: "is the image's ENTRYPOINT; the npm run build case starts the compiled main.js",
    },
  },
  {
    pattern: /^npm start( -- \[flags\])?$/,
    how: {
      test: "test/server.test.ts",
      contains: 'spawn("npm", ["start", "--",',
      reason: "starts npm start with flags and stops it with SIGTERM",
    },
  },
  {
    pattern: /^npm start -- --insecure --address localhost:9443$/,
    how: {
      test: "test/server.test.ts",
      contains: '"--insecure", "--address"',
      reason:
        "serves plaintext gRPC with these flags, on port 0: 9443 may be taken on a shared machine",
    },
  },
  {
    pattern: /^npm run format$/,
    how: {
      test: "package.json",
      contains: '"test": "prettier --check . ',
      reason: "rewrites the tree; npm test checks the same files with prettier --check",
    },
  },
  {
    pattern: /^UPDATE_GOLDEN=1 npx vitest run test\/examples\.test\.ts$/,
    how: {
      test: "test/examples.test.ts",
      contains: "process.env.UPDATE_GOLDEN",
      reason:
        "rewrites test/golden/; npm test runs the file without it and fails on a stale golden",
    },
  },
  { pattern: /^npm run bench -- --(help|node PATH)$/, how: { help: true } },
  {
    pattern: /^npm run bench$/,
    how: {
      test: "bench/bench.ts",
      reason:
        "minutes of load that need a quiet machine, run by hand; test/load.test.ts and " +
        "test/package.test.ts run its server harness (bench/proc.ts, bench/build.ts)",
    },
  },
  {
    pattern: /^docker build /,
    how: { cluster: "needs Docker, which the test machines do not run" },
  },
  {
    pattern: /^crossplane xpkg /,
    how: { cluster: "needs the Crossplane CLI and, to push, a registry" },
  },
  {
    // CLI v2.3 has no `beta` group: trace is `crossplane resource trace`
    // (crossplane/cli v2.3.4, cmd/crossplane/main.go and resource/resource.go).
    pattern: /^crossplane resource trace\b/,
    how: { cluster: "needs a cluster with crossvdc installed" },
  },
  {
    // `crossplane render` is a hidden alias of it in CLI v2.3 (cmd/crossplane/main.go).
    pattern: /^crossplane composition render$/,
    how: {
      cluster:
        "needs the Crossplane CLI and Docker; " +
        "npm run render runs the same Compositions in-process here",
    },
  },
  { pattern: /^kubectl /, how: { cluster: "needs a cluster" } },
];

const scripts = (
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  }
).scripts;

/** The npm script a command runs, as the command line package.json gives it. */
function scriptOf(text: string): { file: string; args: string[] } {
  const [, name, rest] = /^npm run (\S+)(?: -- (.*))?$/.exec(text) ?? [];
  const m = /^tsx ((?:scripts|bench)\/\S+\.ts)$/.exec(scripts[name ?? ""] ?? "");
  if (!m) throw new Error(`npm run ${name}: package.json does not run a tsx script`);
  return { file: m[1]!, args: rest ? rest.split(" ") : [] };
}

/** Paths a command names inside the repository (flags' values too). */
function pathsOf(text: string): string[] {
  return text
    .split(" ")
    .map((t) => t.replace(/^--?[\w-]+=/, ""))
    .filter((t) =>
      /^(examples|package|apis|compositions|docs|scripts|functions|test|bench)(\/|$)/.test(t),
    );
}

/** Names kinds get in the XRDs and the pinned CRDs (plural, singular, short, category, kind). */
function resourceNames(): Set<string> {
  const names = new Set<string>();
  const files = [...yamlFiles(join(root, "apis")), ...yamlFiles(crdsDir)];
  for (const f of files)
    for (const d of parseAllDocuments(readFileSync(f, "utf8"))) {
      const o = d.toJSON() as {
        kind?: string;
        spec?: { group?: string; names?: Record<string, string | string[]> };
      } | null;
      if (!o?.kind?.endsWith("ResourceDefinition") || !o.spec?.names) continue;
      const n = o.spec.names;
      for (const v of [n.plural, n.singular, n.shortNames, n.categories].flat())
        if (typeof v === "string") names.add(v);
      if (typeof n.kind === "string") names.add(n.kind.toLowerCase());
      if (typeof n.plural === "string") names.add(`${n.plural}.${o.spec.group}`);
    }
  // Served by the API server or Crossplane but not among the pinned schemas.
  for (const core of ["events", "namespace", "namespaces", "functionrevisions"]) names.add(core);
  return names;
}
let known: Set<string> | undefined;

/** The kind a kubectl command names that the cluster would not know. */
function unknownKind(text: string): string | undefined {
  const arg = /^kubectl (?:get|delete|describe|label|explain) ([a-z][\w.-]*)/.exec(text)?.[1];
  known ??= resourceNames();
  return arg && !known.has(arg) ? arg : undefined;
}

/**
 * Compiles functions/ with the build script's tsc into .scratch/ (dist/ may be in use by
 * another run), starts the compiled main.js as the image does, and stops it with SIGTERM.
 */
async function buildAndStart(): Promise<{ status: number | null; log: string }> {
  const [, args] = /^tsc (.*)$/.exec(scripts.build ?? "") ?? [];
  if (!args) throw new Error(`npm run build: package.json runs ${scripts.build}, not tsc`);
  const out = join(root, ".scratch", "readme-dist");
  rmSync(out, { recursive: true, force: true });
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const b = spawnSync(process.execPath, [tsc, ...args.split(" "), "--outDir", out], {
    cwd: root,
    encoding: "utf8",
  });
  if (b.status !== 0) return { status: b.status, log: `${b.stdout}${b.stderr}` };
  const server = spawn(
    process.execPath,
    [join(out, "main.js"), "--insecure", "--address", "127.0.0.1:0"],
    { cwd: root },
  );
  let log = "";
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("function server started") && !server.killed) server.kill("SIGTERM");
    };
    server.stdout.on("data", onData);
    server.stderr.on("data", onData);
    // "close", not "exit": the last log lines may still be in the pipe when it exits.
    server.on("close", (status) => resolve({ status, log }));
  });
}

const markdown = readFileSync(join(root, "README.md"), "utf8");
const blockCommands = readmeCommands(markdown);
const inBlocks = new Set(blockCommands.map((c) => c.text));
const commands: [string, Command][] = [
  ...blockCommands.map((c): [string, Command] => [c.text, c]),
  ...inlineCommands(markdown)
    .filter((c) => !inBlocks.has(c.text))
    .map((c): [string, Command] => [`\`${c.text}\``, c]),
];

const parsing: {
  reason: string;
  parse: (markdown: string) => Command[];
  markdown: string;
  want: Command[];
}[] = [
  {
    reason: "comments go, && splits, only sh blocks count",
    parse: readmeCommands,
    markdown:
      "```sh\nnpm ci && npm run demo   # install\n# a comment line\n```\n```yaml\nkind: X\n```\n",
    want: [{ text: "npm ci" }, { text: "npm run demo" }],
  },
  {
    reason: "a continued line is one command",
    parse: readmeCommands,
    markdown: "```sh\nnpm run render -- a.yaml \\\n  --required-resources b\n```\n",
    want: [{ text: "npm run render -- a.yaml --required-resources b" }],
  },
  {
    reason: "a heredoc belongs to its command, and is not read as commands",
    parse: readmeCommands,
    markdown: "```sh\nkubectl apply -f - <<EOF\nkind: Configuration\nEOF\nkubectl get x\n```\n",
    want: [
      { text: "kubectl apply -f - <<EOF", heredoc: "kind: Configuration" },
      { text: "kubectl get x" },
    ],
  },
  {
    reason: "inline: a span starting with a command word and an argument is a command",
    parse: inlineCommands,
    markdown: "Run `npm run build`, then `UPDATE_GOLDEN=1 npx vitest run x` | `git log` |\n",
    want: [
      { text: "npm run build" },
      { text: "UPDATE_GOLDEN=1 npx vitest run x" },
      { text: "git log" },
    ],
  },
  {
    reason: "inline: bare words, names and other code are not commands",
    parse: inlineCommands,
    markdown: "`node`, `crossplane.yaml`, `crossplane-admin`, `nodeName: x`, `FOO=1`, `--debug`\n",
    want: [],
  },
  {
    reason: "inline: fenced blocks are left out, a span across lines is one command, once",
    parse: inlineCommands,
    markdown: "```sh\nnpm test `npm ci`\n```\nsee `kubectl get\nxvm` or `kubectl get xvm`\n",
    want: [{ text: "kubectl get xvm" }],
  },
];

describe("README commands", () => {
  it.each(parsing.map((p) => [p.reason, p]))("parsing: %s", (_, p) => {
    expect(p.parse(p.markdown)).toEqual(p.want);
  });

  it("finds the README's commands, in blocks and inline", () => {
    expect(commands.map(([label]) => label)).toEqual(
      expect.arrayContaining(["npm test", "`npm run build`"]),
    );
  });

  it.each(commands)(
    "%s",
    async (_, c) => {
      const entry = COVERAGE.find((e) => e.pattern.test(c.text));
      expect(entry, `no entry in test/readme.test.ts's COVERAGE for: ${c.text}`).toBeDefined();
      const how = entry!.how;
      // Whatever covers it: the script, the files and the kind it names must exist.
      const script = /^npm run (\S+)/.exec(c.text)?.[1];
      if (script) expect(Object.keys(scripts), `npm run ${script}`).toContain(script);
      for (const p of pathsOf(c.text)) expect(existsSync(join(root, p)), p).toBe(true);
      expect(unknownKind(c.text), `${c.text}: a kind the cluster would not know`).toBeUndefined();
      if ("test" in how) {
        expect(existsSync(join(root, how.test)), how.test).toBe(true);
        if (how.contains)
          expect(readFileSync(join(root, how.test), "utf8"), how.test).toContain(how.contains);
        return;
      }
      if ("run" in how || "help" in how) {
        const { file, args } = scriptOf(c.text);
        const r = spawnSync(
          process.execPath,
          ["--import", "tsx", file, ...("help" in how ? ["--help"] : args)],
          { cwd: root, encoding: "utf8" },
        );
        expect(r.status, `${c.text}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`).toBe(0);
        if ("help" in how)
          for (const flag of c.text.match(/--[\w-]+/g)?.filter((f) => f !== "--") ?? [])
            expect(r.stdout, `${file} --help`).toContain(flag);
        return;
      }
      if ("build" in how) {
        const { status, log } = await buildAndStart();
        expect(log).toContain("function server stopped");
        expect(status, log).toBe(0);
        return;
      }
      // Needs a cluster: what it names must be valid where it is YAML.
      const problems: string[] = [];
      for (const p of pathsOf(c.text)) {
        const full = join(root, p);
        const yaml = /\.ya?ml$/.test(p) || !p.includes(".") ? yamlFiles(full) : [];
        for (const f of yaml)
          for (const d of parseAllDocuments(readFileSync(f, "utf8")))
            if (d.toJSON()) problems.push(...validateResource(d.toJSON()).map((e) => `${p}: ${e}`));
      }
      if (c.heredoc)
        for (const d of parseAllDocuments(c.heredoc))
          problems.push(...validateResource(d.toJSON()).map((e) => `heredoc: ${e}`));
      expect(problems).toEqual([]);
    },
    300_000,
  );
});
