// What the KubeVirt and Proxmox builders share: their input, and how a guest's
// reported addresses become status.ipAddresses.
import { isIP } from "node:net";
import type { VDCSpec } from "../vdc/api.js";
import type { ImageVMSpec, Phase, Size } from "./api.js";

/** The VM a backend builds, as every builder of it reads it. */
export interface BuildContext {
  /** The VirtualMachine's name: its VM's, and the guest's hostname. */
  readonly name: string;
  /** Its namespace, the VDC's. */
  readonly namespace: string;
  /** crossvdc.io/tenant, crossvdc.io/vdc, crossvdc.io/vm */
  readonly labels: Record<string, string>;
  /** The builders make VMs from images; a migrated VM is Forklift's to build. */
  readonly spec: ImageVMSpec;
  /** cpu and memory, from spec.size. */
  readonly size: Size;
  /** The VDC that owns the namespace: its backend settings. */
  readonly vdc: { name: string; spec: VDCSpec };
  /** cloud-init user data with the SSH keys merged in. */
  readonly userData: string;
}

/** Status read from the observed VM, the same shape for both backends. */
export interface Observed {
  phase: Phase;
  state?: string;
  ready: boolean;
  ipAddresses: string[];
  node?: string;
  vmId?: number;
}

/**
 * Addresses worth showing: valid IPs, no loopback or link-local, each once, in the order reported.
 */
export function guestAddresses(candidates: unknown[]): string[] {
  const out: string[] = [];
  for (const c of candidates) {
    if (typeof c !== "string") continue;
    const ip = c.replace(/\/\d+$/, "");
    const family = isIP(ip);
    if (family === 0) continue;
    const lower = ip.toLowerCase();
    if (family === 4 && (ip.startsWith("127.") || ip.startsWith("169.254."))) continue;
    if (family === 6 && (lower === "::1" || /^fe[89ab]/.test(lower))) continue;
    if (!out.includes(ip)) out.push(ip);
  }
  return out;
}
