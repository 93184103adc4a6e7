// The gRPC edge: flags, mutual TLS, logging and graceful shutdown around the
// pure `Fn`. We register the service with @grpc/grpc-js ourselves instead of
// using the SDK's serve helpers, because those make client certificates
// optional; Crossplane always presents one, so we require it.
import { readFileSync } from "node:fs";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { pino, type Logger } from "pino";
import {
  DEFAULT_TTL,
  FunctionRunnerServiceService,
  RunFunctionResponse,
  Severity,
  type RunFunctionRequest,
} from "@crossplane-org/function-sdk-typescript";
import { CODECS, DEFAULT_CODEC, type CodecName } from "./codec.js";

// Flags, defaults and units are those of Crossplane's Go functions
// (function-sdk-go's CLI and function-template-go's main.go).
export const DEFAULT_ADDRESS = ":9443";
/** Where Crossplane mounts the certificates, for a server started without TLS_SERVER_CERTS_DIR. */
export const DEFAULT_TLS_CERTS_DIR = "/tls/server";
/** In MB, as the Go SDK's --max-recv-message-size: gRPC's own default. */
export const DEFAULT_MAX_RECV_MESSAGE_SIZE_MB = 4;
const MB = 1024 * 1024;
/** The same, in bytes. */
export const DEFAULT_MAX_RECV_MESSAGE_SIZE = DEFAULT_MAX_RECV_MESSAGE_SIZE_MB * MB;
/** grpc-js takes the limit as a signed 32-bit number of bytes. */
const MAX_MESSAGE_SIZE_MB = Math.floor((2 ** 31 - 1) / MB);
/** How long SIGTERM waits for in-flight calls before cancelling them. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

export interface Flags {
  /** host:port, or :port for every address of every family, as Go's net.Listen takes it. */
  address: string;
  insecure: boolean;
  tlsCertsDir: string;
  debug: boolean;
  /** In bytes; the flag is in MB. */
  maxRecvMessageSize: number;
  codec: CodecName;
}

export type ParsedFlags =
  { kind: "run"; flags: Flags } | { kind: "help" } | { kind: "error"; message: string };

export const USAGE = `Usage: crossvdc [flags]

Crossplane composition function for Tenant, VDC and VirtualMachine composite resources.

Flags:
  --help                         Show this help and exit.
  -d, --debug                    Emit debug logs in addition to info logs.
  --address=STRING               Address at which to listen for gRPC connections
                                 (default "${DEFAULT_ADDRESS}": port 9443 on every address of every
                                 family).
  --tls-certs-dir=STRING         Directory containing server certs (tls.key, tls.crt) and the CA
                                 used to verify client certificates (ca.crt)
                                 ($TLS_SERVER_CERTS_DIR, else "${DEFAULT_TLS_CERTS_DIR}").
                                 --tls-server-certs-dir is the same flag.
  --insecure                     Run without mTLS credentials; --tls-certs-dir is then ignored.
  --max-recv-message-size=INT    Maximum size of received messages in MB
                                 (default ${DEFAULT_MAX_RECV_MESSAGE_SIZE_MB}).
  --codec=sdk|fast               Protobuf codec: the SDK's, or functions/wire/'s one-pass codec
                                 (default "${DEFAULT_CODEC}"). Both give the same answers; fast
                                 costs less per call.
`;

