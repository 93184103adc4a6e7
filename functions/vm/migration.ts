// Migrating a VM into a KubeVirt VDC with Forklift (Migration Toolkit for
// Virtualization): a Plan for the one VM, through the Provider and maps the
// VDC composes for the source (vdc/migration.ts), and, once Forklift reports
// the Plan Ready, a Migration that runs it. The VM Forklift creates is named
// like the XR (the Plan's targetName) and is adopted, not composed: its spec is
// Forklift's, and deleting the XR must not delete it (see MigrationSpec).
//
// Forklift cancels a running migration when its Plan's spec changes (the plan
// snapshot no longer matches), and runs a Plan again for every new Migration.
// So once a Migration exists both are re-emitted as observed, never rebuilt, a
// Migration is created at most once, and a change to what is migrated is
// refused: the spec of a started migration is frozen. An XR applied again
// after its deletion (which keeps the migrated VM) adopts the VM Forklift made
// from the same source VM rather than migrating it twice.
import type { ResourceSelector } from "@crossplane-org/function-sdk-typescript";
import {
  conditionOf,
  isConditionTrue,
  type Composed,
  type KubeObject,
  type Refusal,
} from "../compose.js";
import { dnsName } from "../names.js";
import type { MigrationSourceSpec, VDCSpec } from "../vdc/api.js";
import { FORKLIFT_API_VERSION, migrationNames } from "../vdc/migration.js";
import type { NamespacedProps } from "../k8s.js";
import { merged } from "../speed.js";
import type { MigrationPhase, MigrationSpec, TargetPowerState } from "./api.js";
import type { Observed } from "./common.js";
import { kubevirtObserved } from "./kubevirt.js";

/** Composition resource names. */
export const PLAN_KEY = "plan";
export const MIGRATION_KEY = "migration";
/** Requirement key of the KubeVirt VirtualMachine Forklift creates, named like the XR. */
export const MIGRATED_KEY = "migrated";

/**
 * Forklift migrates warm from these source types only (oVirt behind a feature
 * gate Forklift checks itself).
 */
const WARM_SOURCES = new Set(["vsphere", "ovirt"]);
const MAX_MESSAGE = 1024;
/** Our words for Forklift's target power states (see TARGET_POWER_STATES). */
const FORKLIFT_POWER: Record<TargetPowerState, string> = {
  running: "on",
  stopped: "off",
  auto: "auto",
};
const OUR_POWER: Record<string, string> = { on: "running", off: "stopped", auto: "auto" };

export function migratedRequirement(ns: string, name: string): ResourceSelector {
  return { apiVersion: "kubevirt.io/v1", kind: "VirtualMachine", namespace: ns, matchName: name };
}

/** What a migration is of; fixed once it started. */
interface Identity {
  source: string;
  vm: { id?: string; name?: string; namespace?: string };
  warm: boolean;
  targetPowerState?: string;
}

function identityOf(m: MigrationSpec): Identity {
  return {
    source: m.source,
    vm: {
      ...(m.vm.id !== undefined ? { id: m.vm.id } : {}),
      ...(m.vm.name !== undefined ? { name: m.vm.name } : {}),
      ...(m.vm.namespace !== undefined ? { namespace: m.vm.namespace } : {}),
    },
    warm: m.warm,
    ...(m.targetPowerState !== undefined ? { targetPowerState: m.targetPowerState } : {}),
  };
}

/**
 * The identity a Plan was composed with, read back from its spec; undefined when it cannot be read.
 */
