// The two gRPC services of a TensorFlow server, as TF's master_service.proto and
// worker_service.proto declare them (paths "/tensorflow.grpc.MasterService/RunStep"...), with
// protobuf-es serializers; and the mapping between TF's errors and gRPC statuses (both use the
// same canonical codes, error_codes.proto).
import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  AbortedError,
  AlreadyExistsError,
  CancelledError,
  DataLossError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  OpError,
  OutOfRangeError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  UnimplementedError,
  UnknownError,
} from "../framework/errors.js";
import * as pb from "../io/proto/index.js";

/** A request that did not decode: handlers answer it with InvalidArgumentError. */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}

interface Method<I extends DescMessage, O extends DescMessage> {
  readonly input: I;
  readonly output: O;
}
const m = <I extends DescMessage, O extends DescMessage>(input: I, output: O): Method<I, O> => ({
  input,
  output,
});

export const MASTER_METHODS = {
  CreateSession: m(pb.CreateSessionRequestSchema, pb.CreateSessionResponseSchema),
  ExtendSession: m(pb.ExtendSessionRequestSchema, pb.ExtendSessionResponseSchema),
  RunStep: m(pb.RunStepRequestSchema, pb.RunStepResponseSchema),
  CloseSession: m(pb.CloseSessionRequestSchema, pb.CloseSessionResponseSchema),
  ListDevices: m(pb.ListDevicesRequestSchema, pb.ListDevicesResponseSchema),
  Reset: m(pb.ResetRequestSchema, pb.ResetResponseSchema),
  MakeCallable: m(pb.MakeCallableRequestSchema, pb.MakeCallableResponseSchema),
  RunCallable: m(pb.RunCallableRequestSchema, pb.RunCallableResponseSchema),
  ReleaseCallable: m(pb.ReleaseCallableRequestSchema, pb.ReleaseCallableResponseSchema),
} as const;

export const WORKER_METHODS = {
  GetStatus: m(pb.GetStatusRequestSchema, pb.GetStatusResponseSchema),
  CreateWorkerSession: m(pb.CreateWorkerSessionRequestSchema, pb.CreateWorkerSessionResponseSchema),
  DeleteWorkerSession: m(pb.DeleteWorkerSessionRequestSchema, pb.DeleteWorkerSessionResponseSchema),
  RegisterGraph: m(pb.RegisterGraphRequestSchema, pb.RegisterGraphResponseSchema),
  DeregisterGraph: m(pb.DeregisterGraphRequestSchema, pb.DeregisterGraphResponseSchema),
  RunGraph: m(pb.RunGraphRequestSchema, pb.RunGraphResponseSchema),
  CleanupGraph: m(pb.CleanupGraphRequestSchema, pb.CleanupGraphResponseSchema),
  CleanupAll: m(pb.CleanupAllRequestSchema, pb.CleanupAllResponseSchema),
  RecvTensor: m(pb.RecvTensorRequestSchema, pb.RecvTensorResponseSchema),
} as const;

type Methods = Record<string, Method<DescMessage, DescMessage>>;
export type MasterMethods = typeof MASTER_METHODS;
export type WorkerMethods = typeof WORKER_METHODS;
type Req<M extends Methods, K extends keyof M> = MessageShape<M[K]["input"]>;
type Res<M extends Methods, K extends keyof M> = MessageShape<M[K]["output"]>;

/** A service's implementation: one async function per method. */
export type ServiceImpl<M extends Methods> = {
  [K in keyof M]: (request: Req<M, K>) => Promise<Res<M, K>>;
};

/** No size limits: tensors of any size travel in one message (TF sets the same). */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": -1,
  "grpc.max_send_message_length": -1,
};

const path = (service: string, method: string) => `/tensorflow.grpc.${service}/${method}`;

/** A gRPC service definition of `methods` (for grpc.Server.addService). */
export function serviceDefinition(service: string, methods: Methods): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, { input, output }] of Object.entries(methods)) {
    def[name] = {
      path: path(service, name),
      requestStream: false,
      responseStream: false,
      requestSerialize: (x: unknown) =>
        Buffer.from(toBinary(input, x as MessageShape<DescMessage>)),
      // A request that does not decode reaches the handler as MalformedRequest (answered with
      // INVALID_ARGUMENT) instead of failing inside grpc-js.
      requestDeserialize: (b: Buffer) => {
        try {
          return fromBinary(input, b);
        } catch (e) {
          return new MalformedRequest((e as Error).message);
        }
      },
      responseSerialize: (x: unknown) =>
        Buffer.from(toBinary(output, x as MessageShape<DescMessage>)),
      responseDeserialize: (b: Buffer) => fromBinary(output, b),
      originalName: name,
    };
  }
  return def;
}

