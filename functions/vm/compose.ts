// VirtualMachine: one API, composed onto the backend of the VDC that owns the
// namespace, from an image or migrated by Forklift (migration.ts). Order of
// checks: the VDC and backend, nothing lost, quota; any refusal is Fatal, so
// Crossplane changes nothing that exists.
import { API_VERSION, type XRDSpec } from "../api.js";
import {
  composer,
  conditionOf,
  type ComposeInput,
  isRefusal,
  phaseEvents,
  RefusalError,
  TTL_SETTLING,
  TTL_STEADY,
  type Composed,
  type ComposeOutput,
  type Event,
  type KubeObject,
  type XRCondition,
} from "../compose.js";
import { isDnsLabel, LABEL_TENANT, LABEL_VDC, LABEL_VM } from "../names.js";
import { merged } from "../speed.js";
import { parseCached, parseOrThrow } from "../parse.js";
import {
  hubObserved,
  memberKey,
  placeResources,
  unwrapObserved,
  wrapObject,
} from "../placement.js";
import { platformRequirement, platformSettings } from "../platform.js";
import { vdcSpec, type VDCSpec } from "../vdc/api.js";
import { fromImage, sizeOf, vmSpec, vmStatus, type VMSpec } from "./api.js";
import { mergedUserData } from "./cloudinit.js";
import type { BuildContext, Observed } from "./common.js";
import {
  dataVolumeClashes,
  kubevirtObserved,
  kubevirtResources,
  limitRangeProblem,
  sizeChanged,
} from "./kubevirt.js";
import {
  composeMigration,
  isMigratedFrom,
  MIGRATED_KEY,
  migratedRequirement,
  migrationStarted,
  type MigrationOutput,
} from "./migration.js";
import { PROTECTION_CONDITION, selfUsage, USAGE_KEY } from "../usage.js";
import { ledgerAnnotations, ledgerOf, readLedger, refusals } from "./protect.js";
import { diskSlots, proxmoxObserved, proxmoxResources } from "./proxmox.js";
import { checkQuota, quotaOf } from "./quota.js";

export const QUOTA_CONDITION = "QuotaAdmitted";
const KIND = "VirtualMachine";
/** The kind each backend composes as "vm", to notice a VDC that switched backends. */
const BACKEND_KIND = {
  kubevirt: "kubevirt.io/v1/VirtualMachine",
  proxmox: "virtualenvironmentvm.proxmoxbpg.m.crossplane.io/v1alpha1/EnvironmentVM",
} as const;