function identityOfPlan(plan: KubeObject | undefined): Identity | undefined {
  const spec = plan?.spec as
    | {
        provider?: { source?: { name?: unknown } };
        vms?: unknown;
        type?: unknown;
        warm?: unknown;
        targetPowerState?: unknown;
      }
    | undefined;
  const source = spec?.provider?.source?.name;
  const vm = Array.isArray(spec?.vms)
    ? (spec.vms[0] as Record<string, unknown> | undefined)
    : undefined;
  if (typeof source !== "string" || !vm || typeof vm !== "object") return undefined;
  const str = (k: string) => (typeof vm[k] === "string" ? { [k]: vm[k] } : {});
  return {
    source,
    vm: { ...str("id"), ...str("name"), ...str("namespace") },
    // Forklift: type supersedes the deprecated warm flag when set.
    warm: typeof spec?.type === "string" ? spec.type === "warm" : spec?.warm === true,
    ...(typeof spec?.targetPowerState === "string"
      ? { targetPowerState: OUR_POWER[spec.targetPowerState] ?? spec.targetPowerState }
      : {}),
  };
}

const sameIdentity = (a: Identity, b: Identity) => JSON.stringify(a) === JSON.stringify(b);

/** One line for messages: `VM id vm-2041 from source vcenter, warm, target power state running`. */
function described(i: Identity): string {
  const ref =
    i.vm.id !== undefined
      ? `id ${i.vm.id}`
      : `name ${i.vm.namespace ? `${i.vm.namespace}/` : ""}${i.vm.name}`;
  return (
    `VM ${ref} from ` +
    `source ${i.source}, ${i.warm ? "warm" : "cold"}${
      i.targetPowerState ? `, target power ` + `state ${i.targetPowerState}` : ""
    }`
  );
}

export interface MigrationInput {
  name: string;
  ns: string;
  /** crossvdc.io/tenant, crossvdc.io/vdc, crossvdc.io/vm */
  labels: Record<string, string>;
  spec: MigrationSpec;
  vdc: { spec: VDCSpec; status?: unknown };
  observed: Record<string, KubeObject>;
  required: Record<string, KubeObject[]>;
  /** The XR's status.migration as last written. */
  previous: { phase?: unknown; started?: unknown } | undefined;
}

export interface MigrationOutput {
  resources: Record<string, Composed>;
  /** status.migration */
  migration: {
    phase: MigrationPhase;
    message?: string;
    plan: string;
    migration?: string;
    started?: string;
    completed?: string;
  };
  /**
   * The XR's phase, state, readiness and addresses: from the adopted VM once
   * the migration succeeded.
   */
  seen: Observed;
  /** Whether the migrated VM is adopted (the Plan succeeded and the VM was found). */
  adopted: boolean;
}

/** Phases only a Migration that ran (or a VM it made) leads to. */
const AFTER_START = new Set(["Executing", "Succeeded", "Failed", "Canceled"]);

/**
 * Whether this XR's migration has started: its Migration exists, its Plan
 * records a run, or its status remembers one (the Plan and Migration may be
 * gone). Such an XR never becomes a VM made from an image, and never gets a
 * Plan or Migration again: Forklift would run it anew.
 */
export function migrationStarted(
  observed: Record<string, KubeObject>,
  status: Record<string, unknown>,
): boolean {
  const was = status.migration as { started?: unknown; phase?: unknown } | undefined;
  return (
    observed[MIGRATION_KEY] !== undefined ||
    planRan(observed[PLAN_KEY]) ||
    typeof was?.started === "string" ||
    (typeof was?.phase === "string" && AFTER_START.has(was.phase))
  );
}

/** Whether Forklift ran the Plan: it records every run in status.migration. */
function planRan(plan: KubeObject | undefined): boolean {
  const m = (plan?.status as { migration?: { started?: unknown; history?: unknown } } | undefined)
    ?.migration;
  return typeof m?.started === "string" || (Array.isArray(m?.history) && m.history.length > 0);
}

