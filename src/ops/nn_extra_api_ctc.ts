// tf.nn builders of connectionist temporal classification: ctc_loss and the greedy and
// beam-search decoders.
import type { Tensor } from "../framework/graph.js";
import "./nn_extra.js";
import { ints } from "./nn_extra_api_util.js";
import { convertToTensor, graphOf, makeOp, makeOp1, type TensorLike } from "./op_builder.js";

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

/** A decoded batch of label sequences in sparse form (a SparseTensor's parts). */
export type DecodedSparse = { indices: Tensor; values: Tensor; denseShape: Tensor };

/**
 * Greedy CTC decoding (tf.nn.ctc_greedy_decoder): the most likely class at each step, blanks
 * (the last class) removed and, with mergeRepeated (default true), repeats merged. Returns
 * [[decoded], negSumLogits] with negSumLogits [batch, 1] = -(sum over steps of the max input).
 */
export function ctcGreedyDecoder(
  inputs: TensorLike,
  sequenceLength: TensorLike,
  mergeRepeated = true,
  options: { name?: string } = {},
): [[DecodedSparse], Tensor] {
  const op = makeOp(
    "CTCGreedyDecoder",
    [inputs, sequenceLength],
    { merge_repeated: mergeRepeated },
    options.name ?? "CTCGreedyDecoder",
  );
  const [indices, values, denseShape, logProb] = op.outputs;
  return [[{ indices, values, denseShape }], logProb];
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
  beamWidth = 100,
  topPaths = 1,
  mergeRepeated = true,
  options: { name?: string } = {},
): [DecodedSparse[], Tensor] {
  const op = makeOp(
    "CTCBeamSearchDecoder",
    [inputs, sequenceLength],
    { beam_width: beamWidth, top_paths: topPaths, merge_repeated: mergeRepeated },
    options.name ?? "CTCBeamSearchDecoder",
  );
  const o = op.outputs;
  const decoded = Array.from({ length: topPaths }, (_, p) => ({
    indices: o[p],
    values: o[topPaths + p],
    denseShape: o[2 * topPaths + p],
  }));
  return [decoded, o[3 * topPaths]];
}
