// Dataset transformations without functions: BatchDatasetV2, PaddedBatchDatasetV2,
// UnbatchDataset, RepeatDataset, TakeDataset, SkipDataset, WindowDataset.
import { InvalidArgumentError } from "../../framework/errors.js";
import type { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo, type Value } from "../kernel.js";
import {
  type DatasetImpl,
  datasetHandle,
  datasetOf,
  type Element,
  type ElementIterator,
  listIterator,
  padAndStack,
  scalarBool,
  scalarNumber,
  sliceRow,
  stackRows,
} from "./dataset_core.js";
import { cpuBackend } from "./index.js";

/** A dataset made from an input dataset by wrapping each pass's iterator. */
function derived(op: string, input: DatasetImpl, wrap: (it: ElementIterator) => ElementIterator) {
  return datasetHandle({ op, iterate: () => wrap(input.iterate()) });
}

/** Up to `n` next elements of `it` (fewer at its end). */
async function take(it: ElementIterator, n: number): Promise<Element[]> {
  const out: Element[] = [];
  while (out.length < n) {
    const e = await it.next();
    if (e === null) break;
    out.push(e);
  }
  return out;
}

function batchSizeOf(v: Value, op: string): number {
  const n = scalarNumber(v, op, "batch_size");
  if (n <= 0) throw new InvalidArgumentError(`${op}: Batch size must be greater than zero.`);
  return n;
}

cpuBackend.register("BatchDatasetV2", (node) => (inputs) => {
  const input = datasetOf(inputs[0], node.name);
  const size = batchSizeOf(inputs[1], node.name);
  const drop = scalarBool(inputs[2], node.name, "drop_remainder");
  return [
    derived(node.name, input, (it) => ({
      next: async () => {
        const rows = await take(it, size);
        if (rows.length === 0 || (drop && rows.length < size)) return null;
        return rows[0].map((_, c) =>
          stackRows(
            rows.map((r) => arr(r[c])),
            node.name,
            c,
          ),
        );
      },
      close: () => it.close(),
    })),
  ];
});

cpuBackend.register("PaddedBatchDatasetV2", (node) => (inputs) => {
  const n = node.attrs.N as number;
  const input = datasetOf(inputs[0], node.name);
  const size = batchSizeOf(inputs[1], node.name);
  const padded = inputs.slice(2, 2 + n).map((v, c) => {
    const a = arr(v);
    if (a.rank !== 1)
      throw new InvalidArgumentError(
        `${node.name}: padded_shapes[${c}] must be a vector, got shape ${shapeString(a.shape)}`,
      );
    return Array.from(a.data as BigInt64Array, Number);
  });
  const pads = inputs.slice(2 + n, 2 + 2 * n).map((v, c) => {
    const a = arr(v);
    if (a.rank !== 0)
      throw new InvalidArgumentError(
        `${node.name}: padding_values[${c}] must be a scalar, got shape ${shapeString(a.shape)}`,
      );
    return a;
  });
  const drop = scalarBool(inputs[2 + 2 * n], node.name, "drop_remainder");
  return [
    derived(node.name, input, (it) => ({
      next: async () => {
        const rows = await take(it, size);
        if (rows.length === 0 || (drop && rows.length < size)) return null;
        return padded.map((shape, c) => {
          const comps = rows.map((r) => arr(r[c]));
          // -1: pad to the largest size of that dimension in this batch.
          const full = shape.map((d, j) =>
            d >= 0 ? d : Math.max(0, ...comps.map((x) => x.shape[j] ?? 0)),
          );
          return padAndStack(comps, full, pads[c], node.name, c);
        });
      },
      close: () => it.close(),
    })),
  ];
});

function unbatch(node: NodeInfo) {
  return (inputs: Value[]) => {
    const input = datasetOf(inputs[0], node.name);
    return [
      derived(node.name, input, (it) => {
        let current: NDArray[] = [];
        let row = 0;
        let rows = 0;
        return {
          next: async () => {
            while (row >= rows) {
              const e = await it.next();
              if (e === null) return null;
              current = e.map(arr);
              rows = current[0]?.shape[0] ?? 0;
              current.forEach((c, k) => {
                if (c.rank === 0 || c.shape[0] !== rows)
                  throw new InvalidArgumentError(
                    `${node.name}: Input element must have the same batch size in each component. Component 0 had shape ${shapeString(current[0].shape)} and component ${k} had shape ${shapeString(c.shape)}.`,
                  );
              });
              row = 0;
            }
            const r = row++;
            return current.map((c) => sliceRow(c, r));
          },
          close: () => it.close(),
        };
      }),
    ];
  };
}
cpuBackend.register("UnbatchDataset", unbatch);
cpuBackend.register("ExperimentalUnbatchDataset", unbatch);