export const vm = composer({
  apiVersion: API_VERSION,
  kind: KIND,
  spec: vmSpec,

  requirements: (xr, fetched, observed) => {
    const ns = xr.metadata.namespace;
    if (!ns)
      throw new RefusalError(
        "InvalidSpec",
        "metadata.namespace: required: a VirtualMachine lives in its VDC's namespace",
      );
    // KubeVirt kinds only once the VDC is known to run VMs on KubeVirt: Crossplane fails the
    // reconcile when asked for a kind the API server does not serve, and a Proxmox-only
    // cluster has no KubeVirt. The XRD defaults backend.type to kubevirt.
    const vdc = fetched.vdc?.find((v) => v.metadata?.name === ns);
    const backend = (vdc?.spec as { backend?: { type?: unknown } } | undefined)?.backend?.type;
    // A VDC on (or headed for) a member cluster: its VMs' instances are read there, through an
    // observe-only Object, never asked of the hub, which need not serve KubeVirt kinds; the
    // platform settings name the ClusterProviderConfig that reaches the cluster. The VM follows
    // where the VDC lives (status.placement.cluster), not its spec: a VM running on the hub
    // while its VDC's move is refused (a VDC holding VMs never moves) is read on the hub.
    const placed =
      vdc !== undefined &&
      (placedCluster(vdc) !== undefined ||
        ((vdc.spec as { placement?: unknown } | undefined)?.placement !== undefined &&
          observed.vm === undefined));
    const onKubeVirt = vdc !== undefined && !placed && (backend ?? "kubevirt") === "kubevirt";
    return {
      // The VDC that owns the namespace has the namespace's name.
      vdc: { apiVersion: API_VERSION, kind: "VDC", matchName: ns },
      // Every VirtualMachine of the namespace, to charge the quota; a label could be left off.
      vms: { apiVersion: API_VERSION, kind: KIND, namespace: ns, matchLabels: { labels: {} } },
      ...(placed ? platformRequirement() : {}),
      // KubeVirt reports addresses and node on the instance, not the VM.
      ...(onKubeVirt
        ? {
            vmi: {
              apiVersion: "kubevirt.io/v1",
              kind: "VirtualMachineInstance",
              namespace: ns,
              matchName: xr.metadata.name,
            },
          }
        : {}),
      // The VM Forklift creates for a migration: adopted (read), never composed.
      ...(onKubeVirt && xr.spec.source?.migration
        ? { [MIGRATED_KEY]: migratedRequirement(ns, xr.metadata.name) }
        : {}),
    };
  },

  compose({ xr, observed, required }): ComposeOutput {
    const name = xr.metadata.name;
    const ns = xr.metadata.namespace ?? "";
    // The API server only lets DNS labels through as namespaces; anything else
    // is not worth echoing.
    if (!isDnsLabel(ns))
      return {
        fatal: `${KIND} ${name.slice(0, 253)}: metadata.namespace: must be a DNS-1123 label`,
        reason: "InvalidSpec",
      };
    const what = `${KIND} ${ns}/${name}`;

    // The name becomes the guest's hostname, the Proxmox VM name and a label value.
    if (!isDnsLabel(name))
      return {
        fatal:
          `${what}: metadata.name: must be a DNS-1123 label of at most 63 characters ` +
          `(lower case alphanumerics and '-'), because it names the VM and its hostname`,
        reason: "InvalidSpec",
      };
    // Only the VDC named like the namespace owns it, whatever else was handed to us.
    const vdcObj = (required.vdc ?? []).find((v) => v.metadata?.name === ns);
    if (!vdcObj)
      return {
        fatal:
          `${what}: metadata.namespace: namespace ${ns} belongs to no VDC: VirtualMachines ` +
          `are created in the namespace of a VDC, which decides where they run`,
        reason: "WaitingForDependency",
      };
    const parsed = parseCached(vdcSpec, vdcObj.spec ?? {}, `/${ns}`);
    if (!parsed.success)
      return {
        fatal:
          `${what}: metadata.namespace: VDC ${ns}, which owns the namespace, has an ` +
          `invalid spec; fix the VDC first`,
        reason: "WaitingForDependency",
      };
    const vdc = { name: ns, spec: parsed.data };
    const machine = { xr, observed, required, vdcObj, vdc, what };
    // Where the VM's objects go: where its VDC lives (status.placement.cluster), not where the
    // VDC's spec would have it, since a VDC with VMs is never moved (functions/placement.ts).
    const cluster = placedCluster(vdcObj);
    const found = vmLocations(observed);
    const here = cluster === undefined ? HUB : `member cluster ${cluster}`;
    const elsewhere = found.filter((l) => l !== here);
    if (elsewhere.length)
      return {
        reason: "Conflict",
        fatal:
          `${what}: this VM exists on ${elsewhere.join(" and ")}, and VDC ${ns} lives on ` +
          `${here}: VMs are not moved between clusters, as that would lose their disks; ` +
          `nothing was changed`,
      };
    if (cluster !== undefined) return composePlaced({ cluster, ...machine });
    if (parsed.data.placement !== undefined && found.length === 0)
      return {
        reason: "WaitingForDependency",
        fatal:
          `${what}: metadata.namespace: VDC ${ns} is to live on a member cluster ` +
          `(spec.placement) and is not placed yet (no status.placement.cluster); the VM is ` +
          `composed on that cluster once it is`,
      };
    return composeMachine(machine);
  },
});