export function composeMigration(input: MigrationInput): Refusal | MigrationOutput {
  const { name, ns, labels, spec, vdc, observed, required } = input;
  const planName = dnsName(name);
  const observedPlan = observed[PLAN_KEY];
  const observedMigration = observed[MIGRATION_KEY];
  const started = migrationStarted(observed, { migration: input.previous });
  const identity = identityOf(spec);
  const source = vdc.spec.migration.sources.find((s) => s.name === spec.source);

  const migratedVM = (required[MIGRATED_KEY] ?? []).find((v) => v.metadata?.name === name);
  const vmi = (required.vmi ?? []).find((v) => v.metadata?.name === name);
  // A VM under this name that Forklift made from this very source VM: this XR's,
  // migrated before it was deleted and created again (a migrated VM outlives its
  // VirtualMachine). Adopted as it is; migrating it again would fail on the name.
  const earlier =
    !started && migratedVM !== undefined && isMigratedFrom(migratedVM, spec) && !observedPlan;
  let taken = false;
  if (started) {
    // Only what the migration is of is compared: the source may since have left
    // the VDC (its Provider with it).
    const planned = identityOfPlan(observedPlan);
    if (planned && !sameIdentity(planned, identity)) {
      return {
        fatal:
          `spec.source.migration: a started migration cannot be changed: this ` +
          `VirtualMachine migrates ${described(planned)}, not ${described(identity)}. Only ` +
          `cutover may still change: put the rest back as it was, and create a new ` +
          `VirtualMachine to migrate another VM`,
        reason: "Conflict",
      };
    }
  } else if (!earlier) {
    const problem = sourceProblem(spec, source, vdc.spec, ns);
    if (problem) return { fatal: problem, reason: "InvalidSpec" };
    // Forklift creates the VM under the XR's name (targetName): another VM
    // there means no Migration yet.
    taken = migratedVM !== undefined;
  }

  const resources: Record<string, Composed> = {};
  // Once started, what exists is re-emitted as observed (Forklift cancels a run
  // whose Plan changes) and nothing is created again.
  const plan = started
    ? observedPlan
      ? asObserved(observedPlan, labels)
      : undefined
    : earlier || !source
      ? undefined
      : planOf({ name, namespace: ns, labels, migration: spec, source });
  let migration: KubeObject | undefined;
  if (observedMigration) {
    migration = asObserved(observedMigration, labels);
    // The cutover of a warm migration is the one change a running migration takes.
    if (spec.cutover !== undefined)
      migration.spec = merged(migration.spec as Record<string, unknown>, { cutover: spec.cutover });
  } else if (!started && !taken && planSettled(observedPlan, identity)) {
    migration = migrationOf({ name, namespace: ns, labels, cutover: spec.cutover });
  }

  let state = migrationState(observedPlan, observedMigration, spec);
  if (earlier || (started && !observedPlan && !observedMigration)) {
    // Nothing of the migration is left to report on: only the VM it made, if any.
    const previousPhase =
      typeof input.previous?.phase === "string" && AFTER_START.has(input.previous.phase)
        ? (input.previous.phase as MigrationPhase)
        : "Failed";
    state = migratedVM
      ? {
          phase: "Succeeded",
          message:
            `Adopted the VM Forklift ` +
            `migrated${spec.vm.id !== undefined ? ` from ${spec.vm.id}` : ""}; its Plan and ` +
            `Migration are gone`,
        }
      : {
          phase:
            previousPhase === "Succeeded" || previousPhase === "Executing"
              ? "Failed"
              : previousPhase,
          message: `The Plan and Migration are gone, and no VM ${ns}/${name} exists`,
        };
  } else if (taken) {
    const forklift =
      state.phase === "Pending" && state.message ? `; Forklift: ${state.message}` : "";
    state = {
      phase: "Pending",
      message:
        `A KubeVirt VirtualMachine ${ns}/${name} exists that Forklift did not migrate from ` +
        `this source VM, and the migrated VM is created under this VirtualMachine's name: ` +
        `the Migration waits until the name is free. If it is the VM an earlier ` +
        `VirtualMachine migrated, refer to the source VM by vm.id to adopt it${forklift}`,
    };
  } else if (state.phase === "Ready" && !migration) {
    // Ready for an earlier spec of the Plan: not yet for the one just composed.
    state = {
      phase: "Pending",
      message: "Forklift has not yet validated the Plan as it is now composed",
    };
  }
  let seen: Observed;
  let adopted = false;
  if (state.phase === "Succeeded") {
    adopted = migratedVM !== undefined;
    seen = migratedVM
      ? kubevirtObserved(migratedVM, vmi, runningOf(migratedVM))
      : { phase: "Provisioning", state: "WaitingForMigratedVM", ready: false, ipAddresses: [] };
  } else {
    seen = {
      phase: state.phase === "Failed" || state.phase === "Canceled" ? "Failed" : "Provisioning",
      state: `Migration${state.phase}`,
      ready: false,
      ipAddresses: [],
    };
  }
  // Ready only when the VM it brought is: Crossplane makes the XR Ready when
  // every composed resource is.
  const ready = adopted && seen.ready;
  if (plan) resources[PLAN_KEY] = { resource: plan, ready };
  if (migration) resources[MIGRATION_KEY] = { resource: migration, ready };

  const prevStarted =
    typeof input.previous?.started === "string" ? input.previous.started : undefined;
  const startedAt = state.started ?? prevStarted;
  const message = state.message ?? pendingMessage(spec.source, source, vdc.status, observedPlan);
  return {
    resources,
    migration: {
      phase: state.phase,
      message,
      plan: planName,
      ...(migration ? { migration: planName } : {}),
      ...(startedAt ? { started: startedAt } : {}),
      ...(state.completed ? { completed: state.completed } : {}),
    },
    seen,
    adopted,
  };
}