/** `count` passes over `input` (-1: forever). A pass that yields nothing ends the repetition. */
export function repeated(op: string, input: DatasetImpl, count: number): DatasetImpl {
  return {
    op,
    iterate: () => {
      let pass = 0;
      let it: ElementIterator | null = count !== 0 ? input.iterate() : null;
      let yielded = false;
      return {
        next: async () => {
          while (it) {
            const e = await it.next();
            if (e !== null) {
              yielded = true;
              return e;
            }
            it.close();
            pass++;
            it = yielded && (count < 0 || pass < count) ? input.iterate() : null;
            yielded = false;
          }
          return null;
        },
        close: () => it?.close(),
      };
    },
  };
}

cpuBackend.register("RepeatDataset", (node) => (inputs) => [
  datasetHandle(
    repeated(
      node.name,
      datasetOf(inputs[0], node.name),
      scalarNumber(inputs[1], node.name, "count"),
    ),
  ),
]);

cpuBackend.register("TakeDataset", (node) => (inputs) => {
  const input = datasetOf(inputs[0], node.name);
  const count = scalarNumber(inputs[1], node.name, "count");
  return [
    derived(node.name, input, (it) => {
      let taken = 0;
      return {
        next: async () => {
          if (count >= 0 && taken >= count) return null;
          const e = await it.next();
          if (e !== null) taken++;
          return e;
        },
        close: () => it.close(),
      };
    }),
  ];
});

cpuBackend.register("SkipDataset", (node) => (inputs) => {
  const input = datasetOf(inputs[0], node.name);
  const count = scalarNumber(inputs[1], node.name, "count");
  return [
    derived(node.name, input, (it) => {
      let skipped = false;
      return {
        next: async () => {
          if (!skipped) {
            skipped = true;
            // -1 skips everything.
            for (let i = 0; count < 0 || i < count; i++)
              if ((await it.next()) === null) return null;
          }
          return it.next();
        },
        close: () => it.close(),
      };
    }),
  ];
});

/**
 * WindowDataset: each element is a window of the input (one nested dataset per component); the
 * window at position i holds the input elements i*shift + j*stride for j < size.
 */
cpuBackend.register("WindowDataset", (node) => (inputs) => {
  const input = datasetOf(inputs[0], node.name);
  const [size, shift, stride] = inputs
    .slice(1, 4)
    .map((v, i) => scalarNumber(v, node.name, ["size", "shift", "stride"][i]));
  const drop = scalarBool(inputs[4], node.name, "drop_remainder");
  if (size <= 0)
    throw new InvalidArgumentError(
      `${node.name}: Window size must be greater than zero, but got ${size}.`,
    );
  if (shift <= 0)
    throw new InvalidArgumentError(
      `${node.name}: Window shift must be greater than zero, but got ${shift}.`,
    );
  if (stride <= 0)
    throw new InvalidArgumentError(
      `${node.name}: Window stride must be greater than zero, but got ${stride}.`,
    );
  const span = (size - 1) * stride + 1;
  return [
    derived(node.name, input, (it) => {
      const buffer: Element[] = []; // input elements from the current window's start
      let toSkip = 0; // input elements to drop before the next window starts
      let ended = false;
      return {
        next: async () => {
          while (toSkip > 0 && !ended) {
            if ((await it.next()) === null) ended = true;
            else toSkip--;
          }
          while (!ended && buffer.length < span) {
            const e = await it.next();
            if (e === null) ended = true;
            else buffer.push(e);
          }
          if (buffer.length === 0) return null;
          const window: Element[] = [];
          for (let j = 0; j < size && j * stride < buffer.length; j++)
            window.push(buffer[j * stride]);
          if (drop && window.length < size) return null;
          const dropNow = Math.min(shift, buffer.length);
          buffer.splice(0, dropNow);
          toSkip = shift - dropNow;
          const comps = window[0].length;
          return Array.from({ length: comps }, (_, c) =>
            datasetHandle({
              op: node.name,
              iterate: () => listIterator(window.map((e) => [e[c]])),
            }),
          );
        },
        close: () => it.close(),
      };
    }),
  ];
});

/** A dataset of a ready list of elements (a window's component, a cache's replay). */
export function listDataset(op: string, elements: readonly Element[]): DatasetImpl {
  return { op, iterate: () => listIterator(elements) };
}