/** What composeMachine() composes from: the request and the VDC that owns the namespace. */
interface MachineInput extends ComposeInput<VMSpec> {
  /** The VDC as Crossplane fetched it. */
  readonly vdcObj: KubeObject;
  /** Its name (the namespace's) and parsed spec. */
  readonly vdc: { readonly name: string; readonly spec: VDCSpec };
  /** `VirtualMachine <namespace>/<name>`, for messages. */
  readonly what: string;
}

/**
 * The VM on the VDC's backend, from what exists of it (observed), wherever that is: the hub, or
 * a member cluster through the manifests its Objects read back.
 */
function composeMachine(input: MachineInput): ComposeOutput {
  const { xr, observed, required, vdcObj, vdc, what } = input;
  const name = xr.metadata.name;
  const ns = vdc.name;
  const spec = xr.spec;
  const backend = vdc.spec.backend.type;

  const unfit = backendProblem(spec, backend, ns);
  if (unfit) return { fatal: `${what}: ${unfit}`, reason: "InvalidSpec" };
  const observedVM = observed.vm;
  const other = backend === "kubevirt" ? "proxmox" : "kubevirt";
  if (observedVM && `${observedVM.apiVersion}/${observedVM.kind}` === BACKEND_KIND[other]) {
    return {
      fatal:
        `${what}: VDC ${ns} now runs VMs on ${backend}, but this VM exists as ` +
        `a ${observedVM.kind} (${observedVM.apiVersion}): VMs are not moved between ` +
        `backends, as that would lose the VM; set the VDC's spec.backend back, or ` +
        `recreate the VM`,
      reason: "Conflict",
    };
  }
  const migrating = spec.source?.migration;
  const recorded = readLedger(observedVM);
  if (migrating && observedVM) {
    // Composing a migration instead would delete the VM this XR made, disks and all.
    return {
      fatal:
        `${what}: spec.source.migration: this VirtualMachine already exists as a VM made ` +
        `from ${recorded ? recorded.image.replace(/\?.*$/, "?…") : "an image"}, which a ` +
        `migration would replace and lose: put spec.image back, and create a new ` +
        `VirtualMachine to migrate a VM`,
      reason: "Conflict",
    };
  }
  const started = migrationStarted(observed, xr.status);
  if (!migrating && started) {
    // Its VM is Forklift's: a VM made from spec.image would be composed under its name, over it.
    return {
      fatal:
        `${what}: spec.source.migration: this VirtualMachine's VM was migrated by ` +
        `Forklift (Migration ${ns}/${name}) and a started migration cannot be removed: a ` +
        `VM made from spec.image would be composed over the migrated one. Put ` +
        `spec.source.migration back as it was; create a new VirtualMachine for a VM made ` +
        `from an image`,
      reason: "Conflict",
    };
  }
  const refused = recorded && fromImage(spec) ? refusals(spec, ns, recorded) : [];
  if (refused.length)
    return { fatal: `${what}: ${refused.join("; ")}; nothing was changed`, reason: "Conflict" };

  const size = sizeOf(spec.size);
  const verdict = checkQuota(
    { name, creationTimestamp: xr.metadata.creationTimestamp, size },
    (required.vms ?? []).filter((v) => v.metadata?.namespace === ns),
    quotaOf(vdcObj, vdc.spec),
    vdc.spec,
  );
  // A migration that has started, or the VM an earlier one made, counts as an
  // existing VM: the quota never stops it half-way.
  const migratedVM = migrating
    ? (required[MIGRATED_KEY] ?? []).find((v) => v.metadata?.name === name)
    : undefined;
  const exists = migrating
    ? started || (migratedVM !== undefined && isMigratedFrom(migratedVM, migrating))
    : observedVM !== undefined;
  const events: Event[] = [];
  let quota: XRCondition;
  if (verdict.fits) {
    quota = {
      type: QUOTA_CONDITION,
      status: "True",
      reason: "WithinQuota",
      message: `VDC ${ns} has ${verdict.left} left for VMs`,
    };
  } else if (!exists) {
    return {
      fatal:
        `${what}: over the quota of VDC ${ns}: ${verdict.details}; nothing is composed: ` +
        `choose a smaller size, delete VMs, or raise the VDC's quota`,
      reason: "OverQuota",
    };
  } else {
    // An existing VM is never removed by the quota: say so, once, and keep it.
    quota = {
      type: QUOTA_CONDITION,
      status: "False",
      reason: "OverQuota",
      message: `${verdict.details}; the VM exists and is kept`,
    };
    if (
      conditionOf({ apiVersion: "", kind: "", status: xr.status }, QUOTA_CONDITION)?.status !==
      "False"
    ) {
      events.push({
        severity: "Warning",
        reason: "OverQuota",
        message: `${what} is over the quota of VDC ${ns}: ${verdict.details}; it is kept`,
      });
    }
  }

  // The VDC's limits refuse a new VM, or a new size for one that exists, that
  // could never start; like the quota, they never remove a VM, so one whose
  // VDC lowered its limits under it keeps running as it is.
  const checked = backend === "kubevirt" && fromImage(spec);
  const resized = checked && observedVM !== undefined && sizeChanged(observedVM, size);
  const unstartable =
    checked && (!exists || resized) ? limitRangeProblem(size, ns, vdc.spec.limits) : undefined;
  if (unstartable) {
    const after = resized
      ? "nothing was changed: keep the VM's size"
      : "nothing is composed: choose a smaller size";
    return {
      fatal: `${what}: ${unstartable}; ${after}, or raise the VDC's spec.limits`,
      reason: "OverQuota",
    };
  }

  const labels = { [LABEL_TENANT]: vdc.spec.tenantRef.name, [LABEL_VDC]: ns, [LABEL_VM]: name };
  let resources: Record<string, Composed>;
  let seen: Observed;
  let migrated: MigrationOutput | undefined;
  if (migrating) {
    const composed = composeMigration({
      name,
      ns,
      labels,
      spec: migrating,
      vdc: { spec: vdc.spec, status: vdcObj.status },
      observed,
      required,
      previous: xr.status.migration as MigrationOutput["migration"] | undefined,
    });
    if ("fatal" in composed)
      return { fatal: `${what}: ${composed.fatal}`, reason: composed.reason };
    migrated = composed;
    resources = composed.resources;
    seen = composed.seen;
    events.push(
      ...migrationEvents(
        what,
        (xr.status.migration as { phase?: unknown } | undefined)?.phase,
        composed.migration,
        migrating.source,
      ),
    );
  } else if (!fromImage(spec)) {
    // The spec schema requires one of image and source.migration; a request
    // that got past it is not composed.
    return {
      fatal:
        `${what}: spec: set spec.image to create a VM, or spec.source.migration to ` +
        `migrate one (not both)`,
      reason: "InvalidSpec",
    };
  } else {
    const machine: BuildContext = {
      name,
      namespace: ns,
      labels,
      spec,
      size,
      vdc,
      userData: mergedUserData(spec.cloudInit.userData, spec.cloudInit.sshKeys),
    };
    if (backend === "kubevirt") {
      const clashes = dataVolumeClashes({
        name,
        namespace: ns,
        spec,
        held: heldDataVolumes(observedVM),
        siblings: (required.vms ?? []).filter((v) => v.metadata?.namespace === ns),
        databases: vdc.spec.databases.map((d) => d.name),
      });
      if (clashes.length) {
        const after = exists ? "nothing was changed" : "nothing is composed";
        return {
          fatal:
            `${what}: ${clashes.join("; ")}; ${after}: rename the disk or the ` + `VirtualMachine`,
          reason: "Conflict",
        };
      }
      const vmi = (required.vmi ?? []).find((o) => o.metadata?.name === name);
      seen = kubevirtObserved(observedVM, vmi, spec.running);
      resources = kubevirtResources({
        machine,
        annotations: ledgerAnnotations(ledgerOf(spec, ns)),
        observed,
        ready: seen.ready,
      });
    } else {
      const slots = diskSlots(
        spec.disks.map((d) => d.name),
        recorded,
      );
      if (isRefusal(slots)) return { fatal: `${what}: ${slots.fatal}`, reason: slots.reason };
      const built = proxmoxResources({
        machine,
        annotations: ledgerAnnotations(ledgerOf(spec, ns, slots)),
        slots,
        observed,
      });
      resources = built.resources;
      seen = built.waiting
        ? { phase: "Provisioning", state: "WaitingForFiles", ready: false, ipAddresses: [] }
        : proxmoxObserved(observedVM, spec.running);
    }
  }

  if (spec.deletionProtection)
    resources[USAGE_KEY] = selfUsage({
      kind: KIND,
      name,
      namespace: ns,
      labels,
      reason:
        `${what} has spec.deletionProtection: true: deleting it would delete ` +
        (migrated ? "its Plan and Migration (the migrated VM is kept)" : "its VM and disks") +
        `. To delete it, set spec.deletionProtection: false, wait for its next reconcile ` +
        `(within 2 minutes) to remove this protection, and delete it again`,
      observed: observed[USAGE_KEY],
    });

  const status = parseOrThrow(
    vmStatus,
    {
      backend,
      phase: seen.phase,
      state: seen.state,
      ready: seen.ready,
      ipAddresses: seen.ipAddresses,
      node: seen.node,
      vmId: seen.vmId,
      cpu: size.cpu,
      memory: size.memory,
      migration: migrated?.migration,
    },
    `${ns}/${name}`,
  );
  // While migrating, the migration's own events speak; the VM's begin once it is adopted.
  if (!migrated || migrated.adopted) {
    events.push(
      ...phaseEvents(xr.status.phase, seen.phase, {
        Running: { severity: "Normal", reason: "Running", message: `${what} is running` },
        Stopped: { severity: "Normal", reason: "Stopped", message: `${what} is stopped` },
        Failed: {
          severity: "Warning",
          reason: "Failed",
          message: `${what} failed: ${seen.state ?? "see the composed VM"}`,
        },
      }),
    );
  }
  // Required resources (the VMI, an adopted VM) are not watched: poll until
  // the VM settles, migrations included.
  const settled = seen.ready && (seen.phase === "Running" || seen.phase === "Stopped");
  return {
    resources,
    status,
    conditions: [
      quota,
      spec.deletionProtection
        ? {
            type: PROTECTION_CONDITION,
            status: "True",
            reason: "DeletionProtection",
            message: `spec.deletionProtection: deleting ${what} is refused until it is false`,
          }
        : {
            type: PROTECTION_CONDITION,
            status: "False",
            reason: "NotProtected",
            message: migrated
              ? `Deleting ${what} deletes its Plan and Migration; the migrated VM is kept`
              : `Deleting ${what} deletes its VM and disks`,
          },
    ],
    events,
    ttlSeconds: settled ? TTL_STEADY : TTL_SETTLING,
  };
}

