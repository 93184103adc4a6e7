// The XRs the composer tables start from, written once: a case states only what differs.
import type { KubeObject } from "../../functions/compose.js";

export const API = "crossvdc.io/v1alpha1";

export interface XRProps {
  /** metadata.name; acme for a Tenant, acme-dev for a VDC, web for a VirtualMachine. */
  readonly name?: string;
  readonly spec?: Record<string, unknown>;
  /** metadata.creationTimestamp; none unless given, as for an XR not created yet. */
  readonly created?: string;
  readonly status?: Record<string, unknown>;
  /**
   * metadata.labels; a VDC's default is the crossvdc.io/tenant label the admission policy requires.
   */
  readonly labels?: Record<string, string>;
}

function xr(kind: string, name: string, p: XRProps, namespace?: string): KubeObject {
  return {
    apiVersion: API,
    kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(p.labels ? { labels: p.labels } : {}),
      ...(p.created ? { creationTimestamp: p.created } : {}),
    },
    spec: p.spec ?? {},
    ...(p.status ? { status: p.status } : {}),
  };
}

/** A Tenant (cluster-scoped), acme unless named. */
export function tenant(p: XRProps = {}): KubeObject {
  return xr("Tenant", p.name ?? "acme", p);
}

export interface VDCProps extends XRProps {
  /** spec.tenantRef.name; acme. */
  readonly tenant?: string;
}

/**
 * A VDC of tenant acme, acme-dev unless named, labelled for its tenant; `spec`
 * is added to its tenantRef.
 */
export function vdc(p: VDCProps = {}): KubeObject {
  const tenant = p.tenant ?? "acme";
  return xr("VDC", p.name ?? "acme-dev", {
    labels: { "crossvdc.io/tenant": tenant },
    ...p,
    spec: { tenantRef: { name: tenant }, ...p.spec },
  });
}

export interface VMProps extends XRProps {
  /** metadata.namespace: the VDC it runs in; acme-dev. */
  readonly namespace?: string;
}

/** A VirtualMachine, web in acme-dev unless told otherwise. */
export function vm(p: VMProps = {}): KubeObject {
  return xr("VirtualMachine", p.name ?? "web", p, p.namespace ?? "acme-dev");
}

/** The same object with its spec (shallowly) changed. */
export function withSpec(o: KubeObject, spec: Record<string, unknown>): KubeObject {
  return { ...o, spec: { ...(o.spec as Record<string, unknown>), ...spec } };
}
