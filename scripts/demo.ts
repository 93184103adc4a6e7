// npm run demo: renders every example offline and prints what each XR becomes.
import { commandFor, exampleRenders, renderExample } from "./examples.js";
import { toYamlStream } from "./yaml.js";

let failed = 0;
for (const e of exampleRenders()) {
  process.stdout.write(`\n# ${e.name}\n# $ ${commandFor(e)}\n`);
  const out = await renderExample(e);
  if (out.fatal !== undefined) {
    process.stdout.write(`# Fatal (${e.fatal ? "expected" : "UNEXPECTED"}): ${out.fatal}\n`);
    if (!e.fatal) failed++;
    continue;
  }
  if (e.fatal) {
    process.stdout.write(
      "# UNEXPECTED: rendered without the Fatal result this example exists to show\n",
    );
    failed++;
  }
  const [xr, ...rest] = out.documents;
  const composed = rest.filter((d) => d.kind !== "Result");
  process.stdout.write(toYamlStream([xr]));
  process.stdout.write(
    `# composes ${composed.length} resources: ${composed.map((d) => `${d.kind}/${d.metadata?.name}`).join(", ")}\n`,
  );
}
process.stdout.write(
  failed
    ? `\n${failed} example(s) did not render as expected\n`
    : "\nall examples rendered as expected\n",
);
process.exitCode = failed ? 1 : 0;
