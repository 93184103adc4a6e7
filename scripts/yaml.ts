import { Document, visit } from "yaml";

/**
 * Strings YAML 1.1 reads as booleans. kubectl reads YAML with go-yaml's 1.1 rules, where a
 * plain `on`, `off`, `yes`, `no`, `y` or `n` is a boolean, while the yaml package writes YAML
 * 1.2, which leaves them plain: they are quoted so a string stays a string.
 */
const YAML11_BOOLEAN =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

/** One YAML style for everything we write, so generated files diff cleanly. */
export function toYaml(obj: unknown): string {
  const doc = new Document(obj, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === "string" && YAML11_BOOLEAN.test(node.value))
        node.type = "QUOTE_DOUBLE";
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** A multi-document stream, each document started with `---` as kubectl prints them. */
export function toYamlStream(docs: unknown[]): string {
  return docs.map((d) => `---\n${toYaml(d)}`).join("");
}