/** Adapts async handlers to grpc-js's callback handlers, mapping thrown errors to statuses. */
export function serviceHandlers<M extends Methods>(
  service: string,
  methods: M,
  impl: ServiceImpl<M>,
): grpc.UntypedServiceImplementation {
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(methods)) {
    const fn = impl[name as keyof M] as (r: unknown) => Promise<unknown>;
    handlers[name] = (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const request = call.request;
      if (request instanceof MalformedRequest) {
        callback({
          code: grpc.status.INVALID_ARGUMENT,
          details: `${service}.${name}: malformed request: ${request.reason}`,
        });
        return;
      }
      fn(request).then(
        (response) => callback(null, response),
        (e: unknown) => callback(toStatus(e)),
      );
    };
  }
  return handlers;
}

/** A thrown error as a gRPC status (TF's code, TF's message). */
export function toStatus(e: unknown): Partial<grpc.StatusObject> {
  if (e instanceof OpError) return { code: e.errorCode, details: e.message };
  return { code: grpc.status.UNKNOWN, details: e instanceof Error ? e.message : String(e) };
}

const ERROR_CLASSES: Record<number, new (message: string) => OpError> = {
  1: CancelledError,
  2: UnknownError,
  3: InvalidArgumentError,
  4: DeadlineExceededError,
  5: NotFoundError,
  6: AlreadyExistsError,
  7: PermissionDeniedError,
  8: ResourceExhaustedError,
  9: FailedPreconditionError,
  10: AbortedError,
  11: OutOfRangeError,
  12: UnimplementedError,
  13: InternalError,
  14: UnavailableError,
  15: DataLossError,
  16: UnauthenticatedError,
};

/** A failed call's status as TF's error class; `what` says which call to which address. */
export function fromStatus(err: grpc.ServiceError, what: string): OpError {
  const Cls = ERROR_CLASSES[err.code] ?? UnknownError;
  const details = err.details || err.message;
  if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED)
    return new Cls(`${what}: ${details}`);
  return new Cls(details);
}

/** Options of one call: a deadline in ms from now (0 or undefined: none), an abort signal. */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A client of one service at one address; `call` returns TF errors on failure. */
export class ServiceClient<M extends Methods> {
  private readonly client: grpc.Client;

  constructor(
    readonly address: string,
    private readonly service: string,
    private readonly methods: M,
  ) {
    // Servers bind loopback names to 127.0.0.1: dialling it directly skips an IPv6 attempt.
    const dial = address.replace(/^localhost:/, "127.0.0.1:");
    this.client = new grpc.Client(dial, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  call<K extends keyof M & string>(
    method: K,
    request: Req<M, K>,
    options: CallOptions = {},
  ): Promise<Res<M, K>> {
    const { input, output } = this.methods[method];
    const what = `${this.service}.${method} to ${this.address}`;
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(options.signal.reason);
        return;
      }
      const callOptions: grpc.CallOptions = {};
      if (options.timeoutMs !== undefined && options.timeoutMs > 0)
        callOptions.deadline = Date.now() + options.timeoutMs;
      const onAbort = () => {
        call.cancel();
        reject(options.signal!.reason);
      };
      const call = this.client.makeUnaryRequest(
        path(this.service, method),
        (x: Req<M, K>) => Buffer.from(toBinary(input, x)),
        (b: Buffer) => fromBinary(output, b) as Res<M, K>,
        request,
        new grpc.Metadata(),
        callOptions,
        (err, value) => {
          options.signal?.removeEventListener("abort", onAbort);
          if (err) reject(fromStatus(err, what));
          else resolve(value!);
        },
      );
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  close(): void {
    this.client.close();
  }
}

export const masterClient = (address: string) =>
  new ServiceClient(address, "MasterService", MASTER_METHODS);
export const workerClient = (address: string) =>
  new ServiceClient(address, "WorkerService", WORKER_METHODS);
export type MasterClient = ReturnType<typeof masterClient>;
export type WorkerClient = ReturnType<typeof workerClient>;
