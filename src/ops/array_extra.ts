// More array ops: reversal, space/depth/batch rearrangements, scatters, sorting and searching, set
// ops, diagonals, patches, in-place updates and debugging identities: registrations (shape fn,
// gradient). The gradients live in array_extra_grad.ts, the builders in array_extra_builders.ts.
import type { DType } from "../framework/dtypes.js";
import { intValues } from "../framework/index_rules.js";
import type { NDArray } from "../framework/ndarray.js";
import { getRegisteredOp, registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import { type ConvPadding, windowedOutputSize } from "../framework/window_rules.js";
import * as G from "./array_extra_grad.js";

// ---------------------------------------------------------------------------------------------
// Shape helpers

function constInts(c: ShapeContext, i: number): number[] | null {
  const v = c.inputValue(i);
  return v ? intValues(v) : null;
}
const same = (c: ShapeContext): TensorShape => c.input(0);

/** The shape of an output `updates`-style check: indices.shape[:-1] + shape[k:]. */
function checkScatterShapes(c: ShapeContext, shape: TensorShape): void {
  const indices = c.withRankAtLeast(1, 1);
  const updates = c.input(2);
  if (indices.rank === null || shape.rank === null || updates.rank === null) return;
  const k = indices.dim(-1);
  if (k === null) return;
  if (k > shape.rank) {
    c.fail(`Index innermost dimension length ${k} must be <= tensor rank ${shape.rank}`);
  }
  const want = new TensorShape([...indices.dims!.slice(0, -1), ...shape.dims!.slice(k)]);
  if (!updates.isCompatibleWith(want)) {
    c.fail(
      `updates.shape ${updates} must be indices.shape[:-1] + tensor.shape[indices.shape[-1]:] = ${want} (indices ${indices}, tensor ${shape})`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// LinSpace, ReverseSequence, Reverse, Roll

registerOp("LinSpace", {
  shape: (c) => {
    c.withRank(0, 0);
    c.withRank(1, 0);
    c.withRank(2, 0);
    const n = constInts(c, 2);
    if (n === null) return [null];
    if (n[0] <= 0) c.fail(`Requires num > 0: ${n[0]}`);
    return [n[0]];
  },
});

registerOp("ReverseSequence", {
  shape: (c) => {
    const input = c.input(0);
    const lens = c.withRank(1, 1);
    const seqDim = c.attr<number>("seq_dim");
    const batchDim = c.attr<number>("batch_dim");
    if (input.rank === null) return input;
    const r = input.rank;
    if (batchDim < 0 || batchDim >= r)
      c.fail(`batch_dim must be < input rank: ${batchDim} vs. ${r}`);
    if (seqDim < 0 || seqDim >= r) c.fail(`seq_dim must be < input rank: ${seqDim} vs. ${r}`);
    if (seqDim === batchDim) c.fail(`seq_dim (${seqDim}) and batch_dim must differ`);
    const b = c.mergeDim(input.dim(batchDim), lens.dim(0), "batch_dim and seq_lengths sizes");
    const dims = [...input.dims!];
    dims[batchDim] = b;
    return new TensorShape(dims);
  },
  gradient: G.reverseSequenceGrad,
});

registerOp("Reverse", {
  shape: (c) => {
    const input = c.input(0);
    const dims = c.withRank(1, 1);
    if (input.rank !== null && input.rank > 8)
      c.fail(`reverse does not work on tensors with more than 8 dimensions`);
    if (input.rank !== null && dims.dim(0) !== null && dims.dim(0) !== input.rank) {
      c.fail(`dims must have the same number of elements as the input rank: ${dims} vs. ${input}`);
    }
    return input;
  },
  gradient: G.reverseGrad,
});

registerOp("Roll", {
  shape: (c) => {
    const shift = c.input(1);
    const axis = c.input(2);
    if (shift.rank !== null && shift.rank > 1) c.fail("shift must be a scalar or a 1-D vector");
    if (axis.rank !== null && axis.rank > 1) c.fail("axis must be a scalar or a 1-D vector");
    const ns = shift.rank === 0 ? 1 : shift.dim(0);
    const na = axis.rank === 0 ? 1 : axis.dim(0);
    if (ns !== null && na !== null && ns !== na) {
      c.fail(`shift and axis must have the same size, but got ${shift} and ${axis}`);
    }
    return c.input(0);
  },
  gradient: G.rollGrad,
});

// ---------------------------------------------------------------------------------------------
// Space/depth/batch rearrangements

function depthSpace(c: ShapeContext, toDepth: boolean): TensorShape | null {
  const input = c.withRank(0, 4);
  const bs = c.attr<number>("block_size");
  const format = c.attr<string>("data_format");
  if (bs < 2) c.fail(`Value for attr 'block_size' of ${bs} must be at least minimum 2`);
  if (format === "NCHW_VECT_C") return null;
  const [n, a, b, d] = input.dims!;
  const [h, w, ch] = format === "NCHW" ? [b, d, a] : [a, b, d];
  let out: [Dim, Dim, Dim];
  if (toDepth) {
    if ((h !== null && h % bs !== 0) || (w !== null && w % bs !== 0)) {
      c.fail(`Image width ${w} and height ${h} should be divisible by block_size: ${bs}`);
    }
    out = [
      h === null ? null : h / bs,
      w === null ? null : w / bs,
      ch === null ? null : ch * bs * bs,
    ];
  } else {
    if (ch !== null && ch % (bs * bs) !== 0) {
      c.fail(`Input depth dimension ${ch} should be divisible by: ${bs * bs}`);
    }
    out = [
      h === null ? null : h * bs,
      w === null ? null : w * bs,
      ch === null ? null : ch / (bs * bs),
    ];
  }
  const [oh, ow, oc] = out;
  return new TensorShape(format === "NCHW" ? [n, oc, oh, ow] : [n, oh, ow, oc]);
}

registerOp("SpaceToDepth", { shape: (c) => depthSpace(c, true), gradient: G.spaceToDepthGrad });
registerOp("DepthToSpace", { shape: (c) => depthSpace(c, false), gradient: G.depthToSpaceGrad });

/**
 * SpaceToBatchND (toBatch) and BatchToSpaceND: `block` the block shape and `pads` the paddings
 * or crops ([M, 2]) when constant.
 */
function spaceBatch(
  c: ShapeContext,
  input: TensorShape,
  block: number[] | null,
  blockLen: Dim,
  pads: number[] | null,
  toBatch: boolean,
): TensorShape | null {
  const m = block?.length ?? blockLen;
  if (input.rank === null) return null;
  if (m !== null && input.rank < 1 + m) {
    c.fail(`input rank should be >= ${1 + m} instead of ${input.rank}`);
  }
  if (m === null || block === null || pads === null) return TensorShape.unknownOfRank(input.rank);
  if (block.some((b) => b < 1)) c.fail(`block_shape must be positive, got [${block}]`);
  if (pads.some((p) => p < 0))
    c.fail(`${toBatch ? "paddings" : "crops"} must be non-negative, got [${pads}]`);
  const dims = [...input.dims!];
  const total = block.reduce((a, b) => a * b, 1);
  if (toBatch) {
    dims[0] = dims[0] === null ? null : dims[0] * total;
    for (let i = 0; i < m; i++) {
      const d = dims[1 + i];
      if (d === null) continue;
      const padded = d + pads[2 * i] + pads[2 * i + 1];
      if (padded % block[i] !== 0) {
        c.fail(`padded_shape[${i}]=${padded} is not divisible by block_shape[${i}]=${block[i]}`);
      }
      dims[1 + i] = padded / block[i];
    }
  } else {
    const b0 = dims[0];
    if (b0 !== null && b0 % total !== 0) {
      c.fail(`Input batch dimension (${b0}) is not divisible by product of block sizes (${total})`);
    }
    dims[0] = b0 === null ? null : b0 / total;
    for (let i = 0; i < m; i++) {
      const d = dims[1 + i];
      if (d === null) continue;
      const size = d * block[i] - pads[2 * i] - pads[2 * i + 1];
      if (size < 0) c.fail(`Negative output dimension size caused by too large crops: ${size}`);
      dims[1 + i] = size;
    }
  }
  return new TensorShape(dims);
}

function spaceBatchND(c: ShapeContext, toBatch: boolean): TensorShape | null {
  const block = c.withRank(1, 1);
  const pads = c.withRank(2, 2);
  c.mergeDim(block.dim(0), pads.dim(0), "block_shape and paddings sizes");
  if (pads.dim(1) !== null && pads.dim(1) !== 2) c.fail(`paddings must have shape [M, 2]`);
  return spaceBatch(c, c.input(0), constInts(c, 1), block.dim(0), constInts(c, 2), toBatch);
}

function spaceBatch4D(c: ShapeContext, toBatch: boolean): TensorShape | null {
  c.withRank(0, 4);
  const pads = c.withRank(1, 2);
  if (!pads.isCompatibleWith([2, 2])) c.fail(`paddings must have shape [2, 2], got ${pads}`);
  const bs = c.attr<number>("block_size");
  if (bs < 2) c.fail(`Value for attr 'block_size' of ${bs} must be at least minimum 2`);
  return spaceBatch(c, c.input(0), [bs, bs], 2, constInts(c, 1), toBatch);
}

registerOp("SpaceToBatchND", {
  shape: (c) => spaceBatchND(c, true),
  gradient: G.spaceToBatchNdGrad,
});
registerOp("BatchToSpaceND", {
  shape: (c) => spaceBatchND(c, false),
  gradient: G.batchToSpaceNdGrad,
});
registerOp("SpaceToBatch", { shape: (c) => spaceBatch4D(c, true), gradient: G.spaceToBatchGrad });
registerOp("BatchToSpace", {
  shape: (c) => spaceBatch4D(c, false),
  gradient: G.batchToSpaceGrad,
});

// ---------------------------------------------------------------------------------------------
// Scatters

const scatterShape = (c: ShapeContext): TensorShape => {
  checkScatterShapes(c, c.input(0));
  return c.input(0);
};
registerOp("TensorScatterUpdate", { shape: scatterShape, gradient: G.tensorScatterUpdateGrad });
registerOp("TensorScatterAdd", { shape: scatterShape, gradient: G.tensorScatterAddGrad });
registerOp("TensorScatterSub", { shape: scatterShape, gradient: G.tensorScatterSubGrad });
registerOp("ScatterNdNonAliasingAdd", { shape: scatterShape, gradient: G.tensorScatterAddGrad });

function inplaceShape(c: ShapeContext): TensorShape {
  const x = c.input(0);
  const i = c.input(1);
  const v = c.input(2);
  if (i.rank !== null && i.rank > 1) c.fail(`i must be a vector, got ${i}`);
  if (x.rank !== null && v.rank !== null) {
    const want = new TensorShape([i.rank === 0 ? 1 : i.dim(0), ...x.dims!.slice(1)]);
    if (v.rank !== x.rank || !v.isCompatibleWith(want)) {
      c.fail(`v shape ${v} must be [len(i)] + x.shape[1:] = ${want}`);
    }
  }
  return x;
}
registerOp("InplaceAdd", { shape: inplaceShape });
registerOp("InplaceSub", { shape: inplaceShape });
registerOp("InplaceUpdate", { shape: inplaceShape });

// ---------------------------------------------------------------------------------------------
// Unique, ListDiff

const uniqueAxisShape = (c: ShapeContext, outputs: number): TensorShape[] => {
  const x = c.input(0);
  const axis = constInts(c, 1);
  let y = x.rank === null ? TensorShape.unknown() : TensorShape.unknownOfRank(x.rank);
  let idx = new TensorShape([null]);
  if (axis !== null && axis.length > 1)
    c.fail(`axis does not support input tensors larger than 1 elements`);
  if (axis !== null && x.rank !== null) {
    if (axis.length === 0) {
      if (x.rank !== 1) c.fail(`unique expects a 1D vector, got ${x}`);
      idx = x;
      y = new TensorShape([null]);
    } else {
      const a = axis[0] < 0 ? axis[0] + x.rank : axis[0];
      if (a < 0 || a >= x.rank) c.fail(`axis has to be between [0, ${x.rank}), got ${axis[0]}`);
      idx = new TensorShape([x.dim(a)]);
      y = new TensorShape(x.dims!.map((d, i) => (i === a ? null : d)));
    }
  }
  return outputs === 2 ? [y, idx] : [y, idx, new TensorShape([null])];
};
registerOp("UniqueV2", { shape: (c) => uniqueAxisShape(c, 2) });
registerOp("UniqueWithCountsV2", { shape: (c) => uniqueAxisShape(c, 3) });
registerOp("UniqueWithCounts", {
  shape: (c) => [[null], c.withRank(0, 1), [null]],
});
registerOp("ListDiff", {
  shape: (c) => {
    c.withRank(0, 1);
    c.withRank(1, 1);
    return [[null], [null]];
  },
});

// ---------------------------------------------------------------------------------------------
// Diag, DiagPart, ExtractImagePatches

registerOp("Diag", {
  shape: (c) => {
    const d = c.withRankAtLeast(0, 1);
    return d.rank === null ? null : d.concatenate(d);
  },
  gradient: G.diagGrad,
});
registerOp("DiagPart", {
  shape: (c) => {
    const x = c.input(0);
    if (x.rank === null) return null;
    if (x.rank === 0 || x.rank % 2 !== 0) {
      c.fail(`Input must have even and non-zero rank, input rank is ${x.rank}`);
    }
    const k = x.rank / 2;
    return new TensorShape(
      x.dims!.slice(0, k).map((d, i) => c.mergeDim(d, x.dims![k + i], "Diagonal dimensions")),
    );
  },
  gradient: G.diagPartGrad,
});

registerOp("ExtractImagePatches", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    const ks = c.attr<number[]>("ksizes");
    const st = c.attr<number[]>("strides");
    const rt = c.attr<number[]>("rates");
    for (const [name, v] of [
      ["ksizes", ks],
      ["strides", st],
      ["rates", rt],
    ] as const) {
      if (v.length !== 4) c.fail(`${name} must be 4-D, got ${v.length} elements`);
      if (v[0] !== 1 || v[3] !== 1) {
        c.fail(`ExtractImagePatches only supports ${name} across space, got [${v}]`);
      }
    }
    const padding = c.attr<ConvPadding>("padding");
    const [n, r, col, d] = x.dims!;
    const size = (i: Dim, k: number): Dim => {
      if (i === null) return null;
      try {
        return windowedOutputSize(i, ks[k], st[k], rt[k], padding).out;
      } catch (e) {
        return c.fail((e as Error).message);
      }
    };
    return [n, size(r, 1), size(col, 2), d === null ? null : ks[1] * ks[2] * d];
  },
  gradient: G.extractImagePatchesGrad,
});

registerOp("ExtractVolumePatches", {
  shape: (c) => {
    const x = c.withRank(0, 5);
    const ks = c.attr<number[]>("ksizes");
    const st = c.attr<number[]>("strides");
    for (const [name, v] of [
      ["ksizes", ks],
      ["strides", st],
    ] as const) {
      if (v.length !== 5) c.fail(`${name} must be 5-D, got ${v.length} elements`);
      if (v[0] !== 1 || v[4] !== 1) {
        c.fail(`ExtractVolumePatches only supports ${name} across space, got [${v}]`);
      }
    }
    const padding = c.attr<ConvPadding>("padding");
    const [n, p, r, col, d] = x.dims!;
    const size = (i: Dim, k: number): Dim => {
      if (i === null) return null;
      try {
        return windowedOutputSize(i, ks[k], st[k], 1, padding).out;
      } catch (e) {
        return c.fail((e as Error).message);
      }
    };
    const depth = d === null ? null : ks[1] * ks[2] * ks[3] * d;
    return [n, size(p, 1), size(r, 2), size(col, 3), depth];
  },
  gradient: G.extractVolumePatchesGrad,
});

// ---------------------------------------------------------------------------------------------
// ConjugateTranspose, DeepCopy, QuantizeAndDequantize

// Transpose's own shape function (array_shape.ts), looked up when used: that module may be
// evaluated after this one.
registerOp("ConjugateTranspose", {
  shape: (c) => getRegisteredOp("Transpose")?.shape?.(c) ?? null,
  gradient: G.conjugateTransposeGrad,
});
registerOp("DeepCopy", { shape: same });

registerOp("HostConst", { shape: (c) => (c.attr("value") as NDArray).shape });
// Copy and CopyHost are the debugger's copies: identities here.
registerOp("Copy", { shape: same });
registerOp("CopyHost", { shape: same });

registerOp("TensorStridedSliceUpdate", {
  shape: (c) => {
    for (let i = 1; i <= 3; i++) c.withRank(i, 1);
    return c.input(0);
  },
  gradient: G.tensorStridedSliceUpdateGrad,
});

const qdqShape = (c: ShapeContext): TensorShape => {
  c.withRank(1, 0);
  c.withRank(2, 0);
  if (c.numInputs > 3) c.withRank(3, 0);
  return c.input(0);
};
registerOp("QuantizeAndDequantize", { shape: same, gradient: G.straightThroughGrad });
registerOp("QuantizeAndDequantizeV2", { shape: qdqShape, gradient: G.straightThroughGrad });
registerOp("QuantizeAndDequantizeV3", { shape: qdqShape, gradient: G.straightThroughGrad });

// ---------------------------------------------------------------------------------------------
// Sorting and searching

const boundShape = (c: ShapeContext): TensorShape => {
  const sorted = c.withRank(0, 2);
  const values = c.withRank(1, 2);
  c.mergeDim(sorted.dim(0), values.dim(0), "Leading dims of sorted_inputs and values");
  return values;
};
registerOp("LowerBound", { shape: boundShape });
registerOp("UpperBound", { shape: boundShape });

function topKShape(c: ShapeContext, k: number | null): TensorShape[] | null {
  const x = c.withRankAtLeast(0, 1);
  if (k !== null && k < 0) c.fail(`Need k >= 0, got ${k}`);
  if (x.rank === null) return [TensorShape.unknown(), TensorShape.unknown()];
  const n = x.dim(-1);
  if (k !== null && n !== null && n < k) {
    c.fail(`input must have last dimension >= k = ${k} but is ${n}`);
  }
  const out = new TensorShape([...x.dims!.slice(0, -1), k]);
  return [out, out];
}
registerOp("TopKV2", {
  shape: (c) => {
    c.withRank(1, 0);
    return topKShape(c, constInts(c, 1)?.[0] ?? null);
  },
  gradient: G.topKGrad,
});
registerOp("TopK", { shape: (c) => topKShape(c, c.attr<number>("k")), gradient: G.topKGrad });

registerOp("NthElement", {
  shape: (c) => {
    const x = c.withRankAtLeast(0, 1);
    c.withRank(1, 0);
    const n = constInts(c, 1)?.[0] ?? null;
    if (n !== null && n < 0) c.fail(`Need n >= 0, got ${n}`);
    if (x.rank === null) return null;
    const last = x.dim(-1);
    if (n !== null && last !== null && last <= n) {
      c.fail(`Input must have last dimension > n = ${n} but is ${last}`);
    }
    return new TensorShape(x.dims!.slice(0, -1));
  },
  gradient: G.nthElementGrad,
});

const inTopKShape = (c: ShapeContext): TensorShape => {
  const p = c.withRank(0, 2);
  const t = c.withRank(1, 1);
  return new TensorShape([c.mergeDim(p.dim(0), t.dim(0), "predictions and targets batch sizes")]);
};
registerOp("InTopK", { shape: inTopKShape });
registerOp("InTopKV2", {
  shape: (c) => {
    c.withRank(2, 0);
    return inTopKShape(c);
  },
});

// ---------------------------------------------------------------------------------------------
// Index arithmetic and data formats

registerOp("UnravelIndex", {
  shape: (c) => {
    const idx = c.input(0);
    const dims = c.withRank(1, 1);
    if (idx.rank === null) return null;
    if (idx.rank > 1) c.fail(`indices must be a scalar or a vector, got ${idx}`);
    return idx.rank === 0 ? [dims.dim(0)] : [dims.dim(0), idx.dim(0)];
  },
});

registerOp("ConcatOffset", {
  shape: (c) => {
    c.withRank(0, 0);
    const shapes: TensorShape[] = [];
    for (let i = 1; i < c.numInputs; i++) shapes.push(c.withRank(i, 1));
    return shapes;
  },
});

const checkFormats = (c: ShapeContext): void => {
  const src = c.attr<string>("src_format");
  const dst = c.attr<string>("dst_format");
  if (src.length !== dst.length || [...src].sort().join() !== [...dst].sort().join()) {
    c.fail(`Destination format ${dst} is not a permutation of source format ${src}`);
  }
};
registerOp("DataFormatDimMap", {
  shape: (c) => {
    checkFormats(c);
    return c.input(0);
  },
});
registerOp("DataFormatVecPermute", {
  shape: (c) => {
    checkFormats(c);
    const x = c.input(0);
    if (x.rank !== null && x.rank !== 1 && x.rank !== 2) {
      c.fail(`input must be a vector or 2D tensor, but got shape ${x}`);
    }
    return x;
  },
});

// ---------------------------------------------------------------------------------------------
// Shapes, allocation, partitioning

registerOp("EnsureShape", {
  shape: (c) => {
    const want = c.attr<TensorShape>("shape");
    const x = c.input(0);
    if (!x.isCompatibleWith(want)) {
      c.fail(`Shape of tensor ${x} is not compatible with expected shape ${want}`);
    }
    return x.mergeWith(want);
  },
  gradient: G.passThroughGrad,
});

registerOp("Empty", { shape: (c) => c.inputAsShape(0) });

registerOp("TileGrad", {
  shape: (c) => {
    const x = c.input(0);
    const m = constInts(c, 1);
    if (x.rank === null || m === null) return x.rank === null ? null : x.withRank(x.rank);
    if (m.length !== x.rank) c.fail(`multiples must have ${x.rank} elements, got ${m.length}`);
    return new TensorShape(
      x.dims!.map((d, i) => {
        if (d === null) return null;
        if (m[i] <= 0 || d % m[i] !== 0)
          c.fail(`Dimension ${i} of size ${d} is not a multiple of ${m[i]}`);
        return d / m[i];
      }),
    );
  },
});

registerOp("DynamicPartition", {
  shape: (c) => {
    const data = c.input(0);
    const p = c.input(1);
    const n = c.attr<number>("num_partitions");
    if (n < 1) c.fail(`num_partitions must be at least 1, got ${n}`);
    if (data.rank === null || p.rank === null)
      return new Array<TensorShape>(n).fill(TensorShape.unknown());
    if (
      p.rank > data.rank ||
      !data
        .dims!.slice(0, p.rank)
        .every((d, i) => d === null || p.dim(i) === null || d === p.dim(i))
    ) {
      c.fail(`data.shape ${data} must start with partitions.shape ${p}`);
    }
    const out = new TensorShape([null, ...data.dims!.slice(p.rank)]);
    return new Array<TensorShape>(n).fill(out);
  },
  gradient: G.dynamicPartitionGrad,
});

registerOp("ParallelConcat", {
  shape: (c) => {
    const want = c.attr<TensorShape>("shape");
    const n = c.numInputs;
    for (let i = 0; i < n; i++) {
      const v = c.input(i);
      if (v.rank === null || want.rank === null) continue;
      const slice = new TensorShape([1, ...want.dims!.slice(1)]);
      if (!v.isCompatibleWith(slice)) {
        c.fail(`values[${i}] has shape ${v}, but each value must have shape ${slice}`);
      }
    }
    if (want.rank !== null && want.dim(0) !== null && want.dim(0) !== n) {
      c.fail(`shape[0] (${want.dim(0)}) must be the number of values (${n})`);
    }
    return want;
  },
});

// ---------------------------------------------------------------------------------------------
// Identities and debugging

registerOp("GuaranteeConst", { shape: same });
registerOp("PreventGradient", { shape: same, gradient: G.preventGradientGrad });
registerOp("DebugGradientIdentity", { shape: same, gradient: G.passThroughGrad });
registerOp("PlaceholderV2", { shape: (c) => c.attr<TensorShape>("shape") });
registerOp("Print", { shape: same, gradient: G.passThroughGrad });
registerOp("PrintV2", {
  shape: (c) => {
    c.withRank(0, 0);
    return [];
  },
});

// ---------------------------------------------------------------------------------------------
// Bits

const BYTES: Partial<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
};
registerOp("Bitcast", {
  shape: (c) => {
    const x = c.input(0);
    const from = BYTES[c.inputDtype(0)];
    const to = BYTES[c.attr<DType>("type")];
    if (from === undefined || to === undefined) {
      return c.fail(
        `Bitcast between ${c.inputDtype(0)} and ${c.attr<DType>("type")} is not supported`,
      );
    }
    if (x.rank === null) return null;
    if (from === to) return x;
    if (from > to) return x.concatenate([from / to]);
    if (x.rank === 0) c.fail(`Cannot bitcast from ${from} bytes to ${to} bytes: rank 0 input`);
    const lastDim = x.dim(-1);
    if (lastDim !== null && lastDim !== to / from) {
      c.fail(`Cannot bitcast due to shape. ${lastDim} does not match ${to / from}`);
    }
    return new TensorShape(x.dims!.slice(0, -1));
  },
});

registerOp("Fingerprint", {
  shape: (c) => {
    const data = c.withRankAtLeast(0, 1);
    c.withRank(1, 0);
    return [data.rank === null ? null : data.dim(0), 8];
  },
});

registerOp("CompareAndBitpack", {
  shape: (c) => {
    const x = c.withRankAtLeast(0, 1);
    c.withRank(1, 0);
    if (x.rank === null) return null;
    const last = x.dim(-1);
    if (last !== null && last % 8 !== 0) {
      c.fail(`Inner dimension of input should be divisible by 8, but saw shape: ${x}`);
    }
    return new TensorShape([...x.dims!.slice(0, -1), last === null ? null : last / 8]);
  },
});

export * from "./array_extra_builders.js";
