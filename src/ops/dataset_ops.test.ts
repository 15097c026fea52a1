// Shape functions of the dataset and iterator ops: datasets and iterators are scalars, scalar
// arguments are checked, IteratorGetNext's outputs take the iterator's output_shapes.
import { describe, test } from "vitest";
import { inferErr, inferOk } from "../../test/helpers.js";
import * as tf from "../index.js";

const V = "variant" as tf.DType;
const I = "int64" as tf.DType;
const element = { output_types: ["float32"], output_shapes: [new tf.TensorShape([null, 3])] };

describe("dataset op shapes", () => {
  test("dataset ops output a scalar variant", () => {
    inferOk(
      "RangeDataset",
      "[];[];[]",
      "[]",
      { output_types: ["int64"], output_shapes: [tf.TensorShape.scalar()] },
      { dtypes: [I, I, I] },
    );
    inferOk("BatchDatasetV2", "[];[];[]", "[]", element, { dtypes: [V, I, "bool"] });
    inferOk("ShuffleDataset", "[];[];[];[]", "[]", element, { dtypes: [V, I, I, I] });
    inferOk("TensorSliceDataset", "[4,3];[4]", "[]", {
      output_shapes: [new tf.TensorShape([3]), tf.TensorShape.scalar()],
    });
    inferOk("TFRecordDataset", "[2];[];[]", "[]", {}, { dtypes: ["string", "string", I] });
  });

  test("scalar arguments must be scalars; slices need rank >= 1", () => {
    inferErr("BatchDatasetV2", "[];[2];[]", /rank 0/, element, { dtypes: [V, I, "bool"] });
    inferErr("RepeatDataset", "[];[1]", /rank 0/, element, { dtypes: [V, I] });
    inferErr("TensorSliceDataset", "[]", /at least rank 1/, {
      output_shapes: [tf.TensorShape.scalar()],
    });
    inferErr(
      "TFRecordDataset",
      "[2,2];[];[]",
      /at most rank 1/,
      {},
      { dtypes: ["string", "string", I] },
    );
  });

  test("iterators are scalars; IteratorGetNext has the iterator's shapes", () => {
    inferOk("IteratorV2", "", "[]", { shared_name: "it", container: "", ...element });
    inferOk("IteratorGetNext", "[]", "[?,3]", element, { dtypes: ["resource" as tf.DType] });
    inferOk(
      "IteratorGetNext",
      "[]",
      "[2];?",
      {
        output_types: ["int64", "string"],
        output_shapes: [new tf.TensorShape([2]), tf.TensorShape.unknown()],
      },
      { dtypes: ["resource" as tf.DType] },
    );
    inferOk("IteratorToStringHandle", "[]", "[]", {}, { dtypes: ["resource" as tf.DType] });
  });
});
