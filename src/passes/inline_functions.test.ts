// Calls and functional control flow run inlined: GraphDefs with hand-written FunctionDefs (the
// text format TensorFlow prints), run through a session; expected values worked by hand.
import { describe, expect, test } from "vitest";
import { expectArray } from "../../test/helpers.js";
import * as tf from "../index.js";

const F = "type: DT_FLOAT";
const I = "type: DT_INT32";
const attr = (k: string, v: string) => `attr { key: "${k}" value { ${v} } }`;
const fconst = (name: string, v: number) =>
  `node_def { name: "${name}" op: "Const" ${attr("dtype", F)} ${attr("value", `tensor { dtype: DT_FLOAT tensor_shape {} float_val: ${v} }`)} }`;
const iconst = (name: string, v: number) =>
  `node_def { name: "${name}" op: "Const" ${attr("dtype", I)} ${attr("value", `tensor { dtype: DT_INT32 tensor_shape {} int_val: ${v} }`)} }`;
const sig = (name: string, ins: [string, string][], outs: [string, string][]) =>
  `signature { name: "${name}" ${ins.map(([n, t]) => `input_arg { name: "${n}" ${t} }`).join(" ")} ${outs.map(([n, t]) => `output_arg { name: "${n}" ${t} }`).join(" ")} }`;
const binop = (name: string, op: string, a: string, b: string, t = F) =>
  `node_def { name: "${name}" op: "${op}" input: "${a}" input: "${b}" ${attr("T", t)} }`;

// AddOne(x) = x + 1; Neg(x) = -x; Double(x) = 2x
const LIB = `
  function { ${sig("AddOne", [["x", F]], [["y", F]])} ${fconst("one", 1)} ${binop("add", "AddV2", "x", "one:output:0")} ret { key: "y" value: "add:z:0" } }
  function { ${sig("NegF", [["x", F]], [["y", F]])} node_def { name: "n" op: "Neg" input: "x" ${attr("T", F)} } ret { key: "y" value: "n:y:0" } }
  function { ${sig("Double", [["x", F]], [["y", F]])} ${fconst("two", 2)} ${binop("m", "Mul", "x", "two:output:0")} ret { key: "y" value: "m:z:0" } }
  function { ${sig(
    "Less5",
    [
      ["i", I],
      ["acc", F],
    ],
    [["c", "type: DT_BOOL"]],
  )} ${iconst("five", 5)} ${binop("l", "Less", "i", "five:output:0", I)} ret { key: "c" value: "l:z:0" } }
  function { ${sig(
    "Step",
    [
      ["i", I],
      ["acc", F],
    ],
    [
      ["i2", I],
      ["acc2", F],
    ],
  )} ${iconst("one", 1)} ${binop("inc", "AddV2", "i", "one:output:0", I)}
             node_def { name: "d" op: "Double" input: "acc" } ret { key: "i2" value: "inc:z:0" } ret { key: "acc2" value: "d:y:0" } }
  function { ${sig("Rec", [["x", F]], [["y", F]])} node_def { name: "r" op: "Rec" input: "x" } ret { key: "y" value: "r:y:0" } }
`;
const fn = (name: string) => `func { name: "${name}" }`;
const placeholder = (name: string, t = F) =>
  `node { name: "${name}" op: "Placeholder" ${attr("dtype", t)} }`;
const lst = (...ts: string[]) =>
  `list { ${ts.map((t) => `type: ${t.replace("type: ", "")}`).join(" ")} }`;

function load(nodes: string): tf.Graph {
  const g = new tf.Graph();
  tf.importGraphDef(`${nodes} library { ${LIB} }`, { graph: g, name: "" });
  return g;
}
const run = (g: tf.Graph, fetch: string | string[], feeds: tf.Feeds) =>
  new tf.Session({ graph: g }).run(fetch as never, feeds) as Promise<tf.NDArray>;

