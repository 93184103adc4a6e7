// Validates Kubernetes objects against the real upstream schemas.
//
// Dispatch on apiVersion + kind:
//  - core Kubernetes kinds: the `kubernetes-models` package's own validators
//    (every model class kubernetes-models ships), plus an unknown-field check;
//  - CRD kinds: every CustomResourceDefinition pinned in schemas/upstream.yaml, read
//    from ../shared/crds where it exists, else from the cache `npm run schemas` fills
//    (.cache/crds), turned into JSON Schema for Ajv, plus the CEL rules
//    (`x-kubernetes-validations`) evaluated with @bufbuild/cel;
//  - KubeVirt / CDI / instancetype kinds: the pinned kubevirt-jsonschema/ files;
//  - anything else: an error ("no schema for ...") — never a silent pass.
//
// On top of the schema, every object's metadata gets the API server's checks:
// name format for the kind, namespace only on namespaced kinds, label and
// annotation key/value syntax.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";
import YAML from "yaml";
import * as kubernetesModels from "kubernetes-models";
import { celEnv, isCelError, parse, plan, type CelInput, type CelResult } from "@bufbuild/cel";
import { strings as celStrings } from "@bufbuild/cel/ext";
import { missingMessage, pins, schemaDir, schemaLocations } from "../../scripts/schemas.js";

// ---------------------------------------------------------------- locations

/** The project root (this file lives in <root>/test/support). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const locations = schemaLocations();
/**
 * Absolute path of the upstream schemas in use: ../shared/crds where it exists, else the
 * ignored cache `npm run schemas` fills (.cache/crds). Never copied into the project.
 */
export const crdsDir = schemaDir(locations) ?? locations.shared;

/** The schema folder, or the one-line error saying what is missing and what to run. */
function requireCrds(): string {
  const dir = schemaDir(locations);
  const missing = dir ? pins().filter((p) => !existsSync(path.join(dir, p.file))) : pins();
  if (!dir || missing.length > 0) {
    const why = dir ? `${missing.length} pinned file(s) missing from ${dir}` : undefined;
    const err = new Error(missingMessage(locations, why));
    err.stack = err.message; // one line, not a trace into this loader
    throw err;
  }
  return dir;
}
const KUBEVIRT_DIR = "kubevirt-jsonschema";

// ---------------------------------------------------------------- public types

/** One problem found in an object: a path like `spec.template.spec.domain.cpu` and a message. */
export interface SchemaIssue {
  path: string;
  message: string;
}

/** Where a validator's schema comes from. */
export type SchemaSource = "kubernetes-models" | "crd" | "kubevirt-jsonschema";

/** A compiled validator for one apiVersion + kind. */
export interface CompiledValidator {
  readonly apiVersion: string;
  readonly kind: string;
  readonly source: SchemaSource;
  /** The CRD / JSON Schema file, for CRD and KubeVirt kinds. */
  readonly file?: string;
  /** Whether the kind is namespaced; undefined when not known (List kinds). */
  readonly namespaced: boolean | undefined;
  /** The JSON Schema given to Ajv (CRD and KubeVirt kinds only). */
  readonly jsonSchema?: Record<string, unknown>;
  /** Validates one object of this kind (schema, CEL rules, metadata checks). */
  validate(obj: unknown): SchemaIssue[];
}

/** Counters for the CEL rules found in the CRDs and for their evaluation. */
export interface CelStats {
  /** Rules found under x-kubernetes-validations in all CRDs (all versions). */
  total: number;
  /** Rules that are compiled and evaluated. */
  evaluated: number;
  /** Transition rules (they use oldSelf) — skipped: there is no old object. */
  skippedTransition: number;
  /** Rules calling functions @bufbuild/cel does not provide — skipped. */
  skippedUnsupported: number;
  /** Rules that do not parse — skipped. */
  skippedParseError: number;
  /** The functions that made rules unsupported. */
  unsupportedFunctions: string[];
  /** Rule evaluations performed so far in this process. */
  evaluations: number;
  /** Evaluations that returned false (a reported violation). */
  failures: number;
  /** Evaluations that ended in a CEL runtime error (reported too). */
  runtimeErrors: number;
  /** Rules found unsupported only while evaluating (then skipped). */
  runtimeSkips: number;
}

// ---------------------------------------------------------------- small helpers

type Json = Record<string, unknown>;
type Seg = string | number;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

function formatPath(segs: readonly Seg[]): string {
  if (segs.length === 0) return "(root)";
  let out = "";
  for (const s of segs) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** JSON pointer (Ajv instancePath) to path segments, array indices as numbers. */
function pointerToSegs(pointer: string, data: unknown): Seg[] {
  if (pointer === "") return [];
  const segs: Seg[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur) && /^\d+$/.test(key)) {
      segs.push(Number(key));
      cur = cur[Number(key)];
    } else {
      segs.push(key);
      cur = isObject(cur) ? cur[key] : undefined;
    }
  }
  return segs;
}

function valueAt(data: unknown, segs: readonly Seg[]): unknown {
  let cur = data;
  for (const s of segs) {
    if (Array.isArray(cur) && typeof s === "number") cur = cur[s];
    else if (isObject(cur) && typeof s === "string") cur = cur[s];
    else return undefined;
  }
  return cur;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  const t = Array.isArray(v) ? "array" : typeof v;
  // JSON.stringify gives undefined only for a function or a symbol, whose String is its text.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  let s = JSON.stringify(v) ?? String(v);
  if (s.length > 60) s = `${s.slice(0, 57)}...`;
  return `${t} ${s}`;
}

// ---------------------------------------------------------------- Ajv errors -> issues

const VALUE_KEYWORDS = new Set([
  "type",
  "format",
  "pattern",
  "enum",
  "const",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
]);

