// The real gRPC server end to end: mutual TLS, insecure mode, message limits,
// the CLI's startup errors and graceful shutdown.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from "node:fs";
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
  it("uses Crossplane's defaults and the TLS_SERVER_CERTS_DIR env", () => {
    expect(parseFlags([], {})).toEqual({
      kind: "run",
      flags: {
        address: "0.0.0.0:9443",
        insecure: false,
        tlsServerCertsDir: "/tls/server",
        debug: false,
        maxRecvMessageSize: 4194304,
      },
    });
    const r = parseFlags(
      ["--max-recv-message-size=1048576", "--insecure", "--debug", "--address", "127.0.0.1:0"],
      {
        TLS_SERVER_CERTS_DIR: "/certs",
      },
    );
    expect(r).toEqual({
      kind: "run",
      flags: {
        address: "127.0.0.1:0",
        insecure: true,
        tlsServerCertsDir: "/certs",
        debug: true,
        maxRecvMessageSize: 1048576,
      },
    });
    expect(
      parseFlags(["--tls-server-certs-dir", "/x"], { TLS_SERVER_CERTS_DIR: "/certs" }),
    ).toMatchObject({ flags: { tlsServerCertsDir: "/x" } });
    expect(parseFlags(["--help"], {})).toEqual({ kind: "help" });
    expect(parseFlags(["--bogus"], {}).kind).toBe("error");
    expect(parseFlags(["--max-recv-message-size", "lots"], {}).kind).toBe("error");
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
      tlsServerCertsDir: certsDir,
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

describe("insecure server", () => {
  let h: ServerHandle;
  let c: Client;
  beforeAll(async () => {
    h = await startServer({
      fn: new Fn([]),
      address: "127.0.0.1:0",
      insecure: true,
      maxRecvMessageSize: 1024 * 1024,
      logger: silent,
    });
    c = new ClientCtor(`127.0.0.1:${h.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    c?.close();
    await h?.shutdown();
  });

  it("answers an insecure client; an unknown kind is one Fatal result naming the kind", async () => {
    expectWidgetFatal(await call(c, widget()));
  });

  it("rejects a message over --max-recv-message-size with RESOURCE_EXHAUSTED and keeps serving", async () => {
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
  });

  it("answers bytes that are not a RunFunctionRequest with INTERNAL, echoing none of them, and keeps serving", async () => {
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
      // Field 2 (observed), length-delimited, claiming 100 bytes where 9 follow, a "password" among them.
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
  });

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

  it("serves on an ephemeral port and exits 0 with a shutdown log line after SIGTERM", async () => {
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
      try {
        expectWidgetFatal(await call(c, widget()));
      } finally {
        c.close();
      }
      p.child.kill("SIGTERM");
      const { code, signal } = await p.exited;
      expect(signal).toBeNull();
      expect(code).toBe(0);
      const lines = logLines(p.stdout());
      expect(lines.some((l) => l.msg === "function server stopped" && l.exitCode === 0)).toBe(true);
    } finally {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    }
  }, 90_000);
});
