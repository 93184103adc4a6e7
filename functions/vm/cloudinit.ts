// cloud-init user data: validated without ever quoting it (it may hold
// passwords), and merged with spec.cloudInit.sshKeys the same way for both
// backends, so a VM boots with the same keys on KubeVirt and on Proxmox.
import { createHash } from "node:crypto";
import { isMap, isScalar, isSeq, parseDocument, stringify } from "yaml";
import { memo } from "../memo.js";

const CLOUD_CONFIG_HEADER = /^#cloud-config[ \t]*(\r?\n|$)/;
const KEYS_FIELD = "ssh_authorized_keys";
// Keys stay on one line each: folded lines are valid YAML but hard to read and to grep.
const YAML_OUT = { lineWidth: 0 };

/** An OpenSSH public key on one line: type, base64 blob, optional comment. */
export const SSH_KEY_PATTERN =
  "^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|" +
  "sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com) " +
  "[A-Za-z0-9+/]+={0,3}( [^\\r\\n]*)?$";

/** Why user data cannot be used, or undefined. Messages name the rule, never the content. */
export function userDataProblem(userData: string): string | undefined {
  // undefined means "no problem", so cache an empty string for it.
  return problemCached(userData) || undefined;
}

const problemCached = memo((userData: string) => findProblem(userData) ?? "", 64);

function findProblem(userData: string): string | undefined {
  if (userData.startsWith("#!")) return undefined;
  if (!CLOUD_CONFIG_HEADER.test(userData))
    return "must start with #cloud-config (a cloud-config YAML document) or #! (a script)";
  const doc = parseDocument(userData);
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    return `is not valid YAML${line ? ` at line ${line}` : ""} (${err.code})`;
  }
  const top = doc.contents;
  if (top !== null && !isMap(top)) return "must be a YAML mapping after #cloud-config";
  if (top && top.has(KEYS_FIELD) && !isSeq(top.get(KEYS_FIELD)))
    return `${KEYS_FIELD} must be a list`;
  return undefined;
}

/**
 * The user data the VM boots with: the given document with the keys added to
 * ssh_authorized_keys (once each), or a multipart message when the user data is
 * a script, since keys cannot be merged into one. Assumes userDataProblem passed.
 */
export function mergedUserData(userData: string | undefined, keys: readonly string[]): string {
  // Keys cannot contain newlines (SSH_KEY_PATTERN), so this key is unambiguous.
  return mergedCached(JSON.stringify([userData ?? null, keys]));
}

const mergedCached = memo((key: string) => {
  const [userData, keys] = JSON.parse(key) as [string | null, string[]];
  return merge(userData ?? undefined, keys);
}, 64);

function merge(userData: string | undefined, keys: readonly string[]): string {
  const wanted = [...new Set(keys)];
  if (userData === undefined)
    return wanted.length
      ? `#cloud-config\n${stringify({ [KEYS_FIELD]: wanted }, YAML_OUT)}`
      : "#cloud-config\n";
  if (wanted.length === 0) return userData;
  if (userData.startsWith("#!"))
    return multipart(`#cloud-config\n${stringify({ [KEYS_FIELD]: wanted }, YAML_OUT)}`, userData);
  const doc = parseDocument(userData);
  // userDataProblem allowed only a mapping or an empty document: Document.set handles both.
  const existing = doc.get(KEYS_FIELD);
  const have = isSeq(existing) ? existing.items.map((i) => String(isScalar(i) ? i.value : i)) : [];
  doc.set(KEYS_FIELD, doc.createNode([...have, ...wanted.filter((k) => !have.includes(k))]));
  const text = doc.toString(YAML_OUT);
  // The header is a comment to YAML; make sure cloud-init still sees it first.
  return CLOUD_CONFIG_HEADER.test(text) ? text : `#cloud-config\n${text}`;
}

/**
 * A MIME multipart with a cloud-config part (the keys) and the script; the
 * boundary derives from the content.
 */
function multipart(cloudConfig: string, script: string): string {
  const digest = createHash("sha256").update(cloudConfig).update("\u0000").update(script);
  const boundary = `crossvdc-${digest.digest("hex").slice(0, 24)}`;
  return [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "MIME-Version: 1.0",
    "",
    `--${boundary}`,
    'Content-Type: text/cloud-config; charset="utf-8"',
    "",
    cloudConfig.replace(/\n$/, ""),
    `--${boundary}`,
    'Content-Type: text/x-shellscript; charset="utf-8"',
    "",
    script.replace(/\n$/, ""),
    `--${boundary}--`,
    "",
  ].join("\n");
}

const AGENT_PACKAGE = "qemu-guest-agent";
/** A shell command starting a service now: systemctl start, restart, enable --now; service. */
const STARTS =
  /\bsystemctl\b.*(?:\b(?:re)?start\b|--now\b)|\b(?:rc-)?service\s+\S+\s+(?:re)?start\b/;
const NAMES_AGENT = /\bqemu-(?:guest-agent|ga)\b/;
const INSTALLS = /\b(?:apt-get|apt|dnf|yum|zypper|apk|tdnf)\b.*\b(?:install|add)\b/;

/**
 * Whether the user data installs the QEMU guest agent and starts it at first boot: a
 * #cloud-config that lists qemu-guest-agent under packages and starts it in runcmd (bootcmd
 * runs before packages are installed), or a #! script with a line installing it and a line
 * starting it. Proxmox waits on an enabled agent that never answers (bpg's
 * virtual_environment_vm docs, "Qemu guest agent"), so anything less counts as no agent.
 * Reads the user data, never reports it.
 */
export function startsGuestAgent(userData: string): boolean {
  return agentCached(userData) === "yes";
}

const agentCached = memo((userData: string) => (findsAgent(userData) ? "yes" : "no"), 64);

function findsAgent(userData: string): boolean {
  const starts = (command: string) => NAMES_AGENT.test(command) && STARTS.test(command);
  if (userData.startsWith("#!")) {
    const lines = userData.split(/\r?\n/);
    return (
      lines.some((l) => NAMES_AGENT.test(l) && INSTALLS.test(l)) && lines.some((l) => starts(l))
    );
  }
  // userDataProblem passed: a mapping or an empty document.
  const top: unknown = parseDocument(userData).toJS();
  if (!top || typeof top !== "object" || Array.isArray(top)) return false;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  // A package is a name, or [name, version].
  const { packages, runcmd } = top as { packages?: unknown; runcmd?: unknown };
  const installs = list(packages).some((p) => (Array.isArray(p) ? p[0] : p) === AGENT_PACKAGE);
  // A command is a shell line, or an argv list.
  const command = (c: unknown) =>
    Array.isArray(c) ? c.map(String).join(" ") : typeof c === "string" ? c : "";
  const started = list(runcmd).some((c) => starts(command(c)));
  return installs && started;
}
