// The real gRPC server end to end: mutual TLS, insecure mode, message limits,
// the CLI's startup errors and graceful shutdown.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn, type ChildProcess } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import {
  FunctionRunnerServiceService,
  RunFunctionRequest,
  Severity,
  type RunFunctionResponse,
} from "@crossplane-org/function-sdk-typescript";
import { CODECS, type CodecName } from "../functions/codec.js";
import { Fn } from "../functions/fn.js";
import { startServer, parseFlags, redact, type ServerHandle } from "../functions/server.js";
import { issue, type Issued } from "./support/certs.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const silent = pino({ level: "silent" });

// The SDK builds its client exactly like this but does not export it from the
// package entry point (and its exports map blocks deep imports).
type Client = grpc.Client & {
  runFunction(
    req: RunFunctionRequest,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, rsp: RunFunctionResponse) => void,
  ): grpc.ClientUnaryCall;
};
const ClientCtor = grpc.makeGenericClientConstructor(
  FunctionRunnerServiceService,
  "apiextensions.fn.proto.v1.FunctionRunnerService",
) as unknown as new (
  address: string,
  creds: grpc.ChannelCredentials,
  opts?: grpc.ClientOptions,
) => Client;

function call(client: Client, req: RunFunctionRequest): Promise<RunFunctionResponse> {
  return new Promise((resolve, reject) => {
    client.runFunction(req, { deadline: Date.now() + 20_000 }, (err, rsp) =>
      err ? reject(err) : resolve(rsp),
    );
  });
}

const widget = () =>
  RunFunctionRequest.fromPartial({
    meta: { tag: "t1" },
    observed: {
      composite: {
        resource: { apiVersion: "example.org/v1", kind: "Widget", metadata: { name: "w" } },
      },
    },
  });

function expectWidgetFatal(rsp: RunFunctionResponse) {
  expect(rsp.results).toHaveLength(1);
  expect(rsp.results[0]!.severity).toBe(Severity.SEVERITY_FATAL);
  expect(rsp.results[0]!.message).toContain("Widget");
}

// ---- certificates (test/support/certs.ts) --------------------------------

let dir: string;
let certsDir: string;
let ca: Issued, client: Issued, rogueClient: Issued;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "crossvdc-server-test-"));
  ca = issue("crossvdc test CA", undefined, "ca");
  const server = issue("localhost", ca, "server");
  client = issue("crossplane", ca, "client");
  const rogue = issue("rogue CA", undefined, "ca");
  rogueClient = issue("crossplane", rogue, "client");
  certsDir = join(dir, "server");
  mkdirSync(certsDir);
  writeFileSync(join(certsDir, "tls.crt"), server.certPem);
  writeFileSync(join(certsDir, "tls.key"), server.keyPem);
  writeFileSync(join(certsDir, "ca.crt"), ca.certPem);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- in-process server ---------------------------------------------------

