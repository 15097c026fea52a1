import { giveBack, isPooled, markEscaped } from "../backends/buffer_pool.js";
import type { Kernel, Value, VariableRef } from "../backends/kernel.js";
import { DTYPE_BYTES } from "../framework/dtypes.js";
import { DeadlineExceededError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { annotate, fetchedValue, inputIsRef, type Plan, type RunStats } from "./plan_support.js";

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

  /** Runs the plan; returns the fetched values (refs read). */
  execute(feedValues: readonly NDArray[], stats?: RunStats, deadline?: number): NDArray[] {
    const slots: (Value | undefined)[] = new Array(this.numSlots);
    for (let i = 0; i < feedValues.length; i++) slots[this.feedSlots[i]] = feedValues[i];
    if (stats) this.executeCounting(slots, stats, deadline);
    else this.executeFast(slots, deadline);
    const out: NDArray[] = new Array(this.fetchSlots.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = fetchedValue(slots[this.fetchSlots[i]]!);
    }
    return out;
  }

  private executeFast(slots: (Value | undefined)[], deadline?: number): void {
    const nodes = this.nodes;
    // Slots holding each pooled buffer: at zero the buffer goes back to the pool. A buffer a
    // retaining op took leaves the count (and so is never given back); fetched slots are never
    // released, so fetched buffers never reach zero.
    const holders = new Map<unknown, number>();
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      const ins = node.inputSlots;
      const inputs: Value[] = new Array(ins.length);
      for (let j = 0; j < ins.length; j++) inputs[j] = slots[ins[j]]!;
      let outs: Value[];
      try {
        if (node.deref) for (const j of node.deref) inputs[j] = (inputs[j] as VariableRef).read();
        outs = node.kernel(inputs) as Value[]; // no Switch here: never dead (interim: sync)
      } catch (e) {
        throw annotate(e, node.op);
      }
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
      const rel = node.release;
      for (let j = 0; j < rel.length; j++) {
        const v = slots[rel[j]];
        slots[rel[j]] = undefined;
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
      if (deadline !== undefined && (i & 63) === 0 && performance.now() > deadline)
        throw deadlineError();
    }
  }

  /** The same loop, counting live bytes (each buffer once, however many slots share it). */
  private executeCounting(slots: (Value | undefined)[], stats: RunStats, deadline?: number): void {
    const refs = new Map<unknown, number>();
    let live = 0;
    const hold = (v: Value | undefined) => {
      if (!(v instanceof NDArray)) return;
      const n = refs.get(v.data) ?? 0;
      refs.set(v.data, n + 1);
      if (n === 0) live += bytesOf(v);
    };
    const drop = (v: Value | undefined) => {
      if (!(v instanceof NDArray)) return;
      const n = refs.get(v.data)! - 1;
      if (n === 0) {
        refs.delete(v.data);
        live -= bytesOf(v);
      } else refs.set(v.data, n);
    };
    for (const v of slots) hold(v);
    stats.peakLiveBytes = Math.max(stats.peakLiveBytes, live);
    for (const node of this.nodes) {
      const inputs: Value[] = Array.from(node.inputSlots, (s) => slots[s]!);
      let outs: Value[];
      try {
        if (node.deref) for (const j of node.deref) inputs[j] = (inputs[j] as VariableRef).read();
        outs = node.kernel(inputs) as Value[]; // no Switch here: never dead (interim: sync)
      } catch (e) {
        throw annotate(e, node.op);
      }
      node.outputSlots.forEach((s, j) => {
        slots[s] = outs[j];
        hold(outs[j]);
      });
      stats.peakLiveBytes = Math.max(stats.peakLiveBytes, live);
      for (const s of node.release) {
        drop(slots[s]);
        slots[s] = undefined;
      }
      stats.nodes++;
      if (deadline !== undefined && performance.now() > deadline) throw deadlineError();
    }
  }
}

const bytesOf = (v: NDArray): number => v.size * DTYPE_BYTES[v.dtype];

const deadlineError = () =>
  new DeadlineExceededError("Timed out: the run took longer than RunOptions.timeoutInMs");
