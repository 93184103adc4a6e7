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

/**
 * A DNS-1123 label from parts, at most 63 characters. Longer names are cut and
 * given a stable 8-character hash of the whole name, so two long names that
 * share a prefix still differ and the same input always gives the same name.
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

export function isDnsLabel(s: string): boolean {
  return s.length <= MAX_NAME && DNS1123_LABEL_RE.test(s);
}
