import { createHash } from "node:crypto";

/** The label keys every crossvdc object carries, so `kubectl get -l` finds them. */
export const LABEL_TENANT = "crossvdc.io/tenant";
export const LABEL_VDC = "crossvdc.io/vdc";
export const LABEL_VM = "crossvdc.io/vm";
export const LABEL_TYPE = "crossvdc.io/type";

/** RFC 1123 label: what Kubernetes requires of namespace and most object names. */
export const DNS1123_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const DNS1123_LABEL_RE = new RegExp(DNS1123_LABEL);
export const MAX_NAME = 63;

// The naming rule, for every name and label value crossvdc derives. A derived name is injective
// in what it is derived from within the scope where it must be unique (a namespace and kind, a
// Proxmox node's datastore, the cluster), and valid where it is used: a DNS-1123 label of at most
// 63 characters for every Kubernetes name and label value.
//  1. One variable part between constants (`crossvdc-tenant-<t>`, `<vm>-cloudinit`) is joined
//     with `-`: stripping the constants gives the part back. That is `dnsName` and `prefixedName`.
//  2. Two variable parts may both contain `-`, so a `-` join has many readings. Where a name is
//     new, the parts are joined with a separator they cannot contain (`_` in Proxmox file names,
//     `joinParts`), unless today's `-` join has a single reading, which keeps that name. A
//     Kubernetes name that must be a DNS label cannot hold such a separator: there the composer
//     refuses, naming both owners, whoever else in the scope it sees derives the same name
//     (`sharedNames`). Names another controller derives count too: CloudNativePG's PVCs
//     (`isDatabaseVolume`). A custom resource's name is a DNS subdomain, which may hold `.`:
//     a probe's Object is `probe.<cluster>.<kind>.<name>` (`probeName`, functions/probe.ts).
//  3. A name that exists keeps it: upgrades never rename a stateful object that did not collide
//     (Crossplane would delete the old one). Composers read it from observed state.
//  4. Only a DNS label that would be over 63 characters, invalid anyway, is cut, with a hash
//     suffix (`dnsName`): `<head>-<8 hex digits>`. The variable part comes first and a constant
//     with a letter after `f` in its last 8 characters ends the name (`-root`, `-cloudinit`,
//     `-image`, `-mtv`), so no uncut name ends in 8 hex digits and none equals a cut one,
//     whatever its input. Two cut names differ unless their first 54 characters agree and 32
//     bits of SHA-256 collide: both then come from long names in one owner's scope (a VDC's
//     namespace, one Tenant's clusters) or from Tenant names only platform admins choose.
//     Where the variable part ends the name (`<vm>-disk-<disk>`), rule 2 refuses a meeting.
//  5. A scope every tenant shares (a Proxmox node's datastore) takes the namespace and the name,
//     which are unique in the cluster at any time and the same when a GitOps repository
//     re-creates the XR, not its uid, which would rename the file on every re-creation.
//  6. A name whose variable part ends it (the Tenant's ClusterRole `crossvdc-tenant-<t>`, Usages
//     `crossvdc-<kind>-<name>`) cannot end in a constant, and a cut `<prefix>-<head>-<hash>` is
//     what another, shorter owner's uncut name could be crafted to equal (tenant `<head>-<hash>`
//     taking a long-named tenant's ClusterRole). `prefixedName` cuts it after a double dash,
//     `<prefix>--<head>-<16 hex digits>`: an uncut name has a letter or digit there (a DNS label
//     never starts with `-`), so none equals a cut one, and 64 bits of SHA-256 keep cut names
//     apart. Under 64 characters it is the name dnsName gave, so only names that were cut change.

/**
 * A DNS-1123 label from parts, at most 63 characters. Longer names are cut and
 * given a stable 8-character hash of the whole name, so two long names that
 * share a prefix still differ and the same input always gives the same name.
 * Injective where at most one part varies and a constant ends the name (rules 1, 4); see
 * `sharedNames` otherwise, and `prefixedName` where the variable part ends the name.
 */
export function dnsName(...parts: string[]): string {
  const full = parts
    .filter((p) => p !== "")
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (full.length <= MAX_NAME && DNS1123_LABEL_RE.test(full)) return full;
  const hash = createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 8);
  const head = full.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, "");
  return head ? `${head}-${hash}` : hash;
}

