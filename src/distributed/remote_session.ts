// A session whose target is a server ("grpc://host:port"): the graph goes to the server's master
// (CreateSession, then ExtendSession with the nodes added since), and each run is one RunStep
// with the feeds' values and the fetches' names. Same `run` as the in-process Session.
import { create } from "@bufbuild/protobuf";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  UnimplementedError,
  ValueError,
} from "../framework/errors.js";
import { type Graph, getDefaultGraph } from "../framework/graph.js";
import type { NDArray } from "../framework/ndarray.js";
import { graphToGraphDef } from "../io/graph_def.js";
import * as pb from "../io/proto/index.js";
import { ndarrayToTensorProto, tensorProtoToNDArray } from "../io/tensor_proto.js";
import { type Feeds, normalizeFeeds } from "../runtime/feeds.js";
import { type Fetches, type FetchResult, flattenFetches } from "../runtime/fetches.js";
import { type MasterClient, masterClient } from "./rpc.js";

/** Session options a remote session reads (TF's ConfigProto fields for clusters included). */
export interface RemoteConfig {
  allowSoftPlacement?: boolean;
  logDevicePlacement?: boolean;
  /** Only these tasks ("/job:ps", "/job:worker/task:1") take part in the session. */
  deviceFilters?: readonly string[];
  /** The most a call to the server (or between its tasks) may take, in ms. */
  operationTimeoutInMs?: number;
}

/** The RunOptions a remote run reads. */
export interface RemoteRunOptions {
  timeoutInMs?: number;
}

export interface RemoteSessionOptions {
  /** "grpc://host:port" */
  target: string;
  graph?: Graph;
  config?: RemoteConfig;
}

/** TF's DeviceAttributes as `sess.listDevices()` returns them. */
export interface DeviceAttributes {
  name: string;
  deviceType: string;
  memoryLimitBytes: number;
  incarnation: bigint;
}

/** "grpc://host:port" → "host:port"; other schemes are InvalidArgumentError. */
export function targetAddress(target: string): string {
  const m = /^grpc:\/\/([^/]+:\d+)\/?$/.exec(target);
  if (!m)
    throw new InvalidArgumentError(
      `Session target '${target}' is not a server address: expected "grpc://host:port" (or "" for an in-process session)`,
    );
  return m[1];
}

const clients = new Map<string, { client: MasterClient; users: number }>();
function acquire(address: string): MasterClient {
  let c = clients.get(address);
  if (!c) clients.set(address, (c = { client: masterClient(address), users: 0 }));
  c.users++;
  return c.client;
}
function release(address: string): void {
  const c = clients.get(address);
  if (c && --c.users === 0) {
    c.client.close();
    clients.delete(address);
  }
}

export class RemoteSession {
  readonly graph: Graph;
  readonly target: string;
  readonly config: RemoteConfig;
  private readonly address: string;
  private readonly client: MasterClient;
  private handle: Promise<string> | undefined;
  private version = 0n;
  private sentOps = 0;
  private closed = false;
  /** Serializes graph updates: a run that extends the graph waits for the one before. */
  private syncing: Promise<unknown> = Promise.resolve();

  constructor(options: RemoteSessionOptions) {
    this.graph = options.graph ?? getDefaultGraph();
    this.target = options.target;
    this.config = options.config ?? {};
    this.address = targetAddress(options.target);
    this.client = acquire(this.address);
  }

  private get timeoutMs(): number {
    return this.config.operationTimeoutInMs ?? 0;
  }

  private configProto(): pb.ConfigProto {
    return create(pb.ConfigProtoSchema, {
      deviceFilters: [...(this.config.deviceFilters ?? [])],
      operationTimeoutInMs: BigInt(this.config.operationTimeoutInMs ?? 0),
      allowSoftPlacement: this.config.allowSoftPlacement ?? false,
      logDevicePlacement: this.config.logDevicePlacement ?? false,
    });
  }

