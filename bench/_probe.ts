import { RunFunctionRequest, RunFunctionResponse } from "@crossplane-org/function-sdk-typescript";
import { Fn } from "../functions/fn.js";
import { composers } from "../functions/registry.js";
const fn = new Fn(composers);
const tenant = { apiVersion: "crossvdc.io/v1alpha1", kind: "Tenant", metadata: { name: "acme" }, spec: { tier: "enterprise", admins: { groups: ["a"] }, quota: { cpu: "100000", memory: "1000Ti", storage: "1000Ti", vms: 1000000, vdcs: 1000000 } } };
const sib = (i: number) => ({ apiVersion: "crossvdc.io/v1alpha1", kind: "VDC", metadata: { name: `acme-s${i}`, creationTimestamp: "2026-01-01T00:00:00Z" }, spec: { tenantRef: { name: "acme" }, quota: { cpu: "2", memory: "4Gi", storage: "50Gi", vms: 2 } } });
const xr = { apiVersion: "crossvdc.io/v1alpha1", kind: "VDC", metadata: { name: "acme-dev", creationTimestamp: "2026-02-01T00:00:00Z" }, spec: { tenantRef: { name: "acme" } } };
for (const n of [100, 500, 1000, 10000]) {
  const req = RunFunctionRequest.fromPartial({ observed: { composite: { resource: xr } }, requiredResources: { tenant: { items: [{ resource: tenant }] }, vdcs: { items: Array.from({ length: n }, (_, i) => ({ resource: sib(i) })) } } });
  const bytes = RunFunctionRequest.encode(req).finish();
  let t = process.hrtime.bigint(); let rsp;
  const N = n >= 10000 ? 20 : 200;
  for (let i = 0; i < N; i++) rsp = fn.run(req);
  const ms = Number(process.hrtime.bigint() - t) / 1e6 / N;
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) RunFunctionRequest.decode(bytes);
  const dms = Number(process.hrtime.bigint() - t) / 1e6 / N;
  console.log(n, "reqBytes", bytes.length, "run ms", ms.toFixed(3), "decode ms", dms.toFixed(3), rsp!.results.map(r => r.message).join("|").slice(0, 200));
}
