// The YAML that `npm run render` and `npm run demo` print (scripts/yaml.ts toYamlStream) is
// read by kubectl, whose go-yaml follows YAML 1.1: there a plain on, off, yes, no, y or n (in
// any of their case variants) is a boolean. Each such string is quoted, so it stays a string.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { toYamlStream } from "../scripts/yaml.js";

/** The documents as a YAML 1.1 reader (kubectl's go-yaml) reads them. */
const readAs11 = (text: string) =>
  parseAllDocuments(text, { version: "1.1" }).map((d) => d.toJS() as unknown);

const BOOLEANS_11 = ["on", "On", "ON", "off", "Off", "OFF", "yes", "Yes", "YES", "no", "No"];
const MORE_11 = ["NO", "y", "Y", "n", "N", "true", "False"];

const cases: { name: string; reason: string; value: string; quoted: boolean }[] = [
  ...[...BOOLEANS_11, ...MORE_11].map((value) => ({
    name: `Quotes ${value}`,
    reason: `YAML 1.1 reads a plain ${value} as a boolean`,
    value,
    quoted: true,
  })),
  {
    name: "LeavesWords",
    reason: "A word that only starts like one stays plain",
    value: "only",
    quoted: false,
  },
  {
    name: "LeavesYesterday",
    reason: "yesterday is no boolean in either version",
    value: "yesterday",
    quoted: false,
  },
  {
    name: "LeavesMixedCase",
    reason: "oN is not among YAML 1.1's spellings",
    value: "oN",
    quoted: false,
  },
];

describe("render and demo print strings kubectl reads as strings", () => {
  it.each(cases)("$name", ({ reason, value, quoted }) => {
    // As a label value, an annotation key and a list item, the places composed objects put text.
    const doc = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x", labels: { switch: value }, annotations: { [value]: "k" } },
      data: { list: [value] },
    };
    const text = toYamlStream([doc, doc]);
    expect(readAs11(text), reason).toEqual([doc, doc]);
    expect(text.includes(`switch: "${value}"`), reason).toBe(quoted);
    expect(text.includes(`switch: ${value}\n`), reason).toBe(!quoted);
  });
});
