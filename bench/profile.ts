// Reads a V8 .cpuprofile (node --cpu-prof) and sums self time by package or
// source file and by function: where a server spends its CPU under load.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hot {
  share: number;
  what: string;
}

/** Self time by package/file and by function, largest first, as shares of all samples. */
export function hotSpots(
  dir: string,
  root: string,
  top = 20,
): { byPackage: Hot[]; byFunction: Hot[] } {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const p = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) {
    const t = self.get(n.id) ?? 0;
    if (!t) continue;
    total += t;
    const cf = n.callFrame;
    let f = cf.url
      .replace(`file://${root}/`, "")
      .replace(/^.*\/node_modules\/(?!\.cache)/, "npm:")
      .replace(/^.*\/node_modules\/\.cache\/crossvdc-bench\//, "");
    if (!f) f = cf.functionName || "(native)";
    const pkg = f.startsWith("npm:")
      ? f
          .split("/")
          .slice(0, f.startsWith("npm:@") ? 2 : 1)
          .join("/")
      : f;
    const line = cf.url ? `:${cf.lineNumber + 1}` : "";
    const fnKey = `${cf.functionName || "(anonymous)"}  ${f}${line}`;
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + t);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + t);
  }
  const sorted = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, t]) => ({ share: t / total, what }));
  return { byPackage: sorted(byPkg), byFunction: sorted(byFn) };
}
