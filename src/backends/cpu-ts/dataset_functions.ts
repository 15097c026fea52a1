// Dataset transformations that call a function of the graph's library on each element:
// MapDataset, ParallelMapDataset, FilterDataset, FlatMapDataset, InterleaveDataset and
// ParallelInterleaveDatasetV2. The function's arguments are the element's components followed by
// the captured `other_arguments` (values taken when the dataset op ran, e.g. a fed placeholder).
import * as os from "node:os";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import type { FuncAttr } from "../../framework/op_def.js";
import { markEscaped } from "../buffer_pool.js";
import {
  arr,
  type FunctionInstance,
  type KernelEnv,
  type NodeInfo,
  type Value,
} from "../kernel.js";
import {
  type DatasetImpl,
  datasetHandle,
  datasetOf,
  type Element,
  type ElementIterator,
  scalarNumber,
} from "./dataset_core.js";
import { cpuBackend } from "./index.js";

/** Calls of the function in attr `attr`, with the captured arguments appended. */
function elementFunction(node: NodeInfo, env: KernelEnv, attr: string) {
  const fname = (node.attrs[attr] as FuncAttr).func;
  let instance: FunctionInstance | undefined;
  return (captured: readonly Value[]) => {
    // The dataset holds them past this run (the op is not stateful, so the executor would
    // otherwise give their buffers back to the pool at the end of the run).
    for (const v of captured) if (v instanceof NDArray) markEscaped(v.data);
    return (element: Element): Promise<Value[]> => {
      if (!instance) {
        if (!env.instantiateFunction)
          throw new UnimplementedError(`${node.name}: this session cannot run graph functions`);
        instance = env.instantiateFunction(fname);
      }
      return instance([...element, ...captured]);
    };
  };
}

/** AUTOTUNE (-1): as many calls in flight as cores. */
const parallelism = (n: number): number => (n === -1 ? Math.max(os.cpus().length, 2) : n);

/**
 * `fn` over `it`, with up to `inFlight` calls started before the first is awaited (they overlap
 * where the function awaits: async kernels). Results come back in input order.
 */
export function mapped(
  it: ElementIterator,
  fn: (e: Element) => Promise<Value[]>,
  inFlight: number,
): ElementIterator {
  const queue: Promise<Value[]>[] = [];
  let ended = false;
  return {
    next: async () => {
      while (!ended && queue.length < inFlight) {
        const e = await it.next();
        if (e === null) {
          ended = true;
          break;
        }
        const p = fn(e);
        p.catch(() => {}); // awaited in order below; not an unhandled rejection meanwhile
        queue.push(p);
      }
      const head = queue.shift();
      return head ? await head : null;
    },
    close: () => it.close(),
  };
}

function mapKernel(parallel: boolean) {
  return (node: NodeInfo, env: KernelEnv) => {
    const call = elementFunction(node, env, "f");
    const nArgs = ((node.attrs.Targuments as unknown[] | undefined) ?? []).length;
    return (inputs: Value[]) => {
      const input = datasetOf(inputs[0], node.name);
      const captured = inputs.slice(1, 1 + nArgs);
      let inFlight = 1;
      if (parallel) {
        const n = scalarNumber(inputs[1 + nArgs], node.name, "num_parallel_calls");
        if (n <= 0 && n !== -1)
          throw new InvalidArgumentError(
            `${node.name}: num_parallel_calls must be greater than zero or AUTOTUNE, got ${n}`,
          );
        inFlight = parallelism(n);
      }
      const fn = call(captured);
      const impl: DatasetImpl = {
        op: node.name,
        iterate: () => mapped(input.iterate(), fn, inFlight),
      };
      return [datasetHandle(impl)];
    };
  };
}
cpuBackend.register("MapDataset", mapKernel(false));
cpuBackend.register("ParallelMapDataset", mapKernel(true));

cpuBackend.register("FilterDataset", (node, env) => {
  const call = elementFunction(node, env, "predicate");
  const nArgs = ((node.attrs.Targuments as unknown[] | undefined) ?? []).length;
  return (inputs) => {
    const input = datasetOf(inputs[0], node.name);
    const fn = call(inputs.slice(1, 1 + nArgs));
    const keep = async (e: Element): Promise<boolean> => {
      const out = await fn(e);
      const p = out.length === 1 ? arr(out[0]) : undefined;
      if (p?.dtype !== "bool" || p.rank !== 0)
        throw new InvalidArgumentError(
          `${node.name}: Filter predicate \`predicate\` must return a scalar bool.`,
        );
      return p.data[0] !== 0;
    };
    return [
      datasetHandle({
        op: node.name,
        iterate: () => {
          const it = input.iterate();
          return {
            next: async () => {
              for (;;) {
                const e = await it.next();
                if (e === null || (await keep(e))) return e;
              }
            },
            close: () => it.close(),
          };
        },
      }),
    ];
  };
});

