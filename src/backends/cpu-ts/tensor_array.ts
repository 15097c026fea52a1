// Kernels of the TensorArrayV3 ops. TensorArrayV3 makes a fresh array (a ResourceHandle whose
// state is the list of elements) each time it runs, so every run and every loop iteration that
// creates one gets its own. The other ops find the array through the handle; their flow
// input/output only orders them.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { checkArrayLength } from "../../framework/memory_limit.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString, type TensorShape } from "../../framework/tensor_shape.js";
import { arr, type Kernel, type NodeInfo, ResourceHandle, type Value } from "../kernel.js";
import { cpuBackend } from "./index.js";

interface TensorArrayState {
  readonly dtype: DType;
  readonly dynamicSize: boolean;
  readonly clearAfterRead: boolean;
  readonly identicalShapes: boolean;
  /** Gradient arrays add up repeated writes to one index instead of refusing them. */
  readonly aggregate: boolean;
  /**
   * Made by the forward pass (not a gradient array, nor one a gradient's replay made afresh): the
   * replay and backward loops of a tf.whileLoop gradient repeat its reads and writes (isReplay).
   */
  readonly forward: boolean;
  /** The elements' shape as far as known (null dims unknown), or null for unknown rank. */
  elementShape: (number | null)[] | null;
  elements: (NDArray | undefined)[];
  /** Values freed by clear_after_read reads, kept for the replays of a loop's gradient. */
  retired: (NDArray | undefined)[];
  written: boolean[];
  cleared: boolean[];
  closed: boolean;
  readonly grads: Map<string, ResourceHandle<TensorArrayState>>;
}
type Handle = ResourceHandle<TensorArrayState>;

const FLOW = new NDArray("float32", [], Float32Array.of(0));

function newArray(
  name: string,
  init: Omit<TensorArrayState, "elements" | "retired" | "written" | "cleared" | "closed" | "grads">,
  size: number,
): Handle {
  checkArrayLength(size, `TensorArray '${name}'`);
  return new ResourceHandle("TensorArray", name, {
    ...init,
    elementShape: init.elementShape && [...init.elementShape],
    elements: new Array(size).fill(undefined),
    retired: new Array(size).fill(undefined),
    written: new Array(size).fill(false),
    cleared: new Array(size).fill(false),
    closed: false,
    grads: new Map(),
  });
}

function arrayOf(v: Value): Handle {
  if (!(v instanceof ResourceHandle) || v.kind !== "TensorArray") {
    throw new InvalidArgumentError("Expected a TensorArray handle");
  }
  const h = v as Handle;
  if (h.state.closed) {
    throw new InvalidArgumentError(`TensorArray ${h.name} has already been closed.`);
  }
  return h;
}

const showShape = (s: readonly (number | null)[] | null): string =>
  s === null ? "<unknown>" : `[${s.map((d) => d ?? "?").join(",")}]`;

function compatible(partial: readonly (number | null)[] | null, shape: readonly number[]): boolean {
  return (
    partial === null ||
    (partial.length === shape.length && partial.every((d, i) => d === null || d === shape[i]))
  );
}
const fullyDefined = (s: readonly (number | null)[] | null): s is number[] =>
  s?.every((d) => d !== null) ?? false;

function scalarInt(v: Value, what: string): number {
  const a = arr(v);
  if (a.size !== 1)
    throw new InvalidArgumentError(`${what} must be a scalar, got shape ${shapeString(a.shape)}`);
  return Number(a.data[0]);
}

function intList(v: Value, what: string): number[] {
  const a = arr(v);
  if (a.rank !== 1)
    throw new InvalidArgumentError(`${what} must be a vector, got shape ${shapeString(a.shape)}`);
  return Array.from(a.data as ArrayLike<number | bigint>, Number);
}

function add(a: NDArray, b: NDArray): NDArray {
  const out = new NDArray(a.dtype, a.shape);
  if (a.dtype === "int64") {
    const x = a.data as BigInt64Array;
    const y = b.data as BigInt64Array;
    const o = out.data as BigInt64Array;
    for (let i = 0; i < o.length; i++) o[i] = BigInt.asIntN(64, x[i] + y[i]);
  } else {
    const x = a.data as Float64Array;
    const y = b.data as Float64Array;
    const o = out.data as Float64Array;
    for (let i = 0; i < o.length; i++) o[i] = x[i] + y[i];
  }
  return out;
}

