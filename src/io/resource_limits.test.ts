// Hostile GraphDefs: huge Consts, long chains, deep nesting. Each is a TF error class naming the
// node or the limit, never a crash, a stack overflow or a raw RangeError; the process goes on.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as tf from "../index.js";
import { decodeProto } from "./proto/decode.js";
import { AttrValueSchema, type GraphDef, GraphDefSchema, NodeDefSchema } from "./proto/index.js";
import { ndarrayToTensorProto } from "./tensor_proto.js";

const constNode = (dtype: string, dims: string, extra = "") =>
  `node { name: "big" op: "Const" attr { key: "dtype" value { type: ${dtype} } } attr { key: "value" value { tensor { dtype: ${dtype} tensor_shape { ${dims} } ${extra} } } } }`;

/** Imports `text` into a fresh graph; returns what it threw. */
function importError(gd: string | Uint8Array | GraphDef): unknown {
  const g = new tf.Graph();
  try {
    g.asDefault(() => tf.importGraphDef(gd));
  } catch (e) {
    expect(g.operations).toHaveLength(0); // the target graph is unchanged
    return e;
  }
  return undefined;
}

/** A small import and run still work after a refused one. */
async function stillWorks(): Promise<void> {
  const g = new tf.Graph();
  const [c] = g.asDefault(() =>
    tf.importGraphDef(constNode("DT_FLOAT", "dim { size: 2 }", "float_val: 1.5"), {
      returnElements: ["big:0"],
    }),
  );
  expect((await new tf.Session({ graph: g }).run(c as tf.Tensor)).toArray()).toEqual([1.5, 1.5]);
}

describe("GraphDef Consts too large to hold", () => {
  it("a float Const of shape [1e6, 1e6] is ResourceExhaustedError naming the node", async () => {
    const e = importError(constNode("DT_FLOAT", "dim { size: 1000000 } dim { size: 1000000 }"));
    expect(e).toBeInstanceOf(tf.ResourceExhaustedError);
    const msg = (e as Error).message;
    expect(msg).toContain("Node 'big' (op 'Const')");
    expect(msg).toContain("shape[1000000,1000000] and type float: 4000000000000 bytes");
    await stillWorks();
  });
  it("a string Const of 2^31 - 1 elements is refused before V8 runs out of heap", async () => {
    const e = importError(constNode("DT_STRING", "dim { size: 2147483647 }"));
    expect(e).toBeInstanceOf(tf.ResourceExhaustedError);
    const msg = (e as Error).message;
    expect(msg).toContain("Node 'big' (op 'Const')");
    // 8 bytes a string slot (a JS array of 2^31 - 1 strings).
    expect(msg).toContain("shape[2147483647] and type string: 17179869176 bytes");
    await stillWorks();
  });
  it("dims whose product passes 2^53 are refused, not rounded", () => {
    const dims = "dim { size: 4294967296 } dim { size: 4294967296 } dim { size: 4 }";
    const e = importError(constNode("DT_DOUBLE", dims));
    expect(e).toBeInstanceOf(tf.ResourceExhaustedError);
    // 2^32 · 2^32 · 4 doubles = 2^69 bytes, printed exactly.
    expect((e as Error).message).toContain("type double: 590295810358705651712 bytes");
  });
  it("tensor_content inconsistent with the shape is InvalidArgumentError naming the node", () => {
    const e = importError(
      constNode("DT_FLOAT", "dim { size: 1000000 }", 'tensor_content: "\\000\\000"'),
    );
    expect(e).toBeInstanceOf(tf.InvalidArgumentError);
    expect((e as Error).message).toContain("Node 'big' (op 'Const')");
    expect((e as Error).message).toContain("tensor_content has 2 bytes");
  });
});

