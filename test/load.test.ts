// The real server (functions/main.ts) as a child process under load:
// 100,000 calls at concurrency 64 with zero errors, and SIGTERM in the middle
// of a burst: every call the server accepted is answered, calls it never
// accepted are refused with UNAVAILABLE, and it exits 0.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { RunFunctionResponse, Severity } from "@crossplane-org/function-sdk-typescript";
import type { KubeObject } from "../functions/compose.js";
import { newClient, runFunction, type FunctionClient } from "../functions/client.js";
import { imageNodeFlags } from "../bench/build.js";
import { logLines, startProc, type ServerProc } from "../bench/proc.js";
import { fn, request } from "./support/request.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const API = "crossvdc.io/v1alpha1";

const tenant = (quota: Record<string, unknown>): KubeObject => ({
  apiVersion: API,
  kind: "Tenant",
  metadata: { name: "acme" },
  spec: {
    tier: "enterprise",
    admins: { groups: ["acme-admins"], users: ["alice@acme.example"] },
    quota,
  },
});
const vdc = (name: string, quota: Record<string, unknown>, created?: string): KubeObject => ({
  apiVersion: API,
  kind: "VDC",
  metadata: {
    name,
    labels: { "crossvdc.io/tenant": "acme" },
    ...(created ? { creationTimestamp: created } : {}),
  },
  spec: { tenantRef: { name: "acme" }, quota },
});

/** A small, complete Tenant call: what most reconciles look like. */
const tenantRequest = request({
  xr: tenant({ cpu: "64", memory: "256Gi" }),
  required: {
    vdcs: [
      vdc("acme-dev", { cpu: "4", memory: "16Gi" }, "2026-01-01T00:00:00Z"),
      vdc("acme-prod", { cpu: "8", memory: "32Gi" }, "2026-01-02T00:00:00Z"),
    ],
  },
});

/** A VDC whose admission reads thousands of siblings: each call takes measurable server time. */
function heavyVdcRequest(siblings: number) {
  const self = vdc("acme-dev", { cpu: "2", memory: "4Gi" }, "2026-06-01T00:00:00Z");
  const others = Array.from({ length: siblings }, (_, i) =>
    vdc(`acme-s${i}`, { cpu: "1", memory: "1Gi", storage: "1Gi", vms: 1 }, "2026-01-01T00:00:00Z"),
  );
  return request({
    xr: self,
    required: {
      tenant: [
        tenant({
          cpu: "1000000",
          memory: "10000Ti",
          storage: "10000Ti",
          vms: 1_000_000,
          vdcs: 1_000_000,
        }),
      ],
      vdcs: [self, ...others],
    },
  });
}

// Under the image's heap flags (its ENTRYPOINT's), so a flag node refuses fails here, and the
// load runs on the heap the image gives it.
const serverArgs = (debug: boolean) => [
  ...imageNodeFlags(ROOT),
  "--import",
  "tsx",
  "functions/main.ts",
  "--insecure",
  "--address",
  "127.0.0.1:0",
  ...(debug ? ["--debug"] : []),
];
const env = { ...process.env, TLS_SERVER_CERTS_DIR: "" };

let proc: ServerProc | undefined;
let client: FunctionClient | undefined;
afterEach(() => {
  client?.close();
  client = undefined;
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null)
    proc.child.kill("SIGKILL");
  proc = undefined;
});

