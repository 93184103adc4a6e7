// npm run demo: renders the examples folder as one GitOps repository, as
// `npm run render -- examples --expect-refused examples/invalid` does, then
// shows what each XR becomes: its status and the resources it composes.
import { join, relative } from "node:path";
import { root } from "./examples.js";
import { composedOf, renderRepository, summary } from "./repository.js";
import { toYamlStream } from "./yaml.js";

export const DEMO_COMMAND = "npm run render -- examples --expect-refused examples/invalid";

const results = await renderRepository({
  paths: [join(root, "examples")],
  expectRefused: [join(root, "examples/invalid")],
  compositionsDir: join(root, "compositions"),
});
const { text, ok } = summary(results, root);
process.stdout.write(`$ ${DEMO_COMMAND}\n${text}`);
for (const r of results) {
  if (r.rendered.fatal !== undefined) continue;
  const composed = composedOf(r.rendered);
  process.stdout.write(`\n# ${r.label} (${relative(root, r.file)})\n`);
  process.stdout.write(toYamlStream([r.rendered.documents[0]]));
  process.stdout.write(
    `# composes ${composed.length} ` +
      `resources: ${composed.map((d) => `${d.kind}/${d.metadata?.name}`).join(", ")}\n`,
  );
}
process.stdout.write(
  ok
    ? "\nall examples rendered as expected\n"
    : "\nsome examples did not render as expected (see the lines above)\n",
);
process.exitCode = ok ? 0 : 1;
