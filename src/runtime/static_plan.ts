import { giveBack, isPooled, markEscaped } from "../backends/buffer_pool.js";
import { inFlightIdle, inFlightSettled } from "../backends/in_flight.js";
import type { Kernel, Value, VariableRef } from "../backends/kernel.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { enterRun, leaveRun } from "../framework/run_context.js";
import {
  annotate,
  cannotAwait,
  fetchedValue,
  inputIsRef,
  kernelBackend,
  LiveBytes,
  type Plan,
} from "./plan_support.js";
import { isPending, pause, type RunState, sliceOver } from "./run_state.js";

/** One step of a plan: a kernel and where its inputs come from and its outputs go. */
interface PlanNode {
  readonly op: Operation;
  readonly kernel: Kernel;
  readonly inputSlots: Int32Array;
  /** Input positions fed by a ref tensor whose argument is not a ref: read the variable's value. */
  readonly deref: Int32Array | null;
  readonly outputSlots: Int32Array;
  /** Slots whose last reader is this node: released right after it runs. */
  readonly release: Int32Array;
  /** The op may keep its inputs beyond the run (a stateful op, or one writing a variable). */
  readonly retainsInputs: boolean;
}

/**
 * A compiled (feeds, fetches) signature: the ops the fetches need, pruned and topologically
 * ordered, with a slot per tensor and, per node, the slots to release after it runs.
 */
export class StaticPlan implements Plan {
  private readonly nodes: PlanNode[];
  private readonly numSlots: number;
  private readonly feedSlots: Int32Array;
  private readonly fetchSlots: Int32Array;

  constructor(
    order: readonly Operation[],
    feeds: readonly Tensor[],
    fetchTensors: readonly Tensor[],
    makeKernel: (op: Operation) => Kernel,
  ) {
    const fed = new Set(feeds);
    const slotOf = new Map<Tensor, number>();
    let next = 0;
    for (const t of feeds) slotOf.set(t, next++);
    const producedSlot = (t: Tensor): number => {
      const key = t;
      let s = slotOf.get(key);
      if (s === undefined) slotOf.set(key, (s = next++));
      return s;
    };
    // Output slots of ops are distinct from feed slots even for fed tensors of running ops.
    const outSlot = new Map<Tensor, number>();
    for (const op of order) {
      for (const t of op.outputs) {
        if (fed.has(t)) outSlot.set(t, next++);
        else outSlot.set(t, producedSlot(t));
      }
    }
    const readSlot = (t: Tensor): number => (fed.has(t) ? slotOf.get(t)! : outSlot.get(t)!);
    this.numSlots = next;
    this.feedSlots = Int32Array.from(feeds, (t) => slotOf.get(t)!);
    this.fetchSlots = Int32Array.from(fetchTensors, readSlot);

    const lastReader = new Int32Array(next).fill(-1);
    const pinned = new Uint8Array(next);
    for (const s of this.fetchSlots) pinned[s] = 1;
    this.nodes = order.map((op, i) => {
      const deref: number[] = [];
      const inputSlots = Int32Array.from(op.inputs, (t, j) => {
        if (t.isRef && !inputIsRef(op, j)) deref.push(j);
        const s = readSlot(t);
        lastReader[s] = i;
        return s;
      });
      return {
        op,
        kernel: makeKernel(op),
        inputSlots,
        deref: deref.length ? Int32Array.from(deref) : null,
        outputSlots: Int32Array.from(op.outputs, (t) => outSlot.get(t)!),
        release: new Int32Array(0),
        retainsInputs: op.def.isStateful || op.def.inputs.some((a) => a.isRef),
      };
    });
    // Release each slot after its last reader; outputs nobody reads go right after their producer.
    const releases: number[][] = this.nodes.map(() => []);
    for (let s = 0; s < next; s++) {
      if (pinned[s]) continue;
      if (lastReader[s] >= 0) releases[lastReader[s]].push(s);
    }
    this.nodes.forEach((n, i) => {
      for (const s of n.outputSlots) if (lastReader[s] < 0 && !pinned[s]) releases[i].push(s);
      (n as { release: Int32Array }).release = Int32Array.from(releases[i]);
    });
  }

  get size(): number {
    return this.nodes.length;
  }

  /**
   * Runs the plan; returns the fetched values (refs read). Synchronously when no kernel awaits
   * and the run is short; otherwise a promise, the run going on between the event loop's turns.
   */
  execute(feedValues: readonly Value[], st: RunState): NDArray[] | Promise<NDArray[]> {
    const ex: Exec = {
      st,
      slots: new Array(this.numSlots),
      holders: new Map(),
      live: st.stats ? new LiveBytes(st.stats) : null,
      next: 0,
      pending: null,
      pendingNode: -1,
      pendingInputs: [],
      pendingStart: 0,
    };
    for (let i = 0; i < feedValues.length; i++) ex.slots[this.feedSlots[i]] = feedValues[i];
    if (ex.live) for (const v of ex.slots) ex.live.hold(v);
    const previous = enterRun(st.ctx);
    let done: boolean;
    try {
      done = this.advance(ex);
    } finally {
      leaveRun(previous);
    }
    if (done) return this.finish(ex);
    if (!st.ctx.mayAwait) throw cannotAwait(this.nodes[ex.pendingNode]?.op);
    return this.resume(ex);
  }

