// Binary MetaGraphDef bytes → tf.train.importMetaGraph into a fresh graph (the graph imported,
// collections restored: variables, queue runners, cond/while contexts..., a Saver built from the
// SaverDef).
import * as tf from "../../../src/index.js";
import { MetaGraphDefSchema } from "../../../src/io/proto/index.js";
import { defineTarget } from "../target.js";
import { fixtures, sampleMetaGraphs, WORDS, withImportLimit } from "./seeds.js";

export default defineTarget({
  name: "metagraph",
  maxLen: 16384,
  proto: MetaGraphDefSchema,
  dictionary: [
    ...WORDS,
    "variables",
    "trainable_variables",
    "train_op",
    "cond_context",
    "while_context",
    "queue_runners",
    "save/Const:0",
    "save/restore_all",
  ],
  seeds: () => [...fixtures(/\.meta$/), ...sampleMetaGraphs()],
  run: (data) => withImportLimit(() => tf.train.importMetaGraph(data, { graph: new tf.Graph() })),
});
