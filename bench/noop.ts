// The floor: a do-nothing composition function on the same SDK and grpc-js
// as ours. The SDK's FunctionRunner wraps a handler that returns `to(req)`,
// registered exactly as the SDK's getServer registers it. Two things differ
// from the SDK's runtime, both to compare like with like: the credentials
// require a client certificate (ours do), and the server takes the same
// message-size options as ours (getServer takes none, so we register the
// service ourselves: same implementation, same grpc-js call).
//
//   node noop.js --address 127.0.0.1:0 (--insecure | --tls-server-certs-dir DIR)
//     [--max-recv-message-size MB] [--answer FILE]
//
// With `--answer FILE` it is the answer-only server instead: every call gets
// the bytes in FILE, with no protobuf decoding or encoding at all (grpc-js
// hands the request over as bytes and sends FILE as it is). Given our own
// answer, it costs what moving that request and that answer over gRPC costs,
// and nothing else.
//
// Logs one JSON line `{"msg":"function server started","port":N}` like ours,
// and stops on SIGTERM like ours.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import {
  FunctionRunner,
  FunctionRunnerServiceService,
  to,
  type FunctionHandler,
  type RunFunctionRequest,
  type RunFunctionResponse,
} from "@crossplane-org/function-sdk-typescript";

const { values } = parseArgs({
  options: {
    address: { type: "string", default: "127.0.0.1:0" },
    insecure: { type: "boolean", default: false },
    "tls-server-certs-dir": { type: "string", default: "/tls/server" },
    "max-recv-message-size": { type: "string", default: "4" },
    answer: { type: "string" },
  },
});

const log = pino({ level: "info", timestamp: pino.stdTimeFunctions.isoTime });

const handler: FunctionHandler = {
  RunFunction(req: RunFunctionRequest) {
    return Promise.resolve(to(req));
  },
};

const runner = new FunctionRunner(handler, log);
// In MB, as ours and the Go SDK take it.
const maxRecv = Number(values["max-recv-message-size"]) * 1024 * 1024;
const server = new grpc.Server({
  "grpc.max_receive_message_length": maxRecv,
  "grpc.max_send_message_length": Math.max(maxRecv, 4 * 1024 * 1024),
});
if (values.answer !== undefined) {
  const answer = readFileSync(values.answer);
  const passThrough = {
    ...FunctionRunnerServiceService.runFunction,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
  };
  server.addService(
    { runFunction: passThrough },
    {
      runFunction: (
        _call: grpc.ServerUnaryCall<Buffer, Buffer>,
        callback: grpc.sendUnaryData<Buffer>,
      ) => callback(null, answer),
    },
  );
} else {
  // The SDK's getServer, verbatim but for the options above.
  server.addService(FunctionRunnerServiceService, {
    runFunction: (
      call: grpc.ServerUnaryCall<RunFunctionRequest, RunFunctionResponse>,
      callback: grpc.sendUnaryData<RunFunctionResponse>,
    ) => {
      runner
        .RunFunction(call.request, log)
        .then((response) => {
          log.debug("RunFunction succeeded, sending response");
          callback(null, response);
        })
        .catch((error: unknown) => {
          log.error({ err: error }, "RunFunction failed");
          callback(error as grpc.ServiceError);
        });
    },
  });
}
const dir = values["tls-server-certs-dir"];
const creds = values.insecure
  ? grpc.ServerCredentials.createInsecure()
  : grpc.ServerCredentials.createSsl(
      readFileSync(join(dir, "ca.crt")),
      [
        {
          private_key: readFileSync(join(dir, "tls.key")),
          cert_chain: readFileSync(join(dir, "tls.crt")),
        },
      ],
      true,
    );

server.bindAsync(values.address, creds, (err, port) => {
  if (err) {
    process.stderr.write(`noop: cannot listen on ${values.address}: ${err.message}\n`);
    process.exit(1);
  }
  log.info(
    { address: values.address, port, tls: values.insecure ? "insecure" : "mTLS" },
    "function server started",
  );
});

process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
process.on("SIGINT", () => server.tryShutdown(() => process.exit(0)));
