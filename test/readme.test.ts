// Every command in the README's shell blocks is run here, or by a named test, or
// is listed as needing a cluster with the reason; for those, the files it names
// must exist and every object in them (and in a heredoc) must be valid. A command
// the table does not know fails the test: add it to the table.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { root } from "../scripts/examples.js";
import { yamlFiles } from "../scripts/render-lib.js";
import { validateResource } from "./support/schemas.js";

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

type How = { run: true } | { test: string; reason: string } | { cluster: string };

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
    pattern: /^npm run schemas\b/,
    how: { test: "package.json", reason: "npm test runs npm run schemas -- --if-missing first" },
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
  { pattern: /^npm run (demo|render|validate)\b/, how: { run: true } },
  {
    pattern: /^docker build /,
    how: { cluster: "needs Docker, which the test machines do not run" },
  },
  {
    pattern: /^crossplane xpkg /,
    how: { cluster: "needs the Crossplane CLI and, to push, a registry" },
  },
  {
    pattern: /^crossplane beta trace /,
    how: { cluster: "needs a cluster with crossvdc installed" },
  },
  { pattern: /^kubectl /, how: { cluster: "needs a cluster" } },
];

/** The npm script a command runs, as the command line package.json gives it. */
function scriptOf(text: string): { file: string; args: string[] } {
  const [, name, rest] = /^npm run (\S+)(?: -- (.*))?$/.exec(text) ?? [];
  const scripts = (
    JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const m = /^tsx (scripts\/\S+\.ts)$/.exec(scripts[name ?? ""] ?? "");
  if (!m) throw new Error(`npm run ${name}: package.json does not run a tsx script`);
  return { file: m[1]!, args: rest ? rest.split(" ") : [] };
}

/** Paths a command names inside the repository (flags' values too). */
function pathsOf(text: string): string[] {
  return text
    .split(" ")
    .map((t) => t.replace(/^--?[\w-]+=/, ""))
    .filter((t) =>
      /^(examples|package|apis|compositions|docs|scripts|functions|test)(\/|$)/.test(t),
    );
}

const commands = readmeCommands(readFileSync(join(root, "README.md"), "utf8"));

const parsing: { reason: string; markdown: string; want: Command[] }[] = [
  {
    reason: "comments go, && splits, only sh blocks count",
    markdown:
      "```sh\nnpm ci && npm run demo   # install\n# a comment line\n```\n```yaml\nkind: X\n```\n",
    want: [{ text: "npm ci" }, { text: "npm run demo" }],
  },
  {
    reason: "a continued line is one command",
    markdown: "```sh\nnpm run render -- a.yaml \\\n  --required-resources b\n```\n",
    want: [{ text: "npm run render -- a.yaml --required-resources b" }],
  },
  {
    reason: "a heredoc belongs to its command, and is not read as commands",
    markdown: "```sh\nkubectl apply -f - <<EOF\nkind: Configuration\nEOF\nkubectl get x\n```\n",
    want: [
      { text: "kubectl apply -f - <<EOF", heredoc: "kind: Configuration" },
      { text: "kubectl get x" },
    ],
  },
];

describe("README commands", () => {
  it.each(parsing.map((p) => [p.reason, p]))("parsing: %s", (_, p) => {
    expect(readmeCommands(p.markdown)).toEqual(p.want);
  });

  it("finds the README's commands", () => {
    expect(commands.map((c) => c.text)).toContain("npm test");
  });

  it.each(commands.map((c) => [c.text, c]))(
    "%s",
    (_, c) => {
      const entry = COVERAGE.find((e) => e.pattern.test(c.text));
      expect(entry, `no entry in test/readme.test.ts's COVERAGE for: ${c.text}`).toBeDefined();
      const how = entry!.how;
      if ("test" in how) {
        expect(existsSync(join(root, how.test)), how.test).toBe(true);
        return;
      }
      if ("run" in how) {
        const { file, args } = scriptOf(c.text);
        const r = spawnSync(process.execPath, ["--import", "tsx", file, ...args], {
          cwd: root,
          encoding: "utf8",
        });
        expect(r.status, `${c.text}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`).toBe(0);
        return;
      }
      // Needs a cluster: what it names must exist, and be valid where it is YAML.
      const problems: string[] = [];
      for (const p of pathsOf(c.text)) {
        const full = join(root, p);
        if (!existsSync(full)) {
          problems.push(`${p}: no such file or directory`);
          continue;
        }
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
