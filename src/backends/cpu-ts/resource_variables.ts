// Resource variables' kernels: VarHandleOp (a handle to per-session storage keyed by
// container/shared_name), reads and assignments through it, and the update ops whose ref form
// (Scatter*, ScatterNd*, StridedSliceAssign, CountUpTo) and resource form (Resource*) share one
// kernel core: the core sees only the variable's storage (variableOf resolves both forms).
// Updates compute new buffers, never in place: values fetched earlier must not change.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError, NotFoundError, OutOfRangeError } from "../../framework/errors.js";
import { intValues, stridedSliceMasks } from "../../framework/index_rules.js";
import { NDArray } from "../../framework/ndarray.js";
import type { TensorShape } from "../../framework/tensor_shape.js";
import { shapeString } from "../../framework/tensor_shape.js";
import {
  arr,
  type Kernel,
  type KernelEnv,
  type NodeInfo,
  ResourceHandle,
  ResourceVariable,
  type Value,
  type VariableRef,
  variableOf,
} from "../kernel.js";
import { binaryKernel } from "./elementwise.js";
import { cpuBackend } from "./index.js";
import { scatterNdRows, scatterRows, stridedSliceAssign } from "./scatter_core.js";

const STORE = "resource_variables";

/** The session's resource variables, by "container/shared_name". */
function storeOf(env: KernelEnv): Map<string, ResourceVariable> {
  let m = env.resources.get(STORE) as Map<string, ResourceVariable> | undefined;
  if (!m) env.resources.set(STORE, (m = new Map()));
  return m;
}

cpuBackend.register("VarHandleOp", (node, env) => {
  const container = node.attrs.container as string;
  const name = (node.attrs.shared_name as string) || node.name;
  const key = `${container}/${name}`;
  const store = storeOf(env);
  let v = store.get(key);
  if (!v) {
    const shape = (node.attrs.shape as TensorShape).dims;
    store.set(key, (v = new ResourceVariable(container, name, node.attrs.dtype as DType, shape)));
  }
  const handle = new ResourceHandle("Variable", name, v);
  return () => [handle];
});

/** The dtype check of reads and assignments (TF's messages). */
function checkDtype(v: VariableRef, dtype: DType, verb: "read" | "assign"): void {
  if (v.dtype !== dtype) {
    throw new InvalidArgumentError(
      `Trying to ${verb} variable ${v.name} with wrong dtype. Expected ${v.dtype} got ${dtype}`,
    );
  }
}

cpuBackend.register("ReadVariableOp", (node) => {
  const dtype = node.attrs.dtype as DType;
  return (inputs) => {
    const v = variableOf(inputs[0]);
    const value = v.read();
    checkDtype(v, dtype, "read");
    return [value];
  };
});

cpuBackend.register("AssignVariableOp", () => (inputs) => {
  const v = variableOf(inputs[0]);
  const value = arr(inputs[1]);
  checkDtype(v, value.dtype, "assign");
  // A value must fit the handle's static shape, when it has one (an unknown shape takes any).
  v.assign(value, v.declaredShape !== null);
  return [];
});

function assignUpdate(which: "add" | "sub") {
  return (node: NodeInfo): Kernel => {
    const op = binaryKernel(which, node.inputDtypes[1]);
    return (inputs) => {
      const v = variableOf(inputs[0]);
      const old = v.read();
      const delta = arr(inputs[1]);
      checkDtype(v, delta.dtype, "assign");
      if (old.shape.join() !== delta.shape.join()) {
        throw new InvalidArgumentError(
          `Cannot update variable with shape ${shapeString(old.shape)} using a Tensor with shape ${shapeString(delta.shape)}, shapes must be equal.`,
        );
      }
      v.assign(op(old, delta), false);
      return [];
    };
  };
}
cpuBackend.register("AssignAddVariableOp", assignUpdate("add"));
cpuBackend.register("AssignSubVariableOp", assignUpdate("sub"));

cpuBackend.register("VarIsInitializedOp", () => (inputs) => {
  const v = variableOf(inputs[0]);
  return [new NDArray("bool", [], Uint8Array.of(v.initialized ? 1 : 0))];
});

cpuBackend.register("DestroyResourceOp", (node) => {
  const ignore = node.attrs.ignore_lookup_error !== false;
  return (inputs) => {
    const v = variableOf(inputs[0]);
    // A resource variable exists from its first assignment; destroying drops its value.
    if (!v.initialized && !ignore) {
      throw new NotFoundError(`Resource ${v.name} does not exist (DestroyResourceOp)`);
    }
    v.value = undefined;
    return [];
  };
});

