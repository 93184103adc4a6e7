// Outcomes several composer tables state: what each XR asks Crossplane to fetch, and the refusal
// shape, written once so a case reads as its reason and what differs.
import type { FailureReason } from "../../functions/compose.js";
import { API } from "./fixtures.js";
import type { Want } from "./table.js";

/** A refused request: the one Fatal result, its class of failure and its message in full. */
export function refused(
  reason: FailureReason,
  message: string,
): { fatal: NonNullable<Want["fatal"]> } {
  return { fatal: { reason, message } };
}

/** The platform settings, asked for by every Tenant and VDC: EnvironmentConfig crossvdc. */
export const PLATFORM = {
  apiVersion: "apiextensions.crossplane.io/v1beta1",
  kind: "EnvironmentConfig",
  matchName: "crossvdc",
};

/** A Namespace by name: one crossvdc did not create is not adopted. */
export const namespaceSelector = (name: string) => ({
  apiVersion: "v1",
  kind: "Namespace",
  matchName: name,
});

export interface SecretSelectorProps {
  readonly namespace: string;
  readonly name: string;
}

/** A Secret by name in a namespace (credentials whose key names a composer checks). */
export function secretSelector(p: SecretSelectorProps) {
  return { apiVersion: "v1", kind: "Secret", namespace: p.namespace, matchName: p.name };
}

/**
 * Every PVC of a namespace: what a VDC asks for while a database is new, for the names
 * CloudNativePG would give its PVCs.
 */
export const pvcsSelector = (namespace: string) => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  namespace,
  matchLabels: { labels: {} },
});

export interface TenantRequirementsProps {
  /** The Tenant's name; acme. */
  readonly tenant?: string;
}

/** What a Tenant asks for: its VDCs (by label), the platform settings, its home namespace. */
export function tenantRequirements(p: TenantRequirementsProps = {}) {
  const tenant = p.tenant ?? "acme";
  return {
    vdcs: {
      apiVersion: API,
      kind: "VDC",
      matchLabels: { labels: { "crossvdc.io/tenant": tenant } },
    },
    platform: PLATFORM,
    namespace: namespaceSelector(`tenant-${tenant}`),
  };
}

export interface VDCRequirementsProps {
  /** The VDC's name, which is its namespace's; acme-dev. */
  readonly vdc?: string;
  /** Its tenant; acme. */
  readonly tenant?: string;
}

/**
 * What an isolated KubeVirt VDC asks for: its tenant, the tenant's VDCs, the platform settings,
 * the VirtualMachines of its namespace (whose images open CDI's paths) and its namespace.
 */
export function vdcRequirements(p: VDCRequirementsProps = {}) {
  const vdc = p.vdc ?? "acme-dev";
  const tenant = p.tenant ?? "acme";
  return {
    ...tenantRequirements({ tenant }),
    tenant: { apiVersion: API, kind: "Tenant", matchName: tenant },
    vms: { apiVersion: API, kind: "VirtualMachine", namespace: vdc, matchLabels: { labels: {} } },
    namespace: namespaceSelector(vdc),
  };
}

export interface VMRequirementsProps {
  /** The VM's namespace, which is its VDC's name; acme-dev. */
  readonly vdc?: string;
  /**
   * The VM's name, for its VirtualMachineInstance: asked for once the VDC is known to run on
   * KubeVirt; none unless given.
   */
  readonly instance?: string;
}

/** What a VirtualMachine asks for: its namespace's VDC and VirtualMachines (and instance). */
export function vmRequirements(p: VMRequirementsProps = {}) {
  const vdc = p.vdc ?? "acme-dev";
  return {
    vdc: { apiVersion: API, kind: "VDC", matchName: vdc },
    vms: { apiVersion: API, kind: "VirtualMachine", namespace: vdc, matchLabels: { labels: {} } },
    ...(p.instance
      ? {
          vmi: {
            apiVersion: "kubevirt.io/v1",
            kind: "VirtualMachineInstance",
            namespace: vdc,
            matchName: p.instance,
          },
        }
      : {}),
  };
}

/** A VDC without protected databases says what deleting it deletes (test/protection.test.ts). */
export const nothingProtected = (name: string) => ({
  type: "DeletionProtected",
  status: "False",
  reason: "NothingProtected",
  message:
    `No database of VDC ${name} has deletionProtection: ` +
    "deleting the VDC deletes its namespace and everything in it",
});
