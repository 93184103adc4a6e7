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
import { decodeRunFunctionRequest } from "./wire/decode.js";
import { encodeRunFunctionResponse } from "./wire/encode.js";

export const DEFAULT_ADDRESS = "0.0.0.0:9443";
export const DEFAULT_TLS_SERVER_CERTS_DIR = "/tls/server";
export const DEFAULT_MAX_RECV_MESSAGE_SIZE = 4 * 1024 * 1024;
/** How long SIGTERM waits for in-flight calls before cancelling them. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

export interface Flags {
  address: string;
  insecure: boolean;
  tlsServerCertsDir: string;
  debug: boolean;
  maxRecvMessageSize: number;
}

export type ParsedFlags =
  { kind: "run"; flags: Flags } | { kind: "help" } | { kind: "error"; message: string };

export const USAGE = `Usage: crossvdc [flags]

Crossplane composition function for Tenant and VDC composite resources.

Flags:
  --help                            Show this help and exit.
  -d, --debug                       Emit debug logs in addition to info logs.
  --address=STRING                  Address at which to listen for gRPC connections (default "${DEFAULT_ADDRESS}").
  --tls-server-certs-dir=STRING     Directory containing tls.crt, tls.key and ca.crt for mutual TLS
                                    ($TLS_SERVER_CERTS_DIR, default "${DEFAULT_TLS_SERVER_CERTS_DIR}").
  --insecure                        Run without mutual TLS.
  --max-recv-message-size=BYTES     Maximum size of a received gRPC message (default ${DEFAULT_MAX_RECV_MESSAGE_SIZE}).
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
        "tls-server-certs-dir": { type: "string" },
        insecure: { type: "boolean" },
        "max-recv-message-size": { type: "string" },
      },
    }));
  } catch (err) {
    return { kind: "error", message: errorMessage(err) };
  }
  if (values.help) return { kind: "help" };

  let maxRecvMessageSize = DEFAULT_MAX_RECV_MESSAGE_SIZE;
  const rawMax = values["max-recv-message-size"];
  if (rawMax !== undefined) {
    if (
      !/^[0-9]+$/.test(rawMax) ||
      !Number.isSafeInteger(Number(rawMax)) ||
      Number(rawMax) <= 0 ||
      Number(rawMax) > 2 ** 31 - 1
    ) {
      return {
        kind: "error",
        message: `--max-recv-message-size: expected a positive number of bytes, got "${rawMax}"`,
      };
    }
    maxRecvMessageSize = Number(rawMax);
  }

  let address = values.address ?? DEFAULT_ADDRESS;
  // Go accepts ":9443" for every interface; grpc-js needs a host.
  if (address.startsWith(":")) address = `0.0.0.0${address}`;
  if (
    !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):[0-9]{1,5}$/.test(address) ||
    Number(address.slice(address.lastIndexOf(":") + 1)) > 65535
  ) {
    return { kind: "error", message: `--address: expected host:port, got "${values.address}"` };
  }

  const certsDir =
    values["tls-server-certs-dir"] ?? (env.TLS_SERVER_CERTS_DIR || DEFAULT_TLS_SERVER_CERTS_DIR);
  return {
    kind: "run",
    flags: {
      address,
      insecure: values.insecure ?? false,
      tlsServerCertsDir: certsDir,
      debug: values.debug ?? false,
      maxRecvMessageSize,
    },
  };
}

/**
 * The SDK's service definition with our one-pass protobuf codec: it decodes to
 * what the SDK decodes and encodes the bytes the SDK encodes, without the
 * intermediate Struct and Value objects that cost more than composing does.
 *
 * grpc-js gets the request as bytes; the handler decodes it. grpc-js would
 * decode a request when its data arrives and run the handler only after the
 * end of the stream, so under load decoded requests outlived a young-generation
 * collection and were promoted, to be collected by a full GC. Decoded in the
 * handler, a request is garbage before the next collection
 * (docs/performance.md has the measurement).
 */
const SERVICE = {
  runFunction: {
    ...FunctionRunnerServiceService.runFunction,
    requestDeserialize: (bytes: Buffer): Buffer => bytes,
    responseSerialize: encodeRunFunctionResponse,
  },
};

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

export function newLogger(debug: boolean): Logger {
  return pino({ level: debug ? "debug" : "info", timestamp: pino.stdTimeFunctions.isoTime });
}

export async function startServer(opts: ServerOptions): Promise<ServerHandle> {
  const address = opts.address ?? DEFAULT_ADDRESS;
  const insecure = opts.insecure ?? false;
  const debug = opts.debug ?? false;
  const maxRecv = opts.maxRecvMessageSize ?? DEFAULT_MAX_RECV_MESSAGE_SIZE;
  const log = opts.logger ?? newLogger(debug);

  const creds = insecure
    ? grpc.ServerCredentials.createInsecure()
    : serverCredentials(opts.tlsServerCertsDir ?? DEFAULT_TLS_SERVER_CERTS_DIR);

  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxRecv,
    // Responses echo and extend the request, so never allow less than we accept
    // nor less than the gRPC default Crossplane's client accepts.
    "grpc.max_send_message_length": Math.max(maxRecv, DEFAULT_MAX_RECV_MESSAGE_SIZE),
  });
  server.addService(SERVICE, { runFunction: handler(opts.fn, log, debug) });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, creds, (err, p) =>
      err ? reject(new StartupError(`cannot listen on ${address}: ${err.message}`)) : resolve(p),
    );
  });
  log.info(
    { address, port, tls: insecure ? "insecure" : "mTLS", maxRecvMessageSize: maxRecv, debug },
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
): grpc.handleUnaryCall<Buffer, RunFunctionResponse> {
  return (call, callback) => {
    const start = process.hrtime.bigint();
    let req: RunFunctionRequest;
    try {
      req = decodeRunFunctionRequest(call.request);
    } catch {
      // What grpc-js answers when a deserializer throws; the bytes may hold a Secret, so nothing of them is logged or echoed.
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
    const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
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
  const xr = (req.observed?.composite?.resource ?? {}) as Record<string, unknown>;
  const md = (xr.metadata ?? {}) as Record<string, unknown>;
  const results = rsp.results ?? [];
  const fatal = results.find((r) => r.severity === Severity.SEVERITY_FATAL);
  if (debug) {
    log[fatal ? "warn" : "debug"](
      {
        apiVersion: xr.apiVersion,
        kind: xr.kind,
        name: md.name,
        namespace: md.namespace,
        spec: redact(xr.spec),
        results: results.map((r) => ({
          severity: SEVERITY_NAMES[r.severity] ?? String(r.severity),
          message: r.message,
        })),
        durationMs,
      },
      "RunFunction",
    );
  } else if (fatal) {
    log.warn(
      { kind: xr.kind, name: md.name, message: fatal.message },
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
 * Crossplane retries them on the next reconcile.
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
      () => finish(0),
      (err: unknown) => {
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
