// Kernels of the training_ops family: the Apply* ops, their ResourceApply* forms and the
// SparseApply* forms (each also as Resource*). One kernel per update serves every form: it reads
// the variable and its slots (through refs or handles), computes the updated values into new
// buffers (values fetched earlier must not change under the user) and assigns them back; the ref
// forms output the variable's ref, the resource forms nothing. A sparse form runs the same
// element update on the rows its indices name.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { intValues } from "../../framework/index_rules.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import {
  arr,
  type Kernel,
  type NodeInfo,
  type Value,
  type VariableRef,
  variableOf,
} from "../kernel.js";
import { cpuBackend } from "./index.js";

type Floats = Float32Array | Float64Array;

/**
 * Updates element i: `slots` are the (already copied) ref values, slots[0] being the variable;
 * `s` the scalar hyper-parameters in input order; `g` the gradient.
 */
type Update = (n: number, slots: Floats[], s: Float64Array, g: Floats) => void;

export interface ApplySpec {
  /** Input names, in order (for error messages). */
  inputs: readonly string[];
  /** How many leading inputs are refs (the variable, then its slots). */
  refs: number;
  /** Index of the gradient input; every other non-ref input is a scalar (but `indices`). */
  grad: number;
  /** Index of the indices input of a sparse form. */
  indices?: number;
}

/**
 * Reads and checks an Apply op's inputs: the refs' current values (all of one shape), the
 * scalar hyper-parameters (into `scalars`, in input order) and the gradient (the variable's shape).
 */
export function readApplyInputs(
  spec: ApplySpec,
  inputs: Value[],
  scalars: Float64Array,
): { refs: VariableRef[]; values: NDArray[]; grad: NDArray } {
  const refs = inputs.slice(0, spec.refs).map((v, k) => variableOf(v, spec.inputs[k]));
  const values = refs.map((r) => r.read());
  const shape = values[0].shape;
  const sameShape = (a: readonly number[]) =>
    a.length === shape.length && a.every((d, i) => d === shape[i]);
  const mismatch = (k: number, other: readonly number[]) =>
    new InvalidArgumentError(
      `var and ${spec.inputs[k]} do not have the same shape${shapeString(shape)} ${shapeString(other)}`,
    );
  for (let k = 1; k < spec.refs; k++)
    if (!sameShape(values[k].shape)) throw mismatch(k, values[k].shape);
  let s = 0;
  for (let idx = spec.refs; idx < spec.inputs.length; idx++) {
    if (idx === spec.grad || idx === spec.indices) continue;
    const a = arr(inputs[idx]);
    if (a.rank !== 0) {
      throw new InvalidArgumentError(
        `${spec.inputs[idx]} is not a scalar: ${shapeString(a.shape)}`,
      );
    }
    scalars[s++] = a.data[0] as number;
  }
  const grad = arr(inputs[spec.grad]);
  if (spec.indices === undefined) {
    if (!sameShape(grad.shape)) throw mismatch(spec.grad, grad.shape);
  } else {
    const rest = grad.shape.slice(1);
    if (
      grad.rank < 1 ||
      !(rest.length === shape.length - 1 && rest.every((d, i) => d === shape[i + 1]))
    ) {
      throw new InvalidArgumentError(
        `var and grad do not have the same shape in dims 1 and up: var ${shapeString(shape)} grad ${shapeString(grad.shape)}`,
      );
    }
  }
  return { refs, values, grad };
}

/** The rows a sparse update touches: checked against the variable's rows and the gradient's. */
function rowsOf(indices: NDArray, grad: NDArray, rows: number): number[] {
  if (indices.rank !== 1) {
    throw new InvalidArgumentError(
      `indices must be one-dimensional, got ${shapeString(indices.shape)}`,
    );
  }
  if (indices.size !== grad.shape[0]) {
    throw new InvalidArgumentError(
      `grad must be the same size as indices in the first dimension: ${grad.shape[0]} vs ${indices.size}`,
    );
  }
  const idx = intValues(indices);
  idx.forEach((r, i) => {
    if (r < 0 || r >= rows) {
      throw new InvalidArgumentError(
        `Index ${r} at offset ${i} in indices is out of range [0, ${rows})`,
      );
    }
  });
  return idx;
}

function applyKernel(spec: ApplySpec, makeUpdate: (node: NodeInfo) => Update) {
  return (node: NodeInfo): Kernel => {
    const dtype: DType = node.inputDtypes[spec.grad];
    if (dtype !== "float32" && dtype !== "float64") {
      throw new InvalidArgumentError(`${node.type} supports float32 and float64, not ${dtype}`);
    }
    const update = makeUpdate(node);
    const scalars = new Float64Array(
      spec.inputs.length - spec.refs - 1 - (spec.indices === undefined ? 0 : 1),
    );
    const outputsRef = node.outputDtypes.length > 0;
    return (inputs: Value[]) => {
      const { refs, values, grad } = readApplyInputs(spec, inputs, scalars);
      const shape = values[0].shape;
      if (values[0].dtype !== dtype) {
        throw new InvalidArgumentError(
          `${node.type}: variable ${refs[0].name} is ${values[0].dtype}, the update ${dtype}`,
        );
      }
      // The rows are checked before the copies are made.
      const rows =
        spec.indices === undefined ? null : rowsOf(arr(inputs[spec.indices]), grad, shape[0]);
      const copies = values.map((v) => (v.data as Floats).slice());
      const g = grad.data as Floats;
      if (rows === null) {
        update(copies[0].length, copies, scalars, g);
      } else {
        const n = shape[0] === 0 ? 0 : copies[0].length / shape[0];
        rows.forEach((r, i) => {
          const row = copies.map((c) => c.subarray(r * n, (r + 1) * n));
          update(n, row, scalars, g.subarray(i * n, (i + 1) * n));
        });
      }
      refs.forEach((r, k) => {
        r.assign(new NDArray(dtype, shape, copies[k]), false);
      });
      return outputsRef ? [inputs[0]] : [];
    };
  };
}

