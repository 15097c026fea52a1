// tf.summary.FileWriter: events appended to `events.out.tfevents.<secs>.<host><suffix>` in a
// logdir, off the training loop's path. Events are serialized when added and queued; the queue is
// handed to asynchronous file writes when it holds `maxQueue` events or every `flushSecs`
// (an unref'd timer: it never keeps the process alive), and by flush()/close().
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { create, fromBinary, isMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { stringBytes } from "../framework/bytes.js";
import { InvalidArgumentError, ValueError } from "../framework/errors.js";
import { Graph, getDefaultGraph } from "../framework/graph.js";
import {
  AttrValueSchema,
  type Event,
  EventSchema,
  type GraphDef,
  GraphDefSchema,
  type MetaGraphDef,
  MetaGraphDefSchema,
  type RunMetadata as RunMetadataProto,
  RunMetadataSchema,
  type SessionLog,
  SessionLogSchema,
  type Summary,
  SummarySchema,
} from "../io/proto/index.js";
import { shapeToProto } from "../io/tensor_proto.js";
import { frameRecord } from "../io/tfrecord.js";
import type { RunMetadata } from "../runtime/session.js";
import { eventFileName, FILE_VERSION, RecordAppender } from "./event_file.js";
import { runMetadataToProto } from "./run_metadata.js";

export interface FileWriterOptions {
  /** Events queued before they are handed to the file (TF's max_queue, default 10). */
  maxQueue?: number;
  /** Seconds between background flushes of the queue (TF's flush_secs, default 120). */
  flushSecs?: number;
  /** Appended to the file name (TF's filename_suffix). */
  filenameSuffix?: string;
  /** A GraphDef to write instead of `graph` (TF's graph_def argument). */
  graphDef?: GraphDef;
}

type Step = number | bigint;

const stepOf = (s: Step | undefined): bigint | undefined =>
  s === undefined ? undefined : typeof s === "bigint" ? s : BigInt(Math.trunc(s));

/** Writers with queued events, flushed when the event loop empties (a script that forgot close). */
const open = new Set<FileWriter>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("beforeExit", () => {
    for (const w of open) w.handOff();
  });
}

