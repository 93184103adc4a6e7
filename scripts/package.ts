// npm run package: assembles the Configuration package root in .package/configuration
// (crossplane.yaml + the generated XRDs and Compositions) so that
//   crossplane xpkg build --package-root=.package/configuration
// builds it unchanged. A Configuration may hold only XRDs, Compositions and the like,
// so nothing else is copied.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { root } from "./examples.js";

const out = join(root, ".package/configuration");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(root, "package/configuration/crossplane.yaml"), join(out, "crossplane.yaml"));
cpSync(join(root, "apis"), join(out, "apis"), { recursive: true });
cpSync(join(root, "compositions"), join(out, "compositions"), { recursive: true });
console.log(`package root: ${out}\nbuild it with: crossplane xpkg build --package-root=${out}`);
