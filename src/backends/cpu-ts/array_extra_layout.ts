// Kernels that move elements around: LinSpace, ReverseSequence, Reverse, Roll, the space/depth/batch
// rearrangements, Diag/DiagPart, ExtractImagePatches, TileGrad, ParallelConcat.

import { allocData, type DType } from "../../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { stridesOf } from "../../framework/tensor_shape.js";
import { type ConvPadding, windowedOutputSize } from "../../framework/window_rules.js";
import { arr } from "../kernel.js";
import {
  accumulate,
  checkNumeric,
  checkSize,
  elems,
  flatIndex,
  mapElements,
  shapeSize,
  shapeString,
  vectorInts,
} from "./array_extra_util.js";
import { stridedCopy } from "./array_index.js";
import { cpuBackend } from "./index.js";

// ---------------------------------------------------------------------------------------------
// LinSpace

cpuBackend.register("LinSpace", (node) => {
  const dtype = node.attrs.T as DType;
  return (inputs) => {
    const [s, e, n] = inputs.map(arr);
    for (const [a, what] of [
      [s, "start"],
      [e, "stop"],
      [n, "num"],
    ] as const) {
      if (a.rank !== 0) {
        throw new InvalidArgumentError(
          `LinSpace: ${what} must be a scalar, not shape ${shapeString(a.shape)}`,
        );
      }
    }
    const num = Number(n.data[0]);
    if (num <= 0) throw new InvalidArgumentError(`LinSpace: Requires num > 0: ${num}`);
    checkSize([num], "LinSpace");
    const start = Number(s.data[0]);
    const stop = Number(e.data[0]);
    const f = dtype === "float32" ? Math.fround : (v: number) => v;
    const out = allocData(dtype, num) as Float64Array;
    // As TF: step = (stop - start) / (num - 1) in the output type, value i = start + i * step.
    const step = num === 1 ? 0 : f(f(stop - start) / (num - 1));
    for (let i = 0; i < num; i++) out[i] = f(start + f(i * step));
    return [new NDArray(dtype, [num], out)];
  };
});

// ---------------------------------------------------------------------------------------------
// ReverseSequence, Reverse, Roll

cpuBackend.register("ReverseSequence", (node) => {
  const seqDim = node.attrs.seq_dim as number;
  const batchDim = node.attrs.batch_dim as number;
  return (inputs) => {
    const x = arr(inputs[0]);
    const lens = vectorInts(arr(inputs[1]), "seq_lengths", "ReverseSequence");
    const r = x.rank;
    if (batchDim < 0 || batchDim >= r || seqDim < 0 || seqDim >= r || seqDim === batchDim) {
      throw new InvalidArgumentError(
        `ReverseSequence: invalid seq_dim ${seqDim} / batch_dim ${batchDim} for input of rank ${r}`,
      );
    }
    if (lens.length !== x.shape[batchDim]) {
      throw new InvalidArgumentError(
        `ReverseSequence: Length of seq_lengths != input.dims(${batchDim}), (${lens.length} vs. ${x.shape[batchDim]})`,
      );
    }
    lens.forEach((l, b) => {
      if (l < 0 || l > x.shape[seqDim]) {
        throw new InvalidArgumentError(
          `ReverseSequence: seq_lengths(${b}) = ${l} is not in [0, input.dims(${seqDim}) = ${x.shape[seqDim]}]`,
        );
      }
    });
    const st = stridesOf(x.shape);
    return [
      mapElements(
        x,
        x.shape,
        (c) => {
          const l = lens[c[batchDim]];
          const s = c[seqDim];
          const f = flatIndex(c, st);
          return s < l ? f + (l - 1 - 2 * s) * st[seqDim] : f;
        },
        "ReverseSequence",
      ),
    ];
  };
});

cpuBackend.register("Reverse", () => (inputs) => {
  const x = arr(inputs[0]);
  const dims = arr(inputs[1]);
  if (dims.rank !== 1 || dims.size !== x.rank) {
    throw new InvalidArgumentError(
      `Reverse: 'dims' must have the same number of values as 'input' has dimensions. 'input' has ${x.rank} dimensions and 'dims' has shape ${shapeString(dims.shape)}`,
    );
  }
  if (x.rank > 8) {
    throw new InvalidArgumentError("Reverse: reverse is not implemented for tensors of rank > 8");
  }
  const flip = dims.data as Uint8Array;
  const begin = x.shape.map((n, d) => (flip[d] ? n - 1 : 0));
  const step = x.shape.map((_, d) => (flip[d] ? -1 : 1));
  if (x.size === 0) return [x];
  return [new NDArray(x.dtype, x.shape, stridedCopy(x, begin, step, x.shape))];
});

