// The network paths the operators need into and out of an isolated VDC, on
// top of its default-deny: each policy is composed only while the VDC needs
// it, and each opens what the operator's own source says it uses.
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import { API_VERSION } from "../api.js";
import type { KubeObject } from "../compose.js";
import {
  egressTo,
  Namespaces,
  NetworkPolicyPort,
  networkPolicy,
  Peer,
  Pods,
  urlEndpoint,
  type Destination,
} from "../network-policy.js";
import type { PlatformSettings } from "../platform.js";
import type { MigrationSourceType, VDCSpec } from "./api.js";

/** Requirement key of the VDC's VirtualMachines. */
export const VMS_KEY = "vms";

/**
 * Every VirtualMachine XR in namespace `ns`, under VMS_KEY: the one selector the VDC asks with,
 * whichever of its rules needs the VMs, so one answer serves them all.
 */
export function vmsRequirement(ns: string): Record<string, ResourceSelector> {
  return {
    [VMS_KEY]: {
      apiVersion: API_VERSION,
      kind: "VirtualMachine",
      namespace: ns,
      matchLabels: { labels: {} },
    },
  };
}

/**
 * The VirtualMachine XRs in the VDC namespace, in an isolated KubeVirt VDC:
 * the images they import and clone decide which CDI paths open.
 */
export function pathRequirements(ns: string, spec: VDCSpec): Record<string, ResourceSelector> {
  if (spec.network.isolation !== "isolated" || spec.backend.type !== "kubevirt") return {};
  return vmsRequirement(ns);
}

/**
 * Forklift's conversion and inspection pods: it labels them forklift.app
 * virt-v2v and virt-v2v-inspection (kubev2v/forklift
 * pkg/controller/plan/kubevirt.go conversionLabels, inspectionLabels) and runs
 * them in the Plan's target namespace, the VDC's.
 */
export const FORKLIFT_APP_LABEL = "forklift.app";
export const FORKLIFT_POD_APPS = ["virt-v2v", "virt-v2v-inspection"] as const;
/**
 * The controller reaches those pods on 8080 (inspection, /vm, /shutdown:
 * kubevirt.go) and 2112 (conversion progress metrics: migration.go
 * updateConversionProgressV2vMonitor); it opens the same two itself for
 * user-defined networks (kubevirt.go buildUDNAnnotation).
 */
export const FORKLIFT_POD_PORTS = [8080, 2112] as const;
/**
 * vSphere: besides vCenter (the URL), virt-v2v and VDDK read disks from the
 * ESXi hosts on 443 and 902 (NFC).
 */
export const ESXI_PORTS = [443, 902] as const;

/**
 * CDI's worker pods carry app: containerized-data-importer
 * (kubevirt/containerized-data-importer issue 3497).
 */
export const CDI_APP = { app: "containerized-data-importer" } as const;
/** CDI's component label: importer, cdi-upload-server, cdi-clone-source (pkg/common/common.go). */
export const CDI_COMPONENT_LABEL = "cdi.kubevirt.io";
/**
 * Upload server and importer pods serve on 8443: a host-assisted clone's
 * source pod sends the disk to the upload server (PR 897, "Network clone"),
 * and CDI's controller reads an importer's progress there (CDI's own policy
 * cdi-allow-cdi-deployment-importer-metrics, PR 3938).
 */
export const CDI_POD_PORT = 8443;

export interface MigrationSourceEndpoint {
  readonly type: MigrationSourceType;
  readonly url: string;
}

export interface OperatorPathsProps {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly settings: PlatformSettings;
  /**
   * The migration sources whose Provider the VDC composes (in the spec or kept for a running Plan).
   */
  readonly sources: readonly MigrationSourceEndpoint[];
  /** The VDC's VirtualMachine XRs, as Crossplane fetched them. */
  readonly vms: readonly KubeObject[];
}

/**
 * Where a migration source's pods connect: its URL's host and port, and for vSphere the ESXi hosts.
 */