describe("calls inlined at plan time", () => {
  test("a node of a function's op type, and PartitionedCall; the user's graph is unchanged", async () => {
    const g = load(`${placeholder("x")}
      node { name: "a" op: "AddOne" input: "x" }
      node { name: "b" op: "PartitionedCall" input: "a" ${attr("Tin", lst(F))} ${attr("Tout", lst(F))} ${attr("f", fn("Double"))} }`);
    const before = g.operations.length;
    expectArray(await run(g, "b:0", { "x:0": [1, -2] }), [4, -2]); // 2·(x+1)
    expect(g.operations.length).toBe(before);
    // A call's output can be fed like any tensor: the call is then not run.
    expectArray(await run(g, "b:0", { "a:0": [10] }), [20]);
  });

  test("StatelessIf: the branch the predicate picks; a non-bool condition is true when non-zero", async () => {
    const g = load(`${placeholder("p", "type: DT_BOOL")} ${placeholder("k", I)} ${placeholder("x")}
      node { name: "c" op: "StatelessIf" input: "p" input: "x" ${attr("Tcond", "type: DT_BOOL")} ${attr("Tin", lst(F))} ${attr("Tout", lst(F))} ${attr("then_branch", fn("AddOne"))} ${attr("else_branch", fn("NegF"))} }
      node { name: "d" op: "If" input: "k" input: "x" ${attr("Tcond", I)} ${attr("Tin", lst(F))} ${attr("Tout", lst(F))} ${attr("then_branch", fn("AddOne"))} ${attr("else_branch", fn("NegF"))} }`);
    expectArray(await run(g, "c:0", { "p:0": true, "x:0": [3] }), [4]);
    expectArray(await run(g, "c:0", { "p:0": false, "x:0": [3] }), [-3]);
    expectArray(await run(g, "d:0", { "k:0": 7, "x:0": [3] }), [4]);
    expectArray(await run(g, "d:0", { "k:0": 0, "x:0": [3] }), [-3]);
  });

  test("Case: branch by index; an index out of range runs the last branch", async () => {
    const g = load(`${placeholder("i", I)} ${placeholder("x")}
      node { name: "c" op: "Case" input: "i" input: "x" ${attr("Tin", lst(F))} ${attr("Tout", lst(F))} attr { key: "branches" value { list { ${fn("AddOne")} ${fn("NegF")} ${fn("Double")} } } } }`);
    const at = async (i: number) => (await run(g, "c:0", { "i:0": i, "x:0": [5] })).toArray();
    expect(await at(0)).toEqual([6]);
    expect(await at(1)).toEqual([-5]);
    expect(await at(2)).toEqual([10]);
    expect(await at(9)).toEqual([10]);
    expect(await at(-1)).toEqual([10]);
  });

  test("StatelessWhile, whose body calls a function: (i, acc) = (0, 1) → (5, 32)", async () => {
    const g = load(`${placeholder("i0", I)} ${placeholder("a0")}
      node { name: "w" op: "StatelessWhile" input: "i0" input: "a0" ${attr("T", lst(I, F))} ${attr("cond", fn("Less5"))} ${attr("body", fn("Step"))} }`);
    const [i, acc] = (await new tf.Session({ graph: g }).run(["w:0", "w:1"], {
      "i0:0": 0,
      "a0:0": 1,
    })) as tf.NDArray[];
    expect(i.item()).toBe(5);
    expect(acc.item()).toBe(32);
    // Starting past the bound, the body never runs.
    const [j, b] = (await new tf.Session({ graph: g }).run(["w:0", "w:1"], {
      "i0:0": 9,
      "a0:0": 3,
    })) as tf.NDArray[];
    expect([j.item(), b.item()]).toEqual([9, 3]);
  });

  test("the gradient of a functional While: acc doubles (5 - i0) times, d acc / d a0 = 2^(5 - i0)", async () => {
    const g = load(`${placeholder("i0", I)} ${placeholder("a0")}
      node { name: "w" op: "While" input: "i0" input: "a0" ${attr("T", lst(I, F))} ${attr("cond", fn("Less5"))} ${attr("body", fn("Step"))} }`);
    const [dA0, dI0] = g.asDefault(() =>
      tf.gradients(g.getTensorByName("w:1"), [
        g.getTensorByName("a0:0"),
        g.getTensorByName("i0:0"),
      ]),
    );
    expect(dI0).toBeNull(); // int loop vars carry no gradient
    const sess = new tf.Session({ graph: g });
    expect((await sess.run(dA0!, { "i0:0": 0, "a0:0": 3 })).item()).toBe(32);
    expect((await sess.run(dA0!, { "i0:0": 3, "a0:0": 3 })).item()).toBe(4);
    expect((await sess.run(dA0!, { "i0:0": 7, "a0:0": 3 })).item()).toBe(1);
  });

  test("an If inside a While body, lowered together", async () => {
    // Body: i+1, and acc doubled while acc < 10, else acc + 1 (If on the comparison).
    const lib = `
      function { ${sig(
        "Body2",
        [
          ["i", I],
          ["acc", F],
        ],
        [
          ["i2", I],
          ["acc2", F],
        ],
      )} ${iconst("one", 1)} ${binop("inc", "AddV2", "i", "one:output:0", I)}
        ${fconst("ten", 10)} ${binop("small", "Less", "acc", "ten:output:0")}
        node_def { name: "pick" op: "If" input: "small:z:0" input: "acc" ${attr("Tcond", "type: DT_BOOL")} ${attr("Tin", lst(F))} ${attr("Tout", lst(F))} ${attr("then_branch", fn("Double"))} ${attr("else_branch", fn("AddOne"))} }
        ret { key: "i2" value: "inc:z:0" } ret { key: "acc2" value: "pick:output:0" } }`;
    const g = new tf.Graph();
    tf.importGraphDef(
      `${placeholder("i0", I)} ${placeholder("a0")}
       node { name: "w" op: "While" input: "i0" input: "a0" ${attr("T", lst(I, F))} ${attr("cond", fn("Less5"))} ${attr("body", fn("Body2"))} }
       library { ${LIB} ${lib} }`,
      { graph: g, name: "" },
    );
    // acc: 1 → 2 → 4 → 8 → 16 → 17
    const out = (await new tf.Session({ graph: g }).run("w:1", {
      "i0:0": 0,
      "a0:0": 1,
    })) as tf.NDArray;
    expect(out.item()).toBe(17);
  });

  test("body inputs name list outputs by argument and index (split:output:1)", async () => {
    const lib = `function { ${sig("SecondHalf", [["x", F]], [["y", F]])} ${iconst("dim", 0)}
      node_def { name: "split" op: "Split" input: "dim:output:0" input: "x" ${attr("T", F)} ${attr("num_split", "i: 2")} }
      ret { key: "y" value: "split:output:1" } }`;
    const g = new tf.Graph();
    tf.importGraphDef(
      `${placeholder("x")} node { name: "h" op: "SecondHalf" input: "x" } library { ${lib} }`,
      { graph: g, name: "" },
    );
    expectArray(await run(g, "h:0", { "x:0": [1, 2, 3, 4] }), [3, 4]);
  });

  test("a SymbolicGradient inside a While body: x ← d(x²)/dx three times, 1 → 8", async () => {
    const lib = `
      function { ${sig("SqF", [["x", F]], [["y", F]])} node_def { name: "s" op: "Square" input: "x" ${attr("T", F)} } ret { key: "y" value: "s:y:0" } }
      function { ${sig(
        "GradStep",
        [
          ["i", I],
          ["acc", F],
        ],
        [
          ["i2", I],
          ["acc2", F],
        ],
      )} ${iconst("one", 1)} ${fconst("dy", 1)}
        ${binop("inc", "AddV2", "i", "one:output:0", I)}
        node_def { name: "g" op: "SymbolicGradient" input: "acc" input: "dy:output:0" ${attr("Tin", lst(F, F))} ${attr("Tout", lst(F))} ${attr("f", fn("SqF"))} }
        ret { key: "i2" value: "inc:z:0" } ret { key: "acc2" value: "g:output:0" } }
      function { ${sig(
        "Less3",
        [
          ["i", I],
          ["acc", F],
        ],
        [["c", "type: DT_BOOL"]],
      )} ${iconst("three", 3)} ${binop("l", "Less", "i", "three:output:0", I)} ret { key: "c" value: "l:z:0" } }`;
    const g = new tf.Graph();
    tf.importGraphDef(
      `${placeholder("i0", I)} ${placeholder("a0")}
       node { name: "w" op: "StatelessWhile" input: "i0" input: "a0" ${attr("T", lst(I, F))} ${attr("cond", fn("Less3"))} ${attr("body", fn("GradStep"))} }
       library { ${lib} }`,
      { graph: g, name: "" },
    );
    const out = (await new tf.Session({ graph: g }).run("w:1", {
      "i0:0": 0,
      "a0:0": 1,
    })) as tf.NDArray;
    expect(out.item()).toBe(8);
  });

  test("a recursive function is an InvalidArgumentError naming the cycle", async () => {
    const g = load(`${placeholder("x")} node { name: "r" op: "Rec" input: "x" }`);
    await expect(run(g, "r:0", { "x:0": 1 })).rejects.toThrow(tf.InvalidArgumentError);
    await expect(run(g, "r:0", { "x:0": 1 })).rejects.toThrow(/'Rec' calls itself \(Rec -> Rec\)/);
  });

  test("a call whose function returns other dtypes than its Tout is an InvalidArgumentError", async () => {
    const g = load(`${placeholder("x")}
      node { name: "b" op: "PartitionedCall" input: "x" ${attr("Tin", lst(F))} ${attr("Tout", lst(I))} ${attr("f", fn("Double"))} }`);
    await expect(run(g, "b:0", { "x:0": 1 })).rejects.toThrow(
      /returns \[float32\] where the call expects \[int32\]/,
    );
  });
});
