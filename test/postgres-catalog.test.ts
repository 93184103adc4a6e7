// The ClusterImageCatalog crossvdc ships (package/postgres/): valid against CloudNativePG's
// schema, one current image per major the VDC API allows, and the one both platform presets
// name, so every new database finds its image.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { KubeObject } from "../functions/compose.js";
import { PRESETS } from "../functions/platform.js";
import { POSTGRES_MAJORS } from "../functions/vdc/api.js";
import { projectRoot as root, validateResource } from "./support/schemas.js";

const FILE = "package/postgres/clusterimagecatalog.yaml";
const catalog = parse(readFileSync(join(root, FILE), "utf8")) as KubeObject;
const images = (catalog.spec as { images: { major: number; image: string }[] }).images;
/**
 * CloudNativePG's `standard` images on Debian trixie, by their one-build tags
 * `<major>.<minor>-<timestamp>-standard-trixie` (postgres-containers README, "Image tags"):
 * not the deprecated rolling `<major>` tags of the bullseye `system` images.
 */
const STANDARD_TRIXIE = /^ghcr\.io\/cloudnative-pg\/postgresql:(\d+)\.\d+-\d{12}-standard-trixie$/;

describe(FILE, () => {
  it.each([
    {
      reason: "it validates against the ClusterImageCatalog CRD of CloudNativePG",
      check: () => validateResource(catalog),
      want: [],
    },
    {
      reason: "it is the catalog both presets name as postgres.imageCatalog",
      check: () => [
        catalog.metadata?.name,
        PRESETS.kubernetes.postgres.imageCatalog,
        PRESETS.openshift.postgres.imageCatalog,
      ],
      want: ["crossvdc-postgresql", "crossvdc-postgresql", "crossvdc-postgresql"],
    },
    {
      reason: "it has exactly the majors spec.databases[].version allows, once each",
      check: () => images.map((i) => i.major),
      want: [...POSTGRES_MAJORS],
    },
    {
      reason: "each image is a standard trixie build of its own major",
      check: () =>
        images
          .filter((i) => Number(STANDARD_TRIXIE.exec(i.image)?.[1]) !== i.major)
          .map((i) => `${i.major}: ${i.image}`),
      want: [],
    },
    {
      reason: "the README's install steps apply it",
      check: () =>
        readFileSync(join(root, "README.md"), "utf8").includes(
          "kubectl apply -f package/postgres/",
        ),
      want: true,
    },
  ])("$reason", ({ check, want }) => {
    expect(check()).toEqual(want);
  });
});