describe("parseFlags", () => {
  const MB = 1024 * 1024;
  const defaults = {
    address: ":9443",
    insecure: false,
    tlsCertsDir: "/tls/server",
    debug: false,
    maxRecvMessageSize: 4 * MB,
    codec: "fast",
  };
  // The flags, defaults and units of function-sdk-go's CLI and function-template-go's main.go.
  it.each([
    { reason: "Crossplane's defaults: :9443, 4 MB, the fast codec", argv: [], env: {}, want: {} },
    {
      reason: "the certificates directory from TLS_SERVER_CERTS_DIR, as Crossplane sets it",
      argv: [],
      env: { TLS_SERVER_CERTS_DIR: "/certs" },
      want: { tlsCertsDir: "/certs" },
    },
    {
      reason: "--tls-certs-dir over the environment",
      argv: ["--tls-certs-dir", "/x"],
      env: { TLS_SERVER_CERTS_DIR: "/certs" },
      want: { tlsCertsDir: "/x" },
    },
    {
      reason: "--tls-server-certs-dir, the name the Go SDK's help text uses, is the same flag",
      argv: ["--tls-server-certs-dir=/y"],
      env: {},
      want: { tlsCertsDir: "/y" },
    },
    {
      reason: "--max-recv-message-size is in MB: =4 is 4 MB",
      argv: ["--max-recv-message-size=4"],
      env: {},
      want: { maxRecvMessageSize: 4 * MB },
    },
    {
      reason: "the largest size grpc-js takes",
      argv: ["--max-recv-message-size", "2047"],
      env: {},
      want: { maxRecvMessageSize: 2047 * MB },
    },
    {
      reason: "every flag at once, -d for --debug",
      argv: ["--insecure", "-d", "--address", "127.0.0.1:0", "--codec=sdk"],
      env: {},
      want: { insecure: true, debug: true, address: "127.0.0.1:0", codec: "sdk" },
    },
    {
      reason: "an IPv6 address",
      argv: ["--address=[::1]:9443"],
      env: {},
      want: { address: "[::1]:9443" },
    },
  ])("$reason", ({ argv, env, want }) => {
    expect(parseFlags(argv, env)).toEqual({ kind: "run", flags: { ...defaults, ...want } });
  });

  it.each([
    { reason: "zero MB would refuse every request", argv: ["--max-recv-message-size=0"] },
    { reason: "a negative size", argv: ["--max-recv-message-size=-1"] },
    {
      reason: "a size in bytes, as this flag once took",
      argv: ["--max-recv-message-size=4194304"],
    },
    { reason: "a fraction of a MB", argv: ["--max-recv-message-size=1.5"] },
    { reason: "not a number", argv: ["--max-recv-message-size", "lots"] },
    { reason: "a codec that does not exist", argv: ["--codec=protobufjs"] },
    { reason: "an address without a port", argv: ["--address=localhost"] },
    { reason: "a port past 65535", argv: ["--address=:70000"] },
    { reason: "an unknown flag", argv: ["--bogus"] },
  ])("refuses $reason", ({ argv }) => {
    const r = parseFlags(argv, {});
    expect(r.kind).toBe("error");
    const flag = argv[0]!.replace(/=.*$/, "");
    expect(r.kind === "error" && r.message).toContain(flag);
  });

  it("--help", () => {
    expect(parseFlags(["--help"], {})).toEqual({ kind: "help" });
  });

  it("redacts secret-like keys at any depth", () => {
    expect(
      redact({
        cloudInit: { userData: "#cloud-config" },
        sshKeys: ["ssh-ed25519 AAA"],
        vms: [{ name: "a", adminPassword: "p", tls: { caCert: "x" } }],
        size: 3,
      }),
    ).toEqual({
      cloudInit: { userData: "[redacted]" },
      sshKeys: "[redacted]",
      vms: [{ name: "a", adminPassword: "[redacted]", tls: { caCert: "[redacted]" } }],
      size: 3,
    });
  });
});

