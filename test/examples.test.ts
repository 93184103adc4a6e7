// Golden renders of every example in test/renders.yaml. Set UPDATE_GOLDEN=1
// to rewrite test/golden/ after an intended change, then review the diff.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { CODECS, type CodecName } from "../functions/codec.js";
import { exampleRenders, goldenFile, goldenText, renderExample } from "../scripts/examples.js";
import { validateResource } from "./support/schemas.js";

// Each codec in turn: removing functions/wire/ must change nothing here.
describe.each(Object.keys(CODECS) as CodecName[])("examples, --codec=%s", (codec) => {
  it.each(exampleRenders().map((e) => [e.name, e]))(
    "%s renders as its golden file, and every composed resource is valid",
    async (_, e) => {
      const out = await renderExample(e, true, codec);
      const text = goldenText(out);
      const file = goldenFile(e.name);
      if (process.env.UPDATE_GOLDEN) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
      expect(
        existsSync(file),
        `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/examples.test.ts`,
      ).toBe(true);
      expect(text).toBe(readFileSync(file, "utf8"));
      expect(out.fatal !== undefined).toBe(Boolean(e.fatal));
      const composed = out.documents.slice(1).filter((d) => d.kind !== "Result");
      if (!e.fatal) expect(composed.length).toBeGreaterThan(0);
      for (const r of composed) expect(validateResource(r)).toEqual([]);
    },
  );
});
