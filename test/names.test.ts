// The naming rule (functions/names.ts): every derived name is injective in what it is derived
// from, within its scope, and a valid DNS-1123 label or label value of at most 63 characters;
// where two owners would still meet, the composer refuses, naming both. Properties over
// generated owners and names, from an alphabet small enough that `-` joins meet often, then a
// table of collisions, each refused with one Fatal and the desired state as it came.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../functions/compose.js";
import {
  dnsName,
  isDatabaseVolume,
  isDnsLabel,
  joinParts,
  prefixedName,
  MAX_LISTED,
  nameList,
  proxmoxFileName,
  sharedNames,
} from "../functions/names.js";
import { tenant, vdc, vm } from "./support/fixtures.js";
import { run, type RequestParts } from "./support/request.js";
import { runCases } from "./support/table.js";

/** DNS labels of a, b and `-`: short, so that `-` joins of different parts meet. */
const tiny = fc.stringMatching(/^[ab]([-ab]{0,5}[ab])?$/);
/** Any DNS label, up to 63 characters. */
const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
/** A DNS label of 40 to 63 characters: long enough for a prefixed name to be cut. */
const longLabel = fc.stringMatching(/^[a-z0-9][-a-z0-9]{38,61}[a-z0-9]$/);
/** A VDC namespace: its tenant's name, a `-` and more. */
const vdcName = fc.tuple(tiny, tiny).map(([t, rest]) => `${t}-${rest}`);
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const dashes = (s: string) => s.split("-").length - 1;
/** The Proxmox file name before the rule: `-` joined. */
const today = (ns: string, vm: string, suffix: string) => `crossvdc-${ns}-${vm}${suffix}`;