  /** Creates the server-side session or sends the nodes added since; resolves to its handle. */
  private sync(): Promise<string> {
    const next = this.syncing.then(async () => {
      const ops = this.graph.operations.length;
      if (this.handle && ops === this.sentOps) return this.handle;
      const def = graphToGraphDef(this.graph);
      if (!this.handle) {
        const created = this.client
          .call(
            "CreateSession",
            create(pb.CreateSessionRequestSchema, {
              graphDef: def,
              config: this.configProto(),
              target: this.target,
            }),
            { timeoutMs: this.timeoutMs },
          )
          .then((r) => {
            this.version = r.graphVersion;
            return r.sessionHandle;
          });
        this.handle = created;
        created.catch(() => {
          if (this.handle === created) this.handle = undefined;
        });
        this.sentOps = ops;
        return created;
      }
      const handle = await this.handle;
      const nodes = def.node.slice(this.sentOps);
      const r = await this.client.call(
        "ExtendSession",
        create(pb.ExtendSessionRequestSchema, {
          sessionHandle: handle,
          graphDef: create(pb.GraphDefSchema, {
            node: nodes,
            library: def.library,
            versions: def.versions,
          }),
          currentGraphVersion: this.version,
        }),
        { timeoutMs: this.timeoutMs },
      );
      this.version = r.newGraphVersion;
      this.sentOps = ops;
      return handle;
    });
    this.syncing = next.catch(() => {});
    return next;
  }

  /** Runs a step on the cluster; resolves to the fetches' structure, as Session.run. */
  run<F extends Fetches>(
    fetches: F,
    feeds?: Feeds,
    options?: RemoteRunOptions,
  ): Promise<FetchResult<F>> {
    return this.runStep(fetches, feeds, options) as Promise<FetchResult<F>>;
  }

  private async runStep(
    fetches: Fetches,
    feeds: Feeds | undefined,
    options: RemoteRunOptions | undefined,
  ): Promise<unknown> {
    if (this.closed) throw new ValueError("Attempted to use a closed Session.");
    const flat = flattenFetches(this.graph, fetches);
    const feedPairs = normalizeFeeds(this.graph, feeds);
    const handle = await this.sync();
    const request = create(pb.RunStepRequestSchema, {
      sessionHandle: handle,
      feed: feedPairs.map(([t, v]) =>
        create(pb.NamedTensorProtoSchema, { name: t.name, tensor: ndarrayToTensorProto(v) }),
      ),
      fetch: flat.tensors.map((t) => t.name),
      target: flat.ops.map((o) => o.name),
      options: create(pb.RunOptionsSchema, { timeoutInMs: BigInt(options?.timeoutInMs ?? 0) }),
    });
    const timeouts = [options?.timeoutInMs ?? 0, this.timeoutMs].filter((t) => t > 0);
    // The call's own deadline is a little later than the step's, so the step's error comes back.
    const deadline = timeouts.length > 0 ? Math.min(...timeouts) + 1000 : 0;
    const r = await this.client.call("RunStep", request, { timeoutMs: deadline });
    const byName = new Map(r.tensor.map((t) => [t.name, t.tensor]));
    const values: NDArray[] = flat.tensors.map((t) => {
      const p = byName.get(t.name);
      if (!p) throw new FailedPreconditionError(`RunStep returned no value for '${t.name}'`);
      return tensorProtoToNDArray(p);
    });
    return flat.rebuild(values);
  }

  /** Not available for a remote session (each run is a call to the server). */
  runSync(): never {
    throw new UnimplementedError(
      "runSync is not available for a session with a server target; use run",
    );
  }

  /** The devices of the cluster the target's master sees (TF's Session.list_devices). */
  async listDevices(): Promise<DeviceAttributes[]> {
    // With a session made, its device filters apply (TF lists the session's cluster).
    const sessionHandle = (await this.handle?.catch(() => undefined)) ?? "";
    const r = await this.client.call(
      "ListDevices",
      create(pb.ListDevicesRequestSchema, { sessionHandle }),
      {
        timeoutMs: this.timeoutMs,
      },
    );
    return [...r.localDevice, ...r.remoteDevice].map((d) => ({
      name: d.name,
      deviceType: d.deviceType,
      memoryLimitBytes: Number(d.memoryLimit),
      incarnation: d.incarnation,
    }));
  }

  /** Closes the server-side session (its registered graphs; variables stay on their tasks). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      const handle = await this.handle?.catch(() => undefined);
      if (handle)
        await this.client
          .call("CloseSession", create(pb.CloseSessionRequestSchema, { sessionHandle: handle }), {
            timeoutMs: this.timeoutMs || 10_000,
          })
          .catch(() => {});
    } finally {
      release(this.address);
    }
  }
}

/**
 * tf.Session.reset(target, containers): closes every session of the target's master and releases
 * the resources (variables, queues) of every task of its cluster.
 */
export async function resetTarget(
  target: string,
  containers: readonly string[] = [],
  config: RemoteConfig = {},
): Promise<void> {
  const address = targetAddress(target);
  const client = acquire(address);
  try {
    await client.call("Reset", create(pb.ResetRequestSchema, { container: [...containers] }), {
      timeoutMs: config.operationTimeoutInMs ?? 0,
    });
  } finally {
    release(address);
  }
}
