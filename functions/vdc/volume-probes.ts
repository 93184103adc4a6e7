// A new database on a placed VDC never adopts a PVC on the member cluster. On the hub the VDC
// reads its namespace's PVCs while a database is new (databases.ts, `pvcClashes`); on a member
// cluster it cannot list them, so it reads each PVC name the new database's Cluster would take
// through a probe (functions/probe.ts) and hands the ones that exist to the same check.
import type { Composed, KubeObject } from "../compose.js";
import { probed, probeKey, probeObject } from "../probe.js";
import type { Tier } from "../tenant/api.js";
import type { VDCSpec } from "./api.js";
import { databaseKey, resolveSize } from "./databases.js";

/** Properties of `volumeProbes()`. */
export interface VolumeProbesProps {
  readonly spec: VDCSpec;
  /** The tenant's tier, which sizes a database without its own instances. */
  readonly tier: Tier;
  /** What the cluster reports, under the composers' keys: a database there is not new. */
  readonly there: Record<string, KubeObject>;
  /** The hub's observed resources, with the probes' Objects. */
  readonly observed: Record<string, KubeObject>;
  readonly cluster: string;
  readonly providerConfig: string;
  /** The VDC's namespace, on the hub and on the cluster. */
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/** What the probes of a placed VDC's new databases say. */
export interface VolumeProbes {
  /** The probes to compose, by key: ready once they have an answer. */
  readonly resources: Record<string, Composed>;
  /** The PVCs that exist on the cluster under a name a new database would take. */
  readonly present: KubeObject[];
  /** New databases with a probe not answered yet, each with the PVC names still unread. */
  readonly unread: Map<string, string[]>;
}

/**
 * The PVC names CloudNativePG gives a new Cluster's instances: `<db>-<serial>`, serials from 1
 * (cloudnative-pg pkg/reconciler/persistentvolumeclaim/pvc_role.go GetPVCName; the first
 * instance is `<db>-1`). The Cluster crossvdc composes has no walStorage, so no `-wal` PVC.
 */
export function newVolumeNames(database: string, instances: number): string[] {
  return Array.from({ length: instances }, (_, i) => `${database}-${i + 1}`);
}

/**
 * For each database in the spec that the cluster does not report yet, a probe of each PVC name
 * its Cluster would take; none once every database exists.
 */
export function volumeProbes(p: VolumeProbesProps): VolumeProbes {
  const resources: Record<string, Composed> = {};
  const present: KubeObject[] = [];
  const unread = new Map<string, string[]>();
  for (const db of p.spec.databases) {
    if (p.there[databaseKey(db.name)] !== undefined) continue;
    const { instances } = resolveSize(db, p.tier);
    for (const name of newVolumeNames(db.name, instances)) {
      const kind = "PersistentVolumeClaim";
      const key = probeKey({ cluster: p.cluster, kind, name });
      const seen = probed(p.observed[key]);
      resources[key] = {
        resource: probeObject({
          target: { apiVersion: "v1", kind, name, namespace: p.namespace },
          cluster: p.cluster,
          providerConfig: p.providerConfig,
          namespace: p.namespace,
          labels: p.labels,
        }),
        ready: seen.state !== "unknown",
      };
      if (seen.state === "present") present.push(seen.object);
      else if (seen.state === "unknown")
        unread.set(db.name, [...(unread.get(db.name) ?? []), name]);
    }
  }
  return { resources, present, unread };
}