describe("names.ts", () => {
  it("joinParts is injective on pairs of DNS labels", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(tiny, tiny), {
          maxLength: 40,
          selector: ([a, b]) => `${a}/${b}`,
        }),
        (pairs) => {
          expect(new Set(pairs.map(([a, b]) => joinParts(a, b))).size).toBe(pairs.length);
        },
      ),
    );
  });

  it("proxmoxFileName keeps today's name where it has one reading, never another VM's", () => {
    const suffix = fc.constantFrom(".qcow2", ".raw", "-user-data.yaml");
    fc.assert(
      fc.property(fc.tuple(vdcName, tiny), fc.tuple(vdcName, tiny), suffix, (p, q, sfx) => {
        const mine = proxmoxFileName({ namespace: p[0], vm: p[1], suffix: sfx });
        if (dashes(p[0]) === 1 && !p[1].includes("-")) expect(mine).toBe(today(...p, sfx));
        // A new file never lands on a file another VM has under today's name.
        if (p[0] !== q[0] || p[1] !== q[1]) expect(mine).not.toBe(today(...q, sfx));
        expect(mine).toMatch(/^[-a-z0-9_.]+$/);
      }),
    );
  });

  it("dnsName gives a DNS label of at most 63 characters from any parts", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: 4 }), (parts) => {
        const name = dnsName("x", ...parts);
        expect(isDnsLabel(name), name).toBe(true);
      }),
    );
  });

  it("dnsName is injective in one part before a constant, with inputs crafted to meet", () => {
    // Every dnsName shape crossvdc uses: the variable part first, a constant ending the name.
    const shapes: [string, (x: string) => string][] = [
      ["cloudinit", (x) => dnsName(x, "cloudinit")],
      ["root", (x) => dnsName(x, "root")],
      ["image", (x) => dnsName(x, "image")],
      ["mtv", (x) => dnsName(x, "mtv")],
      ["mtv", (x) => dnsName(`tenant-${x}`, "mtv")],
    ];
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(tiny, label), { maxLength: 40 }), (xs) => {
        for (const [suffix, shape] of shapes) {
          // Inputs an attacker would try: another input's cut name, less the constant and the
          // hash, or whole.
          const made = xs.map(shape);
          const tries = made.flatMap((n) => [n, n.slice(0, -9), n.replace(`-${suffix}`, "")]);
          const inputs = [...new Set([...xs, ...tries.filter((t) => isDnsLabel(t))])];
          const names = inputs.map(shape);
          expect(new Set(names).size, suffix).toBe(inputs.length);
          for (const n of names) expect(isDnsLabel(n), n).toBe(true);
          // An uncut name never looks cut: the constant ends it, not 8 hex digits.
          for (const n of names)
            if (n.endsWith(`-${suffix}`)) expect(n).not.toMatch(/[0-9a-f]{8}$/);
        }
      }),
    );
  });

  it("a cut name is what a crafted shorter input gives, where the variable part ends it", () => {
    // Why prefixedName exists: tenant <head>-<hash> of a 56-character tenant's cut ClusterRole.
    const long = `a${"b".repeat(55)}`;
    const cut = dnsName("crossvdc-tenant", long);
    const crafted = cut.slice("crossvdc-tenant-".length);
    expect(dnsName("crossvdc-tenant", crafted)).toBe(cut);
    expect(prefixedName("crossvdc-tenant", crafted)).not.toBe(
      prefixedName("crossvdc-tenant", long),
    );
  });

  it("prefixedName is injective in its part, at most 63 characters, as before when uncut", () => {
    const prefixes = ["crossvdc-tenant", "crossvdc-vdc", "crossvdc-virtualmachine"];
    // The names each prefix gave before: what exists under 64 characters is never renamed.
    const before = (prefix: string, x: string) => dnsName(prefix, x);
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(tiny, label, longLabel), { maxLength: 40 }), (xs) => {
        for (const prefix of prefixes) {
          // Inputs crafted from the others' cut names, as an attacker would pick them.
          const cuts = xs
            .filter((x) => `${prefix}-${x}`.length > 63)
            .map((x) => prefixedName(prefix, x));
          const crafted = cuts.flatMap((n) => {
            const rest = n.slice(prefix.length + 1);
            return [rest, rest.replace(/^-+/, ""), n.slice(n.lastIndexOf("-") + 1)];
          });
          const old = xs.map((x) => before(prefix, x).slice(prefix.length + 1));
          const inputs = [...new Set([...xs, ...crafted, ...old].filter((t) => isDnsLabel(t)))];
          const names = inputs.map((x) => prefixedName(prefix, x));
          expect(new Set(names).size).toBe(inputs.length);
          names.forEach((n, j) => {
            expect(isDnsLabel(n), n).toBe(true);
            if (`${prefix}-${inputs[j]!}`.length <= 63) expect(n).toBe(before(prefix, inputs[j]!));
            else expect(n.startsWith(`${prefix}--`), n).toBe(true);
          });
        }
      }),
    );
  });

  it("isDatabaseVolume holds exactly for CloudNativePG's PVC names of the database", () => {
    fc.assert(
      fc.property(tiny, tiny, fc.nat(999), fc.boolean(), (db, other, serial, wal) => {
        const pvc = `${db}-${serial}${wal ? "-wal" : ""}`;
        expect(isDatabaseVolume(pvc, db)).toBe(true);
        expect(isDatabaseVolume(`${other}-root`, db)).toBe(false);
        // Another database's PVCs are never this one's: its names end in digits or -wal.
        if (other !== db) expect(isDatabaseVolume(`${other}-${serial}`, db)).toBe(false);
      }),
    );
  });

  it("nameList names at most ten and says how many more", () => {
    fc.assert(
      fc.property(fc.array(tiny, { maxLength: 30 }), (names) => {
        const text = nameList(names);
        const more = names.length - MAX_LISTED;
        expect(text).toBe(
          names.slice(0, MAX_LISTED).join(", ") + (more > 0 ? ` and ${more} more` : ""),
        );
      }),
    );
  });

  it("sharedNames finds exactly the names another owner derives too", () => {
    const owners = fc.dictionary(tiny, fc.array(tiny, { maxLength: 4 }), { maxKeys: 6 });
    fc.assert(
      fc.property(fc.uniqueArray(tiny, { maxLength: 5 }), owners, (mine, others) => {
        const want = mine.flatMap((name) => {
          const who = Object.keys(others)
            .filter((o) => others[o]!.includes(name))
            .sort();
          return who.length ? [{ name, owners: who }] : [];
        });
        expect(sharedNames(mine, new Map(Object.entries(others)))).toEqual(want);
      }),
    );
  });
});

// ------------------------------------------------------------------ composers, generated