const HUB = "the hub";

/**
 * Where this XR's VM exists, as messages name it: on the hub (a VM composed as `vm`), or on a
 * member cluster (an Object `<cluster>/vm` that provider-kubernetes has read the VM back
 * through).
 */
function vmLocations(observed: Record<string, KubeObject>): string[] {
  const out: string[] = [];
  for (const key in observed) {
    if (key === "vm") out.push(HUB);
    else if (key.endsWith("/vm")) {
      const cluster = key.slice(0, -"/vm".length);
      if (unwrapObserved(observed, cluster).vm) out.push(`member cluster ${cluster}`);
    }
  }
  return out.sort();
}

/** The composition resource name of the observe-only Object reading the VM's instance. */
const VMI_KEY = "vmi";

/**
 * A VM of a VDC on a member cluster: composed as on the hub from what the cluster reports, then
 * each object wrapped in a provider-kubernetes Object for the cluster (functions/placement.ts);
 * the Usage that protects the XR stays on the hub, where the XR is. The VMI is read through an
 * observe-only Object, composed while the VM should run: provider-kubernetes' managed
 * reconciler reports an observe-only Object of a missing object as an error (crossplane-runtime
 * pkg/reconciler/managed, errExternalResourceNotExist), and a stopped VM has no instance.
 */
