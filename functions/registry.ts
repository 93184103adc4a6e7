// Every XR kind this function package composes. The server, render and the
// XRD generator all read this list, so adding a kind is one line here.
import type { Composer } from "./compose.js";
import type { XRDSpec } from "./api.js";
import { tenant, tenantXRD } from "./tenant/compose.js";
import { vdc, vdcXRD } from "./vdc/compose.js";
import { vm, vmXRD } from "./vm/compose.js";

export const composers: Composer[] = [tenant, vdc, vm];
export const xrds: XRDSpec[] = [tenantXRD, vdcXRD, vmXRD];
