// The load generator: one gRPC channel per server, N calls in flight, the same
// for the floor and for ours. The client is functions/client.ts's client with
// the (de)serialisers swapped for pass-through: requests are encoded once up
// front and responses are counted, not decoded, so on a shared 2-core machine
// as little client CPU as possible ends up in the servers' figures.
import * as grpc from "@grpc/grpc-js";
import { FunctionRunnerServiceService } from "@crossplane-org/function-sdk-typescript";

export type RawClient = grpc.Client & {
  runFunction(
    req: Buffer,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, rsp: Buffer) => void,
  ): grpc.ClientUnaryCall;
};

const RawCtor = grpc.makeGenericClientConstructor(
  {
    runFunction: {
      ...FunctionRunnerServiceService.runFunction,
      requestSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  },
  "apiextensions.fn.proto.v1.FunctionRunnerService",
) as unknown as new (
  address: string,
  creds: grpc.ChannelCredentials,
  opts?: grpc.ClientOptions,
) => RawClient;

export const MAX_MESSAGE = 64 * 1024 * 1024;

/**
 * The client's HTTP/2 receive window, for the connection and each stream.
 * Crossplane's client is grpc-go, which starts at 64 KiB and grows both windows
 * by bandwidth-delay-product estimation up to 16 MiB. grpc-js has no such
 * estimation: left at its fixed 64 KiB, 32 calls in flight share 64 KiB of
 * answers, and a server with 14 KiB answers waits for WINDOW_UPDATEs that
 * Crossplane's warmed-up client would not make it wait for. So the bench
 * client starts where grpc-go's estimation may end.
 */
export const FLOW_CONTROL_WINDOW = 16 * 1024 * 1024;

export function rawClient(
  address: string,
  creds: grpc.ChannelCredentials,
  opts: grpc.ClientOptions = {},
): RawClient {
  return new RawCtor(address, creds, {
    ...opts,
    "grpc.max_receive_message_length": MAX_MESSAGE,
    "grpc.max_send_message_length": MAX_MESSAGE,
    "grpc-node.flow_control_window": FLOW_CONTROL_WINDOW,
  });
}

export function call(client: RawClient, req: Buffer, timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    client.runFunction(req, { deadline: Date.now() + timeoutMs }, (err, rsp) =>
      err ? reject(err) : resolve(rsp),
    ),
  );
}

export interface Stats {
  calls: number;
  errors: number;
  firstError?: string;
  seconds: number;
  rps: number;
  /** Latencies in milliseconds. */
  p50: number;
  p99: number;
  max: number;
  /** Bytes of the last response. */
  responseBytes: number;
  /** Every latency, sorted (ms). */
  samples: Float64Array;
}

export interface DriveOptions {
  concurrency: number;
  /** Stop issuing calls after this long... */
  durationMs?: number;
  /** ...or after this many calls. */
  calls?: number;
  /** ...but make at least this many. */
  minCalls?: number;
  /** Requests to rotate through; call i sends reqs[i % reqs.length]. */
  reqs: Buffer[];
}

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Closed loop: `concurrency` workers, each issues its next call when the last one answers. */
export async function drive(client: RawClient, o: DriveOptions): Promise<Stats> {
  const limit = o.calls ?? Infinity;
  const lat = new Float64Array(Number.isFinite(limit) ? limit : 1 << 20);
  let n = 0;
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  let responseBytes = 0;
  const start = performance.now();
  const stopAt = o.durationMs !== undefined ? start + o.durationMs : Infinity;
  const more = () =>
    issued < limit &&
    (performance.now() < stopAt || issued < (o.minCalls ?? 0)) &&
    issued < lat.length;
  const worker = async () => {
    while (more()) {
      const req = o.reqs[issued++ % o.reqs.length]!;
      const t = performance.now();
      try {
        const rsp = await call(client, req);
        responseBytes = rsp.length;
        lat[n++] = performance.now() - t;
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const sorted = lat.subarray(0, n).sort();
  return {
    calls: n,
    errors,
    ...(firstError ? { firstError } : {}),
    seconds,
    rps: n / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: n ? sorted[n - 1]! : NaN,
    responseBytes,
    samples: sorted,
  };
}

/** Several runs as one: latencies pooled, throughput over the summed time. */
export function merge(runs: Stats[]): Stats {
  const all = new Float64Array(runs.reduce((n, r) => n + r.samples.length, 0));
  let at = 0;
  for (const r of runs) {
    all.set(r.samples, at);
    at += r.samples.length;
  }
  all.sort();
  const calls = runs.reduce((n, r) => n + r.calls, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const firstError = runs.find((r) => r.firstError)?.firstError;
  return {
    calls,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    ...(firstError ? { firstError } : {}),
    seconds,
    rps: calls / seconds,
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    max: all.length ? all[all.length - 1]! : NaN,
    responseBytes: runs[runs.length - 1]?.responseBytes ?? 0,
    samples: all,
  };
}