/**
 * Whether Forklift made this KubeVirt VM from the source VM the spec names: its
 * labels carry the Plan and the source VM's ID.
 */
export function isMigratedFrom(vm: KubeObject, spec: MigrationSpec): boolean {
  const l = vm.metadata?.labels ?? {};
  return (
    spec.vm.id !== undefined && l.vmID === spec.vm.id && typeof l.plan === "string" && l.plan !== ""
  );
}

/** Why a migration cannot be planned from this source; undefined when it can. */
function sourceProblem(
  spec: MigrationSpec,
  source: MigrationSourceSpec | undefined,
  vdc: VDCSpec,
  ns: string,
): string | undefined {
  if (!source) {
    const known = vdc.migration.sources.map((s) => s.name);
    return known.length
      ? `spec.source.migration.source: VDC ${ns} has no migration source "${spec.source}"; ` +
          `its sources are: ${known.join(", ")}`
      : `spec.source.migration.source: VDC ${ns} has no migration sources; its admins add ` +
          `them in the VDC's spec.migration.sources`;
  }
  if (spec.warm && !WARM_SOURCES.has(source.type)) {
    return (
      `spec.source.migration.warm: source ${source.name} is ${source.type}, and Forklift ` +
      `migrates warm from vsphere and ovirt sources only; set warm: false`
    );
  }
  if (spec.vm.namespace !== undefined && source.type !== "openshift") {
    return (
      `spec.source.migration.vm.namespace: source ${source.name} is ${source.type}; a VM ` +
      `namespace applies to openshift sources only`
    );
  }
  if (
    spec.vm.name !== undefined &&
    spec.vm.namespace === undefined &&
    source.type === "openshift"
  ) {
    return (
      `spec.source.migration.vm.namespace: source ${source.name} is openshift, whose VMs ` +
      `are named within a namespace: set vm.namespace with vm.name, or use vm.id`
    );
  }
  return undefined;
}

/** The Plan Forklift has validated as it is now composed: only then is a Migration started. */
function planSettled(plan: KubeObject | undefined, identity: Identity): boolean {
  if (!plan || !isConditionTrue(plan, "Ready")) return false;
  const was = identityOfPlan(plan);
  if (!was || !sameIdentity(was, identity)) return false;
  const generation = plan.metadata?.generation;
  const seenGeneration = (plan.status as { observedGeneration?: unknown } | undefined)
    ?.observedGeneration;
  return typeof generation !== "number" || generation === seenGeneration;
}