cpuBackend.register("Roll", () => (inputs) => {
  const x = arr(inputs[0]);
  const sh = arr(inputs[1]);
  const ax = arr(inputs[2]);
  if (sh.rank > 1 || ax.rank > 1 || sh.size !== ax.size) {
    throw new InvalidArgumentError(
      `Roll: shift and axis must be scalars or vectors of one size, got shapes ${shapeString(sh.shape)} and ${shapeString(ax.shape)}`,
    );
  }
  const shifts = new Array<number>(x.rank).fill(0);
  const shiftVals = Array.from(sh.data as ArrayLike<number | bigint>, Number);
  Array.from(ax.data as ArrayLike<number | bigint>, Number).forEach((a, i) => {
    if (a < -x.rank || a >= x.rank) {
      throw new InvalidArgumentError(`Roll: axis ${a} is out of range for input of rank ${x.rank}`);
    }
    shifts[a < 0 ? a + x.rank : a] += shiftVals[i];
  });
  const st = stridesOf(x.shape);
  // Output coordinate c reads input coordinate (c - shift) mod n in each dim.
  const back = shifts.map((s, d) => {
    const n = x.shape[d];
    return n === 0 ? 0 : ((-s % n) + n) % n;
  });
  return [
    mapElements(
      x,
      x.shape,
      (c) => {
        let f = 0;
        for (let d = 0; d < c.length; d++) f += ((c[d] + back[d]) % x.shape[d]) * st[d];
        return f;
      },
      "Roll",
    ),
  ];
});

// ---------------------------------------------------------------------------------------------
// SpaceToDepth, DepthToSpace

function depthSpaceKernel(type: string, toDepth: boolean) {
  cpuBackend.register(type, (node) => {
    const bs = node.attrs.block_size as number;
    const format = node.attrs.data_format as string;
    if (format !== "NHWC" && format !== "NCHW") {
      throw new UnimplementedError(`${type}: data_format ${format} is not supported`);
    }
    const nchw = format === "NCHW";
    return (inputs) => {
      const x = arr(inputs[0]);
      if (x.rank !== 4) {
        throw new InvalidArgumentError(`${type}: Input rank should be: 4 instead of: ${x.rank}`);
      }
      const [n, a, b, c] = x.shape;
      const [h, w, ch] = nchw ? [b, c, a] : [a, b, c];
      let oh: number;
      let ow: number;
      let oc: number;
      if (toDepth) {
        if (h % bs !== 0 || w % bs !== 0) {
          throw new InvalidArgumentError(
            `${type}: Image width ${w} and height ${h} should be divisible by block_size: ${bs}`,
          );
        }
        [oh, ow, oc] = [h / bs, w / bs, ch * bs * bs];
      } else {
        if (ch % (bs * bs) !== 0) {
          throw new InvalidArgumentError(
            `${type}: Input depth dimension ${ch} should be divisible by: ${bs * bs}`,
          );
        }
        [oh, ow, oc] = [h * bs, w * bs, ch / (bs * bs)];
      }
      const outShape = nchw ? [n, oc, oh, ow] : [n, oh, ow, oc];
      const st = stridesOf(x.shape);
      // In NHWC terms: space_to_depth's out[b, i, j, (bi*bs + bj)*C + k] = in[b, i*bs+bi, j*bs+bj, k].
      const at = (bb: number, y: number, xx: number, k: number) =>
        nchw
          ? bb * st[0] + k * st[1] + y * st[2] + xx * st[3]
          : bb * st[0] + y * st[1] + xx * st[2] + k * st[3];
      return [
        mapElements(
          x,
          outShape,
          (co) => {
            const [bb, y, xx, q] = nchw ? [co[0], co[2], co[3], co[1]] : co;
            if (toDepth) {
              const k = q % ch;
              const t = Math.floor(q / ch);
              return at(bb, y * bs + Math.floor(t / bs), xx * bs + (t % bs), k);
            }
            const t = (y % bs) * bs + (xx % bs);
            return at(bb, Math.floor(y / bs), Math.floor(xx / bs), t * oc + q);
          },
          type,
        ),
      ];
    };
  });
}
depthSpaceKernel("SpaceToDepth", true);
depthSpaceKernel("DepthToSpace", false);

// ---------------------------------------------------------------------------------------------
// SpaceToBatchND, BatchToSpaceND, SpaceToBatch, BatchToSpace