export class FileWriter {
  private readonly dir: string;
  private readonly maxQueue: number;
  private readonly flushSecs: number;
  private readonly suffix: string;
  private appender!: RecordAppender;
  private queue: Uint8Array[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = true;
  private path = "";
  /** Tags whose plugin metadata was written once (TF strips it from later values). */
  private readonly seenSummaryTags = new Set<string>();
  /** Tags used by addRunMetadata (each may be used once, as TF). */
  private readonly runMetadataTags = new Set<string>();

  /**
   * Creates `logdir` if needed and opens a new event file there (its first event is
   * file_version "brain.Event:2"); with `graph`, writes its GraphDef.
   */
  constructor(logdir: string, graph?: Graph | null, options: FileWriterOptions = {}) {
    this.dir = logdir;
    this.maxQueue = Math.max(1, options.maxQueue ?? 10);
    this.flushSecs = options.flushSecs ?? 120;
    if (!(this.flushSecs > 0))
      throw new ValueError(`FileWriter: flushSecs must be > 0, got ${this.flushSecs}`);
    this.suffix = options.filenameSuffix ?? "";
    this.reopen();
    if (graph) this.addGraph(graph);
    else if (options.graphDef) this.addGraph(options.graphDef);
  }

  /** The directory events are written to (TF's get_logdir). */
  getLogdir(): string {
    return this.dir;
  }

  /** The file this writer appends to now. */
  get filePath(): string {
    return this.path;
  }

  /**
   * Queues an Event (a message or its fields), stamped with the wall time when it has none and
   * with `step` when given. Ignored after close(), as TF's writer does.
   */
  addEvent(event: Event | MessageInitShape<typeof EventSchema>, step?: Step): void {
    if (this.closed) return;
    const e = isMessage(event, EventSchema) ? event : create(EventSchema, event);
    const s = stepOf(step);
    const bytes = toBinary(EventSchema, {
      ...e,
      wallTime: e.wallTime || Date.now() / 1000,
      step: s ?? e.step,
    });
    this.queue.push(bytes);
    if (this.queue.length >= this.maxQueue) this.handOff();
  }

  /**
   * Adds a Summary: what a summary op output (its byte string or bytes) or a Summary message.
   * As TF does, plugin metadata is written only with the first value of each tag.
   */
  addSummary(summary: string | Uint8Array | Summary, step?: Step): void {
    let s: Summary;
    if (typeof summary === "string" || summary instanceof Uint8Array) {
      const bytes = typeof summary === "string" ? stringBytes(summary) : summary;
      try {
        s = fromBinary(SummarySchema, bytes);
      } catch (e) {
        throw new InvalidArgumentError(
          `FileWriter.addSummary: not a serialized Summary (${bytes.length} bytes): ${(e as Error).message}`,
        );
      }
    } else s = summary;
    let copied = false;
    s.value.forEach((v, i) => {
      if (!v.metadata) return;
      if (!this.seenSummaryTags.has(v.tag)) {
        this.seenSummaryTags.add(v.tag);
        return;
      }
      if (!copied) {
        s = create(SummarySchema, { value: [...s.value] });
        copied = true;
      }
      s.value[i] = { ...v, metadata: undefined };
    });
    this.addEvent(create(EventSchema, { what: { case: "summary", value: s } }), step);
  }

  /** Adds a graph (a Graph, written with each node's `_output_shapes`, or a GraphDef). */
  addGraph(graph: Graph | GraphDef, step?: Step): void {
    const def = graph instanceof Graph ? graphDefWithShapes(graph) : graph;
    const bytes = toBinary(GraphDefSchema, def);
    this.addEvent(create(EventSchema, { what: { case: "graphDef", value: bytes } }), step);
  }

  /** Adds a MetaGraphDef (a message or its serialized bytes). */
  addMetaGraph(metaGraphDef: MetaGraphDef | Uint8Array, step?: Step): void {
    const bytes =
      metaGraphDef instanceof Uint8Array
        ? metaGraphDef
        : toBinary(MetaGraphDefSchema, metaGraphDef);
    this.addEvent(create(EventSchema, { what: { case: "metaGraphDef", value: bytes } }), step);
  }

  /**
   * Adds the RunMetadata of a traced run (Session.run's runMetadata, or a proto) as a
   * TaggedRunMetadata under `tag`; a tag may be used once per writer (ValueError after).
   */
  addRunMetadata(runMetadata: RunMetadata | RunMetadataProto, tag: string, step?: Step): void {
    if (this.runMetadataTags.has(tag))
      throw new ValueError("The provided tag was already used for this event type");
    this.runMetadataTags.add(tag);
    const bytes = toBinary(RunMetadataSchema, runMetadataToProto(runMetadata));
    this.addEvent(
      create(EventSchema, {
        what: { case: "taggedRunMetadata", value: { tag, runMetadata: bytes } },
      }),
      step,
    );
  }

  /** Adds a SessionLog (START, STOP, CHECKPOINT with its path...). */
  addSessionLog(
    sessionLog: SessionLog | MessageInitShape<typeof SessionLogSchema>,
    step?: Step,
  ): void {
    const value = isMessage(sessionLog, SessionLogSchema)
      ? sessionLog
      : create(SessionLogSchema, sessionLog);
    this.addEvent(create(EventSchema, { what: { case: "sessionLog", value } }), step);
  }

  /** Writes every queued event; resolves when they are in the file (rejects on a write error). */
  async flush(): Promise<void> {
    this.handOff();
    await this.appender.drain();
  }

  /** Writes every queued event and closes the file; later events are ignored until reopen(). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.handOff();
    this.closed = true;
    open.delete(this);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.appender.close();
  }

  /** After close(): opens a new event file in the logdir (TF's reopen). No-op while open. */
  reopen(): void {
    if (!this.closed) return;
    mkdirSync(this.dir, { recursive: true });
    // The version record is written now, synchronously, so the file exists from here on. The
    // file is new: were the name taken (another writer, or a reopen, in the same second), the
    // next second's name is used, so no file is ever appended to after a partial record.
    const version = create(EventSchema, {
      wallTime: Date.now() / 1000,
      what: { case: "fileVersion", value: FILE_VERSION },
    });
    let seconds = Math.floor(Date.now() / 1000);
    let fd: number;
    for (;;) {
      this.path = eventFileName(this.dir, this.suffix, seconds);
      try {
        fd = openSync(this.path, "wx");
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        seconds++;
      }
    }
    try {
      writeSync(fd, frameRecord(toBinary(EventSchema, version)));
    } finally {
      closeSync(fd);
    }
    this.appender = new RecordAppender(this.path);
    this.closed = false;
    this.timer = setInterval(() => this.handOff(), this.flushSecs * 1000);
    this.timer.unref();
    open.add(this);
    installExitHook();
  }

  /** @internal Hands the queued events to the file writes (no waiting). */
  handOff(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.appender.append(batch);
  }
}

/** The graph's GraphDef with `_output_shapes` on each node (TF's as_graph_def(add_shapes=True)). */
function graphDefWithShapes(graph: Graph): GraphDef {
  const def = graph.asGraphDef();
  for (const node of def.node) {
    if (node.attr._output_shapes) continue;
    let op: ReturnType<Graph["getOperationByName"]>;
    try {
      op = graph.getOperationByName(node.name);
    } catch {
      continue;
    }
    if (op.outputs.length === 0) continue;
    node.attr._output_shapes = create(AttrValueSchema, {
      value: { case: "list", value: { shape: op.outputs.map((t) => shapeToProto(t.shape)) } },
    });
  }
  return def;
}

/** TF's FileWriterCache: one FileWriter per logdir, shared. */
export const FileWriterCache = {
  cache: new Map<string, FileWriter>(),
  /** The logdir's writer, created (with the default graph) on first use. */
  get(logdir: string): FileWriter {
    let w = this.cache.get(logdir);
    if (!w) {
      w = new FileWriter(logdir, getDefaultGraph());
      this.cache.set(logdir, w);
    }
    return w;
  },
  /** Closes every cached writer and empties the cache. */
  async clear(): Promise<void> {
    const writers = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(writers.map((w) => w.close()));
  },
};