/**
 * A composed resource as observed, without what the API server and controllers
 * added: applied again, it changes nothing.
 */
function asObserved(o: KubeObject, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: o.metadata?.name, namespace: o.metadata?.namespace, labels },
    spec: structuredClone(o.spec ?? {}),
  };
}

/** Properties of the Plan of a VirtualMachine's migration. */
interface PlanProps extends NamespacedProps {
  /** The VirtualMachine's name: the Plan has it, and so does the migrated VM (targetName). */
  readonly name: string;
  /** spec.source.migration: which VM, warm or cold, the target power state. */
  readonly migration: MigrationSpec;
  /** The VDC's migration source it names, whose Provider and maps the Plan goes through. */
  readonly source: MigrationSourceSpec;
}

/** A Forklift Plan for the one VM, into the VDC namespace under the XR's name. */
function planOf(props: PlanProps): KubeObject {
  const { name, namespace: ns, labels, migration: spec } = props;
  const names = migrationNames(ns, props.source.name);
  const vm = spec.vm;
  return {
    apiVersion: FORKLIFT_API_VERSION,
    kind: "Plan",
    metadata: { name: dnsName(name), namespace: ns, labels },
    spec: {
      description: `VirtualMachine ${ns}/${name}, composed by crossvdc`,
      provider: {
        source: { name: names.sourceProvider, namespace: ns },
        destination: { name: names.destinationProvider, namespace: ns },
      },
      map: {
        network: { name: names.networkMap, namespace: ns },
        storage: { name: names.storageMap, namespace: ns },
      },
      targetNamespace: ns,
      // type is Forklift's current field; warm, deprecated, is what releases
      // before it read. They always agree.
      type: spec.warm ? "warm" : "cold",
      warm: spec.warm,
      ...(spec.targetPowerState !== undefined
        ? { targetPowerState: FORKLIFT_POWER[spec.targetPowerState] }
        : {}),
      // A failed attempt leaves no VM under the XR's name, so a new VirtualMachine can try again.
      deleteVmOnFailMigration: true,
      // On the VM's template, so its instance and launcher pod carry the labels
      // VMs made from an image do.
      targetLabels: labels,
      vms: [
        {
          ...(vm.id !== undefined
            ? { id: vm.id }
            : {
                name: vm.name,
                ...(vm.namespace !== undefined ? { namespace: vm.namespace } : {}),
              }),
          // Without it Forklift names the VM after the source VM (made
          // DNS-safe); with it, exactly this, or it fails.
          targetName: name,
        },
      ],
    },
  };
}

/** Properties of the Migration that runs a VirtualMachine's Plan. */
interface MigrationProps extends NamespacedProps {
  /** The VirtualMachine's name, which its Plan has. */
  readonly name: string;
  /**
   * When a warm migration stops the source VM and finishes: spec.source.migration.cutover.
   * @default - none: a warm migration copies until one is set
   */
  readonly cutover?: string;
}

/** A Forklift Migration: it runs the Plan, once. */
function migrationOf(props: MigrationProps): KubeObject {
  const { name, namespace, cutover } = props;
  return {
    apiVersion: FORKLIFT_API_VERSION,
    kind: "Migration",
    metadata: { name: dnsName(name), namespace, labels: props.labels },
    spec: {
      plan: { name: dnsName(name), namespace },
      ...(cutover !== undefined ? { cutover } : {}),
    },
  };
}

interface ForkliftVM {
  phase?: unknown;
  error?: { phase?: unknown; reasons?: unknown };
  conditions?: unknown;
  pipeline?: {
    name?: unknown;
    description?: unknown;
    phase?: unknown;
    progress?: { completed?: unknown; total?: unknown };
    annotations?: { unit?: unknown };
  }[];
}

interface State {
  phase: MigrationPhase;
  message?: string;
  started?: string;
  completed?: string;
}