/** Parse the command line like Crossplane's Go functions do. Never exits; main decides. */
export function parseFlags(argv: string[], env: NodeJS.ProcessEnv = {}): ParsedFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean" },
        debug: { type: "boolean", short: "d" },
        address: { type: "string" },
        "tls-certs-dir": { type: "string" },
        "tls-server-certs-dir": { type: "string" },
        insecure: { type: "boolean" },
        "max-recv-message-size": { type: "string" },
        codec: { type: "string" },
      },
    }));
  } catch (err) {
    return { kind: "error", message: errorMessage(err) };
  }
  if (values.help) return { kind: "help" };

  let maxRecvMessageSize = DEFAULT_MAX_RECV_MESSAGE_SIZE;
  const rawMax = values["max-recv-message-size"];
  if (rawMax !== undefined) {
    // An integer, as Go's flag parser takes it; zero or less would refuse every request.
    const mb = /^[-+]?[0-9]+$/.test(rawMax) ? Number(rawMax) : NaN;
    if (!(mb >= 1 && mb <= MAX_MESSAGE_SIZE_MB)) {
      return {
        kind: "error",
        message:
          `--max-recv-message-size: expected a whole number of MB from 1 ` +
          `to ${MAX_MESSAGE_SIZE_MB}, got "${rawMax}"`,
      };
    }
    maxRecvMessageSize = mb * MB;
  }

  const address = values.address ?? DEFAULT_ADDRESS;
  if (
    !/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):[0-9]{1,5}$/.test(address) ||
    Number(address.slice(address.lastIndexOf(":") + 1)) > 65535
  ) {
    return { kind: "error", message: `--address: expected host:port or :port, got "${address}"` };
  }

  const codec = values.codec ?? DEFAULT_CODEC;
  if (!Object.hasOwn(CODECS, codec)) {
    return {
      kind: "error",
      message: `--codec: expected ${Object.keys(CODECS).join(" or ")}, got "${codec}"`,
    };
  }

  const certsDir =
    values["tls-certs-dir"] ??
    values["tls-server-certs-dir"] ??
    (env.TLS_SERVER_CERTS_DIR || DEFAULT_TLS_CERTS_DIR);
  return {
    kind: "run",
    flags: {
      address,
      insecure: values.insecure ?? false,
      tlsCertsDir: certsDir,
      debug: values.debug ?? false,
      maxRecvMessageSize,
      codec: codec as CodecName,
    },
  };
}

/**
 * The SDK's service definition with the chosen codec. grpc-js hands the
 * request over as bytes and the handler decodes it, so a request that is not
 * a RunFunctionRequest gets the same answer from either codec (and see
 * functions/wire/index.ts for why the fast codec wants it decoded there).
 */
function service(codec: CodecName) {
  return {
    runFunction: {
      ...FunctionRunnerServiceService.runFunction,
      requestDeserialize: (bytes: Buffer): Buffer => bytes,
      responseSerialize: CODECS[codec].encode,
    },
  };
}

/** The part of `Fn` the server needs; tests may pass anything with `run`. */
export interface Runner {
  run(req: RunFunctionRequest): RunFunctionResponse;
}

export interface ServerOptions extends Partial<Flags> {
  fn: Runner;
  logger?: Logger;
}

export interface ServerHandle {
  /** The bound port (useful with `--address host:0`). */
  port: number;
  server: grpc.Server;
  /** Stop accepting calls and resolve once in-flight calls have finished. */
  shutdown(): Promise<void>;
}

/** A startup failure that main prints as one line and exits 1 on. */
export class StartupError extends Error {
  override name = "StartupError";
}

/**
 * JSON lines with the level as a word ("level":"info"), as Crossplane's Go
 * functions log. Written synchronously, so lines are in the order things
 * happened and none is lost when the process exits.
 */
export function newLogger(debug: boolean): Logger {
  return pino(
    {
      level: debug ? "debug" : "info",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}

export async function startServer(opts: ServerOptions): Promise<ServerHandle> {
  const address = opts.address ?? DEFAULT_ADDRESS;
  const insecure = opts.insecure ?? false;
  const debug = opts.debug ?? false;
  const maxRecv = opts.maxRecvMessageSize ?? DEFAULT_MAX_RECV_MESSAGE_SIZE;
  const codec = opts.codec ?? DEFAULT_CODEC;
  const log = opts.logger ?? newLogger(debug);

  const creds = insecure
    ? grpc.ServerCredentials.createInsecure()
    : serverCredentials(opts.tlsCertsDir ?? DEFAULT_TLS_CERTS_DIR);

  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxRecv,
    // Responses echo and extend the request, so never allow less than we accept
    // nor less than the gRPC default Crossplane's client accepts.
    "grpc.max_send_message_length": Math.max(maxRecv, DEFAULT_MAX_RECV_MESSAGE_SIZE),
    // grpc-js keeps channelz statistics (timestamps, counters, a tracker object of four
    // closures per call) for a channelz service this server does not register: no one
    // can read them, and each call paid for them.
    "grpc.enable_channelz": 0,
  });
  server.addService(service(codec), { runFunction: handler(opts.fn, log, debug, codec) });

  const port = await listen(server, address, creds);
  log.info(
    {
      address,
      port,
      tls: insecure ? "insecure" : "mTLS",
      maxRecvMessageSize: maxRecv,
      codec,
      debug,
    },
    "function server started",
  );

  let stopped: Promise<void> | undefined;
  return {
    port,
    server,
    shutdown: () =>
      (stopped ??= new Promise<void>((resolve, reject) =>
        server.tryShutdown((err) => (err ? reject(err) : resolve())),
      )),
  };
}

