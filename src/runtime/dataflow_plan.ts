// The executor for graphs with control flow, as TensorFlow's: values carry a frame and an
// iteration; Switch sends its input down one side and a "dead" token down the other; an op with
// a dead input does not run and passes deadness on; Merge forwards its first live input; Enter
// moves a value into a child frame (loop), NextIteration into the next iteration, Exit back to
// the parent frame. Nodes run when their inputs for their (frame, iteration) have arrived.
import { inFlightIdle, inFlightSettled } from "../backends/in_flight.js";
import { DEAD, type Dead, type Kernel, type Value, type VariableRef } from "../backends/kernel.js";
import { InvalidArgumentError } from "../framework/errors.js";
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

type Token = Value | Dead;
/** What a control edge delivers when its source ran (any non-dead token does). */
const CONTROL_LIVE: Token = new NDArray("bool", [], Uint8Array.of(1));
enum Kind {
  Normal,
  Merge,
  Enter,
  Exit,
  NextIteration,
}

interface Edge {
  readonly dst: number;
  /** Input position at dst; -1 for a control edge. */
  readonly slot: number;
}

interface DNode {
  readonly op: Operation;
  readonly kernel: Kernel;
  readonly kind: Kind;
  readonly numInputs: number;
  readonly numControls: number;
  /** Input positions whose ref value is read (a ref tensor into a non-ref argument). */
  readonly deref: readonly number[];
  /** The op may update its inputs in place (a stateful op, or one writing a variable). */
  readonly retainsInputs: boolean;
  /** Per output: where it goes. */
  readonly outEdges: Edge[][];
  readonly controlEdges: Edge[];
  /** Enter: the child frame's name and whether the value is loop-invariant. */
  readonly frameName: string;
  readonly isConstant: boolean;
}

/** One node's inputs in one (frame, iteration). */
interface NodeState {
  readonly inputs: (Token | undefined)[];
  arrived: number;
  controls: number;
  dead: boolean;
  fired: boolean;
}

class Frame {
  readonly iterations = new Map<number, Map<number, NodeState>>();
  readonly children = new Map<string, Frame>();
  /** Values of loop-invariant Enters, delivered to every iteration. */
  readonly constants: [number, Token][] = [];
  /** Whether any live value entered: a dead Exit of a frame that saw only dead values is passed on. */
  liveEntered = false;
  constructor(
    readonly parent: Frame | null,
    readonly parentIter: number,
  ) {}
}

interface Task {
  node: number;
  frame: Frame;
  iter: number;
}

const KIND_OF: Record<string, Kind> = {
  Merge: Kind.Merge,
  RefMerge: Kind.Merge,
  Enter: Kind.Enter,
  RefEnter: Kind.Enter,
  Exit: Kind.Exit,
  RefExit: Kind.Exit,
  NextIteration: Kind.NextIteration,
  RefNextIteration: Kind.NextIteration,
};

export class DataflowPlan implements Plan {
  private readonly nodes: DNode[];
  /** Nodes with no inputs at all in the plan: they start the run in the root frame. */
  private readonly sources: number[];
  /** Per feed: where its value goes. */
  private readonly feedEdges: Edge[][];
  /** Per fetch: the node and output that produces it, or the feed index that stands for it. */
  private readonly fetchFrom: ({ node: number; output: number } | { feed: number })[];

  constructor(
    ops: ReadonlySet<Operation>,
    feeds: readonly Tensor[],
    fetches: readonly Tensor[],
    makeKernel: (op: Operation) => Kernel,
  ) {
    const list = [...ops].sort((a, b) => a.id - b.id);
    const index = new Map(list.map((op, i) => [op, i]));
    const feedIndex = new Map(feeds.map((t, i) => [t, i]));
    this.feedEdges = feeds.map(() => []);
    this.nodes = list.map((op) => ({
      op,
      kernel: makeKernel(op),
      kind: KIND_OF[op.type] ?? Kind.Normal,
      numInputs: op.inputs.length,
      numControls: 0,
      deref: op.inputs.flatMap((t, j) => (t.isRef && !inputIsRef(op, j) ? [j] : [])),
      retainsInputs: op.def.isStateful || op.def.inputs.some((a) => a.isRef),
      outEdges: op.outputs.map(() => []),
      controlEdges: [],
      frameName: (op.attrs.frame_name as string) ?? "",
      isConstant: op.attrs.is_constant === true,
    }));
    const numControls = new Array<number>(list.length).fill(0);
    list.forEach((op, i) => {
      op.inputs.forEach((t, slot) => {
        const f = feedIndex.get(t);
        if (f !== undefined) this.feedEdges[f].push({ dst: i, slot });
        else this.nodes[index.get(t.op)!].outEdges[t.index].push({ dst: i, slot });
      });
      for (const c of op.controlInputs) {
        const ci = index.get(c);
        if (ci === undefined) continue; // replaced by feeds
        this.nodes[ci].controlEdges.push({ dst: i, slot: -1 });
        numControls[i]++;
      }
    });
    this.nodes.forEach((n, i) => {
      (n as { numControls: number }).numControls = numControls[i];
    });
    this.sources = this.nodes.flatMap((n, i) =>
      n.numInputs === 0 && n.numControls === 0 ? [i] : [],
    );
    this.fetchFrom = fetches.map((t) => {
      const f = feedIndex.get(t);
      return f !== undefined ? { feed: f } : { node: index.get(t.op)!, output: t.index };
    });
  }