function sourceDestinations(s: MigrationSourceEndpoint): Destination[] {
  // OVA: an NFS share the node mounts for the pods; the mount is not pod traffic.
  if (s.type === "ova") return [];
  const url = urlEndpoint(s.url);
  return [
    ...(url ? [url] : []),
    ...(s.type === "vsphere" ? ESXI_PORTS.map((port) => ({ port })) : []),
  ];
}

/**
 * What a VM's image asks of the network: a URL to download, or a DataSource
 * namespace to clone from.
 */
function imageOf(vm: KubeObject): { url?: string; dataSourceNamespace?: string } {
  const image = (vm.spec as { image?: unknown } | undefined)?.image;
  if (!image || typeof image !== "object") return {};
  const { url, dataSource } = image as { url?: unknown; dataSource?: unknown };
  const ns =
    dataSource && typeof dataSource === "object"
      ? (dataSource as { namespace?: unknown }).namespace
      : undefined;
  return {
    url: typeof url === "string" ? url : undefined,
    dataSourceNamespace: typeof ns === "string" && ns !== "" ? ns : undefined,
  };
}

export function operatorPolicies(p: OperatorPathsProps): Record<string, KubeObject> {
  const common = { namespace: p.namespace, labels: p.labels };
  const ops = p.settings.operators;
  const out: Record<string, KubeObject> = {};
  const cdiProgress = {
    from: [Peer.pods({ namespace: Namespaces.named(ops.cdi) })],
    ports: [NetworkPolicyPort.tcp(CDI_POD_PORT)],
  };

  if (p.sources.length) {
    const conversionPods = Pods.anyOf(FORKLIFT_APP_LABEL, FORKLIFT_POD_APPS);
    out["netpol-allow-forklift"] = networkPolicy({
      name: "allow-forklift",
      podSelector: conversionPods,
      ingress: [
        {
          from: [Peer.pods({ namespace: Namespaces.named(ops.forklift) })],
          ports: FORKLIFT_POD_PORTS.map((port) => NetworkPolicyPort.tcp(port)),
        },
      ],
      ...common,
    });
    const egress = egressTo(p.sources.flatMap(sourceDestinations));
    if (egress.length) {
      out["netpol-allow-migration-sources"] = networkPolicy({
        name: "allow-migration-sources",
        podSelector: conversionPods,
        egress,
        ...common,
      });
      // Disks Forklift copies through CDI DataVolumes (vSphere VDDK, oVirt,
      // OpenShift exports) are read by CDI importer pods in the VDC namespace.
      out["netpol-allow-migration-imports"] = networkPolicy({
        name: "allow-migration-imports",
        podSelector: Pods.select(CDI_APP),
        ingress: [cdiProgress],
        egress,
        ...common,
      });
    }
  }

  const images = p.vms.map(imageOf);
  const downloads = images.flatMap((i) => {
    const d = i.url === undefined ? undefined : urlEndpoint(i.url);
    return d ? [d] : [];
  });
  if (downloads.length) {
    out["netpol-allow-image-downloads"] = networkPolicy({
      name: "allow-image-downloads",
      podSelector: Pods.select(CDI_APP),
      ingress: [cdiProgress],
      egress: egressTo(downloads),
      ...common,
    });
  }
  const cloneFrom = [
    ...new Set(
      images.flatMap((i) =>
        i.dataSourceNamespace !== undefined && i.dataSourceNamespace !== p.namespace
          ? [i.dataSourceNamespace]
          : [],
      ),
    ),
  ].sort();
  if (cloneFrom.length) {
    out["netpol-allow-clone-uploads"] = networkPolicy({
      name: "allow-clone-uploads",
      podSelector: Pods.select({ [CDI_COMPONENT_LABEL]: "cdi-upload-server" }),
      ingress: [
        {
          from: [
            Peer.pods({
              namespace: Namespaces.anyOf(cloneFrom),
              pods: Pods.select({ [CDI_COMPONENT_LABEL]: "cdi-clone-source" }),
            }),
          ],
          ports: [NetworkPolicyPort.tcp(CDI_POD_PORT)],
        },
      ],
      ...common,
    });
  }
  return out;
}