function ajvIssues(
  errors: readonly ErrorObject[] | null | undefined,
  data: unknown,
): SchemaIssue[] {
  if (!errors) return [];
  interface Pending {
    instancePath: string;
    keyword: string;
    issue: SchemaIssue;
  }
  const out: Pending[] = [];
  for (const e of errors) {
    const segs = pointerToSegs(e.instancePath, data);
    const value = valueAt(data, segs);
    const p = e.params as Record<string, unknown>;
    let message: string;
    switch (e.keyword) {
      case "additionalProperties":
        segs.push(String(p.additionalProperty));
        message = `unknown field "${String(p.additionalProperty)}"`;
        break;
      case "required":
        message = `missing required field "${String(p.missingProperty)}"`;
        break;
      case "type": {
        const t = Array.isArray(p.type)
          ? p.type.join(" or ")
          : String(p.type).split(",").join(" or ");
        message = `must be ${t} (got ${describe(value)})`;
        break;
      }
      case "enum":
        message =
          `must be one ` +
          `of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(", ")} ` +
          `(got ${describe(value)})`;
        break;
      case "const":
        message = `must be ${JSON.stringify(p.allowedValue)} (got ${describe(value)})`;
        break;
      case "anyOf":
      case "oneOf": {
        // Fold the per-branch value errors at the same path into one message.
        const branch: string[] = [];
        for (let i = out.length - 1; i >= 0; i--) {
          const o = out[i]!;
          if (o.instancePath === e.instancePath && VALUE_KEYWORDS.has(o.keyword)) {
            branch.unshift(o.issue.message.replace(/ \(got .*\)$/, ""));
            out.splice(i, 1);
          }
        }
        const which = e.keyword === "oneOf" ? "exactly one" : "at least one";
        const uniq = [...new Set(branch)];
        message =
          `must match ${which} of: ${uniq.length ? uniq.join("; ") : "the alternatives"} ` +
          `(got ${describe(value)})`;
        break;
      }
      default:
        message = `${e.message ?? e.keyword}`;
        if (VALUE_KEYWORDS.has(e.keyword)) message += ` (got ${describe(value)})`;
    }
    out.push({
      instancePath: e.instancePath,
      keyword: e.keyword,
      issue: { path: formatPath(segs), message },
    });
  }
  const seen = new Set<string>();
  return out
    .map((o) => o.issue)
    .filter((i) => {
      const k = `${i.path}\u0000${i.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

// ---------------------------------------------------------------- metadata checks

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

type NameRule = "dns1123-subdomain" | "dns1123-label" | "dns1035-label" | "path-segment";

function checkName(name: string, rule: NameRule): string | undefined {
  switch (rule) {
    case "dns1123-label":
      if (name.length > 63) return "must be no more than 63 characters";
      return DNS1123_LABEL.test(name)
        ? undefined
        : "must be a DNS-1123 label (lowercase alphanumerics and '-', starting and ending " +
            "with an alphanumeric)";
    case "dns1035-label":
      if (name.length > 63) return "must be no more than 63 characters";
      return DNS1035_LABEL.test(name)
        ? undefined
        : "must be a DNS-1035 label (lowercase alphanumerics and '-', starting with a " +
            "letter, ending with an alphanumeric)";
    case "path-segment":
      if (name === "." || name === "..") return `may not be '${name}'`;
      if (/[/%]/.test(name)) return "may not contain '/' or '%'";
      return undefined;
    case "dns1123-subdomain":
      if (name.length > 253) return "must be no more than 253 characters";
      return DNS1123_SUBDOMAIN.test(name)
        ? undefined
        : "must be a DNS-1123 subdomain (lowercase alphanumerics, '-' and '.', starting " +
            "and ending with an alphanumeric)";
  }
}

function checkQualifiedKey(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return "a qualified name may contain at most one '/'";
  const [prefix, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  if (prefix !== undefined) {
    if (prefix.length === 0) return "prefix part must be non-empty";
    const err = checkName(prefix, "dns1123-subdomain");
    if (err) return `prefix part ${err}`;
  }
  if (name.length === 0) return "name part must be non-empty";
  if (name.length > 63) return "name part must be no more than 63 characters";
  if (!QUALIFIED_NAME_PART.test(name)) {
    return (
      "name part must consist of alphanumerics, '-', '_' or '.', starting and ending with " +
      "an alphanumeric"
    );
  }
  return undefined;
}

interface MetaRules {
  nameRule: NameRule;
  namespaced: boolean | undefined;
}

function checkMetadata(meta: unknown, rules: MetaRules): SchemaIssue[] {
  if (!isObject(meta)) return [];
  const out: SchemaIssue[] = [];
  const add = (segs: Seg[], message: string) =>
    out.push({ path: formatPath(["metadata", ...segs]), message });
  if (typeof meta.name === "string") {
    const err = meta.name === "" ? "must not be empty" : checkName(meta.name, rules.nameRule);
    if (err) add(["name"], `${quote(meta.name)} ${err}`);
  }
  if (typeof meta.generateName === "string" && meta.generateName !== "") {
    // The server truncates the prefix to 58 characters and appends 5 random ones.
    const err = checkName(`${meta.generateName.slice(0, 58)}abcde`, rules.nameRule);
    if (err) add(["generateName"], `${quote(meta.generateName)} ${err}`);
  }
  if (meta.namespace !== undefined && meta.namespace !== null && meta.namespace !== "") {
    if (rules.namespaced === false) {
      add(["namespace"], "must not be set: the kind is cluster-scoped");
    } else if (typeof meta.namespace === "string") {
      const err = checkName(meta.namespace, "dns1123-label");
      if (err) add(["namespace"], `${quote(meta.namespace)} ${err}`);
    }
  }
  if (isObject(meta.labels)) {
    for (const [k, v] of Object.entries(meta.labels)) {
      const kerr = checkQualifiedKey(k);
      if (kerr) add(["labels", k], `invalid label key: ${kerr}`);
      if (typeof v === "string" && v !== "") {
        if (v.length > 63) add(["labels", k], "label value must be no more than 63 characters");
        else if (!QUALIFIED_NAME_PART.test(v)) {
          add(
            ["labels", k],
            `invalid label value ${JSON.stringify(v)}: must consist of alphanumerics, ` +
              `'-', '_' or '.', starting and ending with an alphanumeric`,
          );
        }
      }
    }
  }
  if (isObject(meta.annotations)) {
    let size = 0;
    for (const [k, v] of Object.entries(meta.annotations)) {
      const kerr = checkQualifiedKey(k);
      if (kerr) add(["annotations", k], `invalid annotation key: ${kerr}`);
      size += k.length + (typeof v === "string" ? v.length : 0);
    }
    if (size > 256 * 1024)
      add(["annotations"], "total size of annotations must be no more than 256 KiB");
  }
  return out;
}

function nameRuleFor(apiVersion: string, kind: string): NameRule {
  if (apiVersion === "v1" && kind === "Namespace") return "dns1123-label";
  if (apiVersion === "v1" && kind === "Service") return "dns1035-label";
  if (apiVersion.startsWith("rbac.authorization.k8s.io/")) return "path-segment";
  return "dns1123-subdomain";
}

// ---------------------------------------------------------------- core kinds (kubernetes-models)

// Cluster-scoped kinds among those kubernetes-models ships (everything else is namespaced).
const CLUSTER_SCOPED_CORE = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ComponentStatus",
  "ClusterRole",
  "ClusterRoleBinding",
  "StorageClass",
  "CSIDriver",
  "CSINode",
  "VolumeAttachment",
  "VolumeAttributesClass",
  "StorageVersionMigration",
  "PriorityClass",
  "RuntimeClass",
  "IngressClass",
  "IPAddress",
  "ServiceCIDR",
  "CustomResourceDefinition",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "MutatingAdmissionPolicy",
  "MutatingAdmissionPolicyBinding",
  "CertificateSigningRequest",
  "ClusterTrustBundle",
  "FlowSchema",
  "PriorityLevelConfiguration",
  "StorageVersion",
  "DeviceClass",
  "ResourceSlice",
  "PodSecurityPolicy",
  "TokenReview",
  "SelfSubjectReview",
  "SubjectAccessReview",
  "SelfSubjectAccessReview",
  "SelfSubjectRulesReview",
]);

interface ModelClass {
  apiVersion: string;
  kind: string;
  prototype: { validate(): void };
}

function isModelClass(v: unknown): v is ModelClass {
  if (typeof v !== "function") return false;
  const c = v as unknown as Record<string, unknown>;
  return (
    typeof c.apiVersion === "string" &&
    typeof c.kind === "string" &&
    typeof (c.prototype as Record<string, unknown> | undefined)?.validate === "function"
  );
}

let modelIndex: Map<string, ModelClass> | undefined;

/**
 * apiVersion|kind -> model class, found by walking the package's namespaces
 * (group -> version -> class).
 */
function models(): Map<string, ModelClass> {
  if (modelIndex) return modelIndex;
  const idx = new Map<string, ModelClass>();
  const visit = (ns: unknown, depth: number) => {
    if (!ns || typeof ns !== "object" || depth > 3) return;
    for (const v of Object.values(ns as Record<string, unknown>)) {
      if (isModelClass(v)) {
        const key = gvkKey(v.apiVersion, v.kind);
        if (!idx.has(key)) idx.set(key, v);
      } else if (v && typeof v === "object") visit(v, depth + 1);
    }
  };
  visit(kubernetesModels, 0);
  modelIndex = idx;
  return idx;
}

/** Wraps data in proxies that record which properties the validator looks at. */
function tracked(root: object): { proxy: object; accessed: WeakMap<object, Set<string>> } {
  const accessed = new WeakMap<object, Set<string>>();
  const proxies = new WeakMap<object, object>();
  const touch = (t: object, k: string | symbol) => {
    if (typeof k !== "string") return;
    let s = accessed.get(t);
    if (!s) accessed.set(t, (s = new Set()));
    s.add(k);
  };
  const wrap = (t: object): object => {
    let p = proxies.get(t);
    if (p) return p;
    p = new Proxy(t, {
      get(target, key, receiver) {
        touch(target, key);
        const v: unknown = Reflect.get(target, key, receiver);
        return v !== null && typeof v === "object" ? wrap(v) : v;
      },
      has(target, key) {
        touch(target, key);
        return Reflect.has(target, key);
      },
    });
    proxies.set(t, p);
    return p;
  };
  return { proxy: wrap(root), accessed };
}

/**
 * kubernetes-models' schemas do not set additionalProperties: false, so an
 * unknown property would pass. The compiled validators read every property
 * their schema declares (`data.x`, also when absent) and every key of a map
 * they iterate, so after a run a key the validator never read on an object it
 * did inspect is not in the schema. Objects the validator never looked into
 * (free-form RawExtension/FieldsV1) are not checked.
 */
function unknownCoreFields(
  v: unknown,
  segs: Seg[],
  accessed: WeakMap<object, Set<string>>,
  out: SchemaIssue[],
): void {
  if (Array.isArray(v)) {
    v.forEach((e, i) => unknownCoreFields(e, [...segs, i], accessed, out));
    return;
  }
  if (!isObject(v)) return;
  const seen = accessed.get(v);
  if (!seen || seen.size === 0) return;
  for (const [k, child] of Object.entries(v)) {
    if (!seen.has(k)) out.push({ path: formatPath([...segs, k]), message: `unknown field "${k}"` });
    else unknownCoreFields(child, [...segs, k], accessed, out);
  }
}

function coreValidator(apiVersion: string, kind: string, model: ModelClass): CompiledValidator {
  const namespaced = kind.endsWith("List") ? undefined : !CLUSTER_SCOPED_CORE.has(kind);
  const metaRules: MetaRules = { nameRule: nameRuleFor(apiVersion, kind), namespaced };
  return {
    apiVersion,
    kind,
    source: "kubernetes-models",
    namespaced,
    validate(obj: unknown): SchemaIssue[] {
      const data = normalize(obj);
      if (!isObject(data))
        return [{ path: "(root)", message: `must be an object (got ${describe(data)})` }];
      const { proxy, accessed } = tracked(data);
      const issues: SchemaIssue[] = [];
      try {
        model.prototype.validate.call(proxy);
      } catch (err) {
        const errors = (err as { errors?: ErrorObject[] }).errors;
        if (!Array.isArray(errors)) throw err;
        issues.push(...ajvIssues(errors, data));
      }
      unknownCoreFields(data, [], accessed, issues);
      issues.push(...checkMetadata(data.metadata, metaRules));
      return issues;
    },
  };
}

// ---------------------------------------------------------------- CRD index

interface SchemaEntry {
  apiVersion: string;
  kind: string;
  group: string;
  version: string;
  served: boolean;
  namespaced: boolean;
  file: string;
  source: "crd" | "kubevirt-jsonschema";
  schema: Json | undefined;
}

let crdIndex: Map<string, SchemaEntry> | undefined;

function crdIndexLoad(): Map<string, SchemaEntry> {
  if (crdIndex) return crdIndex;
  const idx = new Map<string, SchemaEntry>();
  // The pinned upstream CRDs, then this project's own generated XRDs (apis/*/definition.yaml)
  // so XRs are checked against what the API server will enforce.
  const dir = requireCrds();
  const files = pins()
    .filter((p) => !p.file.startsWith(`${KUBEVIRT_DIR}/`) && /\.ya?ml$/.test(p.file))
    .map((p) => path.join(dir, p.file));
  const apisDir = path.join(projectRoot, "apis");
  for (const d of readdirSync(apisDir).sort()) {
    const full = path.join(apisDir, d);
    if (!statSync(full).isDirectory()) continue;
    for (const f of readdirSync(full).sort())
      if (/\.ya?ml$/.test(f)) files.push(path.join(full, f));
  }
  for (const file of files) {
    for (const doc of YAML.parseAllDocuments(readFileSync(file, "utf8"))) {
      const crd: unknown = doc.toJS();
      if (
        !isObject(crd) ||
        (crd.kind !== "CustomResourceDefinition" && crd.kind !== "CompositeResourceDefinition") ||
        !isObject(crd.spec)
      )
        continue;
      const spec = crd.spec;
      const names = spec.names as Json;
      const group = String(spec.group);
      const kind = String(names.kind);
      for (const v of (spec.versions as Json[] | undefined) ?? []) {
        const apiVersion = `${group}/${String(v.name)}`;
        idx.set(gvkKey(apiVersion, kind), {
          apiVersion,
          kind,
          group,
          version: String(v.name),
          served: v.served !== false,
          namespaced: spec.scope !== "Cluster",
          file,
          source: "crd",
          schema: (v.schema as Json | undefined)?.openAPIV3Schema as Json | undefined,
        });
      }
    }
  }
  // KubeVirt JSON Schemas: <group>_<kind lowercase>_<version>.json
  const kvDir = path.join(dir, KUBEVIRT_DIR);
  for (const pin of pins().filter((p) => p.file.startsWith(`${KUBEVIRT_DIR}/`))) {
    const f = path.basename(pin.file);
    const m = /^(.+)_([a-z0-9]+)_([a-z0-9]+)\.json$/.exec(f);
    if (!m) continue;
    const [, group, lowerKind, version] = m as unknown as [string, string, string, string];
    const kind = KUBEVIRT_KINDS[lowerKind];
    if (!kind) continue;
    const apiVersion = `${group}/${version}`;
    idx.set(gvkKey(apiVersion, kind), {
      apiVersion,
      kind,
      group,
      version,
      served: true,
      namespaced: !kind.startsWith("VirtualMachineCluster"),
      file: path.join(kvDir, f),
      source: "kubevirt-jsonschema",
      schema: undefined, // read lazily
    });
  }
  crdIndex = idx;
  return idx;
}

// The JSON file names carry the kind in lowercase only.
const KUBEVIRT_KINDS: Record<string, string> = {
  virtualmachine: "VirtualMachine",
  virtualmachineinstance: "VirtualMachineInstance",
  datavolume: "DataVolume",
  virtualmachineclusterinstancetype: "VirtualMachineClusterInstancetype",
  virtualmachineclusterpreference: "VirtualMachineClusterPreference",
  virtualmachineinstancetype: "VirtualMachineInstancetype",
  virtualmachinepreference: "VirtualMachinePreference",
};

// ---------------------------------------------------------------- OpenAPI v3
// (structural) -> JSON Schema

const str = { type: "string" } as const;
const stringMap = { type: "object", additionalProperties: { type: "string" } };

function objectMetaSchema(nullable: boolean): Json {
  return {
    type: nullable ? ["object", "null"] : "object",
    additionalProperties: false,
    properties: {
      name: str, // length and format: checkMetadata
      generateName: { type: "string", maxLength: 253 },
      namespace: { type: "string", maxLength: 63 },
      labels: stringMap,
      annotations: stringMap,
      uid: str,
      resourceVersion: str,
      generation: { type: "integer" },
      creationTimestamp: { type: ["string", "null"] },
      deletionTimestamp: { type: ["string", "null"] },
      deletionGracePeriodSeconds: { type: "integer" },
      selfLink: str,
      finalizers: { type: "array", items: str },
      managedFields: { type: "array", items: { type: "object" } },
      ownerReferences: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["apiVersion", "kind", "name", "uid"],
          properties: {
            apiVersion: str,
            kind: str,
            name: str,
            uid: str,
            controller: { type: "boolean" },
            blockOwnerDeletion: { type: "boolean" },
          },
        },
      },
    },
  };
}

// Formats Kubernetes checks and Ajv knows with the same meaning; others are
// ignored like the API server does.
const KEPT_FORMATS = new Set([
  "int32",
  "int64",
  "float",
  "double",
  "byte",
  "date-time",
  "date",
  "ipv4",
  "ipv6",
  "uuid",
  "duration",
]);
const COPIED = [
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "required",
  "const",
] as const;

function isIntOrStringAnyOf(v: unknown): boolean {
  if (!Array.isArray(v) || v.length !== 2) return false;
  const types = v
    .map((x) => (isObject(x) && Object.keys(x).length === 1 ? x.type : undefined))
    .sort();
  return types[0] === "integer" && types[1] === "string";
}

interface ConvertCtx {
  /** Inside anyOf/oneOf/allOf/not: value validation only, never additionalProperties. */
  logic: boolean;
}

function convert(node: Json, ctx: ConvertCtx): Json {
  const out: Json = {};
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  const nullable = node.nullable === true;
  const embedded = node["x-kubernetes-embedded-resource"] === true;

  if (node.type !== undefined && !intOrString) out.type = node.type;
  for (const k of COPIED) if (node[k] !== undefined) out[k] = node[k];
  if (typeof node.format === "string" && KEPT_FORMATS.has(node.format)) out.format = node.format;
  if (Array.isArray(node.enum))
    out.enum = nullable ? [...(node.enum as unknown[]), null] : node.enum;

  // OpenAPI 3.0 boolean exclusive bounds -> JSON Schema numeric ones.
  for (const [ex, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    const e = node[ex];
    if (e === true && typeof node[bound] === "number") {
      out[ex] = node[bound];
      delete out[bound];
    } else if (typeof e === "number") out[ex] = e;
  }

  if (isObject(node.properties)) {
    const props: Json = {};
    for (const [k, child] of Object.entries(node.properties)) {
      if (!isObject(child)) continue;
      // A template's free-form metadata (KubeVirt spec.template.metadata,
      // dataVolumeTemplates[].metadata) is an ObjectMeta: check it as one.
      if (
        k === "metadata" &&
        !ctx.logic &&
        isObject(node.properties.spec) &&
        !isObject(child.properties) &&
        child["x-kubernetes-preserve-unknown-fields"] === true
      ) {
        props[k] = objectMetaSchema(child.nullable === true);
      } else {
        props[k] = convert(child, { logic: ctx.logic });
      }
    }
    out.properties = props;
  }
  if (isObject(node.items)) out.items = convert(node.items, { logic: ctx.logic });
  else if (Array.isArray(node.items))
    out.items = node.items.map((i) => convert(i as Json, { logic: ctx.logic }));
  if (isObject(node.additionalProperties))
    out.additionalProperties = convert(node.additionalProperties, { logic: ctx.logic });
  else if (typeof node.additionalProperties === "boolean")
    out.additionalProperties = node.additionalProperties;
  for (const k of ["anyOf", "oneOf", "allOf"] as const) {
    const v = node[k];
    if (Array.isArray(v)) out[k] = v.map((x) => convert(x as Json, { logic: true }));
  }
  if (isObject(node.not)) out.not = convert(node.not, { logic: true });

  if (intOrString) {
    if (isIntOrStringAnyOf(node.anyOf)) delete out.anyOf;
    out.type = ["integer", "string"];
  }
  if (node["x-kubernetes-list-type"] === "set") out.uniqueItems = true;

  if (embedded) {
    // An embedded resource always has apiVersion, kind and an ObjectMeta.
    const props = (out.properties as Json | undefined) ?? {};
    out.properties = {
      ...props,
      apiVersion: props.apiVersion ?? { type: "string", minLength: 1 },
      kind: props.kind ?? { type: "string", minLength: 1 },
      metadata: objectMetaSchema(false),
    };
    out.required = [
      ...new Set([...((out.required as string[] | undefined) ?? []), "apiVersion", "kind"]),
    ];
  }

  if (nullable) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    else if (Array.isArray(out.type) && !out.type.includes("null"))
      out.type = [...(out.type as unknown[]), "null"];
  }

  // Kubernetes prunes fields a structural schema does not declare; report them instead.
  const isObjectNode = node.type === "object" || isObject(node.properties);
  if (!ctx.logic && !preserve && isObjectNode && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function rootJsonSchema(entry: SchemaEntry, schema: Json): Json {
  const out = convert(schema, { logic: false });
  const props = { ...((out.properties as Json | undefined) ?? {}) };
  const meta = objectMetaSchema(false);
  // Keep any name constraints the CRD declares on its root metadata.
  const declared =
    isObject(schema.properties) && isObject(schema.properties.metadata)
      ? schema.properties.metadata
      : undefined;
  if (declared && isObject(declared.properties)) {
    const mp = meta.properties as Json;
    for (const k of ["name", "generateName", "namespace"]) {
      const d = declared.properties[k];
      if (isObject(d)) mp[k] = { allOf: [mp[k], convert(d, { logic: true })] };
    }
  }
  props.apiVersion = { const: entry.apiVersion };
  props.kind = { const: entry.kind };
  props.metadata = meta;
  out.type = "object";
  out.properties = props;
  out.required = [
    ...new Set([...((out.required as string[] | undefined) ?? []), "apiVersion", "kind"]),
  ];
  if (out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

// ---------------------------------------------------------------- Ajv

let ajvInstance: Ajv | undefined;

function ajv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const a = new Ajv({
    strict: false,
    allErrors: true,
    unicodeRegExp: false,
    validateFormats: true,
  });
  const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;
  addFormats(a);
  // Kubernetes' "duration" is a Go duration (1h30m), not ISO 8601.
  a.addFormat(
    "duration",
    /^[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$|^0$/,
  );
  ajvInstance = a;
  return a;
}

// ---------------------------------------------------------------- CEL rules

const CEL_ENV = celEnv({ funcs: celStrings });
type CelFn = (bindings: Record<string, CelInput>) => CelResult;

// Parser-level operators and macros that are not looked up as functions.
const CEL_INTRINSICS = new Set([
  "_&&_",
  "_||_",
  "_?_:_",
  "!_",
  "-_",
  "@in",
  "@not_strictly_false",
  "_[_]",
  "_[?_]",
  "_?._",
  "has",
  "all",
  "exists",
  "exists_one",
  "map",
  "filter",
]);
// https://kubernetes.io/docs/reference/using-api/cel/#escaping
const CEL_RESERVED = new Set([
  "true",
  "false",
  "null",
  "in",
  "as",
  "break",
  "const",
  "continue",
  "else",
  "for",
  "function",
  "if",
  "import",
  "let",
  "loop",
  "package",
  "namespace",
  "return",
  "var",
  "void",
  "while",
]);

function celPropertyName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name
    .replace(/__/g, "__underscores__")
    .replace(/\./g, "__dot__")
    .replace(/-/g, "__dash__")
    .replace(/\//g, "__slash__");
}

type RuleStatus = "ok" | "transition" | "unsupported" | "parse-error";

interface CompiledRule {
  rule: string;
  message: string;
  fieldPath: string | undefined;
  status: RuleStatus;
  unsupported: string[];
  fn: CelFn | undefined;
}

const ruleCache = new WeakMap<Json, CompiledRule[]>();

function collectCel(node: unknown, calls: Set<string>, idents: Set<string>): void {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const n of node) collectCel(n, calls, idents);
    return;
  }
  const o = node as Record<string, unknown>;
  if (o.case === "callExpr" && isObject(o.value)) calls.add(String(o.value.function));
  if (o.case === "identExpr" && isObject(o.value)) idents.add(String(o.value.name));
  for (const [k, v] of Object.entries(o)) if (k !== "$typeName") collectCel(v, calls, idents);
}

function compileRule(r: Json): CompiledRule {
  const rule = typeof r.rule === "string" ? r.rule : "";
  const base = {
    rule,
    message: typeof r.message === "string" && r.message !== "" ? r.message : `failed rule: ${rule}`,
    fieldPath: typeof r.fieldPath === "string" && r.fieldPath !== "" ? r.fieldPath : undefined,
    unsupported: [] as string[],
    fn: undefined,
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rule);
  } catch {
    return { ...base, status: "parse-error" };
  }
  const calls = new Set<string>();
  const idents = new Set<string>();
  collectCel(parsed.expr, calls, idents);
  if (idents.has("oldSelf") || r.optionalOldSelf === true) return { ...base, status: "transition" };
  const missing = [...calls].filter((c) => !CEL_INTRINSICS.has(c) && !CEL_ENV.funcs.find(c));
  if (missing.length > 0) return { ...base, status: "unsupported", unsupported: missing };
  try {
    const fn = plan(CEL_ENV, parsed) as unknown as CelFn;
    return { ...base, status: "ok", fn };
  } catch {
    return { ...base, status: "parse-error" };
  }
}

function rulesOf(node: Json): CompiledRule[] {
  let rules = ruleCache.get(node);
  if (!rules) {
    const raw = node["x-kubernetes-validations"];
    rules = Array.isArray(raw) ? raw.filter(isObject).map(compileRule) : [];
    ruleCache.set(node, rules);
  }
  return rules;
}

const runtime = { evaluations: 0, failures: 0, runtimeErrors: 0, runtimeSkips: 0 };

/** A value as the API server gives it to CEL: typed by the schema, with schema defaults applied. */
function toCel(schema: Json | undefined, v: unknown): CelInput {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) {
    const items = isObject(schema?.items) ? schema.items : undefined;
    return v.map((e) => toCel(items, e));
  }
  if (isObject(v)) {
    const m = new Map<string, CelInput>();
    const props = isObject(schema?.properties) ? schema.properties : undefined;
    if (props) {
      for (const [k, ps] of Object.entries(props)) {
        if (!isObject(ps)) continue;
        const val = v[k] !== undefined ? v[k] : ps.default;
        if (val === undefined) continue;
        const name = celPropertyName(k);
        if (name !== undefined) m.set(name, toCel(ps, val));
      }
      if (schema?.["x-kubernetes-preserve-unknown-fields"] === true) {
        for (const [k, val] of Object.entries(v))
          if (!(k in props)) m.set(k, toCel(undefined, val));
      }
    } else {
      const ap = isObject(schema?.additionalProperties) ? schema.additionalProperties : undefined;
      for (const [k, val] of Object.entries(v)) m.set(k, toCel(ap, val));
    }
    return m;
  }
  if (typeof v === "number") {
    if (schema?.type === "number") return v;
    return Number.isInteger(v) ? BigInt(v) : v;
  }
  if (typeof v === "string" || typeof v === "boolean") return v;
  return null;
}

const walkNeeded = new WeakMap<Json, boolean>();

function childSchemas(node: Json): Json[] {
  const out: Json[] = [];
  if (isObject(node.properties))
    for (const c of Object.values(node.properties)) if (isObject(c)) out.push(c);
  if (isObject(node.items)) out.push(node.items);
  if (isObject(node.additionalProperties)) out.push(node.additionalProperties);
  return out;
}

/** Whether a schema node or anything below it has CEL rules or list-map keys. */
function needsWalk(node: Json): boolean {
  const cached = walkNeeded.get(node);
  if (cached !== undefined) return cached;
  walkNeeded.set(node, false); // guards against cycles
  const own =
    Array.isArray(node["x-kubernetes-validations"]) || node["x-kubernetes-list-type"] === "map";
  const result = own || childSchemas(node).some(needsWalk);
  walkNeeded.set(node, result);
  return result;
}

/**
 * Walks data along the original structural schema: evaluates CEL rules and
 * checks the uniqueness of x-kubernetes-list-type: map keys.
 * `deferred` collects CEL runtime errors (reported only when the schema passed).
 */
function structuralWalk(
  schema: Json,
  v: unknown,
  segs: Seg[],
  out: SchemaIssue[],
  deferred: SchemaIssue[],
): void {
  if (v === undefined || v === null || !needsWalk(schema)) return;
  const rules = rulesOf(schema);
  if (rules.length > 0) {
    let self: CelInput | undefined;
    for (const r of rules) {
      if (r.status !== "ok" || !r.fn) continue;
      self ??= toCel(schema, v);
      runtime.evaluations++;
      let res: CelResult | Error;
      try {
        res = r.fn({ self });
      } catch (e) {
        res = e instanceof Error ? e : new Error(String(e));
      }
      if (res === true) continue;
      const where = !r.fieldPath
        ? formatPath(segs)
        : segs.length === 0
          ? r.fieldPath.replace(/^\./, "")
          : `${formatPath(segs)}${/^[.[]/.test(r.fieldPath) ? "" : "."}${r.fieldPath}`;
      if (res === false) {
        runtime.failures++;
        out.push({ path: where, message: r.message });
        continue;
      }
      const msg =
        // A broken rule's non-boolean result, any CEL value: its default text is enough.
        // eslint-disable-next-line @typescript-eslint/no-base-to-string
        isCelError(res) || res instanceof Error ? res.message : `non-boolean result ${String(res)}`;
      if (/unbound function/i.test(msg)) {
        // A function the static check did not catch: skip the rule from now on.
        r.status = "unsupported";
        runtime.runtimeSkips++;
        continue;
      }
      // The API server rejects an object when a rule errors (e.g. "no such key"
      // on an absent field without default); reported if the schema passed.
      runtime.runtimeErrors++;
      deferred.push({
        path: where,
        message: `${r.message} (rule \`${r.rule}\` could not be evaluated: ${msg})`,
      });
    }
  }
  if (Array.isArray(v)) {
    if (
      schema["x-kubernetes-list-type"] === "map" &&
      Array.isArray(schema["x-kubernetes-list-map-keys"])
    ) {
      const keys = schema["x-kubernetes-list-map-keys"] as string[];
      const items = isObject(schema.items) ? schema.items : undefined;
      const seen = new Map<string, number>();
      v.forEach((e, i) => {
        if (!isObject(e)) return;
        const tuple = keys.map((k) => {
          const d =
            items && isObject(items.properties) && isObject(items.properties[k])
              ? items.properties[k].default
              : undefined;
          return e[k] !== undefined ? e[k] : d;
        });
        const id = JSON.stringify(tuple);
        const first = seen.get(id);
        if (first !== undefined) {
          const desc = keys.map((k, j) => `${k}=${JSON.stringify(tuple[j])}`).join(", ");
          out.push({
            path: formatPath([...segs, i]),
            message: `duplicate entry with key (${desc}), same as ${formatPath([...segs, first])}`,
          });
        } else seen.set(id, i);
      });
    }
    if (isObject(schema.items)) {
      const items = schema.items;
      v.forEach((e, i) => structuralWalk(items, e, [...segs, i], out, deferred));
    }
    return;
  }
  if (isObject(v)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    const ap = isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
    for (const [k, child] of Object.entries(v)) {
      const ps = props[k];
      if (isObject(ps)) structuralWalk(ps, child, [...segs, k], out, deferred);
      else if (ap) structuralWalk(ap, child, [...segs, k], out, deferred);
    }
  }
}