const KUBEVIRT = { type: "kubevirt", storageClass: "standard" };
const PROXMOX = {
  type: "proxmox",
  providerConfigRef: { name: "pve", kind: "ClusterProviderConfig" },
  node: "pve1",
  datastore: "local-lvm",
  bridge: "vmbr0",
};
const roomy = { cpu: 64, memory: "256Gi", vms: 50 };
const vdcOf = (name: string, backend: object, databases: string[] = []) =>
  vdc({
    name,
    tenant: name.slice(0, name.indexOf("-")),
    created: "2026-01-01T00:00:00Z",
    spec: {
      quota: roomy,
      backend,
      ...(databases.length ? { databases: databases.map((n) => ({ name: n })) } : {}),
    },
  });

/** Every label value of every composed object, and the object names, valid. */
function invalidNames(resources: Record<string, KubeObject>): string[] {
  const bad: string[] = [];
  for (const r of Object.values(resources)) {
    const md = r.metadata ?? {};
    if (!isDnsLabel(String(md.name))) bad.push(`name ${String(md.name)}`);
    for (const [k, v] of Object.entries(md.labels ?? {}))
      if (v.length > 63 || !LABEL_VALUE.test(v)) bad.push(`label ${k}=${v}`);
    const templates =
      (r.spec as { dataVolumeTemplates?: { metadata: { name: string } }[] } | undefined)
        ?.dataVolumeTemplates ?? [];
    for (const t of templates)
      if (!isDnsLabel(t.metadata.name)) bad.push(`DataVolume ${t.metadata.name}`);
  }
  return bad;
}

const dataVolumes = (resources: Record<string, KubeObject>) =>
  (
    (resources.vm?.spec as { dataVolumeTemplates?: { metadata: { name: string } }[] } | undefined)
      ?.dataVolumeTemplates ?? []
  ).map((t) => t.metadata.name);

/** The DataVolumes a VM would have, by the `-` join the composer uses. */
function derived(name: string, containerDisk: boolean, disks: string[]): string[] {
  return [
    ...(containerDisk ? [] : [dnsName(name, "root")]),
    ...disks.map((d) => dnsName(name, "disk", d)),
  ];
}