describe("the server under load", () => {
  it(
    "answers 100,000 calls at concurrency 64 " + "with zero errors, each the same as in-process",
    async () => {
      proc = await startProc(serverArgs(false), { cwd: ROOT, env, timeoutMs: 60_000 });
      client = newClient(`127.0.0.1:${proc.port}`);
      const expected = Buffer.from(RunFunctionResponse.encode(fn.run(tenantRequest)).finish());
      expect(fn.run(tenantRequest).results).toEqual([]);

      const TOTAL = 100_000;
      const CONCURRENCY = 64;
      let issued = 0;
      let answered = 0;
      let mismatched = 0;
      const errors: string[] = [];
      const worker = async () => {
        while (issued < TOTAL) {
          const i = issued++;
          try {
            const rsp = await runFunction(client!, tenantRequest);
            answered++;
            // Every response must be the full composition; compare bytes on a
            // sample (encoding is not free).
            if (
              rsp.results.some((r) => r.severity === Severity.SEVERITY_FATAL) ||
              Object.keys(rsp.desired?.resources ?? {}).length === 0
            )
              mismatched++;
            else if (
              i % 997 === 0 &&
              !Buffer.from(RunFunctionResponse.encode(rsp).finish()).equals(expected)
            )
              mismatched++;
          } catch (err) {
            errors.push(`${(err as grpc.ServiceError).code}: ${(err as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      expect(errors.slice(0, 5)).toEqual([]);
      expect(errors.length).toBe(0);
      expect(answered).toBe(TOTAL);
      expect(mismatched).toBe(0);

      const exit = await proc.stop();
      expect(exit).toEqual({ code: 0, signal: null });
    },
    300_000,
  );

  it(
    "on SIGTERM mid-burst answers every call it accepted, refuses the rest with " +
      "UNAVAILABLE, and exits 0",
    async () => {
      // --debug: the server logs one "RunFunction" line per call it ran, so we
      // can count what it accepted.
      proc = await startProc(serverArgs(true), { cwd: ROOT, env, timeoutMs: 60_000 });
      client = newClient(`127.0.0.1:${proc.port}`);
      const req = heavyVdcRequest(2000);
      expect(fn.run(req).results).toEqual([]);

      interface Outcome {
        sentAt: number;
        doneAt: number;
        ok: boolean;
        code?: number;
        message?: string;
      }
      const outcomes: Outcome[] = [];
      let sigtermAt = Infinity;
      let firstAnswer!: () => void;
      const answeredOnce = new Promise<void>((resolve) => (firstAnswer = resolve));
      // 64 workers, each calling again as soon as it is answered, until it is refused.
      const worker = async () => {
        for (;;) {
          const sentAt = performance.now();
          try {
            const rsp = await runFunction(client!, req);
            const fatal = rsp.results.find((r) => r.severity === Severity.SEVERITY_FATAL);
            outcomes.push({
              sentAt,
              doneAt: performance.now(),
              ok: !fatal && Object.keys(rsp.desired?.resources ?? {}).length > 0,
              message: fatal?.message,
            });
            firstAnswer();
          } catch (err) {
            const e = err as grpc.ServiceError;
            outcomes.push({
              sentAt,
              doneAt: performance.now(),
              ok: false,
              code: e.code,
              message: e.message,
            });
            return;
          }
          // A safety net: SIGTERM must have ended this long before.
          if (outcomes.length > 5000) return;
        }
      };
      const workers = Promise.all(Array.from({ length: 64 }, worker));
      await answeredOnce;
      // The server is now busy with a queue of accepted calls: stop it.
      sigtermAt = performance.now();
      const exit = proc.stop();
      await workers;
      const { code, signal } = await exit;

      expect(signal).toBeNull();
      expect(code).toBe(0);
      const lines = logLines(proc.stdout());
      expect(
        lines.some(
          (l) => l.msg === "shutting down: refusing new calls, waiting for in-flight calls",
        ),
      ).toBe(true);
      expect(lines.some((l) => l.msg === "function server stopped" && l.exitCode === 0)).toBe(true);
      expect(lines.some((l) => l.msg === "forcing shutdown: cancelling in-flight calls")).toBe(
        false,
      );

      const answered = outcomes.filter((o) => o.code === undefined);
      const refused = outcomes.filter((o) => o.code !== undefined);
      // Every answer is the full composition, never a Fatal or a partial state.
      expect(answered.filter((o) => !o.ok).map((o) => o.message)).toEqual([]);
      // Calls the server never accepted fail cleanly: UNAVAILABLE, nothing else
      // (no CANCELLED, no INTERNAL).
      expect([...new Set(refused.map((o) => grpc.status[o.code!]))]).toEqual(
        refused.length ? ["UNAVAILABLE"] : [],
      );
      // Every call the server ran reached its client: accepted == answered.
      const ran = lines.filter((l) => l.msg === "RunFunction").length;
      expect(answered.length).toBe(ran);
      // The window was real: calls in flight at SIGTERM were answered after it.
      const inFlightAnswered = answered.filter((o) => o.sentAt < sigtermAt && o.doneAt > sigtermAt);
      expect(inFlightAnswered.length).toBeGreaterThan(10);
    },
    180_000,
  );
});