function composePlaced(input: MachineInput & { readonly cluster: string }): ComposeOutput {
  const { xr, observed, required, vdc, what, cluster } = input;
  const name = xr.metadata.name;
  const ns = vdc.name;
  const where = `VDC ${ns} lives on member cluster ${cluster}`;
  if (vdc.spec.backend.type !== "kubevirt")
    return {
      reason: "InvalidSpec",
      fatal:
        `${what}: metadata.namespace: ${where} and runs VMs on Proxmox, whose VMs crossvdc ` +
        `does not deliver to member clusters; nothing was composed`,
    };
  if (xr.spec.source?.migration)
    return {
      reason: "InvalidSpec",
      fatal:
        `${what}: spec.source.migration: ${where}, and migrations into a placed VDC are not ` +
        `supported yet (Forklift runs on the hub); nothing was composed`,
    };
  const settings = platformSettings(required);
  if ("fatal" in settings) return { reason: settings.reason, fatal: `${what}: ${settings.fatal}` };
  const reach = settings.settings.clusters[cluster];
  if (!reach)
    return {
      reason: "WaitingForDependency",
      fatal:
        `${what}: metadata.namespace: ${where}, which has no providerConfigRef in the platform ` +
        `settings (EnvironmentConfig crossvdc data.clusters.${cluster}), so nothing can be ` +
        `delivered to it`,
    };
  // What the cluster reports, under the keys the hub composer reads; the instance as the
  // required resource it is on the hub.
  const { [VMI_KEY]: vmi, ...there } = unwrapObserved(observed, cluster);
  const local = composeMachine(
    merged(input, {
      observed: { ...hubObserved(observed), ...there },
      required: merged(required, { vmi: vmi ? [vmi] : [] }),
    }),
  );
  if ("fatal" in local) return local;
  const labels = { [LABEL_TENANT]: vdc.spec.tenantRef.name, [LABEL_VDC]: ns, [LABEL_VM]: name };
  const delivery = {
    cluster,
    providerConfig: reach.providerConfigRef.name,
    namespace: ns,
    labels,
  };
  // The cloud-init Secret goes in its Object's spec.forProvider.manifest, data and all:
  // provider-kubernetes has no field that keeps it out (references[].patchesFrom copies the
  // data into the same manifest; crossplane-contrib/provider-kubernetes issue 223, PR 253
  // unmerged). With --sanitize-secrets it redacts the data it reads back into status
  // (setAtProvider, PR 193); here only the Secret's existence is read.
  const resources = placeResources({ resources: local.resources, observed, ...delivery });
  if (xr.spec.running)
    resources[memberKey(cluster, VMI_KEY)] = {
      resource: wrapObject({
        manifest: {
          apiVersion: "kubevirt.io/v1",
          kind: "VirtualMachineInstance",
          metadata: { name, namespace: ns },
        },
        observeOnly: true,
        ...delivery,
      }),
      // A reader: the VM's own readiness says whether it runs.
      ready: true,
    };
  return {
    resources,
    status: local.status,
    conditions: local.conditions,
    events: local.events,
    ttlSeconds: local.ttlSeconds,
  };
}

