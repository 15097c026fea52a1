// Binary GraphDef bytes → tf.importGraphDef into a fresh graph (parse, version checks, node and
// function preparation, Const materialization, shape inference of every imported node).
import * as tf from "../../../src/index.js";
import { GraphDefSchema } from "../../../src/io/proto/index.js";
import { defineTarget } from "../target.js";
import { fixtures, graphDefBytes, sampleGraphs, WORDS, withImportLimit } from "./seeds.js";

export default defineTarget({
  name: "graphdef",
  maxLen: 16384,
  proto: GraphDefSchema,
  dictionary: WORDS,
  seeds: () => [...fixtures(/graphdef.*\.pb$/), ...sampleGraphs().map(graphDefBytes)],
  run: (data) => withImportLimit(() => tf.importGraphDef(data, { graph: new tf.Graph() })),
});