/**
 * SpaceToBatchND (toBatch) or BatchToSpaceND of x with `block` ([M]) and `pads` (paddings or
 * crops, [M][2]). TF's definition: space to batch pads, reshapes to [B, p1/b1, b1, ..., rest],
 * moves the block dims first and folds them into the batch; batch to space undoes it and crops.
 */
function spaceBatch(
  x: NDArray,
  block: number[],
  pads: number[],
  toBatch: boolean,
  op: string,
): NDArray {
  const m = block.length;
  if (x.rank < 1 + m) {
    throw new InvalidArgumentError(`${op}: input rank should be >= ${1 + m} instead of ${x.rank}`);
  }
  if (block.some((b) => b < 1)) {
    throw new InvalidArgumentError(`${op}: block_shape must be positive, got [${block}]`);
  }
  if (pads.some((p) => p < 0)) {
    throw new InvalidArgumentError(
      `${op}: ${toBatch ? "paddings" : "crops"} must be non-negative, got [${pads}]`,
    );
  }
  const total = block.reduce((a, b) => a * b, 1);
  const outShape = [...x.shape];
  const st = stridesOf(x.shape);
  if (toBatch) {
    const batch = x.shape[0];
    outShape[0] = batch * total;
    for (let i = 0; i < m; i++) {
      const padded = x.shape[1 + i] + pads[2 * i] + pads[2 * i + 1];
      if (padded % block[i] !== 0) {
        throw new InvalidArgumentError(
          `${op}: padded_shape[${i}]=${padded} is not divisible by block_shape[${i}]=${block[i]}`,
        );
      }
      outShape[1 + i] = padded / block[i];
    }
    return mapElements(
      x,
      outShape,
      (c) => {
        let blockIdx = Math.floor(c[0] / batch);
        let f = (c[0] % batch) * st[0];
        for (let i = m - 1; i >= 0; i--) {
          const k = blockIdx % block[i];
          blockIdx = Math.floor(blockIdx / block[i]);
          const p = c[1 + i] * block[i] + k - pads[2 * i];
          if (p < 0 || p >= x.shape[1 + i]) return -1;
          f += p * st[1 + i];
        }
        for (let d = 1 + m; d < c.length; d++) f += c[d] * st[d];
        return f;
      },
      op,
    );
  }
  if (x.shape[0] % total !== 0) {
    throw new InvalidArgumentError(
      `${op}: Input batch dimension (${x.shape[0]}) is not divisible by product of block sizes (${total})`,
    );
  }
  const batch = x.shape[0] / total;
  outShape[0] = batch;
  for (let i = 0; i < m; i++) {
    const size = x.shape[1 + i] * block[i] - pads[2 * i] - pads[2 * i + 1];
    if (size < 0) {
      throw new InvalidArgumentError(
        `${op}: Negative output dimension size caused by too large crops: crops [${pads[2 * i]}, ${pads[2 * i + 1]}] for input dim ${x.shape[1 + i]} and block size ${block[i]}`,
      );
    }
    outShape[1 + i] = size;
  }
  return mapElements(
    x,
    outShape,
    (c) => {
      let blockIdx = 0;
      let f = 0;
      for (let i = 0; i < m; i++) {
        const u = c[1 + i] + pads[2 * i];
        blockIdx = blockIdx * block[i] + (u % block[i]);
        f += Math.floor(u / block[i]) * st[1 + i];
      }
      f += (blockIdx * batch + c[0]) * st[0];
      for (let d = 1 + m; d < c.length; d++) f += c[d] * st[d];
      return f;
    },
    op,
  );
}

function readPads(a: NDArray, m: number, what: string, op: string): number[] {
  if (a.rank !== 2 || a.shape[0] !== m || a.shape[1] !== 2) {
    throw new InvalidArgumentError(
      `${op}: ${what} should have shape [${m}, 2] instead of ${shapeString(a.shape)}`,
    );
  }
  return Array.from(a.data as ArrayLike<number | bigint>, Number);
}

for (const [type, toBatch] of [
  ["SpaceToBatchND", true],
  ["BatchToSpaceND", false],
] as const) {
  cpuBackend.register(type, () => (inputs) => {
    const x = arr(inputs[0]);
    const block = vectorInts(arr(inputs[1]), "block_shape", type);
    const pads = readPads(arr(inputs[2]), block.length, toBatch ? "paddings" : "crops", type);
    return [spaceBatch(x, block, pads, toBatch, type)];
  });
}