describe("mTLS server", () => {
  let h: ServerHandle;
  let address: string;
  const clients: Client[] = [];
  const newClient = (creds: grpc.ChannelCredentials) => {
    const c = new ClientCtor(address, creds);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    h = await startServer({
      fn: new Fn([]),
      address: "127.0.0.1:0",
      tlsCertsDir: certsDir,
      logger: silent,
    });
    address = `127.0.0.1:${h.port}`;
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await h?.shutdown();
  });

  it("answers a client with a CA-signed client certificate", async () => {
    const c = newClient(
      grpc.credentials.createSsl(
        Buffer.from(ca.certPem),
        Buffer.from(client.keyPem),
        Buffer.from(client.certPem),
      ),
    );
    const rsp = await call(c, widget());
    expectWidgetFatal(rsp);
    expect(rsp.meta?.tag).toBe("t1");
  });

  it("refuses a client without a client certificate", async () => {
    const c = newClient(grpc.credentials.createSsl(Buffer.from(ca.certPem)));
    const err = await call(c, widget()).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err).toBeDefined();
    expect(err!.code).toBe(grpc.status.UNAVAILABLE);
  });

  it("refuses a client whose certificate comes from another CA", async () => {
    const c = newClient(
      grpc.credentials.createSsl(
        Buffer.from(ca.certPem),
        Buffer.from(rogueClient.keyPem),
        Buffer.from(rogueClient.certPem),
      ),
    );
    const err = await call(c, widget()).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err).toBeDefined();
    expect(err!.code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe.each(Object.keys(CODECS) as CodecName[])("insecure server, --codec=%s", (codec) => {
  let h: ServerHandle;
  let c: Client;
  beforeAll(async () => {
    h = await startServer({
      fn: new Fn([]),
      address: "127.0.0.1:0",
      insecure: true,
      maxRecvMessageSize: 1024 * 1024,
      codec,
      logger: silent,
    });
    c = new ClientCtor(`127.0.0.1:${h.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    c?.close();
    await h?.shutdown();
  });

  it(
    "answers an insecure client; an unknown " + "kind is one Fatal result naming the kind",
    async () => {
      expectWidgetFatal(await call(c, widget()));
    },
  );

  it(
    "rejects a message over --max-recv-message-size with RESOURCE_EXHAUSTED and keeps " + "serving",
    async () => {
      const big = RunFunctionRequest.fromPartial({
        observed: {
          composite: {
            resource: {
              apiVersion: "example.org/v1",
              kind: "Widget",
              metadata: { name: "w" },
              spec: { blob: "x".repeat(2 * 1024 * 1024) },
            },
          },
        },
      });
      const err = await call(c, big).then(
        () => undefined,
        (e: grpc.ServiceError) => e,
      );
      expect(err).toBeDefined();
      expect(err!.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expectWidgetFatal(await call(c, widget()));
    },
  );

  it(
    "answers bytes that are not a RunFunctionRequest with INTERNAL, echoing none of them, " +
      "and keeps serving",
    async () => {
      const RawCtor = grpc.makeGenericClientConstructor(
        {
          runFunction: {
            ...FunctionRunnerServiceService.runFunction,
            requestSerialize: (b: Buffer) => b,
          },
        },
        "apiextensions.fn.proto.v1.FunctionRunnerService",
      ) as unknown as new (
        address: string,
        creds: grpc.ChannelCredentials,
      ) => grpc.Client & {
        runFunction(
          req: Buffer,
          opts: grpc.CallOptions,
          cb: (err: grpc.ServiceError | null) => void,
        ): void;
      };
      const raw = new RawCtor(`127.0.0.1:${h.port}`, grpc.credentials.createInsecure());
      try {
        // Field 2 (observed), length-delimited, claiming 100 bytes where 9
        // follow, a "password" among them.
        const garbage = Buffer.concat([Buffer.from([0x12, 100]), Buffer.from("password1")]);
        const err = await new Promise<grpc.ServiceError | null>((resolve) =>
          raw.runFunction(garbage, { deadline: Date.now() + 20_000 }, resolve),
        );
        expect(err?.code).toBe(grpc.status.INTERNAL);
        expect(err?.details).toBe("Error deserializing request");
      } finally {
        raw.close();
      }
      expectWidgetFatal(await call(c, widget()));
    },
  );

  it("answers a Fatal result instead of crashing when the function throws", async () => {
    const h2 = await startServer({
      fn: {
        run() {
          throw new Error("boom");
        },
      },
      address: "127.0.0.1:0",
      insecure: true,
      logger: silent,
    });
    const c2 = new ClientCtor(`127.0.0.1:${h2.port}`, grpc.credentials.createInsecure());
    try {
      const rsp = await call(c2, widget());
      expect(rsp.results).toHaveLength(1);
      expect(rsp.results[0]!.severity).toBe(Severity.SEVERITY_FATAL);
      expect(rsp.results[0]!.message).toBe("internal error: boom");
    } finally {
      c2.close();
      await h2.shutdown();
    }
  });
});

describe("--address :port", () => {
  const hasIPv6Loopback = Object.values(networkInterfaces())
    .flat()
    .some((i) => i?.family === "IPv6" && i.address === "::1");
  it.each([
    { reason: "IPv4 clients reach it", target: "127.0.0.1", skip: false },
    { reason: "IPv6 clients reach it", target: "[::1]", skip: !hasIPv6Loopback },
  ])("listens on every address family, as Go's :9443 does: $reason", async ({ target, skip }) => {
    if (skip) return;
    const h = await startServer({ fn: new Fn([]), address: ":0", insecure: true, logger: silent });
    const c = new ClientCtor(`${target}:${h.port}`, grpc.credentials.createInsecure());
    try {
      expectWidgetFatal(await call(c, widget()));
    } finally {
      c.close();
      await h.shutdown();
    }
  });
});

// ---- the CLI as a child process -------------------------------------------

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runMain(args: string[]): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", "functions/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, TLS_SERVER_CERTS_DIR: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

function logLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitFor<T>(f: () => T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("main.ts", () => {
  it("exits non-zero naming the missing file when tls.key is missing", async () => {
    const partial = join(dir, "no-key");
    mkdirSync(partial);
    writeFileSync(join(partial, "tls.crt"), "x");
    writeFileSync(join(partial, "ca.crt"), ca.certPem);
    const p = runMain(["--tls-server-certs-dir", partial]);
    const { code } = await p.exited;
    expect(code).not.toBe(0);
    expect(code).toBe(1);
    expect(p.stderr()).toContain(join(partial, "tls.key"));
  }, 60_000);

  it("exits 2 with usage on an unknown flag", async () => {
    const p = runMain(["--no-such-flag"]);
    const { code } = await p.exited;
    expect(code).toBe(2);
    expect(p.stderr()).toContain("--max-recv-message-size");
  }, 60_000);

  it(
    "logs levels as words, the XR's namespace on its lines, and the shutdown in the order " +
      "it happens",
    async () => {
      const p = runMain(["--insecure", "--address", "127.0.0.1:0"]);
      try {
        const started = await waitFor(
          () => logLines(p.stdout()).find((l) => l.msg === "function server started"),
          60_000,
          `startup log line (stderr: ${p.stderr()})`,
        );
        expect(started.port).toBeGreaterThan(0);
        expect(started.tls).toBe("insecure");
        const c = new ClientCtor(
          `127.0.0.1:${Number(started.port)}`,
          grpc.credentials.createInsecure(),
        );
        const namespaced = RunFunctionRequest.fromPartial({
          observed: {
            composite: {
              resource: {
                apiVersion: "example.org/v1",
                kind: "Widget",
                metadata: { name: "w", namespace: "team-a" },
              },
            },
          },
        });
        try {
          expectWidgetFatal(await call(c, namespaced));
        } finally {
          c.close();
        }
        p.child.kill("SIGTERM");
        const { code, signal } = await p.exited;
        expect(signal).toBeNull();
        expect(code).toBe(0);
        const lines = logLines(p.stdout());
        expect(lines.map((l) => [l.level, l.msg])).toEqual([
          ["info", "function server started"],
          ["warn", "RunFunction returned a fatal result"],
          ["info", "shutting down: refusing new calls, waiting for in-flight calls"],
          ["info", "in-flight calls finished"],
          ["info", "function server stopped"],
        ]);
        expect(lines[1]).toMatchObject({
          kind: "Widget",
          name: "w",
          namespace: "team-a",
          reason: "InternalError",
        });
        expect(lines[2]).toMatchObject({ signal: "SIGTERM" });
        expect(lines[4]).toMatchObject({ exitCode: 0 });
      } finally {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      }
    },
    90_000,
  );

  it("npm start: SIGTERM to npm stops the server too", async () => {
    const npm = spawn("npm", ["start", "--", "--insecure", "--address", "127.0.0.1:0"], {
      cwd: ROOT,
      env: { ...process.env, TLS_SERVER_CERTS_DIR: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    npm.stdout.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => npm.on("exit", (code) => resolve(code)));
    let pid: number | undefined;
    try {
      const started = await waitFor(
        () => logLines(out).find((l) => l.msg === "function server started"),
        60_000,
        "the server's startup line",
      );
      pid = started.pid as number;
      expect(pid).not.toBe(npm.pid);
      npm.kill("SIGTERM");
      expect(await exited).toBe(0);
      const alive = () => {
        try {
          process.kill(pid!, 0);
          return true;
        } catch {
          return false;
        }
      };
      await waitFor(() => (alive() ? undefined : true), 10_000, `server process ${pid} to exit`);
      expect(logLines(out).at(-1)).toMatchObject({ msg: "function server stopped", exitCode: 0 });
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) npm.kill("SIGKILL");
      if (pid !== undefined)
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone, as it should be
        }
    }
  }, 90_000);
});