function writeAt(h: Handle, index: number, value: NDArray): void {
  const st = h.state;
  const size = st.elements.length;
  if (index < 0 || (index >= size && !st.dynamicSize)) {
    throw new InvalidArgumentError(
      `Tried to write to index ${index} but array is not resizeable and size is: ${size}`,
    );
  }
  if (value.dtype !== st.dtype) {
    throw new InvalidArgumentError(
      `TensorArray dtype is ${st.dtype} but Op is trying to write dtype ${value.dtype}.`,
    );
  }
  if (!compatible(st.elementShape, value.shape)) {
    throw new InvalidArgumentError(
      `Could not write to TensorArray index ${index} because the value shape is ${shapeString(value.shape)} which is incompatible with the TensorArray's inferred element shape: ${showShape(st.elementShape)} (consider setting infer_shape=False).`,
    );
  }
  if (st.identicalShapes && !fullyDefined(st.elementShape)) st.elementShape = [...value.shape];
  while (st.elements.length <= index) {
    st.elements.push(undefined);
    st.retired.push(undefined);
    st.written.push(false);
    st.cleared.push(false);
  }
  if (st.written[index]) {
    if (!st.aggregate) {
      throw new InvalidArgumentError(
        `Could not write to TensorArray index ${index} because it has already been written to.`,
      );
    }
    const old = st.elements[index];
    if (old === undefined) {
      throw new InvalidArgumentError(
        `Could not aggregate to TensorArray index ${index} because it has already been read.`,
      );
    }
    if (old.shape.join() !== value.shape.join()) {
      throw new InvalidArgumentError(
        `Could not aggregate to TensorArray index ${index}: shapes ${shapeString(old.shape)} and ${shapeString(value.shape)} differ.`,
      );
    }
    st.elements[index] = add(old, value);
    return;
  }
  st.elements[index] = value;
  st.written[index] = true;
}

/**
 * Whether a node belongs to the replay or backward loop of a tf.whileLoop gradient (see
 * src/gradients/while_grad.ts; known by its name scope), which rebuild the forward loop's body
 * and so repeat its reads and writes of the arrays the forward pass made. On those arrays, such
 * writes are no-ops (the forward loop writes the same values), and such reads neither clear an
 * element nor fail on one that a forward read cleared.
 */
const isReplay = (node: NodeInfo): boolean =>
  /(^|\/)while_grad(_\d+)?\/(replay|backward)(_\d+)?\//.test(node.name);
/** Whether an access by a replay node (see isReplay) only repeats one of the forward pass. */
const repeats = (replay: boolean, h: Handle): boolean => replay && h.state.forward;

function readAt(h: Handle, index: number, replay = false): NDArray {
  const st = h.state;
  const size = st.elements.length;
  if (index < 0 || index >= size) {
    throw new InvalidArgumentError(`Tried to read from index ${index} but array size is: ${size}`);
  }
  if (repeats(replay, h)) {
    const kept = st.elements[index] ?? st.retired[index];
    if (kept) return kept;
  }
  if (st.cleared[index]) {
    throw new InvalidArgumentError(
      `Could not read index ${index} twice because it was cleared after a previous read (perhaps try setting clear_after_read = false?).`,
    );
  }
  const v = st.elements[index];
  if (!st.written[index] || v === undefined) {
    // As TF: an element never written reads as zeros when the element shape is fully known.
    if (fullyDefined(st.elementShape)) return new NDArray(st.dtype, st.elementShape);
    throw new InvalidArgumentError(
      `TensorArray ${h.name}: Could not read from TensorArray index ${index}. Furthermore, the element shape is not fully defined: ${showShape(st.elementShape)}. It is possible you are working with a resizeable TensorArray and stop_gradients is not allowing the gradients to be written. If you set the full element_shape property on the forward TensorArray, the proper all-zeros tensor will be returned instead of incurring this error.`,
    );
  }
  if (st.clearAfterRead) {
    st.retired[index] = v;
    st.elements[index] = undefined;
    st.cleared[index] = true;
  }
  return v;
}