/** The dataset a flat_map/interleave function returned for element `e`. */
function innerDataset(fn: (e: Element) => Promise<Value[]>, op: string) {
  return async (e: Element): Promise<DatasetImpl> => {
    const out = await fn(e);
    if (out.length !== 1)
      throw new InvalidArgumentError(
        `${op}: the function must return a single dataset, got ${out.length} values`,
      );
    return datasetOf(out[0], op, "the function's result");
  };
}

cpuBackend.register("FlatMapDataset", (node, env) => {
  const call = elementFunction(node, env, "f");
  const nArgs = ((node.attrs.Targuments as unknown[] | undefined) ?? []).length;
  return (inputs) => {
    const input = datasetOf(inputs[0], node.name);
    const inner = innerDataset(call(inputs.slice(1, 1 + nArgs)), node.name);
    return [
      datasetHandle({
        op: node.name,
        iterate: () => {
          const it = input.iterate();
          let current: ElementIterator | null = null;
          return {
            next: async () => {
              for (;;) {
                if (!current) {
                  const e = await it.next();
                  if (e === null) return null;
                  current = (await inner(e)).iterate();
                }
                const x = await current.next();
                if (x !== null) return x;
                current.close();
                current = null;
              }
            },
            close: () => {
              current?.close();
              it.close();
            },
          };
        },
      }),
    ];
  };
});

/**
 * TF's interleave: `cycle` open inner iterators visited round-robin, `block` elements from each
 * in turn; an inner iterator that ends frees its slot, which the next input element fills when
 * the cycle comes back to it.
 */
export function interleaved(
  it: ElementIterator,
  open: (e: Element) => Promise<ElementIterator>,
  cycle: number,
  block: number,
): ElementIterator {
  const slots: (ElementIterator | null)[] = new Array(cycle).fill(null);
  let index = 0;
  let inBlock = 0;
  let open_ = 0;
  let inputEnded = false;
  const advance = () => {
    inBlock = 0;
    index = (index + 1) % cycle;
  };
  return {
    next: async () => {
      while (!inputEnded || open_ > 0) {
        const cur = slots[index];
        if (cur) {
          if (inBlock < block) {
            const x = await cur.next();
            if (x !== null) {
              inBlock++;
              return x;
            }
            cur.close();
            slots[index] = null;
            open_--;
          }
          advance();
        } else if (!inputEnded) {
          const e = await it.next();
          if (e === null) inputEnded = true;
          else {
            slots[index] = await open(e);
            open_++;
          }
        } else advance();
      }
      return null;
    },
    close: () => {
      for (const s of slots) s?.close();
      it.close();
    },
  };
}

function interleaveKernel(parallel: boolean) {
  return (node: NodeInfo, env: KernelEnv) => {
    const call = elementFunction(node, env, "f");
    const nArgs = ((node.attrs.Targuments as unknown[] | undefined) ?? []).length;
    return (inputs: Value[]) => {
      const input = datasetOf(inputs[0], node.name);
      const inner = innerDataset(call(inputs.slice(1, 1 + nArgs)), node.name);
      let cycle = scalarNumber(inputs[1 + nArgs], node.name, "cycle_length");
      const block = scalarNumber(inputs[2 + nArgs], node.name, "block_length");
      if (parallel) scalarNumber(inputs[3 + nArgs], node.name, "num_parallel_calls");
      if (cycle === -1) cycle = parallelism(-1);
      if (cycle <= 0)
        throw new InvalidArgumentError(
          `${node.name}: cycle_length must be greater than zero, got ${cycle}`,
        );
      if (block <= 0)
        throw new InvalidArgumentError(
          `${node.name}: block_length must be greater than zero, got ${block}`,
        );
      return [
        datasetHandle({
          op: node.name,
          iterate: () =>
            interleaved(input.iterate(), async (e) => (await inner(e)).iterate(), cycle, block),
        }),
      ];
    };
  };
}
cpuBackend.register("InterleaveDataset", interleaveKernel(false));
cpuBackend.register("ParallelInterleaveDatasetV2", interleaveKernel(true));