let staticStats:
  Omit<CelStats, "evaluations" | "failures" | "runtimeErrors" | "runtimeSkips"> | undefined;

/**
 * Counts the CEL rules of every CRD (all versions) by how they are handled, plus runtime counters.
 */
export function celStats(): CelStats {
  if (!staticStats) {
    const s = {
      total: 0,
      evaluated: 0,
      skippedTransition: 0,
      skippedUnsupported: 0,
      skippedParseError: 0,
      unsupportedFunctions: [] as string[],
    };
    const fns = new Set<string>();
    const visit = (node: Json) => {
      for (const r of rulesOf(node)) {
        s.total++;
        if (r.status === "ok") s.evaluated++;
        else if (r.status === "transition") s.skippedTransition++;
        else if (r.status === "unsupported") {
          s.skippedUnsupported++;
          r.unsupported.forEach((f) => fns.add(f));
        } else s.skippedParseError++;
      }
      childSchemas(node).forEach(visit);
    };
    for (const e of crdIndexLoad().values()) if (e.source === "crd" && e.schema) visit(e.schema);
    s.unsupportedFunctions = [...fns].sort();
    staticStats = s;
  }
  return {
    ...staticStats,
    unsupportedFunctions: [...staticStats.unsupportedFunctions],
    ...runtime,
  };
}