/** Copies `src` into `dst` at element offset `at` (any dtype, strings included). */
function copyInto(dst: NDArray, src: NDArray, at: number): void {
  const d = dst.data as { [i: number]: unknown };
  const s = src.data as ArrayLike<unknown>;
  for (let i = 0; i < s.length; i++) d[at + i] = s[i];
}

/** Rows [start, end) of `value` along its first dim, with shape [end - start, ...rest]. */
function rows(value: NDArray, start: number, end: number, keepDim: boolean): NDArray {
  const rest = value.shape.slice(1);
  const rowSize = rest.reduce((a, b) => a * b, 1);
  const data = value.data;
  const piece = Array.isArray(data)
    ? data.slice(start * rowSize, end * rowSize)
    : data.subarray(start * rowSize, end * rowSize);
  return new NDArray(value.dtype, keepDim ? [end - start, ...rest] : rest, piece as never);
}

/** Stacks equal-shaped elements along a new first dim (`except0`: concatenates along dim 0). */
function join(
  dtype: DType,
  parts: readonly NDArray[],
  emptyShape: () => number[],
  except0: boolean,
): NDArray {
  if (parts.length === 0) return new NDArray(dtype, emptyShape());
  const ref = except0 ? parts[0].shape.slice(1) : parts[0].shape;
  let lead = 0;
  for (let i = 0; i < parts.length; i++) {
    const s = except0 ? parts[i].shape.slice(1) : parts[i].shape;
    if (except0 && parts[i].rank === 0) {
      throw new InvalidArgumentError(
        "Concat saw a scalar shape at index 0 but requires at least vectors.",
      );
    }
    if (s.join() !== ref.join()) {
      throw new InvalidArgumentError(
        `TensorArray has inconsistent shapes. Index 0 has ${except0 ? "(excepting dimension 0) " : ""}shape: ${shapeString(ref)} but index ${i} has ${except0 ? "(excepting dimension 0) " : ""}shape: ${shapeString(s)}`,
      );
    }
    lead += except0 ? parts[i].shape[0] : 1;
  }
  const out = new NDArray(dtype, [lead, ...ref]);
  let at = 0;
  for (const p of parts) {
    copyInto(out, p, at);
    at += p.size;
  }
  return out;
}

cpuBackend.register("TensorArrayV3", (node) => {
  const a = node.attrs;
  const init = {
    dtype: a.dtype as DType,
    dynamicSize: a.dynamic_size as boolean,
    clearAfterRead: a.clear_after_read as boolean,
    identicalShapes: a.identical_element_shapes as boolean,
    aggregate: false,
    forward: !isReplay(node),
    elementShape: (a.element_shape as TensorShape).asList(),
  };
  const name = (a.tensor_array_name as string) || node.name;
  return (inputs) => {
    const size = scalarInt(inputs[0], "size");
    if (size < 0) throw new InvalidArgumentError(`Size should be >= 0, got ${size}`);
    return [newArray(name, init, size), FLOW]; // state made per call: fresh for every run
  };
});

cpuBackend.register("TensorArrayWriteV3", (node) => {
  const replay = isReplay(node);
  return (inputs) => {
    const h = arrayOf(inputs[0]);
    if (!repeats(replay, h)) writeAt(h, scalarInt(inputs[1], "index"), arr(inputs[2]));
    return [FLOW];
  };
});

cpuBackend.register("TensorArrayReadV3", (node) => {
  const dtype = node.attrs.dtype as DType;
  const replay = isReplay(node);
  return (inputs) => {
    const h = arrayOf(inputs[0]);
    if (h.state.dtype !== dtype) {
      throw new InvalidArgumentError(
        `TensorArray dtype is ${h.state.dtype} but Op requested dtype ${dtype}.`,
      );
    }
    return [readAt(h, scalarInt(inputs[1], "index"), replay)];
  };
});

cpuBackend.register("TensorArrayGatherV3", (node) => {
  const attrShape = (node.attrs.element_shape as TensorShape).asList();
  const replay = isReplay(node);
  return (inputs) => {
    const h = arrayOf(inputs[0]);
    const indices = intList(inputs[1], "indices");
    const parts = indices.map((i) => readAt(h, i, replay));
    return [
      join(
        h.state.dtype,
        parts,
        () => {
          const s = fullyDefined(h.state.elementShape) ? h.state.elementShape : attrShape;
          if (!fullyDefined(s)) {
            throw new InvalidArgumentError(
              `TensorArray ${h.name}: gather of no elements needs a fully defined element shape, got ${showShape(s)}`,
            );
          }
          return [0, ...s];
        },
        false,
      ),
    ];
  };
});