/**
 * The phase from the Plan's conditions (Ready, Executing, Succeeded, Failed,
 * Canceled, as Forklift copies them from the running snapshot) and the
 * Migration's (Running, Succeeded, Failed), terminal ones first: both keep
 * them once set. The messages come from the VM's own status, where Forklift
 * says what failed or what it is doing; the Plan's say only that it did.
 */
export function migrationState(
  plan: KubeObject | undefined,
  migration: KubeObject | undefined,
  spec: Pick<MigrationSpec, "warm" | "cutover">,
): State {
  const planMigration = (
    plan?.status as
      { migration?: { started?: unknown; completed?: unknown; vms?: unknown } } | undefined
  )?.migration;
  const migrationStatus = migration?.status as
    { started?: unknown; completed?: unknown; vms?: unknown } | undefined;
  const vm = firstVM(planMigration?.vms) ?? firstVM(migrationStatus?.vms);
  const str = (...vs: unknown[]) => vs.find((v): v is string => typeof v === "string");
  const startedAt = str(planMigration?.started, migrationStatus?.started);
  const times = startedAt ? { started: startedAt } : {};
  const completed = str(planMigration?.completed, migrationStatus?.completed);
  const either = (type: string) => isConditionTrue(plan, type) || isConditionTrue(migration, type);
  const said = (type: string) =>
    str(conditionOf(plan, type)?.message, conditionOf(migration, type)?.message);

  if (either("Failed"))
    return {
      phase: "Failed",
      message: clean(failureOf(vm) ?? said("Failed") ?? "Forklift reports the migration failed"),
      ...times,
      ...(completed ? { completed } : {}),
    };
  if (either("Canceled"))
    return {
      phase: "Canceled",
      message: clean(
        str(conditionOf(vmAsObject(vm), "Canceled")?.message) ??
          said("Canceled") ??
          "The migration was canceled",
      ),
      ...times,
      ...(completed ? { completed } : {}),
    };
  if (either("Succeeded"))
    return {
      phase: "Succeeded",
      message: clean(said("Succeeded") ?? "The migration succeeded"),
      ...times,
      ...(completed ? { completed } : {}),
    };
  if (isConditionTrue(plan, "Executing") || isConditionTrue(migration, "Running"))
    return { phase: "Executing", message: clean(progressOf(vm, spec)), ...times };
  if (isConditionTrue(plan, "Ready"))
    return {
      phase: "Ready",
      message: migration
        ? "The Plan is ready; Forklift is starting the Migration"
        : "The Plan is ready; the Migration is being created",
      ...times,
    };
  // Nothing to say from Forklift yet: the caller says what it knows (the VDC's word on the source).
  const blockers = blockersOf(plan);
  return { phase: "Pending", ...(blockers ? { message: clean(blockers) } : {}), ...times };
}

function firstVM(vms: unknown): ForkliftVM | undefined {
  return Array.isArray(vms) && vms[0] && typeof vms[0] === "object"
    ? (vms[0] as ForkliftVM)
    : undefined;
}
const vmAsObject = (vm: ForkliftVM | undefined): KubeObject | undefined =>
  vm ? { apiVersion: "", kind: "", status: { conditions: vm.conditions } } : undefined;

/** Forklift records a VM's failure as the phase it failed in and its reasons. */
function failureOf(vm: ForkliftVM | undefined): string | undefined {
  const reasons = Array.isArray(vm?.error?.reasons)
    ? vm.error.reasons.filter((r): r is string => typeof r === "string" && r !== "")
    : [];
  if (reasons.length) {
    const phase = typeof vm?.error?.phase === "string" ? `${vm.error.phase}: ` : "";
    return `${phase}${reasons.join("; ")}`;
  }
  return conditionOf(vmAsObject(vm), "Failed")?.message;
}

