// npm run validate -- FILES...: checks XRs (and any other object with a known schema)
// against the generated XRDs in apis/ — schema, defaults-aware CEL rules, metadata —
// and prints each error with file, document and field path. Exits 1 on any error.
import { parseAllDocuments } from "yaml";
import { readFileSync } from "node:fs";
import { validateResource } from "../test/support/schemas.js";

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: npm run validate -- FILE.yaml...\n");
  process.exit(2);
}
let errors = 0;
let documents = 0;
for (const file of files) {
  let docs;
  try {
    docs = parseAllDocuments(readFileSync(file, "utf8"));
  } catch (err) {
    process.stdout.write(`${file}: ${(err as Error).message}\n`);
    errors++;
    continue;
  }
  docs.forEach((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length) {
      process.stdout.write(`${where}: ${doc.errors[0]!.message}\n`);
      errors++;
      return;
    }
    const obj = doc.toJSON();
    if (obj === null || obj === undefined) return;
    documents++;
    for (const e of validateResource(obj)) {
      process.stdout.write(`${where}: ${e}\n`);
      errors++;
    }
  });
}
process.stdout.write(`${documents} document(s) in ${files.length} file(s), ${errors} error(s)\n`);
process.exitCode = errors ? 1 : 0;
