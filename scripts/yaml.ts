import { stringify } from "yaml";

/** One YAML style for everything we write, so generated files diff cleanly. */
export function toYaml(obj: unknown): string {
  return stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** A multi-document stream, each document started with `---` as kubectl prints them. */
export function toYamlStream(docs: unknown[]): string {
  return docs.map((d) => `---\n${toYaml(d)}`).join("");
}
