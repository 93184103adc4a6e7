// "Nothing lost": the composed VM records what its disks were made from, and
// an edit that would replace the root disk, shrink a disk or drop one is
// refused by comparing the spec with that record on the OBSERVED VM.
// Crossplane applies nothing after a Fatal result, so what exists stays.
import type { KubeObject } from "../compose.js";
import { parseQuantity } from "../quantity.js";
import type { ImageSpec, ImageVMSpec } from "./api.js";

export const ANNOTATION_ROOT_IMAGE = "crossvdc.io/root-image";
export const ANNOTATION_ROOT_SIZE = "crossvdc.io/root-disk-size";
export const ANNOTATION_DISKS = "crossvdc.io/disks";

export interface DiskRecord {
  size: string;
  /**
   * Proxmox: the disk interface (virtio1, ...), kept for the disk's life so a
   * reorder moves no data.
   */
  slot?: string;
}

export interface DiskLedger {
  image: string;
  /** Absent for a containerDisk: its root disk is ephemeral. */
  rootSize?: string;
  disks: Record<string, DiskRecord>;
}

/**
 * The root image as one string: `url:https://...`, `dataSource:ns/name`,
 * `containerDisk:image`, `proxmoxTemplate:123`.
 */
export function imageKey(image: ImageSpec, ns: string): string {
  if (image.containerDisk !== undefined) return `containerDisk:${image.containerDisk}`;
  if (image.url !== undefined) return `url:${image.url}`;
  if (image.dataSource !== undefined)
    return `dataSource:${image.dataSource.namespace ?? ns}/${image.dataSource.name}`;
  // Proxmox VM IDs are unique in the cluster, so the node is not part of the template's identity.
  if (image.proxmoxTemplate !== undefined) return `proxmoxTemplate:${image.proxmoxTemplate.vmId}`;
  return "none";
}

/** The ledger of what is being composed now. */
export function ledgerOf(
  spec: ImageVMSpec,
  ns: string,
  slots: Record<string, string> = {},
): DiskLedger {
  const disks: Record<string, DiskRecord> = {};
  for (const d of spec.disks)
    disks[d.name] = { size: d.size, ...(slots[d.name] ? { slot: slots[d.name] } : {}) };
  return {
    image: imageKey(spec.image, ns),
    ...(spec.image.containerDisk === undefined ? { rootSize: spec.rootDisk.size } : {}),
    disks,
  };
}

export function ledgerAnnotations(l: DiskLedger): Record<string, string> {
  const disks = Object.fromEntries(
    Object.keys(l.disks)
      .sort()
      .map((k) => [k, l.disks[k]!]),
  );
  return {
    [ANNOTATION_ROOT_IMAGE]: l.image,
    ...(l.rootSize !== undefined ? { [ANNOTATION_ROOT_SIZE]: l.rootSize } : {}),
    [ANNOTATION_DISKS]: JSON.stringify(disks),
  };
}

/**
 * The ledger an observed VM carries, or undefined when it carries none (nothing to compare with).
 */
export function readLedger(obj: KubeObject | undefined): DiskLedger | undefined {
  const a = obj?.metadata?.annotations;
  const image = a?.[ANNOTATION_ROOT_IMAGE];
  if (!a || typeof image !== "string") return undefined;
  const disks: Record<string, DiskRecord> = {};
  try {
    const parsed = JSON.parse(a[ANNOTATION_DISKS] ?? "{}") as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      for (const [name, r] of Object.entries(parsed as Record<string, unknown>)) {
        const rec = r as { size?: unknown; slot?: unknown };
        if (typeof rec?.size === "string")
          disks[name] = {
            size: rec.size,
            ...(typeof rec.slot === "string" ? { slot: rec.slot } : {}),
          };
      }
    }
  } catch {
    // A mangled annotation loses the disk checks, not the VM.
  }
  const rootSize = a[ANNOTATION_ROOT_SIZE];
  return { image, ...(typeof rootSize === "string" ? { rootSize } : {}), disks };
}

/** Why the spec cannot be applied to the VM the ledger describes; empty when it can. */
export function refusals(spec: ImageVMSpec, ns: string, was: DiskLedger): string[] {
  const out: string[] = [];
  const now = imageKey(spec.image, ns);
  // A containerDisk root starts fresh at every boot anyway: replacing it loses nothing.
  if (now !== was.image && !was.image.startsWith("containerDisk:")) {
    out.push(
      `spec.image: the root disk was made from ${shown(was.image)} and cannot be ` +
        `replaced by ${shown(now)}: a new image means a new root disk and the data on the ` +
        `current one would be lost. Keep spec.image as it was, or create a new ` +
        `VirtualMachine from the new image and delete this one once its data is no longer ` +
        `needed`,
    );
  }
  if (
    was.rootSize !== undefined &&
    spec.image.containerDisk === undefined &&
    smaller(spec.rootDisk.size, was.rootSize)
  ) {
    out.push(
      `spec.rootDisk.size: cannot shrink from ${was.rootSize} to ${spec.rootDisk.size}: ` +
        `disks only grow, set it to ${was.rootSize} or more`,
    );
  }
  for (const name of Object.keys(was.disks).sort()) {
    const before = was.disks[name]!;
    const i = spec.disks.findIndex((d) => d.name === name);
    if (i < 0) {
      if (!spec.deleteDisks.includes(name)) {
        out.push(
          `spec.disks: disk "${name}" (${before.size}) was removed, which would delete ` +
            `its data: add it back, or confirm the deletion by listing "${name}" in ` +
            `spec.deleteDisks`,
        );
      }
    } else if (smaller(spec.disks[i]!.size, before.size)) {
      out.push(
        `spec.disks[${i}].size: cannot shrink disk "${name}" from ${before.size} ` +
          `to ${spec.disks[i]!.size}: disks only grow, set it to ${before.size} or more`,
      );
    }
  }
  return out;
}

function smaller(a: string, b: string): boolean {
  try {
    return parseQuantity(a) < parseQuantity(b);
  } catch {
    return false;
  }
}

/** An image for a message: a URL's query (often a signed token) is left out. */
function shown(key: string): string {
  return key.replace(/\?.*$/, "?…");
}
