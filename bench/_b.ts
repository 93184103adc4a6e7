import { buildCases } from "./cases.js";
const t = performance.now();
const c = buildCases();
console.log(performance.now() - t);
for (const x of c.cases) console.log(x.name, x.what, x.bytes.length, x.related, x.outcome);
for (const s of c.scaling) for (const p of s.points) console.log(s.kind, p.n, p.c.bytes.length, p.c.related, p.c.outcome);
console.log(c.skipped, c.notes);
