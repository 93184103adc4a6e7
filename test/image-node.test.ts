// The image runs the server on Node 24 with its ENTRYPOINT's heap flags; npm test runs on this
// machine's Node. Here every example is rendered again under the image's Node, with those flags
// and each codec, and must match its golden file byte for byte: a flag that Node refuses, or an
// answer its V8 changes, fails npm test instead of a cluster's pods.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { imageNodeFlags } from "../bench/build.js";
import { CODECS } from "../functions/codec.js";
import { exampleRenders, goldenFile, root } from "../scripts/examples.js";
import { IMAGE_NODE, imageNode, imageNodeMajor } from "../scripts/image-node.js";

/** What test/support/render-goldens.ts writes: the Node it ran on and each render's golden text. */
interface ImageRenders {
  node: string;
  renders: Record<string, string>;
}

// The pinned binary is Linux x64's; elsewhere there is no image Node to run.
const runnable = process.platform === "linux" && process.arch === "x64";

describe.skipIf(!runnable)(`under ${IMAGE_NODE.package}@${IMAGE_NODE.version}`, () => {
  let got: ImageRenders;
  beforeAll(() => {
    // The first run fetches the binary (about 30 MB) into .cache/.
    const bin = imageNode()!;
    const args = [...imageNodeFlags(root), "--import", "tsx", "test/support/render-goldens.ts"];
    const stdout = execFileSync(bin, args, {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    got = JSON.parse(stdout) as ImageRenders;
  }, 300_000);

  const goldens: Record<string, string> = {};
  for (const codec of Object.keys(CODECS))
    for (const e of exampleRenders())
      goldens[`${codec}/${e.name}`] = readFileSync(goldenFile(e.name), "utf8");

  it.each([
    {
      reason: "the pinned Node is of the major the Dockerfile's runtime image runs",
      check: () => Number(/^v(\d+)\./.exec(got.node)?.[1]),
      want: imageNodeMajor(),
    },
    {
      reason: "every example renders as its golden file with each codec, under the image's flags",
      check: () => got.renders,
      want: goldens,
    },
  ])("$reason", ({ check, want }) => {
    expect(check()).toEqual(want);
  });
});