  /** The rest of a run that paused: await, re-enter the run, go on. */
  private async resume(ex: Exec): Promise<NDArray[]> {
    for (;;) {
      const outs = await pause(ex.st, ex.pending);
      const previous = enterRun(ex.st.ctx);
      try {
        if (ex.pendingNode >= 0) {
          this.complete(ex, ex.pendingNode, ex.pendingInputs, outs as Value[], ex.pendingStart);
        }
        ex.pending = null;
        ex.pendingNode = -1;
        if (this.advance(ex)) return this.finish(ex);
      } finally {
        leaveRun(previous);
      }
    }
  }

  /**
   * Runs nodes from `ex.next` until the end (true) or until the run must pause (false): a kernel
   * returned a promise, an op that updates buffers in place must wait for kernels still reading
   * off the main thread, or the slice has run long enough to yield.
   */
  private advance(ex: Exec): boolean {
    const nodes = this.nodes;
    const st = ex.st;
    while (ex.next < nodes.length) {
      const i = ex.next;
      const node = nodes[i];
      if (node.retainsInputs && st.ctx.mayAwait && !inFlightIdle()) {
        ex.pending = inFlightSettled();
        ex.pendingNode = -1;
        return false;
      }
      const ins = node.inputSlots;
      const inputs: Value[] = new Array(ins.length);
      for (let j = 0; j < ins.length; j++) inputs[j] = ex.slots[ins[j]]!;
      const started = st.trace ? performance.now() : 0;
      let outs: Value[] | Promise<Value[]>;
      try {
        if (node.deref) for (const j of node.deref) inputs[j] = (inputs[j] as VariableRef).read();
        outs = node.kernel(inputs) as Value[] | Promise<Value[]>; // no Switch here: never dead
      } catch (e) {
        throw annotate(e, node.op);
      }
      ex.next = i + 1;
      if (isPending(outs)) {
        ex.pending = outs.catch((e: unknown) => {
          throw annotate(e, node.op);
        });
        ex.pendingNode = i;
        ex.pendingInputs = inputs;
        ex.pendingStart = started;
        return false;
      }
      this.complete(ex, i, inputs, outs, started);
      if ((i & 15) === 0 && sliceOver(st)) return false;
    }
    return true;
  }

  /** Stores node i's outputs and releases the slots whose last reader it was. */
  private complete(ex: Exec, i: number, inputs: Value[], outs: Value[], started: number): void {
    const node = this.nodes[i];
    const { slots, holders, live } = ex;
    // Slots holding each pooled buffer: at zero the buffer goes back to the pool. A buffer a
    // retaining op took leaves the count (and so is never given back); fetched slots are never
    // released, so fetched buffers never reach zero.
    if (node.retainsInputs) {
      for (const v of inputs) {
        if (v instanceof NDArray) {
          holders.delete(v.data);
          markEscaped(v.data);
        }
      }
    }
    const os = node.outputSlots;
    for (let j = 0; j < os.length; j++) {
      const v = outs[j];
      slots[os[j]] = v;
      if (v instanceof NDArray && isPooled(v.data)) {
        const n = holders.get(v.data);
        // A pooled buffer seen for the first time this run is new from its kernel.
        holders.set(v.data, n === undefined ? 1 : n + 1);
      }
    }
    if (live) {
      for (const v of outs) live.hold(v);
      live.peak();
      live.stats.nodes++;
      if (ex.st.trace) live.trace(node.op, this.backendOf(i), started, outs);
    }
    const rel = node.release;
    for (let j = 0; j < rel.length; j++) {
      const v = slots[rel[j]];
      slots[rel[j]] = undefined;
      if (live) live.drop(v);
      if (v instanceof NDArray) {
        const n = holders.get(v.data);
        if (n === undefined) continue;
        if (n > 1) holders.set(v.data, n - 1);
        else {
          holders.delete(v.data);
          // Not if it escaped meanwhile (a kernel stored it in a variable).
          if (isPooled(v.data)) giveBack(v.data);
        }
      }
    }
  }

  private backendOf(i: number): string {
    return kernelBackend(this.nodes[i].kernel);
  }

  private finish(ex: Exec): NDArray[] {
    const out: NDArray[] = new Array(this.fetchSlots.length);
    const keep = ex.st.keepHandles;
    for (let i = 0; i < out.length; i++) {
      const v = ex.slots[this.fetchSlots[i]]!;
      // A function's caller (keepHandles) takes handles too: its Value[] is typed as such.
      out[i] = (keep ? fetchedValue(v, true) : fetchedValue(v)) as NDArray;
    }
    return out;
  }
}

/** One run of a static plan in progress. */
interface Exec {
  readonly st: RunState;
  readonly slots: (Value | undefined)[];
  readonly holders: Map<unknown, number>;
  readonly live: LiveBytes | null;
  /** The next node to start. */
  next: number;
  /** What the run awaits: node `pendingNode`'s outputs, or (pendingNode -1) other work. */
  pending: Promise<unknown> | null;
  pendingNode: number;
  pendingInputs: Value[];
  pendingStart: number;
}