  get size(): number {
    return this.nodes.length;
  }

  execute(feedValues: readonly Value[], st: RunState): NDArray[] | Promise<NDArray[]> {
    const live = st.stats ? new LiveBytes(st.stats) : null;
    const root = new Frame(null, 0);
    const queue: Task[] = [];
    const fetched = new Map<string, Token>();
    const wanted = new Set(
      this.fetchFrom.flatMap((f) => ("node" in f ? [`${f.node}:${f.output}`] : [])),
    );

    const stateOf = (frame: Frame, iter: number, node: number): NodeState => {
      let iteration = frame.iterations.get(iter);
      if (!iteration) {
        iteration = new Map();
        frame.iterations.set(iter, iteration);
        // A new iteration of a loop receives the loop invariants.
        if (iter > 0) for (const [enter, v] of frame.constants) toConsumers(enter, v, frame, iter);
      }
      let s = iteration.get(node);
      if (!s) {
        s = {
          inputs: new Array(this.nodes[node].numInputs),
          arrived: 0,
          controls: 0,
          dead: false,
          fired: false,
        };
        iteration.set(node, s);
      }
      return s;
    };

    /** Delivers a value (or, for a control edge, whether its source was dead) to one input. */
    const deliver = (edge: Edge, v: Token, frame: Frame, iter: number): void => {
      const n = this.nodes[edge.dst];
      const s = stateOf(frame, iter, edge.dst);
      if (s.fired) return; // a Merge that already forwarded a value ignores the rest
      if (edge.slot < 0) {
        s.controls++;
        if (v === DEAD) s.dead = true;
      } else {
        s.inputs[edge.slot] = v;
        s.arrived++;
      }
      if (s.controls < n.numControls) return;
      if (n.kind === Kind.Merge) {
        const live = s.inputs.findIndex((x) => x !== undefined && x !== DEAD);
        if ((live >= 0 && !s.dead) || s.arrived === n.numInputs) {
          s.fired = true;
          queue.push({ node: edge.dst, frame, iter });
        }
      } else if (s.arrived === n.numInputs) {
        s.fired = true;
        queue.push({ node: edge.dst, frame, iter });
      }
    };

    /** Delivers a loop invariant (an Enter's output) to its consumers in one iteration. */
    const toConsumers = (enter: number, v: Token, frame: Frame, iter: number): void => {
      for (const e of this.nodes[enter].outEdges[0]) deliver(e, v, frame, iter);
    };

    /** Routes output `output` of `node` (which ran in frame/iter) to its consumers. */
    const send = (node: number, output: number, v: Token, frame: Frame, iter: number): void => {
      const n = this.nodes[node];
      let f = frame;
      let it = iter;
      switch (n.kind) {
        case Kind.Enter: {
          const key = `${n.frameName}@${iter}`;
          let child = frame.children.get(key);
          if (!child) frame.children.set(key, (child = new Frame(frame, iter)));
          f = child;
          it = 0;
          if (v !== DEAD) child.liveEntered = true;
          if (n.isConstant && !child.constants.some(([e]) => e === node)) {
            child.constants.push([node, v]);
            // Iterations that started before this invariant arrived get it now.
            for (const k of child.iterations.keys()) if (k > 0) toConsumers(node, v, child, k);
          }
          break;
        }
        case Kind.Exit:
          if (v === DEAD && frame.liveEntered) return; // only the last iteration's value leaves
          f = frame.parent ?? frame;
          it = frame.parentIter;
          break;
        case Kind.NextIteration:
          if (v === DEAD) return; // the loop ended: deadness stops here
          it = iter + 1;
          break;
        default:
          break;
      }
      if (f === root && it === 0 && wanted.has(`${node}:${output}`))
        fetched.set(`${node}:${output}`, v);
      for (const e of n.outEdges[output]) deliver(e, v, f, it);
    };

    /** Starts a node: its outputs, or a promise of them when its kernel awaits. */
    const start = (task: Task): Token[] | Promise<Token[]> => {
      const n = this.nodes[task.node];
      const s = task.frame.iterations.get(task.iter)!.get(task.node)!;
      const inputs = s.inputs;
      if (n.kind === Kind.Merge) {
        const live = inputs.findIndex((x) => x !== undefined && x !== DEAD);
        return live < 0 || s.dead
          ? [DEAD, DEAD]
          : [inputs[live]!, new NDArray("int32", [], Int32Array.of(live))];
      }
      if (s.dead || inputs.some((x) => x === DEAD)) return n.op.outputs.map(() => DEAD);
      const args = inputs as Value[];
      try {
        for (const j of n.deref) args[j] = (args[j] as VariableRef).read();
        const outs = n.kernel(args);
        if (isPending(outs)) {
          return outs.catch((e: unknown) => {
            throw annotate(e, n.op);
          });
        }
        return outs;
      } catch (e) {
        throw annotate(e, n.op);
      }
    };

    /** Finishes a node that ran (or was skipped): releases its inputs, sends its outputs. */
    const finish = (task: Task, outs: Token[], started: number): void => {
      const n = this.nodes[task.node];
      const iteration = task.frame.iterations.get(task.iter)!;
      const s = iteration.get(task.node)!;
      const inputs = s.inputs;
      // A control edge carries deadness only: an op that did not run makes its dependents dead.
      const ran =
        n.kind === Kind.Merge ? outs[0] !== DEAD : !s.dead && !inputs.some((x) => x === DEAD);
      if (live && ran && n.kind !== Kind.Merge) {
        live.stats.nodes++;
        if (st.trace) live.trace(n.op, kernelBackend(n.kernel), started, outs);
      }
      // Release the inputs; a Merge keeps its (empty) record so late arrivals are ignored.
      if (n.kind === Kind.Merge) inputs.fill(undefined);
      else iteration.delete(task.node);
      for (let j = 0; j < outs.length; j++) send(task.node, j, outs[j], task.frame, task.iter);
      for (const e of n.controlEdges) deliver(e, ran ? CONTROL_LIVE : DEAD, task.frame, task.iter);
    };

    feedValues.forEach((v, i) => {
      for (const e of this.feedEdges[i]) deliver(e, v, root, 0);
    });
    for (const s of this.sources) {
      stateOf(root, 0, s).fired = true;
      queue.push({ node: s, frame: root, iter: 0 });
    }

    let head = 0;
    let pending: Promise<unknown> | null = null;
    let pendingTask: Task | null = null;
    let pendingStart = 0;
    /** Runs ready nodes until none is left (true) or the run must pause (false). */
    const advance = (): boolean => {
      while (head < queue.length) {
        const task = queue[head++];
        const n = this.nodes[task.node];
        if (n.retainsInputs && st.ctx.mayAwait && !inFlightIdle()) {
          head--;
          pending = inFlightSettled();
          pendingTask = null;
          return false;
        }
        const started = st.trace ? performance.now() : 0;
        const outs = start(task);
        if (isPending(outs)) {
          pending = outs;
          pendingTask = task;
          pendingStart = started;
          return false;
        }
        finish(task, outs, started);
        if (head > 4096) {
          queue.splice(0, head);
          head = 0;
        }
        if ((head & 15) === 0 && sliceOver(st)) return false;
      }
      return true;
    };

    const resume = async (): Promise<NDArray[]> => {
      for (;;) {
        const outs = await pause(st, pending);
        const previous = enterRun(st.ctx);
        try {
          if (pendingTask) finish(pendingTask, outs as Token[], pendingStart);
          pending = null;
          pendingTask = null;
          if (advance()) return this.results(fetched, feedValues, st.keepHandles);
        } finally {
          leaveRun(previous);
        }
      }
    };

    const previous = enterRun(st.ctx);
    let done: boolean;
    try {
      done = advance();
    } finally {
      leaveRun(previous);
    }
    if (done) return this.results(fetched, feedValues, st.keepHandles);
    if (!st.ctx.mayAwait) {
      const t = pendingTask as Task | null;
      throw cannotAwait(t ? this.nodes[t.node].op : undefined);
    }
    return resume();
  }

  /** The fetched values once the run is over. */
  private results(
    fetched: Map<string, Token>,
    feedValues: readonly Value[],
    keepHandles: boolean,
  ): NDArray[] {
    return this.fetchFrom.map((f, i) => {
      const v = "feed" in f ? feedValues[f.feed] : fetched.get(`${f.node}:${f.output}`);
      if (v === undefined || v === DEAD) {
        const name = "node" in f ? `${this.nodes[f.node].op.name}:${f.output}` : `feed ${f.feed}`;
        throw new InvalidArgumentError(
          `Retval[${i}] does not have value: the fetched tensor '${name}' is ${v === DEAD ? "in a branch that was not taken" : "never computed"}`,
        );
      }
      // A function's caller (keepHandles) takes handles too: its Value[] is typed as such.
      return (keepHandles ? fetchedValue(v, true) : fetchedValue(v)) as NDArray;
    });
  }
}
