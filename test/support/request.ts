// Builds RunFunctionRequests the way Crossplane sends them and reads responses
// back as plain objects, so tests state input and expected output in full.
import {
  Ready,
  RunFunctionRequest,
  RunFunctionResponse,
  Severity,
  Status,
} from "@crossplane-org/function-sdk-typescript";
import type { KubeObject } from "../../functions/compose.js";
import { Fn } from "../../functions/fn.js";
import { NAMESPACE_KEY } from "../../functions/namespaces.js";
import { PLATFORM_KEY } from "../../functions/platform.js";
import { composers } from "../../functions/registry.js";
import { PVCS_KEY } from "../../functions/vdc/databases.js";
import { VMS_KEY } from "../../functions/vdc/operator-paths.js";

export const fn = new Fn(composers);

export interface RequestParts {
  xr: KubeObject;
  observed?: Record<string, KubeObject>;
  /** Required resources by requirement key; a key left out was not fetched yet. */
  required?: Record<string, KubeObject[]>;
  desired?: Record<string, KubeObject>;
  tag?: string;
}

/**
 * A test that answers requirements answers these too, as a cluster without
 * them would (no EnvironmentConfig: the kubernetes preset; no VirtualMachines
 * or PVCs in the VDC namespace; no namespace of the XR's yet), unless it states them.
 */
const UNLESS_STATED: Record<string, KubeObject[]> = {
  [PLATFORM_KEY]: [],
  [VMS_KEY]: [],
  [PVCS_KEY]: [],
  [NAMESPACE_KEY]: [],
};

function withDefaults(required: Record<string, KubeObject[]>): Record<string, KubeObject[]> {
  return { ...UNLESS_STATED, ...required };
}

export function request(p: RequestParts): RunFunctionRequest {
  return RunFunctionRequest.fromPartial({
    meta: { tag: p.tag ?? "test" },
    observed: {
      composite: { resource: p.xr },
      resources: Object.fromEntries(
        Object.entries(p.observed ?? {}).map(([k, v]) => [k, { resource: v }]),
      ),
    },
    desired: {
      resources: Object.fromEntries(
        Object.entries(p.desired ?? {}).map(([k, v]) => [k, { resource: v }]),
      ),
    },
    requiredResources: Object.fromEntries(
      Object.entries(p.required ? withDefaults(p.required) : {}).map(([k, items]) => [
        k,
        { items: items.map((resource) => ({ resource })) },
      ]),
    ),
  });
}

export interface Plain {
  resources: Record<string, KubeObject>;
  ready: Record<string, boolean>;
  status: Record<string, unknown> | undefined;
  results: { severity: string; reason?: string; message: string }[];
  conditions: { type: string; status: string; reason: string; message?: string }[];
  requirements: Record<string, unknown>;
  ttl: number | undefined;
}

/** A response as plain data; it goes through protobuf encoding first, as on the wire. */
export function plain(rsp: RunFunctionResponse): Plain {
  const wire = RunFunctionResponse.decode(RunFunctionResponse.encode(rsp).finish());
  const res = wire.desired?.resources ?? {};
  return {
    resources: Object.fromEntries(
      Object.entries(res).map(([k, v]) => [k, v.resource as KubeObject]),
    ),
    ready: Object.fromEntries(
      Object.entries(res).map(([k, v]) => [k, v.ready === Ready.READY_TRUE]),
    ),
    status: wire.desired?.composite?.resource?.status as Record<string, unknown> | undefined,
    results: wire.results.map((r) => ({
      severity: Severity[r.severity].replace("SEVERITY_", ""),
      ...(r.reason ? { reason: r.reason } : {}),
      message: r.message,
    })),
    conditions: wire.conditions.map((c) => ({
      type: c.type,
      status:
        c.status === Status.STATUS_CONDITION_TRUE
          ? "True"
          : c.status === Status.STATUS_CONDITION_FALSE
            ? "False"
            : "Unknown",
      reason: c.reason,
      ...(c.message ? { message: c.message } : {}),
    })),
    requirements: wire.requirements?.resources ?? {},
    ttl: wire.meta?.ttl?.seconds,
  };
}

export function run(p: RequestParts): Plain {
  return plain(fn.run(request(p)));
}

/** Same request, same bytes: the determinism rule. */
export function bytes(p: RequestParts): Buffer {
  return Buffer.from(RunFunctionResponse.encode(fn.run(request(p))).finish());
}