/** Events on the migration's transitions only; a failure says why, in Forklift's words. */
function migrationEvents(
  what: string,
  previous: unknown,
  now: MigrationOutput["migration"],
  source: string,
): Event[] {
  return phaseEvents(previous, now.phase, {
    Executing: {
      severity: "Normal",
      reason: "MigrationStarted",
      message: `${what}: Forklift is migrating the VM from source ${source}`,
    },
    Succeeded: {
      severity: "Normal",
      reason: "MigrationSucceeded",
      message: `${what}: migrated from source ${source}; the migrated VM is adopted`,
    },
    Failed: {
      severity: "Warning",
      reason: "MigrationFailed",
      message:
        `${what}: the migration from source ${source} ` +
        `failed: ${now.message ?? "see Plan " + now.plan}`,
    },
    Canceled: {
      severity: "Warning",
      reason: "MigrationCanceled",
      message:
        `${what}: the migration from source ${source} was ` +
        `canceled: ${now.message ?? "see Plan " + now.plan}`,
    },
  });
}

/**
 * The DataVolume templates of the observed KubeVirt VM: its disks, whoever else
 * derives their names.
 */
function heldDataVolumes(vm: KubeObject | undefined): Set<string> {
  const templates = (vm?.spec as { dataVolumeTemplates?: unknown } | undefined)
    ?.dataVolumeTemplates;
  return new Set(
    (Array.isArray(templates) ? (templates as { metadata?: { name?: unknown } }[]) : [])
      .map((t) => t?.metadata?.name)
      .filter((n): n is string => typeof n === "string"),
  );
}