// ---------------------------------------------------------------- CRD / KubeVirt validators

// provider-kubernetes Objects carry a whole resource in spec.forProvider.manifest: validate it too.
const EMBEDDED_MANIFEST_KINDS = new Set([
  "kubernetes.crossplane.io|Object",
  "kubernetes.m.crossplane.io|Object",
]);

function schemaValidator(entry: SchemaEntry): CompiledValidator {
  let schema = entry.schema;
  if (entry.source === "kubevirt-jsonschema")
    schema = JSON.parse(readFileSync(entry.file, "utf8")) as Json;
  const jsonSchema = schema ? rootJsonSchema(entry, schema) : undefined;
  const fn: ValidateFunction | undefined = jsonSchema ? ajv().compile(jsonSchema) : undefined;
  const metaRules: MetaRules = { nameRule: "dns1123-subdomain", namespaced: entry.namespaced };
  const manifestCheck = EMBEDDED_MANIFEST_KINDS.has(`${entry.group}|${entry.kind}`);
  const structural = schema;
  return {
    apiVersion: entry.apiVersion,
    kind: entry.kind,
    source: entry.source,
    file: entry.file,
    namespaced: entry.namespaced,
    ...(jsonSchema ? { jsonSchema } : {}),
    validate(obj: unknown): SchemaIssue[] {
      const data = normalize(obj);
      if (!isObject(data))
        return [{ path: "(root)", message: `must be an object (got ${describe(data)})` }];
      const issues: SchemaIssue[] = [];
      if (!entry.served)
        issues.push({
          path: "apiVersion",
          message: `version ${entry.version} is not served by the CRD`,
        });
      if (!fn || !structural) {
        issues.push({
          path: "(root)",
          message: `the CRD declares no schema for ${entry.apiVersion} ${entry.kind}`,
        });
        return issues;
      }
      if (!fn(data)) issues.push(...ajvIssues(fn.errors, data));
      const schemaOk = issues.length === 0;
      const deferred: SchemaIssue[] = [];
      structuralWalk(structural, data, [], issues, deferred);
      if (schemaOk) issues.push(...deferred);
      issues.push(...checkMetadata(data.metadata, metaRules));
      if (manifestCheck) {
        const fp = isObject(data.spec) ? data.spec.forProvider : undefined;
        const manifest = isObject(fp) ? fp.manifest : undefined;
        // (a manifest without apiVersion/kind is already reported by the schema)
        // An observe-only Object (managementPolicies [Observe]) is never applied:
        // provider-kubernetes gets the object by apiVersion, kind, name and namespace
        // (internal/controller/namespaced/object/object.go, Observe and handleObservation),
        // so its manifest names the object and need not carry the body the kind requires.
        const policies = isObject(data.spec) ? data.spec.managementPolicies : undefined;
        const observeOnly =
          Array.isArray(policies) && policies.length === 1 && policies[0] === "Observe";
        if (
          isObject(manifest) &&
          typeof manifest.apiVersion === "string" &&
          typeof manifest.kind === "string"
        ) {
          for (const i of resourceIssues(manifest)) {
            if (observeOnly && i.path === "(root)" && i.message.startsWith("missing required"))
              continue;
            issues.push({
              path:
                i.path === "(root)"
                  ? "spec.forProvider.manifest"
                  : `spec.forProvider.manifest.${i.path}`,
              message: i.message,
            });
          }
        }
      }
      return issues;
    },
  };
}