/** The VM's current step and how far it got, e.g. `CopyDisks: Transfer disks. 20480/61440 MB`. */
function progressOf(
  vm: ForkliftVM | undefined,
  spec: Pick<MigrationSpec, "warm" | "cutover">,
): string {
  const phase = typeof vm?.phase === "string" ? vm.phase : undefined;
  if (!phase) return "The migration is running";
  if (spec.warm && phase === "CopyingPaused") {
    return spec.cutover === undefined
      ? `${phase}: the disks are copied while the source VM runs; set ` +
          `spec.source.migration.cutover to stop it and finish`
      : `${phase}: the disks are copied while the source VM runs, until the cutover ` +
          `at ${spec.cutover}`;
  }
  const step = (Array.isArray(vm?.pipeline) ? vm.pipeline : []).find((s) => s?.phase === "Running");
  if (!step) return phase;
  const what =
    typeof step.description === "string"
      ? step.description
      : typeof step.name === "string"
        ? step.name
        : "";
  const done = step.progress?.completed;
  const total = step.progress?.total;
  const unit = typeof step.annotations?.unit === "string" ? ` ${step.annotations.unit}` : "";
  const counted = typeof done === "number" && typeof total === "number" && total > 0;
  return `${phase}: ${what}${counted ? ` ${done}/${total}${unit}` : ""}`;
}

/**
 * What keeps the Plan from Ready: its conditions of category Critical or Error,
 * with the items they name.
 */
function blockersOf(plan: KubeObject | undefined): string | undefined {
  const conditions = (plan?.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  const out: string[] = [];
  for (const c of conditions as {
    type?: unknown;
    status?: unknown;
    category?: unknown;
    message?: unknown;
    items?: unknown;
  }[]) {
    if (c?.status !== "True" || (c.category !== "Critical" && c.category !== "Error")) continue;
    const items = Array.isArray(c.items)
      ? c.items.filter((i): i is string => typeof i === "string").map((i) => i.trim())
      : [];
    const message = typeof c.message === "string" ? c.message : "";
    out.push(`${String(c.type)}: ${message}${items.length ? ` (${items.join(", ")})` : ""}`);
  }
  return out.length ? out.join("; ") : undefined;
}

/**
 * Before Forklift has a Plan to report on: what the VDC says about the source,
 * if anything is missing there.
 */
function pendingMessage(
  name: string,
  source: MigrationSourceSpec | undefined,
  vdcStatus: unknown,
  plan: KubeObject | undefined,
): string {
  const sources = (vdcStatus as { migration?: { sources?: unknown } } | undefined)?.migration
    ?.sources;
  const st = Array.isArray(sources)
    ? (sources as { name?: unknown; waiting?: unknown; ready?: unknown }[]).find(
        (s) => s?.name === name,
      )
    : undefined;
  if (source && typeof st?.waiting === "string")
    return clean(`migration source ${name} of the VDC is ${st.waiting}`);
  if (source && st?.ready === false)
    return clean(
      `migration source ${name} of the VDC: Forklift has not validated and connected its ` +
        `Provider yet`,
    );
  return plan ? "Forklift is validating the Plan" : "The Plan is being created";
}

/**
 * A KubeVirt VM runs unless halted; the adopted VM is judged against its own
 * run strategy, which Forklift set.
 */
function runningOf(vm: KubeObject): boolean {
  const spec = vm.spec as { runStrategy?: unknown; running?: unknown } | undefined;
  if (typeof spec?.runStrategy === "string") return spec.runStrategy !== "Halted";
  return spec?.running !== false;
}

/**
 * Forklift's messages, as shown in status and events: one line, bounded, and
 * without what could be a credential, should one appear in an error from a
 * source (a URL's user info, a password= or token= value). The function never
 * reads the credentials Secret, so it cannot quote it.
 */
function clean(s: string): string {
  const line = s
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1…@")
    .replace(/\b(password|passwd|token|secret)=[^\s&;,]+/gi, "$1=…")
    .replace(/\s+/g, " ")
    .trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}