/**
 * What this spec asks that the VDC's backend cannot do; app teams do not choose
 * the backend, so say which it is.
 */
function backendProblem(
  spec: VMSpec,
  backend: "kubevirt" | "proxmox",
  vdc: string,
): string | undefined {
  if (spec.source?.migration && backend !== "kubevirt") {
    return (
      `spec.source.migration: VDC ${vdc} runs VMs on Proxmox, and Forklift migrates VMs ` +
      `into KubeVirt only: migrate into a KubeVirt VDC`
    );
  }
  const img = spec.image ?? {};
  if (backend === "kubevirt") {
    if (img.proxmoxTemplate)
      return (
        `spec.image.proxmoxTemplate: VDC ${vdc} runs VMs on KubeVirt, where Proxmox ` +
        `templates do not exist; use containerDisk, url or dataSource`
      );
    if (spec.network.vlan !== undefined)
      return (
        `spec.network.vlan: VDC ${vdc} runs VMs on KubeVirt, whose VMs use the pod ` +
        `network; VLANs are available in Proxmox VDCs only`
      );
    return undefined;
  }
  if (img.containerDisk !== undefined)
    return (
      `spec.image.containerDisk: VDC ${vdc} runs VMs on Proxmox, which cannot boot OCI ` +
      `images; use url or proxmoxTemplate`
    );
  if (img.dataSource)
    return (
      `spec.image.dataSource: VDC ${vdc} runs VMs on Proxmox, where CDI DataSources do not ` +
      `exist; use url or proxmoxTemplate`
    );
  return undefined;
}

export const vmXRD: XRDSpec = {
  kind: KIND,
  plural: "virtualmachines",
  singular: "virtualmachine",
  scope: "Namespaced",
  // KubeVirt has a VirtualMachine kind too: `kubectl get xvm` is unambiguous.
  shortNames: ["xvm"],
  categories: ["crossvdc"],
  description:
    "A virtual machine in a VDC namespace, made from an image or migrated into the VDC " +
    "by Forklift (spec.source.migration). It runs on the VDC's backend, KubeVirt or " +
    "Proxmox (migrations: KubeVirt), and counts against the VDC's vms, cpu and memory " +
    "quota. Nothing is lost by an edit: the root image is fixed, disks only grow, a disk " +
    "is removed only when named in spec.deleteDisks, and a started migration cannot be " +
    "changed.",
  spec: vmSpec,
  status: vmStatus.meta({
    description: "Observed state of the VM, as the composition function reports it.",
  }),
  printerColumns: [
    { name: "Backend", type: "string", jsonPath: ".status.backend" },
    { name: "Phase", type: "string", jsonPath: ".status.phase" },
    { name: "IP", type: "string", jsonPath: ".status.ipAddresses[0]" },
    { name: "Node", type: "string", jsonPath: ".status.node" },
    { name: "CPU", type: "integer", jsonPath: ".status.cpu", priority: 1 },
    { name: "Memory", type: "string", jsonPath: ".status.memory", priority: 1 },
    { name: "State", type: "string", jsonPath: ".status.state", priority: 1 },
    { name: "Migration", type: "string", jsonPath: ".status.migration.phase", priority: 1 },
  ],
};

/** The member cluster a VDC's status says it lives on, if any (functions/placement.ts). */
function placedCluster(vdc: KubeObject): string | undefined {
  const c = (vdc.status as { placement?: { cluster?: unknown } } | undefined)?.placement?.cluster;
  return typeof c === "string" && c !== "" ? c : undefined;
}