/** Registers an update for its ref form `type` and its resource form `Resource${type}`. */
function register(type: string, kernel: (node: NodeInfo) => Kernel): void {
  cpuBackend.register(type, kernel);
  cpuBackend.register(`Resource${type}`, kernel);
}

register(
  "ApplyGradientDescent",
  applyKernel({ inputs: ["var", "alpha", "delta"], refs: 1, grad: 2 }, () => (n, [v], s, g) => {
    const alpha = s[0];
    for (let i = 0; i < n; i++) v[i] -= alpha * g[i];
  }),
);

const momentum = (node: NodeInfo): Update => {
  const nesterov = node.attrs.use_nesterov === true;
  return (n, [v, accum], s, g) => {
    const lr = s[0];
    const momentum = s[1];
    for (let i = 0; i < n; i++) {
      const a = accum[i] * momentum + g[i];
      accum[i] = a;
      v[i] -= nesterov ? g[i] * lr + a * momentum * lr : lr * a;
    }
  };
};
register(
  "ApplyMomentum",
  applyKernel({ inputs: ["var", "accum", "lr", "grad", "momentum"], refs: 2, grad: 3 }, momentum),
);
register(
  "SparseApplyMomentum",
  applyKernel(
    { inputs: ["var", "accum", "lr", "grad", "indices", "momentum"], refs: 2, grad: 3, indices: 4 },
    momentum,
  ),
);

register(
  "ApplyAdam",
  applyKernel(
    {
      inputs: [
        "var",
        "m",
        "v",
        "beta1_power",
        "beta2_power",
        "lr",
        "beta1",
        "beta2",
        "epsilon",
        "grad",
      ],
      refs: 3,
      grad: 9,
    },
    (node) => {
      const nesterov = node.attrs.use_nesterov === true;
      return (n, [v, m, vv], s, g) => {
        const [beta1Power, beta2Power, lr, beta1, beta2, epsilon] = s;
        const alpha = (lr * Math.sqrt(1 - beta2Power)) / (1 - beta1Power);
        for (let i = 0; i < n; i++) {
          const gi = g[i];
          m[i] += (gi - m[i]) * (1 - beta1);
          vv[i] += (gi * gi - vv[i]) * (1 - beta2);
          const mHat = nesterov ? gi * (1 - beta1) + beta1 * m[i] : m[i];
          v[i] -= (mHat * alpha) / (Math.sqrt(vv[i]) + epsilon);
        }
      };
    },
  ),
);

const rmsProp =
  (): Update =>
  (n, [v, ms, mom], s, g) => {
    const [lr, rho, momentum, epsilon] = s;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      ms[i] += (gi * gi - ms[i]) * (1 - rho);
      mom[i] = mom[i] * momentum + (gi * lr) / Math.sqrt(ms[i] + epsilon);
      v[i] -= mom[i];
    }
  };
const RMS_INPUTS = ["var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"];
register("ApplyRMSProp", applyKernel({ inputs: RMS_INPUTS, refs: 3, grad: 7 }, rmsProp));
register(
  "SparseApplyRMSProp",
  applyKernel({ inputs: [...RMS_INPUTS, "indices"], refs: 3, grad: 7, indices: 8 }, rmsProp),
);

const centeredRmsProp =
  (): Update =>
  (n, [v, mg, ms, mom], s, g) => {
    const [lr, rho, momentum, epsilon] = s;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      ms[i] += (gi * gi - ms[i]) * (1 - rho);
      mg[i] += (gi - mg[i]) * (1 - rho);
      const denom = ms[i] - mg[i] * mg[i] + epsilon;
      mom[i] = mom[i] * momentum + (gi * lr) / Math.sqrt(denom);
      v[i] -= mom[i];
    }
  };
const CRMS_INPUTS = ["var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"];
register(
  "ApplyCenteredRMSProp",
  applyKernel({ inputs: CRMS_INPUTS, refs: 4, grad: 8 }, centeredRmsProp),
);
register(
  "SparseApplyCenteredRMSProp",
  applyKernel(
    { inputs: [...CRMS_INPUTS, "indices"], refs: 4, grad: 8, indices: 9 },
    centeredRmsProp,
  ),
);

const adagrad = (node: NodeInfo): Update => {
  const updateSlots = node.attrs.update_slots !== false;
  return (n, [v, accum], s, g) => {
    const lr = s[0];
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      if (updateSlots) accum[i] += gi * gi;
      v[i] -= (gi * lr) / Math.sqrt(accum[i]);
    }
  };
};
register(
  "ApplyAdagrad",
  applyKernel({ inputs: ["var", "accum", "lr", "grad"], refs: 2, grad: 3 }, adagrad),
);
register(
  "SparseApplyAdagrad",
  applyKernel(
    { inputs: ["var", "accum", "lr", "grad", "indices"], refs: 2, grad: 3, indices: 4 },
    adagrad,
  ),
);