cpuBackend.register("VariableShape", (node) => {
  const dtype = node.attrs.out_type as DType;
  return (inputs) => {
    const shape = variableOf(inputs[0]).read().shape;
    const data = dtype === "int64" ? BigInt64Array.from(shape, BigInt) : Int32Array.from(shape);
    return [new NDArray(dtype, [shape.length], data)];
  };
});

/** A kernel of another op type (gathers reuse GatherV2/GatherNd on the variable's value). */
function borrowed(type: string, node: NodeInfo, env: KernelEnv, attrs: NodeInfo["attrs"]): Kernel {
  const factory = cpuBackend.get(type);
  if (!factory) throw new InvalidArgumentError(`${node.type} needs the ${type} kernel`);
  return factory({ ...node, type, attrs }, env);
}

cpuBackend.register("ResourceGather", (node, env) => {
  const batchDims = node.attrs.batch_dims as number;
  const gather = borrowed("GatherV2", node, env, { batch_dims: batchDims });
  const axis = new NDArray("int32", [], Int32Array.of(batchDims));
  return (inputs) => {
    const v = variableOf(inputs[0]);
    const params = v.read();
    checkDtype(v, node.attrs.dtype as DType, "read");
    return gather([params, inputs[1], axis]);
  };
});

cpuBackend.register("ResourceGatherNd", (node, env) => {
  const gatherNd = borrowed("GatherNd", node, env, {});
  return (inputs) => {
    const v = variableOf(inputs[0]);
    const params = v.read();
    checkDtype(v, node.attrs.dtype as DType, "read");
    return gatherNd([params, inputs[1]]);
  };
});

// ---------------------------------------------------------------------------------------------
// Ref and resource forms of the update ops: one core each; the ref form outputs the ref.

const SCATTER = ["Add", "Sub", "Mul", "Div", "Min", "Max", "Update"] as const;
for (const kind of SCATTER) {
  const core = (node: NodeInfo) => (inputs: Value[]) => {
    scatterRows(kind, variableOf(inputs[0], "ref"), arr(inputs[1]), arr(inputs[2]), node.type);
  };
  cpuBackend.register(`Scatter${kind}`, (node) => {
    const run = core(node);
    return (inputs) => {
      run(inputs);
      return [inputs[0]];
    };
  });
  cpuBackend.register(`ResourceScatter${kind}`, (node) => {
    const run = core(node);
    return (inputs) => {
      run(inputs);
      return [];
    };
  });
}

for (const kind of ["Add", "Sub", "Update"] as const) {
  const core = () => (inputs: Value[]) => {
    scatterNdRows(kind, variableOf(inputs[0], "ref"), arr(inputs[1]), arr(inputs[2]));
  };
  cpuBackend.register(`ScatterNd${kind}`, () => {
    const run = core();
    return (inputs) => {
      run(inputs);
      return [inputs[0]];
    };
  });
  cpuBackend.register(`ResourceScatterNd${kind}`, () => {
    const run = core();
    return (inputs) => {
      run(inputs);
      return [];
    };
  });
}

function sliceAssignKernel(outputsRef: boolean) {
  return (node: NodeInfo): Kernel => {
    const masks = stridedSliceMasks(node.attrs);
    return (inputs) => {
      const [begin, end, strides] = [1, 2, 3].map((i) => intValues(arr(inputs[i])));
      stridedSliceAssign(variableOf(inputs[0], "ref"), begin, end, strides, arr(inputs[4]), masks);
      return outputsRef ? [inputs[0]] : [];
    };
  };
}
cpuBackend.register("StridedSliceAssign", sliceAssignKernel(true));
cpuBackend.register("ResourceStridedSliceAssign", sliceAssignKernel(false));

/** CountUpTo's core: the value before the increment; OutOfRangeError once it reached `limit`. */
function countUpToKernel(node: NodeInfo): Kernel {
  const limit = node.attrs.limit as number;
  return (inputs) => {
    const v = variableOf(inputs[0], "ref");
    const old = v.read();
    if (old.rank !== 0) {
      throw new InvalidArgumentError(`input is not a scalar: ${shapeString(old.shape)}`);
    }
    const before = Number(old.data[0]);
    if (before >= limit) throw new OutOfRangeError(`Reached limit of ${limit}`);
    const next =
      old.dtype === "int64"
        ? new NDArray("int64", [], BigInt64Array.of(BigInt(before + 1)))
        : new NDArray(old.dtype, [], Int32Array.of(before + 1));
    v.assign(next, false);
    return [old];
  };
}
cpuBackend.register("CountUpTo", countUpToKernel);
cpuBackend.register("ResourceCountUpTo", countUpToKernel);

// The ref passes through: ops after it that take a ref update the same variable.
cpuBackend.register("RefIdentity", () => (inputs) => [inputs[0]]);
