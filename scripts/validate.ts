// npm run validate -- FILE|DIR...: checks XRs (and any other object with a known schema)
// against the generated XRDs in apis/ and the upstream schemas — schema,
// defaults-aware CEL rules, metadata — and prints each error with file, document
// and field path. A folder is read with its subfolders. Exits 1 on any error.
import { parseArgs } from "node:util";
import { readDocuments, RenderError, unknownKind, where, yamlFiles } from "./render-lib.js";

export const USAGE = `usage: npm run validate -- FILE|DIR...

Checks every YAML document in the files, and in the folders with their
subfolders, against its schema: crossvdc's XRs against the XRDs generated from
the zod schemas (apis/), other kinds against the upstream schemas the tests use.
Prints each error as "FILE: document N: ..." and a count.

  -h, --help   this help

Exit status: 0 when every document is valid, 1 when one is not, 2 on a usage error.
`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    process.stderr.write(`validate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positionals.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  let files: string[] = [];
  let errors = 0;
  for (const p of args.positionals) {
    try {
      files.push(...yamlFiles(p));
    } catch (err) {
      if (!(err instanceof RenderError)) throw err;
      process.stdout.write(`${err.message}\n`);
      errors++;
    }
  }
  files = [...new Set(files)];
  // Loaded only when needed: compiling the schemas takes a while, --help should not wait for it.
  const schemas = files.length ? await import("../test/support/schemas.js") : undefined;
  const known = schemas ? schemas.knownKinds().map((k) => k.replace("|", " ")) : [];
  let documents = 0;
  for (const file of files) {
    for (const d of readDocuments(file)) {
      if (d.error !== undefined) {
        process.stdout.write(`${d.error}\n`);
        errors++;
        continue;
      }
      documents++;
      const { apiVersion, kind } = d.object;
      // An unknown kind is worded as render words it, with the kinds that are known.
      const unknown = schemas!
        .resourceIssues(d.object)
        .some((i) => i.path === "(root)" && i.message.startsWith("no schema for "));
      const problems = unknown
        ? [unknownKind(apiVersion, kind, known)]
        : schemas!.validateResource(d.object);
      for (const e of problems) {
        process.stdout.write(`${where(d)}: ${e}\n`);
        errors++;
      }
    }
  }
  process.stdout.write(`${documents} document(s) in ${files.length} file(s), ${errors} error(s)\n`);
  return errors ? 1 : 0;
}

process.exitCode = await main();