for (const [type, toBatch] of [
  ["SpaceToBatch", true],
  ["BatchToSpace", false],
] as const) {
  cpuBackend.register(type, (node) => {
    const bs = node.attrs.block_size as number;
    return (inputs) => {
      const x = arr(inputs[0]);
      if (x.rank !== 4) {
        throw new InvalidArgumentError(
          `${type}: input should be 4-D, got shape ${shapeString(x.shape)}`,
        );
      }
      if (bs < 2) throw new InvalidArgumentError(`${type}: block_size should be > 1: ${bs}`);
      const pads = readPads(arr(inputs[1]), 2, toBatch ? "paddings" : "crops", type);
      return [spaceBatch(x, [bs, bs], pads, toBatch, type)];
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Diag, DiagPart

cpuBackend.register("Diag", () => (inputs) => {
  const d = arr(inputs[0]);
  if (d.rank < 1) {
    throw new InvalidArgumentError(`Diag: Input must be at least rank 1, got ${d.rank}`);
  }
  const n = d.size;
  const outShape = [...d.shape, ...d.shape];
  checkSize(outShape, "Diag");
  const out = allocData(d.dtype, n * n);
  const dst = elems(out);
  const src = elems(d.data);
  for (let i = 0; i < n; i++) dst[i * n + i] = src[i];
  return [new NDArray(d.dtype, outShape, out)];
});

cpuBackend.register("DiagPart", () => (inputs) => {
  const x = arr(inputs[0]);
  const r = x.rank;
  if (r === 0 || r % 2 !== 0) {
    throw new InvalidArgumentError(
      `DiagPart: The rank of the tensor should be even and positive, got shape ${shapeString(x.shape)}`,
    );
  }
  const k = r / 2;
  for (let i = 0; i < k; i++) {
    if (x.shape[i] !== x.shape[k + i]) {
      throw new InvalidArgumentError(
        `DiagPart: Invalid shape ${shapeString(x.shape)}: dimensions ${i} and ${k + i} do not match.`,
      );
    }
  }
  const outShape = x.shape.slice(0, k);
  const n = shapeSize(outShape);
  const out = allocData(x.dtype, n);
  const dst = elems(out);
  const src = elems(x.data);
  for (let i = 0; i < n; i++) dst[i] = src[i * n + i];
  return [new NDArray(x.dtype, outShape, out)];
});

// ---------------------------------------------------------------------------------------------
// ExtractImagePatches

cpuBackend.register("ExtractImagePatches", (node) => {
  const ks = node.attrs.ksizes as number[];
  const st = node.attrs.strides as number[];
  const rt = node.attrs.rates as number[];
  const padding = node.attrs.padding as ConvPadding;
  for (const [name, v] of [
    ["ksizes", ks],
    ["strides", st],
    ["rates", rt],
  ] as const) {
    if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) {
      throw new InvalidArgumentError(
        `ExtractImagePatches only supports ${name} across space, got [${v}]`,
      );
    }
  }
  return (inputs) => {
    const x = arr(inputs[0]);
    if (x.rank !== 4) {
      throw new InvalidArgumentError(
        `ExtractImagePatches: input must be 4-dimensional, got shape ${shapeString(x.shape)}`,
      );
    }
    const [, rows, cols, depth] = x.shape;
    const r = windowedOutputSize(rows, ks[1], st[1], rt[1], padding);
    const c = windowedOutputSize(cols, ks[2], st[2], rt[2], padding);
    const outShape = [x.shape[0], r.out, c.out, ks[1] * ks[2] * depth];
    const xs = stridesOf(x.shape);
    return [
      mapElements(
        x,
        outShape,
        ([b, i, j, q]) => {
          const d = q % depth;
          const t = Math.floor(q / depth);
          const y = i * st[1] - r.padBefore + Math.floor(t / ks[2]) * rt[1];
          const xx = j * st[2] - c.padBefore + (t % ks[2]) * rt[2];
          if (y < 0 || y >= rows || xx < 0 || xx >= cols) return -1;
          return b * xs[0] + y * xs[1] + xx * xs[2] + d;
        },
        "ExtractImagePatches",
      ),
    ];
  };
});

cpuBackend.register("ExtractVolumePatches", (node) => {
  const ks = node.attrs.ksizes as number[];
  const st = node.attrs.strides as number[];
  const padding = node.attrs.padding as ConvPadding;
  for (const [name, v] of [
    ["ksizes", ks],
    ["strides", st],
  ] as const) {
    if (v.length !== 5 || v[0] !== 1 || v[4] !== 1) {
      throw new InvalidArgumentError(
        `ExtractVolumePatches only supports ${name} across space, got [${v}]`,
      );
    }
  }
  return (inputs) => {
    const x = arr(inputs[0]);
    if (x.rank !== 5) {
      throw new InvalidArgumentError(
        `ExtractVolumePatches: input must be 5-dimensional, got shape ${shapeString(x.shape)}`,
      );
    }
    const [, planes, rows, cols, depth] = x.shape;
    const p = windowedOutputSize(planes, ks[1], st[1], 1, padding);
    const r = windowedOutputSize(rows, ks[2], st[2], 1, padding);
    const c = windowedOutputSize(cols, ks[3], st[3], 1, padding);
    const outShape = [x.shape[0], p.out, r.out, c.out, ks[1] * ks[2] * ks[3] * depth];
    const xs = stridesOf(x.shape);
    return [
      mapElements(
        x,
        outShape,
        ([b, i, j, k, q]) => {
          const d = q % depth;
          let t = Math.floor(q / depth);
          const kc = t % ks[3];
          t = Math.floor(t / ks[3]);
          const kr = t % ks[2];
          const kp = Math.floor(t / ks[2]);
          const z = i * st[1] - p.padBefore + kp;
          const y = j * st[2] - r.padBefore + kr;
          const xx = k * st[3] - c.padBefore + kc;
          if (z < 0 || z >= planes || y < 0 || y >= rows || xx < 0 || xx >= cols) return -1;
          return b * xs[0] + z * xs[1] + y * xs[2] + xx * xs[3] + d;
        },
        "ExtractVolumePatches",
      ),
    ];
  };
});

// ---------------------------------------------------------------------------------------------
// TileGrad, ParallelConcat

/** TileGrad (deprecated in TF, kept for old graphs): the sum of the tiles of `input`. */
cpuBackend.register("TileGrad", () => (inputs) => {
  const x = arr(inputs[0]);
  checkNumeric(x.dtype, "TileGrad");
  const m = vectorInts(arr(inputs[1]), "multiples", "TileGrad");
  if (m.length !== x.rank) {
    throw new InvalidArgumentError(
      `TileGrad: Expected multiples argument to be a vector of length ${x.rank} but got length ${m.length}`,
    );
  }
  const outShape = x.shape.map((d, i) => {
    if (m[i] <= 0 || d % m[i] !== 0) {
      throw new InvalidArgumentError(
        `TileGrad: input dimension ${i} of size ${d} is not a multiple of ${m[i]}`,
      );
    }
    return d / m[i];
  });
  const n = shapeSize(outShape);
  const out = allocData(x.dtype, n);
  const os = stridesOf(outShape);
  const coord = new Array<number>(x.rank).fill(0);
  for (let i = 0; i < x.size; i++) {
    let o = 0;
    for (let d = 0; d < x.rank; d++) o += (coord[d] % outShape[d]) * os[d];
    accumulate(x.dtype, out, o, x.data, i, 1);
    for (let d = x.rank - 1; d >= 0; d--) {
      if (++coord[d] < x.shape[d]) break;
      coord[d] = 0;
    }
  }
  return [new NDArray(x.dtype, outShape, out)];
});

cpuBackend.register("ParallelConcat", (node) => {
  const shape = node.attrs.shape as { dims: (number | null)[] | null };
  return (inputs) => {
    const xs = inputs.map(arr);
    const first = xs[0];
    const slice = [1, ...first.shape.slice(1)];
    xs.forEach((v, i) => {
      if (shapeString(v.shape) !== shapeString(slice)) {
        throw new InvalidArgumentError(
          `ParallelConcat: values[${i}] has shape ${shapeString(v.shape)}, expected ${shapeString(slice)}`,
        );
      }
    });
    const outShape = [xs.length, ...first.shape.slice(1)];
    const want = shape.dims;
    if (
      want &&
      (want.length !== outShape.length || want.some((d, i) => d !== null && d !== outShape[i]))
    ) {
      throw new InvalidArgumentError(
        `ParallelConcat: output shape ${shapeString(outShape)} does not match attr shape [${want.map((d) => d ?? "?").join(",")}]`,
      );
    }
    const per = first.size;
    const out = allocData(first.dtype, checkSize(outShape, "ParallelConcat"));
    const dst = elems(out);
    xs.forEach((v, i) => {
      const src = elems(v.data);
      for (let k = 0; k < per; k++) dst[i * per + k] = src[k];
    });
    return [new NDArray(first.dtype, outShape, out)];
  };
});