describe("composers, with generated owners and names", () => {
  it("KubeVirt: a namespace's DataVolumes never meet; a VM that would is refused", () => {
    const machine = fc.record({
      containerDisk: fc.boolean(),
      disks: fc.uniqueArray(fc.oneof(tiny, fc.constantFrom("root", "1", "2-wal", "disk-a")), {
        maxLength: 2,
      }),
    });
    const names = fc.uniqueArray(fc.oneof(tiny, fc.constantFrom("a-disk", "a-disk-a", "b-1")), {
      minLength: 1,
      maxLength: 4,
    });
    const databases = fc.uniqueArray(fc.constantFrom("a-disk", "b", "a-disk-a"), { maxLength: 2 });
    fc.assert(
      fc.property(
        names,
        fc.array(machine, { minLength: 4, maxLength: 4 }),
        databases,
        (ns, ms, dbs) => {
          const own = vdcOf("acme-dev", KUBEVIRT, dbs);
          const specs = ns.map((name, i) => ({
            name,
            containerDisk: ms[i]!.containerDisk,
            disks: ms[i]!.disks,
          }));
          const xrs = specs.map((s) =>
            vm({
              name: s.name,
              spec: {
                size: { instanceType: "small" },
                image: s.containerDisk
                  ? { containerDisk: "quay.io/x/y:1" }
                  : { url: "https://i.example/x.qcow2" },
                disks: s.disks.map((d) => ({ name: d, size: "1Gi" })),
              },
            }),
          );
          const all = specs.map((s) => derived(s.name, s.containerDisk, s.disks));
          const taken: string[] = [];
          specs.forEach((s, i) => {
            const out = run({ xr: xrs[i]!, required: { vdc: [own], vms: xrs, vmi: [] } });
            const others = all.filter((_, j) => j !== i).flat();
            const meets = all[i]!.filter(
              (n) =>
                others.includes(n) || dbs.some((d) => new RegExp(`^${d}-[0-9]+(-wal)?$`).test(n)),
            );
            const refusal = out.results.find((r) => r.severity === "FATAL");
            if (meets.length) {
              expect(refusal?.message, `${s.name} meets on ${meets.join(", ")}`).toContain(
                meets[0],
              );
              expect(out.resources).toEqual({});
              return;
            }
            expect(refusal, `${s.name}: ${refusal?.message}`).toBeUndefined();
            expect(invalidNames(out.resources)).toEqual([]);
            const mine = dataVolumes(out.resources);
            expect(mine).toEqual(all[i]);
            for (const n of mine) expect(taken).not.toContain(n);
            taken.push(...mine);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("KubeVirt and CloudNativePG: whichever of a VM and a database comes second is refused", () => {
    // A VM's DataVolumes are PVCs of the same names (CDI), owned by their DataVolume.
    const pvcOf = (name: string, vmName: string): KubeObject => ({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name,
        namespace: "acme-dev",
        labels: { "crossvdc.io/vm": vmName },
        ownerReferences: [{ kind: "DataVolume", name, controller: true }],
      },
    });
    const owner = tenant({
      spec: {
        tier: "free",
        admins: { users: ["a"] },
        quota: { cpu: "64", memory: "256Gi", storage: "4Ti", vms: 50, vdcs: 3 },
      },
    });
    // Names chosen so that they meet often: `<vm>-disk-<disk>` is `<db>-<n>` when the
    // database's name is the VM's, `-disk`, and the disk's name up to its last `-`.
    const disk = fc.oneof(
      { arbitrary: fc.constantFrom("1", "2-wal", "disk-1", "12", "a-3", "a-1-wal"), weight: 3 },
      { arbitrary: tiny, weight: 1 },
    );
    const database = (name: string) =>
      fc.oneof(
        { arbitrary: tiny, weight: 1 },
        {
          arbitrary: fc.constantFrom(`${name}-disk`, `${name}-disk-a`, `${name}-disk-disk`),
          weight: 3,
        },
      );
    fc.assert(
      fc.property(
        fc
          .tuple(
            fc.oneof(tiny, fc.constantFrom("a-disk", "b-disk-a")),
            fc.uniqueArray(disk, { maxLength: 3 }),
          )
          .chain(([name, disks]) =>
            fc.tuple(fc.constant(name), fc.constant(disks), database(name)),
          ),
        ([name, disks, db]) => {
          const machine = vm({
            name,
            spec: {
              size: { instanceType: "small" },
              image: { url: "https://i.example/x.qcow2" },
              disks: disks.map((d) => ({ name: d, size: "1Gi" })),
            },
          });
          const volumes = derived(name, false, disks);
          const meets = volumes.filter((v) => new RegExp(`^${db}-[0-9]+(-wal)?$`).test(v));
          // The database second: the VM's PVCs exist, the database is new.
          const second = run({
            xr: vdcOf("acme-dev", KUBEVIRT, [db]),
            required: {
              tenant: [owner],
              vdcs: [],
              pvcs: volumes.map((v) => pvcOf(v, name)),
            },
          });
          const refusal = second.results.find((r) => r.severity === "FATAL");
          // The VM second: the database is in its VDC's spec, the VM is new.
          const vmSecond = run({
            xr: machine,
            required: { vdc: [vdcOf("acme-dev", KUBEVIRT, [db])], vms: [machine], vmi: [] },
          });
          const vmRefusal = vmSecond.results.find((r) => r.severity === "FATAL");
          if (meets.length) {
            expect(refusal?.reason, `${db} after ${name}: ${refusal?.message}`).toBe("Conflict");
            expect(refusal?.message).toContain(`database ${db}`);
            expect(refusal?.message).toContain(`${meets[0]} (VirtualMachine ${name})`);
            expect(second.resources).toEqual({});
            expect(vmRefusal?.message).toContain(`database ${db} (a CloudNativePG PVC)`);
          } else {
            expect(refusal, `${db} after ${name}: ${refusal?.message}`).toBeUndefined();
            expect(second.resources[`database-${db}`]).toBeDefined();
            expect(vmRefusal, `${name} after ${db}: ${vmRefusal?.message}`).toBeUndefined();
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("Proxmox: files of every VDC's VMs never meet, old name kept if it had one reading", () => {
    // The readings of one `-` joined name, t-w1-...-wn as VDC t-w1...wi and VM w(i+1)...wn,
    // which today's names gave one file, plus VMs of any name.
    const readings = fc
      .tuple(fc.array(fc.constantFrom("a", "b", "ab"), { minLength: 3, maxLength: 5 }), tiny)
      .map(([words, t]) =>
        words
          .slice(1)
          .map((_, i): [string, string] => [
            [t, ...words.slice(0, i + 1)].join("-"),
            words.slice(i + 1).join("-"),
          ]),
      );
    const placed = fc
      .tuple(readings, fc.array(fc.tuple(vdcName, fc.oneof(tiny, label)), { maxLength: 2 }))
      .map(([a, b]) => [...a, ...b])
      .map((vms) => [...new Map(vms.map((v) => [`${v[0]}/${v[1]}`, v])).values()]);
    fc.assert(
      fc.property(placed, (vms) => {
        const files: string[] = [];
        for (const [ns, name] of vms) {
          const xr = vm({
            name,
            namespace: ns,
            spec: {
              size: { instanceType: "small" },
              image: { url: "https://i.example/x.qcow2" },
              cloudInit: { userData: "#cloud-config\n" },
            },
          });
          const out = run({ xr, required: { vdc: [vdcOf(ns, PROXMOX)], vms: [xr], vmi: [] } });
          expect(out.results.filter((r) => r.severity === "FATAL")).toEqual([]);
          expect(invalidNames(out.resources)).toEqual([]);
          const image = (out.resources.image?.spec as { forProvider: { fileName: string } })
            .forProvider.fileName;
          const snippet = (
            out.resources.cloudinit?.spec as {
              forProvider: { sourceRaw: { fileName: string }[] };
            }
          ).forProvider.sourceRaw[0]!.fileName;
          if (dashes(ns) === 1 && !name.includes("-")) {
            expect(image).toBe(today(ns, name, ".qcow2"));
            expect(snippet).toBe(today(ns, name, "-user-data.yaml"));
          }
          files.push(image, snippet);
        }
        expect(new Set(files).size).toBe(files.length);
      }),
      { numRuns: 30 },
    );
  });
});

// ------------------------------------------------------------------ collisions, a table

const DEV = vdcOf("acme-dev", KUBEVIRT, ["orders-disk"]);
const LAB = vdcOf("acme-lab", PROXMOX);
const kv = (name: string, disks: string[] = [], created?: string) =>
  vm({
    name,
    ...(created ? { created } : {}),
    spec: {
      size: { instanceType: "small" },
      image: { url: "https://i.example/fedora.qcow2" },
      disks: disks.map((d) => ({ name: d, size: "1Gi" })),
    },
  });
const inDev = (xr: KubeObject, siblings: KubeObject[], observed?: Record<string, KubeObject>) => ({
  xr,
  ...(observed ? { observed } : {}),
  required: { vdc: [DEV], vms: [xr, ...siblings], vmi: [] },
});
const refused = (who: string, what: string, after = "nothing is composed") => ({
  reason: "Conflict" as const,
  message:
    `VirtualMachine acme-dev/${who}: ${what}; ${after}: rename the disk or the ` + `VirtualMachine`,
});
/** What a refusal says of one DataVolume this VM would share with `by`. */
const meets = (field: string, dataVolume: string, by: string) =>
  `${field}: its ${field === "metadata.name" ? "root " : ""}DataVolume acme-dev/${dataVolume}` +
  ` is also derived by ${by}`;
const composedVM = (req: RequestParts) => run(req).resources.vm!;
/** `a-disk` as it exists, its root DataVolume a-disk-root made before `a` asked for a disk root. */
const A_DISK = kv("a-disk");
const A_DISK_VM = composedVM(inDev(A_DISK, []));
const A_VM = composedVM(inDev(kv("a"), []));
const pve = (name: string, ns = "acme-lab") =>
  vm({
    name,
    namespace: ns,
    spec: {
      size: { instanceType: "small" },
      image: { url: "https://i.example/x.qcow2" },
      cloudInit: { userData: "#cloud-config\n" },
    },
  });
const inLab = (xr: KubeObject, observed?: Record<string, KubeObject>, own = LAB) => ({
  xr,
  ...(observed ? { observed } : {}),
  required: { vdc: [own], vms: [xr], vmi: [] },
});
const READY = {
  conditions: [
    { type: "Ready", status: "True", reason: "Available" },
    { type: "Synced", status: "True", reason: "ReconcileSuccess" },
  ],
};
/** The image and snippet of a-b in acme-lab as an earlier version named them, made. */
const OLD_FILES = (() => {
  const files = run(inLab(pve("a-b"))).resources;
  const cloudinit: KubeObject = { ...structuredClone(files.cloudinit!), status: READY };
  const image: KubeObject = { ...structuredClone(files.image!), status: READY };
  const snippet = cloudinit.spec as { forProvider: { sourceRaw: { fileName: string }[] } };
  snippet.forProvider.sourceRaw[0]!.fileName = "crossvdc-acme-lab-a-b-user-data.yaml";
  const download = image.spec as { forProvider: { fileName: string } };
  download.forProvider.fileName = "crossvdc-acme-lab-a-b.qcow2";
  return { cloudinit, image };
})();
/** a-b's EnvironmentVM, made from those files and referring to them. */
const OLD_VM: KubeObject = { ...run(inLab(pve("a-b"), OLD_FILES)).resources.vm!, status: READY };

/** A tenant of 56 characters, the most a name may have, and one crafted to take its RBAC. */
const LONG_TENANT = `a${"b".repeat(55)}`;
const CRAFTED_TENANT = dnsName("crossvdc-tenant", LONG_TENANT).slice("crossvdc-tenant-".length);
/** Its ClusterRole: 63 characters, the name's first 29 and 16 hex digits of SHA-256. */
const LONG_TENANT_RBAC = "crossvdc-tenant--abbbbbbbbbbbbbbbbbbbbbbbbbbbb-762e86c412fa8e02";
const tenantRBAC = (name: string) => ({
  xr: tenant({ name, spec: { admins: { users: [`${name.slice(0, 8)}-admin`] } } }),
  required: { vdcs: [] },
});

describe("collisions", () => {
  runCases({
    LongTenantRBACCutAfterDoubleDash: {
      reason:
        "A tenant of 56 characters gets ClusterRole and ClusterRoleBinding " +
        "crossvdc-tenant--<head>-<hash>, 63 characters: no other tenant's name gives it",
      ...tenantRBAC(LONG_TENANT),
      want: {
        at: {
          "clusterrole-admins.metadata.name": LONG_TENANT_RBAC,
          "clusterrolebinding-admins.metadata.name": LONG_TENANT_RBAC,
          "clusterrolebinding-admins.roleRef.name": LONG_TENANT_RBAC,
        },
      },
    },
    CraftedTenantKeepsItsOwn: {
      reason:
        "A tenant named as the long one's cut name, less the prefix, gets that name: its own, " +
        "which it had before too; the long tenant's is no longer it",
      ...tenantRBAC(CRAFTED_TENANT),
      want: {
        at: {
          "clusterrole-admins.metadata.name": dnsName("crossvdc-tenant", LONG_TENANT),
          "clusterrolebinding-admins.metadata.name": `crossvdc-tenant-${CRAFTED_TENANT}`,
        },
      },
    },
    DiskMeetsSiblingDisk: {
      reason: "a + disk b-disk-c and a-disk-b + disk c both derive the DataVolume a-disk-b-disk-c",
      ...inDev(kv("a", ["b-disk-c"]), [kv("a-disk-b", ["c"])]),
      want: {
        fatal: refused(
          "a",
          meets("spec.disks[0].name", "a-disk-b-disk-c", "VirtualMachine a-disk-b"),
        ),
      },
    },
    SiblingRefusedToo: {
      reason: "The other owner is refused as well, naming the first: renaming either frees both",
      ...inDev(kv("a-disk-b", ["c"]), [kv("a", ["b-disk-c"])]),
      want: {
        fatal: refused(
          "a-disk-b",
          meets("spec.disks[0].name", "a-disk-b-disk-c", "VirtualMachine a"),
        ),
      },
    },
    RootMeetsSiblingDisk: {
      reason: "The root DataVolume of a-disk is the DataVolume of a's disk root",
      ...inDev(kv("a-disk"), [kv("a", ["root"])]),
      want: {
        fatal: refused("a-disk", meets("metadata.name", "a-disk-root", "VirtualMachine a")),
      },
    },
    DiskMeetsDatabaseVolume: {
      reason: "CloudNativePG names the first instance's PVC of database orders-disk orders-disk-1",
      ...inDev(kv("orders", ["1"]), []),
      want: {
        fatal: refused(
          "orders",
          meets(
            "spec.disks[0].name",
            "orders-disk-1",
            "database orders-disk (a CloudNativePG PVC)",
          ),
        ),
      },
    },
    NewDiskOfExistingVM: {
      reason:
        "An existing VM adding a disk whose DataVolume a-disk already has is refused, unchanged",
      ...inDev(kv("a", ["root"]), [A_DISK], { vm: A_VM }),
      want: {
        fatal: refused(
          "a",
          meets("spec.disks[0].name", "a-disk-root", "VirtualMachine a-disk"),
          "nothing was changed",
        ),
      },
    },
    ExistingDiskKept: {
      reason: "a-disk has its root DataVolume: whoever else derives the name now, a-disk keeps it",
      ...inDev(A_DISK, [kv("a", ["root"])], { vm: A_DISK_VM }),
      want: { at: { "vm.spec.dataVolumeTemplates.0.metadata.name": "a-disk-root" } },
    },
    LongNamesCutApart: {
      reason: "Names over 63 characters are cut with a hash of the parts, so these two differ",
      ...inDev(kv("x".repeat(30), ["y".repeat(30) + "-disk-z"]), [
        kv(`${"x".repeat(30)}-disk-${"y".repeat(30)}`, ["z"]),
      ]),
      want: {
        at: {
          "vm.spec.dataVolumeTemplates.1.metadata.name": dnsName(
            "x".repeat(30),
            "disk",
            `${"y".repeat(30)}-disk-z`,
          ),
        },
      },
    },
    ProxmoxNewFileOfTwoReadings: {
      reason: "acme-lab + a-b and a VDC acme-lab-a + b read alike joined by -: a new file takes _",
      ...inLab(pve("a-b")),
      want: {
        at: {
          "image.spec.forProvider.fileName": "crossvdc-acme-lab_a-b.qcow2",
          "cloudinit.spec.forProvider.sourceRaw.0.fileName": "crossvdc-acme-lab_a-b-user-data.yaml",
        },
      },
    },
    ProxmoxOtherVDCOtherFile: {
      reason: "b in acme-lab-a, which would have written a-b's files, gets files of its own",
      ...inLab(pve("b", "acme-lab-a"), undefined, vdcOf("acme-lab-a", PROXMOX)),
      want: {
        at: {
          "image.spec.forProvider.fileName": "crossvdc-acme-lab-a_b.qcow2",
          "cloudinit.spec.forProvider.sourceRaw.0.fileName": "crossvdc-acme-lab-a_b-user-data.yaml",
        },
      },
    },
    ProxmoxFilesKeepTheirNames: {
      reason: "Files made under today's names keep them, and the VM keeps referring to them",
      ...inLab(pve("a-b"), { ...OLD_FILES, vm: OLD_VM }),
      want: {
        at: {
          "image.spec.forProvider.fileName": "crossvdc-acme-lab-a-b.qcow2",
          "cloudinit.spec.forProvider.sourceRaw.0.fileName": "crossvdc-acme-lab-a-b-user-data.yaml",
          "vm.spec.forProvider.disk.0.importFrom": "local:import/crossvdc-acme-lab-a-b.qcow2",
          "vm.spec.forProvider.initialization.0.userDataFileId":
            "local:snippets/crossvdc-acme-lab-a-b-user-data.yaml",
        },
      },
    },
    ProxmoxVMReferenceKeepsTheName: {
      reason:
        "With only the VM observed, its references name the files: new names would re-create it",
      ...inLab(pve("a-b"), { vm: OLD_VM }),
      want: {
        at: {
          "image.spec.forProvider.fileName": "crossvdc-acme-lab-a-b.qcow2",
          "cloudinit.spec.forProvider.sourceRaw.0.fileName": "crossvdc-acme-lab-a-b-user-data.yaml",
        },
      },
    },
  });
});