cpuBackend.register("TensorArrayScatterV3", (node) => {
  const replay = isReplay(node);
  return (inputs) => {
    const h = arrayOf(inputs[0]);
    if (repeats(replay, h)) return [FLOW];
    const indices = intList(inputs[1], "indices");
    const value = arr(inputs[2]);
    if (value.rank === 0 || value.shape[0] !== indices.length) {
      throw new InvalidArgumentError(
        `Expected len(indices) == values.shape[0], but saw: ${indices.length} vs. ${value.rank === 0 ? "a scalar" : value.shape[0]}`,
      );
    }
    for (let k = 0; k < indices.length; k++) writeAt(h, indices[k], rows(value, k, k + 1, false));
    return [FLOW];
  };
});

cpuBackend.register("TensorArraySizeV3", () => (inputs) => [
  new NDArray("int32", [], Int32Array.of(arrayOf(inputs[0]).state.elements.length)),
]);

cpuBackend.register("TensorArrayConcatV3", (node) => {
  const except0 = (node.attrs.element_shape_except0 as TensorShape).asList();
  const replay = isReplay(node);
  return (inputs) => {
    const h = arrayOf(inputs[0]);
    const parts = h.state.elements.map((_, i) => readAt(h, i, replay));
    const value = join(
      h.state.dtype,
      parts,
      () => {
        if (!fullyDefined(except0)) {
          throw new InvalidArgumentError(
            `TensorArray ${h.name}: concat of no elements needs element_shape_except0 fully defined, got ${showShape(except0)}`,
          );
        }
        return [0, ...except0];
      },
      true,
    );
    const lengths = new NDArray(
      "int64",
      [parts.length],
      BigInt64Array.from(parts, (p) => BigInt(p.shape[0])),
    );
    return [value, lengths];
  };
});

cpuBackend.register("TensorArraySplitV3", (node) => {
  const replay = isReplay(node);
  return (inputs) => {
    const h = arrayOf(inputs[0]);
    if (repeats(replay, h)) return [FLOW];
    const value = arr(inputs[1]);
    const lengths = intList(inputs[2], "lengths");
    const total = lengths.reduce((a, b) => a + b, 0);
    if (value.rank === 0 || total !== value.shape[0] || lengths.some((l) => l < 0)) {
      throw new InvalidArgumentError(
        `Expected sum of lengths to be equal to values.shape[0], but sum of lengths is: ${total} and value's shape is: ${shapeString(value.shape)}`,
      );
    }
    const size = h.state.elements.length;
    if (!h.state.dynamicSize && size !== lengths.length) {
      throw new InvalidArgumentError(
        `TensorArray's size is not equal to the size of lengths (${size} vs. ${lengths.length}), and the TensorArray is not marked as dynamically resizeable`,
      );
    }
    let start = 0;
    lengths.forEach((l, i) => {
      writeAt(h, i, rows(value, start, start + l, true));
      start += l;
    });
    return [FLOW];
  };
});

cpuBackend.register("TensorArrayCloseV3", () => (inputs) => {
  const st = arrayOf(inputs[0]).state;
  st.closed = true;
  st.elements = [];
  return [];
});

cpuBackend.register("TensorArrayGradV3", (node) => {
  const source = node.attrs.source as string;
  const kernel: Kernel = (inputs) => {
    const h = arrayOf(inputs[0]);
    let g = h.state.grads.get(source);
    if (!g) {
      const st = h.state;
      g = newArray(
        `${h.name}@${source}`,
        {
          dtype: st.dtype,
          dynamicSize: false,
          clearAfterRead: true,
          identicalShapes: st.identicalShapes,
          aggregate: true,
          forward: false,
          elementShape: st.elementShape,
        },
        st.elements.length,
      );
      h.state.grads.set(source, g);
    }
    return [g, inputs[1]];
  };
  return kernel;
});