/**
 * `<prefix>-<part>` (rule 6), at most 63 characters: the name of an object whose one variable
 * part ends it (a Tenant's ClusterRole, a Usage). A longer one is `<prefix>--<head>-<hash>`, which
 * no uncut name can equal. Throws on a part that is not a DNS label (a composer bug: callers pass
 * validated names).
 */
export function prefixedName(prefix: string, part: string): string {
  if (!isDnsLabel(part))
    throw new Error(`prefixedName: ${JSON.stringify(part)} is not a DNS label`);
  const full = `${prefix}-${part}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash("sha256").update(`${prefix}\u0000${part}`).digest("hex").slice(0, 16);
  const head = part.slice(0, MAX_NAME - prefix.length - hash.length - 3).replace(/-+$/, "");
  return head ? `${prefix}--${head}-${hash}` : `${prefix}--${hash}`;
}

export function isDnsLabel(s: string): boolean {
  return s.length <= MAX_NAME && DNS1123_LABEL_RE.test(s);
}

/** How many names a message lists before "and N more", so it stays readable at any scale. */
export const MAX_LISTED = 10;

/** `a, b, c`, or the first ten and "and N more". */
export function nameList(names: readonly string[], max = MAX_LISTED, separator = ", "): string {
  const shown = names.slice(0, max).join(separator);
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

const dashes = (s: string) => s.split("-").length - 1;

/**
 * Two DNS labels as one file name part (rule 2), injective on every pair: `<first>-<second>`
 * where `first` holds exactly one `-` and `second` none (the name has two `-`, the first of
 * them inside `first`), else `<first>_<second>` (DNS labels hold no `_`, so it splits at its
 * only one). The `-` form is today's name where today's has a single reading: its other
 * readings need a namespace without `-`, and a VDC's name is its tenant's, a `-` and more.
 */
export function joinParts(first: string, second: string): string {
  return dashes(first) === 1 && !second.includes("-") ? `${first}-${second}` : `${first}_${second}`;
}

/**
 * Whether `name` is a PVC name CloudNativePG derives for the Cluster `database`: it names an
 * instance `<cluster>-<serial>` (any serial: they grow as instances are replaced) and its PVCs
 * after it, the WAL one with the suffix `-wal` (cloudnative-pg pkg/reconciler/
 * persistentvolumeclaim/pvc_role.go GetPVCName, api/v1 WalArchiveVolumeSuffix). A tablespace's
 * PVC is `<instance>-tbs-<tablespace>`; crossvdc composes no tablespaces.
 */
export function isDatabaseVolume(name: string, database: string): boolean {
  return name.startsWith(`${database}-`) && /^[0-9]+(-wal)?$/.test(name.slice(database.length + 1));
}

/** Properties of `proxmoxFileName()`. */
export interface ProxmoxFileProps {
  /** The VM's namespace: its VDC's name, unique in the cluster. */
  readonly namespace: string;
  /** The VM's name, unique in its namespace. */
  readonly vm: string;
  /** What follows the name: `.qcow2`, `.raw`, `-user-data.yaml`. */
  readonly suffix: string;
}

/**
 * The name of a VM's file on a Proxmox node's datastore, which every VDC of every tenant on
 * the node shares: `crossvdc-` and `joinParts(namespace, vm)`, then the suffix. A file that
 * exists keeps the name it has (rule 3): read it from observed state before calling this.
 */
export function proxmoxFileName(props: ProxmoxFileProps): string {
  return `crossvdc-${joinParts(props.namespace, props.vm)}${props.suffix}`;
}

/** A name two owners derive alike in one scope. */
export interface SharedName {
  readonly name: string;
  /** The other owners deriving it, sorted. */
  readonly owners: string[];
}

/**
 * The names of `mine` that others derive too (rule 2), each with who else derives it, in
 * the order of `mine`. `others` maps each other owner to the names it derives in the scope.
 */
export function sharedNames(
  mine: readonly string[],
  others: ReadonlyMap<string, readonly string[]>,
): SharedName[] {
  const wanted = new Set(mine);
  const holders = new Map<string, string[]>();
  for (const [owner, names] of others) {
    for (const n of names) {
      if (!wanted.has(n)) continue;
      const list = holders.get(n);
      if (list) {
        if (!list.includes(owner)) list.push(owner);
      } else holders.set(n, [owner]);
    }
  }
  return mine.flatMap((name) => {
    const owners = holders.get(name);
    return owners ? [{ name, owners: [...owners].sort() }] : [];
  });
}