describe("long and deep GraphDefs", () => {
  it("a chain of 100k nodes imports and runs (import and shape inference do not recurse)", async () => {
    // n0 = Const [2, 2] (int32); n1..n99999 = Identity chain; r = Reshape(x, n99999): Reshape's
    // shape function reads the chain's constant value.
    const type = (v: number) => create(AttrValueSchema, { value: { case: "type", value: v } });
    const tensor = (a: tf.NDArray) =>
      create(AttrValueSchema, { value: { case: "tensor", value: ndarrayToTensorProto(a) } });
    const [T, F] = [type(3), type(1)];
    const n = 100_000;
    const nodes = [
      create(NodeDefSchema, {
        name: "n0",
        op: "Const",
        attr: { dtype: T, value: tensor(tf.NDArray.from([2, 2], "int32")) },
      }),
    ];
    for (let i = 1; i < n; i++) {
      nodes.push(
        create(NodeDefSchema, { name: `n${i}`, op: "Identity", input: [`n${i - 1}`], attr: { T } }),
      );
    }
    nodes.push(
      create(NodeDefSchema, {
        name: "x",
        op: "Const",
        attr: { dtype: F, value: tensor(tf.NDArray.from([1, 2, 3, 4])) },
      }),
      create(NodeDefSchema, {
        name: "r",
        op: "Reshape",
        input: ["x", `n${n - 1}`],
        attr: { T: F, Tshape: T },
      }),
    );
    const g = new tf.Graph();
    g.asDefault(() => tf.importGraphDef(create(GraphDefSchema, { node: nodes }), { name: "" }));
    const r = g.getTensorByName("r:0");
    expect(r.shape.asArray()).toEqual([2, 2]);
    expect((await new tf.Session({ graph: g }).run(r)).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("text format nested deeper than 100 messages is InvalidArgumentError", async () => {
    const depth = 10_000;
    const open = 'func { attr { key: "x" value { '.repeat(depth);
    const text = `node { name: "a" op: "NoOp" attr { key: "f" value { ${open}${" } } }".repeat(depth)} } }`;
    const e = importError(text);
    expect(e).toBeInstanceOf(tf.InvalidArgumentError);
    expect((e as Error).message).toMatch(/nesting is deeper than the limit of 100/);
    await stillWorks();
  });

  it("binary messages nested deeper than 100 are InvalidArgumentError, not a stack overflow", async () => {
    // NodeDef.attr["f"] = AttrValue{func: NameAttrList{attr["x"]: AttrValue{func: ...}}}, 1000
    // deep, written from the inside out as wire-format bytes (tag, length, payload).
    const varint = (n: number): number[] => {
      const out: number[] = [];
      for (; n > 127; n = Math.floor(n / 128)) out.push((n & 127) | 128);
      out.push(n);
      return out;
    };
    const field = (tag: number, payload: Uint8Array): Uint8Array =>
      Uint8Array.from([tag, ...varint(payload.length), ...payload]);
    const entry = (key: number, value: Uint8Array) =>
      Uint8Array.from([0x0a, 1, key, ...field(0x12, value)]); // map entry {1: key, 2: value}
    let inner: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 1000; i++) inner = field(0x52, field(0x12, entry(0x78, inner))); // func.attr
    const op = new TextEncoder().encode("NoOp");
    const node = Uint8Array.from([
      0x0a,
      1,
      0x61,
      ...field(0x12, op),
      ...field(0x2a, entry(0x66, inner)),
    ]);
    const e = importError(field(0x0a, node));
    expect(e).toBeInstanceOf(tf.InvalidArgumentError);
    expect((e as Error).message).toMatch(/nested too deeply/);
    await stillWorks();
  });

  it("bytes past protocol buffers' 2 GB are InvalidArgumentError before parsing", () => {
    // A view's length is all the check reads: no need for 2 GB of memory.
    const huge = { length: 2 ** 31 } as Uint8Array;
    expect(() => decodeProto(GraphDefSchema, huge, "GraphDef")).toThrow(
      /2147483648 bytes is more than protocol buffers' limit of 2147483647/,
    );
  });
});
