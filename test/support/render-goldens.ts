// Run by test/image-node.test.ts under another Node: renders every example of test/renders.yaml
// with each codec, through the function's gRPC server as the golden tests do, and writes
// { node, renders: { "<codec>/<name>": golden text } } as JSON to stdout.
import { CODECS, type CodecName } from "../../functions/codec.js";
import { exampleRenders, goldenText, renderExample } from "../../scripts/examples.js";

const renders: Record<string, string> = {};
for (const codec of Object.keys(CODECS) as CodecName[])
  for (const e of exampleRenders())
    renders[`${codec}/${e.name}`] = goldenText(await renderExample(e, true, codec));
process.stdout.write(JSON.stringify({ node: process.version, renders }));
