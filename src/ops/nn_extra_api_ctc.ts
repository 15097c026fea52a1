// tf.nn builders of connectionist temporal classification: ctc_loss and the greedy and
// beam-search decoders.
import type { Tensor } from "../framework/graph.js";
import "./nn_extra.js";
import { ints } from "./nn_extra_api_util.js";
import {
  convertToTensor,
  graphOf,
  isOptionsObject,
  makeOp,
  makeOp1,
  type TensorLike,
} from "./op_builder.js";
import { SparseTensor } from "./sparse_tensor.js";

// ---- CTC loss ----

/** Sparse labels: indices [num_labels, 2] (batch, time) in row-major order and their values. */
export interface SparseLabels {
  indices: TensorLike;
  values: TensorLike;
}

export interface CtcLossOptions {
  preprocessCollapseRepeated?: boolean;
  ctcMergeRepeated?: boolean;
  ignoreLongerOutputsThanInputs?: boolean;
  /** inputs are [max_time, batch, classes] (default) or, when false, [batch, max_time, classes]. */
  timeMajor?: boolean;
  name?: string;
}

/**
 * Connectionist temporal classification loss (tf.nn.ctc_loss, TF1 signature): per batch entry,
 * -log p(labels | softmax(inputs)), the blank being the last class. `labels` is sparse (a
 * SparseTensor or its indices and values: int64 indices, int32 values).
 */
export function ctcLoss(
  labels: SparseLabels,
  inputs: TensorLike,
  sequenceLength: TensorLike,
  options: CtcLossOptions = {},
): Tensor {
  const g = graphOf([labels.indices, labels.values, inputs, sequenceLength]);
  let x = convertToTensor(inputs, undefined, undefined, g);
  return g.nameScope(options.name ?? "CTCLoss", (scope) => {
    if (options.timeMajor === false) x = makeOp1("Transpose", [x, ints([1, 0, 2])]);
    const idx = convertToTensor(labels.indices, "int64", undefined, g);
    const vals = makeOp1("Cast", [labels.values], { DstT: "int32" });
    const len = convertToTensor(sequenceLength, "int32", undefined, g);
    const op = g.createOp(
      "CTCLoss",
      [x, idx, vals, len],
      {
        preprocess_collapse_repeated: options.preprocessCollapseRepeated ?? false,
        ctc_merge_repeated: options.ctcMergeRepeated ?? true,
        ignore_longer_outputs_than_inputs: options.ignoreLongerOutputsThanInputs ?? false,
      },
      scope.slice(0, -1),
      { exactName: true },
    );
    return op.outputs[0];
  });
}

/** A decoded batch of label sequences: a SparseTensor (fetched as a SparseTensorValue). */
export type DecodedSparse = SparseTensor;

export interface CtcDecoderOptions {
  mergeRepeated?: boolean;
  name?: string;
}
export interface CtcBeamSearchOptions extends CtcDecoderOptions {
  beamWidth?: number;
  topPaths?: number;
}

/**
 * Greedy CTC decoding (tf.nn.ctc_greedy_decoder): the most likely class at each step, blanks
 * (the last class) removed and, with mergeRepeated (default true), repeats merged. Returns
 * [[decoded], negSumLogits] with negSumLogits [batch, 1] = -(sum over steps of the max input).
 */
export function ctcGreedyDecoder(
  inputs: TensorLike,
  sequenceLength: TensorLike,
  mergeRepeatedOrOptions: boolean | CtcDecoderOptions = true,
  options: { name?: string } = {},
): [[DecodedSparse], Tensor] {
  const o = isOptionsObject(mergeRepeatedOrOptions)
    ? (mergeRepeatedOrOptions as CtcDecoderOptions)
    : { ...options, mergeRepeated: mergeRepeatedOrOptions as boolean };
  const op = makeOp(
    "CTCGreedyDecoder",
    [inputs, sequenceLength],
    { merge_repeated: o.mergeRepeated ?? true },
    o.name ?? "CTCGreedyDecoder",
  );
  const [indices, values, denseShape, logProb] = op.outputs;
  return [[new SparseTensor(indices, values, denseShape)], logProb];
}

/**
 * Beam-search CTC decoding (tf.nn.ctc_beam_search_decoder): the `topPaths` most likely label
 * sequences under softmax(inputs) (blank = last class). Returns [decoded (one sparse result per
 * path), log probabilities [batch, topPaths]]. With mergeRepeated (default true), adjacent equal
 * labels of a path are merged in the output, as TF.
 */
export function ctcBeamSearchDecoder(
  inputs: TensorLike,
  sequenceLength: TensorLike,
  beamWidthOrOptions: number | CtcBeamSearchOptions = 100,
  topPaths = 1,
  mergeRepeated = true,
  options: { name?: string } = {},
): [DecodedSparse[], Tensor] {
  const o: CtcBeamSearchOptions = isOptionsObject(beamWidthOrOptions)
    ? (beamWidthOrOptions as CtcBeamSearchOptions)
    : { ...options, beamWidth: beamWidthOrOptions as number, topPaths, mergeRepeated };
  const paths = o.topPaths ?? 1;
  const op = makeOp(
    "CTCBeamSearchDecoder",
    [inputs, sequenceLength],
    { beam_width: o.beamWidth ?? 100, top_paths: paths, merge_repeated: o.mergeRepeated ?? true },
    o.name ?? "CTCBeamSearchDecoder",
  );
  const out = op.outputs;
  const decoded = Array.from(
    { length: paths },
    (_, p) => new SparseTensor(out[p], out[paths + p], out[2 * paths + p]),
  );
  return [decoded, out[3 * paths]];
}
