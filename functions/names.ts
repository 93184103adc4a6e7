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
// 63 characters for every Kubernetes name and label value, except the names of RBAC objects and
// Usages, which Kubernetes lets be longer (rule 6).
//  1. One variable part between constants (`crossvdc-tenant-<t>`, `<vm>-cloudinit`) is joined
//     with `-`: stripping the constants gives the part back. That is `dnsName` and `longName`.
//  2. Two variable parts may both contain `-`, so a `-` join has many readings. Where a name is
//     new, the parts are joined with a separator they cannot contain (`_` in Proxmox file names,
//     `joinParts`), unless today's `-` join has a single reading, which keeps that name. A
//     Kubernetes name cannot hold such a separator: there the composer refuses, naming both
//     owners, whoever else in the scope it sees derives the same name (`sharedNames`). Names
//     another controller derives count too: CloudNativePG's PVCs (`isDatabaseVolume`).
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
//  6. A name Kubernetes allows up to 253 characters whose variable part ends it (the Tenant's
//     ClusterRole `crossvdc-tenant-<t>`, Usages `crossvdc-<kind>-<name>`) is never cut
//     (`longName`): a cut one, `<head>-<hash>`, is what an uncut name of another, shorter owner
//     can be crafted to equal (tenant `<head>-<hash>` taking a long-named tenant's ClusterRole).
//     Under 64 characters it is the name dnsName gave, so only names that were cut change.

/**
 * A DNS-1123 label from parts, at most 63 characters. Longer names are cut and
 * given a stable 8-character hash of the whole name, so two long names that
 * share a prefix still differ and the same input always gives the same name.
 * Injective where at most one part varies and a constant ends the name (rules 1, 4); see
 * `sharedNames` otherwise, and `longName` where the variable part ends a name that may be long.
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

/** Longest name of an RBAC object (a path segment name) or a Usage (a DNS-1123 subdomain). */
export const MAX_LONG_NAME = 253;

/**
 * A name for a kind whose names may pass 63 characters (rule 6): ClusterRole and
 * ClusterRoleBinding (path segment names: no `/`, no `%`, not `.` or `..`; Kubernetes'
 * ValidateRBACName) and Usage, ClusterUsage (DNS-1123 subdomains). The parts, each a DNS-1123
 * label, joined with `-` and never cut, so injective in one variable part between constants.
 * Throws on a part that is not a DNS label (a composer bug: callers pass validated names).
 */
export function longName(...parts: string[]): string {
  const bad = parts.find((p) => !isDnsLabel(p));
  if (bad !== undefined) throw new Error(`longName: ${JSON.stringify(bad)} is not a DNS label`);
  const name = parts.join("-");
  if (name.length > MAX_LONG_NAME)
    throw new Error(`longName: ${name.length} characters, over ${MAX_LONG_NAME}`);
  return name;
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
