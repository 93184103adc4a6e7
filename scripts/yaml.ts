import { stringify } from "yaml";

/** One YAML style for everything we write, so generated files diff cleanly. */
export function toYaml(obj: unknown): string {
  return stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false });
}
