// A RunFunction client, built the way the SDK builds its own (the SDK does not
// export it). render, the benchmark and the tests drive the server with it.
import * as grpc from "@grpc/grpc-js";
import {
  FunctionRunnerServiceService,
  type RunFunctionRequest,
  type RunFunctionResponse,
} from "@crossplane-org/function-sdk-typescript";

export type FunctionClient = grpc.Client & {
  runFunction(
    req: RunFunctionRequest,
    cb: (err: grpc.ServiceError | null, rsp: RunFunctionResponse) => void,
  ): grpc.ClientUnaryCall;
};

const Ctor = grpc.makeGenericClientConstructor(
  FunctionRunnerServiceService,
  "apiextensions.fn.proto.v1.FunctionRunnerService",
) as unknown as new (
  address: string,
  creds: grpc.ChannelCredentials,
  opts?: grpc.ClientOptions,
) => FunctionClient;

export function newClient(
  address: string,
  creds = grpc.credentials.createInsecure(),
  opts?: grpc.ClientOptions,
): FunctionClient {
  return new Ctor(address, creds, opts);
}

export function runFunction(
  client: FunctionClient,
  req: RunFunctionRequest,
): Promise<RunFunctionResponse> {
  return new Promise((resolve, reject) =>
    client.runFunction(req, (err, rsp) => (err ? reject(err) : resolve(rsp))),
  );
}
