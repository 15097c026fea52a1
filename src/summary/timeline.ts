// tf.Timeline (TF's tensorflow/python/client/timeline.py): a step's StepStats as a Chrome trace
// (the JSON chrome://tracing and Perfetto open). Each device is a process ("<device> Compute")
// with ops as "X" (complete) events on lanes; optional flow arrows from producer to consumer,
// and with showMemory, tensor lifetimes and a live-bytes counter per allocator.
import { isMessage } from "@bufbuild/protobuf";
import type { Graph } from "../framework/graph.js";
import { type StepStats as StepStatsProto, StepStatsSchema } from "../io/proto/index.js";
import type { NodeExecStats } from "../runtime/plan_support.js";
import { type StepStatsLike, stepStatsFromProto } from "./run_metadata.js";

/** One Chrome trace event (the fields this timeline uses). */
export interface TraceEvent {
  name: string;
  ph: "X" | "M" | "s" | "t" | "C" | "N" | "O" | "D";
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: number;
  args?: Record<string, unknown>;
}

/** "name = Op(a:0, b:0)" into its parts, as TF's _parse_op_label ("unknown" when it does not parse). */
export function parseOpLabel(label: string): { name: string; op: string; inputs: string[] } {
  const m = /^(.*) = (.*)\((.*)\)$/s.exec(label);
  if (!m) return { name: "unknown", op: "unknown", inputs: [] };
  return { name: m[1], op: m[2], inputs: m[3] === "" ? [] : m[3].split(", ") };
}

interface Placed {
  ns: NodeExecStats;
  pid: number;
  /** The pid of the device's "Tensors" process. */
  tensorPid: number;
  tid: number;
  start: number;
  end: number;
}

export class Timeline {
  private readonly stats: StepStatsLike;

  /** `stepStats`: runMetadata.stepStats of a traced run, or a StepStats proto. */
  constructor(stepStats: StepStatsLike | StepStatsProto, _graph?: Graph) {
    this.stats = isMessage(stepStats, StepStatsSchema)
      ? stepStatsFromProto(stepStats)
      : (stepStats as StepStatsLike);
  }

  /** The trace events (metadata first), as generateChromeTraceFormat writes them. */
  traceEvents(options: { showDataflow?: boolean; showMemory?: boolean } = {}): TraceEvent[] {
    const { showDataflow = true, showMemory = false } = options;
    const meta: TraceEvent[] = [];
    const events: TraceEvent[] = [];
    let nextPid = 0;
    const process = (name: string) => {
      const pid = nextPid++;
      meta.push({ name: "process_name", ph: "M", pid, args: { name } });
      return pid;
    };
    const allocatorsPid = process("Allocators");
    const placed: Placed[] = [];
    for (const dev of this.stats.devStats) {
      const pid = process(`${dev.device} Compute`);
      const tensorPid = process(`${dev.device} Tensors`);
      // TF's _assign_lanes: a node goes on the first lane free before it starts.
      const lanes: number[] = [0];
      for (const ns of dev.nodeStats) {
        const start = ns.allStartMicros;
        const end = start + ns.allEndRelMicros;
        let tid = lanes.findIndex((busyUntil) => start > busyUntil);
        if (tid < 0) {
          tid = lanes.length;
          lanes.push(end);
        } else lanes[tid] = end;
        placed.push({ ns, pid, tensorPid, tid, start, end });
      }
      lanes.forEach((_, tid) => {
        meta.push({ name: "thread_name", ph: "M", pid, tid, args: { name: `lane ${tid}` } });
      });
    }
    const producers = new Map<string, Placed>();
    for (const p of placed)
      for (const o of p.ns.output) producers.set(`${p.ns.nodeName}:${o.slot}`, p);
    let flowId = 0;
    const lastUse = new Map<string, number>();
    for (const p of placed) {
      const { op, inputs } = parseOpLabel(p.ns.timelineLabel);
      const args: Record<string, unknown> = { name: p.ns.nodeName, op };
      inputs.forEach((input, i) => {
        args[`input${i}`] = input;
      });
      if (p.ns.backend) args.backend = p.ns.backend;
      events.push({
        name: op,
        ph: "X",
        cat: "Op",
        pid: p.pid,
        tid: p.tid,
        ts: p.start,
        dur: p.ns.allEndRelMicros,
        args,
      });
      for (const input of inputs) {
        const key = input.startsWith("^") ? "" : input.includes(":") ? input : `${input}:0`;
        const src = producers.get(key);
        if (!src) continue;
        lastUse.set(key, Math.max(lastUse.get(key) ?? 0, p.end));
        if (!showDataflow) continue;
        const id = flowId++;
        events.push({
          name: key,
          ph: "s",
          cat: "DataFlow",
          pid: src.pid,
          tid: src.tid,
          ts: src.end,
          id,
        });
        events.push({
          name: key,
          ph: "t",
          cat: "DataFlow",
          pid: p.pid,
          tid: p.tid,
          ts: p.start,
          id,
        });
      }
    }
    if (showMemory) events.push(...memoryEvents(producers, lastUse, allocatorsPid));
    return [...meta, ...events];
  }

  /**
   * The Chrome trace JSON ({"traceEvents": [...]}, indented as TF writes it). `showDataflow`
   * (default true) draws producer→consumer arrows; `showMemory` (default false) adds each output
   * tensor's lifetime (create, snapshot with its shape and bytes, delete after its last
   * consumer) and a live-bytes counter per allocator (backend).
   */
  generateChromeTraceFormat(
    options: { showDataflow?: boolean; showMemory?: boolean } = {},
  ): string {
    return JSON.stringify({ traceEvents: this.traceEvents(options) }, null, 4);
  }
}

/** Tensor object events and allocator counters for showMemory. */
function memoryEvents(
  producers: ReadonlyMap<string, Placed>,
  lastUse: ReadonlyMap<string, number>,
  allocatorsPid: number,
): TraceEvent[] {
  const out: TraceEvent[] = [];
  const changes = new Map<string, [number, number][]>(); // allocator -> (ts, +/- bytes)
  let id = 0;
  for (const [key, p] of producers) {
    const slot = Number(key.slice(key.lastIndexOf(":") + 1));
    const o = p.ns.output.find((x) => x.slot === slot)!;
    const pid = p.tensorPid;
    const created = p.start;
    const deleted = Math.max(lastUse.get(key) ?? p.end, p.end);
    const objId = id++;
    out.push({ name: "Tensor", ph: "N", cat: "Tensor", pid, tid: 0, ts: created, id: objId });
    out.push({
      name: "Tensor",
      ph: "O",
      cat: "Tensor",
      pid,
      tid: 0,
      ts: p.end,
      id: objId,
      args: {
        snapshot: {
          tensor_name: key,
          dtype: o.dtype,
          shape: o.shape,
          requested_bytes: o.requestedBytes,
          allocator: p.ns.backend,
        },
      },
    });
    out.push({ name: "Tensor", ph: "D", cat: "Tensor", pid, tid: 0, ts: deleted, id: objId });
    const alloc = p.ns.backend || "cpu";
    const list = changes.get(alloc) ?? [];
    list.push([created, o.requestedBytes], [deleted, -o.requestedBytes]);
    changes.set(alloc, list);
  }
  for (const [alloc, list] of changes) {
    // Frees sort before allocations at the same instant, so the counter never overstates.
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let total = 0;
    for (const [ts, bytes] of list) {
      total += bytes;
      out.push({
        name: alloc,
        ph: "C",
        cat: "Memory",
        pid: allocatorsPid,
        ts,
        args: { [alloc]: total },
      });
    }
  }
  return out;
}
