// Protobuf text format → parseTextFormat. The first input byte picks the message type (mod 4:
// GraphDef, MetaGraphDef, SavedModel, OpList), the rest is the text (UTF-8).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DescMessage } from "@bufbuild/protobuf";
import { graphToGraphDef } from "../../../src/io/graph_def.js";
import {
  GraphDefSchema,
  MetaGraphDefSchema,
  SavedModelSchema,
} from "../../../src/io/proto/index.js";
import { OpListSchema } from "../../../src/io/proto/tensorflow/core/framework/op_def_pb.js";
import { parseTextFormat, printTextFormat } from "../../../src/io/text_format.js";
import { concat } from "../mutate.js";
import { defineTarget } from "../target.js";
import { FIXTURES, sampleGraphs } from "./seeds.js";

const SCHEMAS: DescMessage[] = [GraphDefSchema, MetaGraphDefSchema, SavedModelSchema, OpListSchema];
const utf8 = new TextDecoder();
const enc = (mode: number, text: string) =>
  concat(Uint8Array.of(mode), new TextEncoder().encode(text));

export function parsePbtxt(data: Uint8Array): void {
  const mode = data.length ? data[0]! % SCHEMAS.length : 0;
  parseTextFormat(SCHEMAS[mode]!, utf8.decode(data.subarray(1)), { what: "fuzz input" });
}

export default defineTarget({
  name: "pbtxt",
  maxLen: 16384,
  dictionary: [
    "{",
    "}",
    "<",
    ">",
    "[",
    "]",
    ":",
    ",",
    ";",
    '"',
    "'",
    "\\",
    "\\x",
    "\\u00e9",
    "\\377",
    "#",
    "inf",
    "-inf",
    "nan",
    "-",
    "0x",
    "1e5",
    "1.5f",
    "true",
    "false",
    "node",
    "name",
    "op",
    "input",
    "attr",
    "key",
    "value",
    "tensor",
    "dtype",
    "DT_FLOAT",
    "DT_STRING",
    "tensor_shape",
    "dim",
    "size",
    "float_val",
    "string_val",
    "int64_val",
    "list",
    "func",
    "library",
    "function",
    "meta_graphs",
    "graph_def",
    "collection_def",
    "any_list",
    "type_url",
    "[type.googleapis.com/tensorflow.AssetFileDef]",
    "signature_def",
    "versions",
    "producer",
  ],
  seeds: () => {
    const sm = readFileSync(
      join(FIXTURES, "tf-half_plus_two-savedmodel-pbtxt", "saved_model.pbtxt"),
      "utf8",
    );
    const ops = readFileSync(join(FIXTURES, "tf-core-ops-pbtxt", "ops.pbtxt"), "utf8");
    // The first few op definitions of TF's ops.pbtxt (the whole file is 740 KB).
    const firstOps = ops.slice(0, ops.indexOf("\nop {", 6000) + 1);
    return [
      enc(2, sm),
      enc(3, firstOps),
      ...sampleGraphs().map((g) => enc(0, printTextFormat(GraphDefSchema, graphToGraphDef(g)))),
      enc(
        1,
        'meta_info_def { tags: "serve" } collection_def { key: "c" value { bytes_list { value: "\\001\\xff" } } }',
      ),
    ];
  },
  run(data) {
    parsePbtxt(data);
  },
});