// ---------------------------------------------------------------- dispatch

const validatorCache = new Map<string, CompiledValidator | null>();

/** Plain JSON, as the API server would receive it (drops undefined, applies toJSON). */
function normalize(obj: unknown): unknown {
  if (obj === undefined) return undefined;
  return JSON.parse(JSON.stringify(obj)) as unknown;
}

/**
 * The validator for one apiVersion + kind (compiled on first use and cached),
 * or undefined when no schema is known for it.
 */
export function schemaFor(apiVersion: string, kind: string): CompiledValidator | undefined {
  const key = gvkKey(apiVersion, kind);
  const cached = validatorCache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  let v: CompiledValidator | null = null;
  const entry = crdIndexLoad().get(key);
  if (entry) v = schemaValidator(entry);
  else {
    const model = models().get(key);
    if (model) v = coreValidator(apiVersion, kind, model);
  }
  validatorCache.set(key, v);
  return v ?? undefined;
}

/** Every apiVersion|kind a schema is known for (CRDs, KubeVirt JSON Schemas, kubernetes-models). */
export function knownKinds(): string[] {
  return [...new Set([...crdIndexLoad().keys(), ...models().keys()])].sort();
}

/** The problems found in one object, without the `<apiVersion> <kind> <name>:` prefix. */
export function resourceIssues(obj: unknown): SchemaIssue[] {
  const data = normalize(obj);
  if (!isObject(data))
    return [{ path: "(root)", message: `must be an object (got ${describe(data)})` }];
  const { apiVersion, kind } = data;
  if (
    typeof apiVersion !== "string" ||
    apiVersion === "" ||
    typeof kind !== "string" ||
    kind === ""
  ) {
    return [{ path: "(root)", message: "apiVersion and kind must be non-empty strings" }];
  }
  const v = schemaFor(apiVersion, kind);
  if (!v) return [{ path: "(root)", message: `no schema for ${apiVersion} ${kind}` }];
  return v.validate(data);
}

/**
 * Validates one Kubernetes object against its upstream schema.
 * Returns human-readable errors, empty when valid, each formatted
 * `<apiVersion> <kind> <name>: <path>: <message>`.
 */
export function validateResource(obj: unknown): string[] {
  const o = isObject(obj) ? obj : {};
  const apiVersion =
    typeof o.apiVersion === "string" && o.apiVersion !== "" ? o.apiVersion : "<no apiVersion>";
  const kind = typeof o.kind === "string" && o.kind !== "" ? o.kind : "<no kind>";
  const meta = isObject(o.metadata) ? o.metadata : {};
  const name =
    typeof meta.name === "string" && meta.name !== ""
      ? meta.name
      : typeof meta.generateName === "string" && meta.generateName !== ""
        ? `${meta.generateName}*`
        : "<unnamed>";
  return resourceIssues(obj).map((i) =>
    i.message.startsWith("no schema for ") && i.path === "(root)"
      ? `${apiVersion} ${kind} ${name}: ${i.message}`
      : `${apiVersion} ${kind} ${name}: ${i.path}: ${i.message}`,
  );
}