/**
 * Binds `address`. Go's ":9443" listens on every address of every family; the
 * same from grpc-js is "[::]:9443", which Node binds dual-stack (IPv4 clients
 * arrive as ::ffff:a.b.c.d), or "0.0.0.0:9443" on a host without IPv6.
 */
async function listen(
  server: grpc.Server,
  address: string,
  creds: grpc.ServerCredentials,
): Promise<number> {
  const bind = (target: string) =>
    new Promise<number>((resolve, reject) =>
      server.bindAsync(target, creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
  try {
    if (!address.startsWith(":")) return await bind(address);
    try {
      return await bind(`[::]${address}`);
    } catch {
      return await bind(`0.0.0.0${address}`);
    }
  } catch (err) {
    throw new StartupError(`cannot listen on ${address}: ${errorMessage(err)}`);
  }
}

function serverCredentials(dir: string): grpc.ServerCredentials {
  const read = (name: string): Buffer => {
    const path = join(dir, name);
    try {
      return readFileSync(path);
    } catch (err) {
      throw new StartupError(`cannot read ${path}: ${fsReason(err)}`);
    }
  };
  const certPath = join(dir, "tls.crt");
  const keyPath = join(dir, "tls.key");
  const caPath = join(dir, "ca.crt");
  const cert = read("tls.crt");
  const key = read("tls.key");
  const ca = read("ca.crt");
  // Fail at startup, naming the file, rather than on the first handshake.
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new StartupError(`cannot use ${certPath}: not a PEM certificate (${errorMessage(err)})`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new StartupError(`cannot use ${keyPath}: not a PEM private key (${errorMessage(err)})`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new StartupError(
      `cannot use ${keyPath}: it does not match the certificate in ${certPath}`,
    );
  try {
    new X509Certificate(ca);
  } catch (err) {
    throw new StartupError(`cannot use ${caPath}: not a PEM certificate (${errorMessage(err)})`);
  }
  // checkClientCertificate = true: mutual TLS, clients must present a cert signed by ca.crt.
  return grpc.ServerCredentials.createSsl(ca, [{ private_key: key, cert_chain: cert }], true);
}

function handler(
  fn: Runner,
  log: Logger,
  debug: boolean,
  codec: CodecName,
): grpc.handleUnaryCall<Buffer, RunFunctionResponse> {
  const decode = CODECS[codec].decode;
  return (call, callback) => {
    // Only the debug log line reports a call's duration.
    const start = debug ? process.hrtime.bigint() : 0n;
    let req: RunFunctionRequest;
    try {
      req = decode(call.request);
    } catch {
      // What grpc-js answers when a deserializer throws; the bytes may hold a
      // Secret, so nothing of them is logged or echoed.
      log.warn(
        { bytes: call.request.length },
        "RunFunction request is not a valid RunFunctionRequest",
      );
      callback({ code: grpc.status.INTERNAL, details: "Error deserializing request" });
      return;
    }
    let rsp: RunFunctionResponse;
    try {
      rsp = fn.run(req);
    } catch (err) {
      rsp = internalError(req, err);
    }
    const durationMs = debug ? Number(process.hrtime.bigint() - start) / 1e6 : 0;
    try {
      logCall(log, debug, req, rsp, durationMs);
    } catch {
      // Logging must never fail a call.
    }
    callback(null, rsp);
  };
}

function internalError(req: RunFunctionRequest | undefined, err: unknown): RunFunctionResponse {
  return RunFunctionResponse.fromPartial({
    meta: { tag: req?.meta?.tag ?? "", ttl: DEFAULT_TTL },
    desired: req?.desired,
    results: [
      {
        severity: Severity.SEVERITY_FATAL,
        reason: "InternalError",
        message: `internal error: ${errorMessage(err)}`,
      },
    ],
    context: req?.context,
  });
}

const SEVERITY_NAMES: Record<number, string> = {
  [Severity.SEVERITY_UNSPECIFIED]: "Unspecified",
  [Severity.SEVERITY_FATAL]: "Fatal",
  [Severity.SEVERITY_WARNING]: "Warning",
  [Severity.SEVERITY_NORMAL]: "Normal",
};

function logCall(
  log: Logger,
  debug: boolean,
  req: RunFunctionRequest,
  rsp: RunFunctionResponse,
  durationMs: number,
): void {
  const results = rsp.results ?? [];
  const fatal = results.find((r) => r.severity === Severity.SEVERITY_FATAL);
  if (!debug && !fatal) return;
  const xr = (req.observed?.composite?.resource ?? {}) as Record<string, unknown>;
  const md = (xr.metadata ?? {}) as Record<string, unknown>;
  // The XR as kubectl names it: a namespaced one with its namespace, on every line about it.
  const who = {
    kind: xr.kind,
    name: md.name,
    ...(typeof md.namespace === "string" && md.namespace ? { namespace: md.namespace } : {}),
  };
  if (debug) {
    log[fatal ? "warn" : "debug"](
      {
        apiVersion: xr.apiVersion,
        ...who,
        spec: redact(xr.spec),
        results: results.map((r) => ({
          severity: SEVERITY_NAMES[r.severity] ?? String(r.severity),
          reason: r.reason,
          message: r.message,
        })),
        durationMs,
      },
      "RunFunction",
    );
  } else if (fatal) {
    log.warn(
      { ...who, reason: fatal.reason, message: fatal.message },
      "RunFunction returned a fatal result",
    );
  }
}

const SECRET_KEY = /userdata|password|token|secret|key|cert|credential/i;

/** Copy of `v` with every value under a secret-looking key replaced, at any depth. */
export function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(x);
    return o;
  }
  return v;
}

/**
 * SIGTERM/SIGINT: stop accepting calls and wait for in-flight ones (tryShutdown),
 * then log and exit 0. A second signal, or SHUTDOWN_TIMEOUT_MS passing, cancels
 * whatever is still running (forceShutdown) and exits: 0 unless the graceful
 * shutdown itself reported an error, then 1. Cancelled calls are not failures:
 * Crossplane retries them on the next reconcile. Each step is logged as it
 * happens, the last line just before the process exits.
 */
export function handleSignals(
  h: ServerHandle,
  log: Logger,
  opts: { timeoutMs?: number; exit?: (code: number) => void } = {},
): void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = opts.timeoutMs ?? SHUTDOWN_TIMEOUT_MS;
  let stopping = false;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (code: number) => {
    if (done) return;
    done = true;
    if (timer) clearTimeout(timer);
    log.info({ exitCode: code }, "function server stopped");
    exit(code);
  };
  const force = (why: string) => {
    if (done) return;
    log.warn({ reason: why }, "forcing shutdown: cancelling in-flight calls");
    h.server.forceShutdown();
    finish(0);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return force(`second signal ${signal}`);
    stopping = true;
    log.info(
      { signal, timeoutMs },
      "shutting down: refusing new calls, waiting for in-flight calls",
    );
    timer = setTimeout(
      () => force(`in-flight calls still running after ${timeoutMs}ms`),
      timeoutMs,
    );
    h.shutdown().then(
      () => {
        if (done) return;
        log.info("in-flight calls finished");
        finish(0);
      },
      (err: unknown) => {
        if (done) return;
        log.error({ err: errorMessage(err) }, "graceful shutdown failed");
        h.server.forceShutdown();
        finish(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === "string") {
    const m = /^[A-Z]+: ([^,]+)/.exec(e.message);
    return m ? `${m[1]} (${e.code})` : e.code;
  }
  return errorMessage(err);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
