import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import type { RunsResponse } from "../board/api_types.js";
import { scalarEvent, writeEvents } from "../board/fixtures.js";
import type { Board } from "../board/server.js";
import * as tf from "../index.js";
import { buildProgram, formatValue, inspectCheckpoint, showGraph } from "./tensorgraph.js";

const FIXTURES = new URL("../../test/fixtures/tf/", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
const f = (p: string) => join(FIXTURES, p);

describe("inspect-checkpoint", () => {
  test("names, dtypes and shapes", () => {
    const out = inspectCheckpoint(f("tf-half_plus_two-savedmodel/variables/variables"));
    expect(out).toBe("a (float) []\nb (float) []\nc (float) []\n");
    // A SavedModel directory means its variables.
    expect(inspectCheckpoint(f("tf-half_plus_two-savedmodel"))).toBe(out);
  });
  test("--tensor and --all print values", () => {
    const one = inspectCheckpoint(f("tf-feature_column-embedding-ckpt/embedding.ckpt"), {
      tensor: "my_embedding",
    });
    expect(one).toBe("tensor_name:  my_embedding (float) [3,2]\n[[1, 2],\n [3, 5],\n [7, 11]]\n");
    const all = inspectCheckpoint(f("tf-contrib-session_bundle-half_plus_two-V2ckpt/export"), {
      all: true,
    });
    expect(all).toContain("tensor_name:  a (float) []\n0.5\n");
    expect(all).toContain("tensor_name:  b (float) []\n2\n");
    const strs = inspectCheckpoint(f("tf-tensor_bundle-old_string_tensors/foo"), {
      tensor: "strs",
    });
    expect(strs).toMatch(/^tensor_name: {2}strs \(string\) \[4\]\n\[".*"\]\n$/);
  });
  test("missing checkpoints and tensors are clean errors", () => {
    expect(() => inspectCheckpoint(f("nothere/model"))).toThrow(tf.NotFoundError);
    expect(() => inspectCheckpoint(f("tf-half_plus_two-savedmodel"), { tensor: "zz" })).toThrow(
      tf.NotFoundError,
    );
  });
  test("formatValue", () => {
    expect(formatValue(new tf.NDArray("bool", [2], [true, false]))).toBe("[True, False]");
    expect(formatValue(new tf.NDArray("int64", [1], [5n]))).toBe("[5]");
    expect(formatValue(new tf.NDArray("float32", [3], [1, 2, 3]), 2)).toBe("[1, 2, ...]");
  });
});

describe("show-graph", () => {
  test("a GraphDef: ops by type, inputs, outputs", () => {
    const out = showGraph(f("rust-addition-graphdef/model.pb"));
    expect(out).toMatch(/^GraphDef\n3 nodes \(producer version 1882\)/);
    expect(out).toMatch(/Placeholder +2/);
    expect(out).toMatch(/AddV2 +1/);
    expect(out).toContain("inputs:\n  x: int32 []\n  y: int32 []\n");
    expect(out).toContain("outputs (nodes no other node uses):\n  z (AddV2)\n");
  });
  test("a training GraphDef lists its variables", () => {
    const out = showGraph(f("rust-regression-graphdef-train/model.pb"));
    expect(out).toContain("variables:\n  w: float32 [1]\n  b: float32 [1]\n");
    expect(out).toMatch(/BroadcastGradientArgs +3/);
  });
  test("a MetaGraphDef: collections and the saver", () => {
    const out = showGraph(f("tf-contrib-session_bundle-half_plus_two-V2ckpt/export.meta"));
    expect(out).toMatch(/^MetaGraphDef\n/);
    expect(out).toContain("  variables: 3 bytesList");
    expect(out).toContain(
      "saver: filename save/Const:0, save save/Identity:0, restore save/restore_all, version V2, sharded",
    );
  });
  test("SavedModels, binary and text, show their signatures", () => {
    for (const p of [
      "tf-half_plus_two-savedmodel",
      "tf-half_plus_two-savedmodel-pbtxt/saved_model.pbtxt",
    ]) {
      const out = showGraph(f(p));
      expect(out).toMatch(/^SavedModel \(schema version 1\), 1 MetaGraph\(s\)/);
      expect(out).toContain("tags: [serve]");
      expect(out).toContain(
        "  serving_default (tensorflow/serving/predict)\n    input  x: x:0 float32 [?,1]\n    output y: y:0 float32 [?,1]\n",
      );
      expect(out).toContain("  regress_x2_to_y3 (tensorflow/serving/regress)");
    }
  });
  test("a corrupt file is a DataLossError", () => {
    expect(() => showGraph(f("rust-expected-tfrecord/expected.tfrecord"))).toThrow(tf.OpError);
  });
});

describe("the command line", () => {
  test("commander program runs the commands", async () => {
    let out = "";
    await buildProgram((s) => {
      out += s;
    }).parseAsync([
      "node",
      "tensorgraph",
      "inspect-checkpoint",
      f("tf-half_plus_two-savedmodel"),
      "--tensor",
      "c",
    ]);
    expect(out).toBe("tensor_name:  c (float) []\n3\n");
  });
  test("as a process: output, and exit code 1 with a message on errors", async () => {
    const run = promisify(execFile);
    const cli = join(ROOT, "src/cli/tensorgraph.ts");
    const tsx = join(ROOT, "node_modules/.bin/tsx");
    const ok = await run(tsx, [cli, "show-graph", f("rust-addition-graphdef/model.pb")]);
    expect(ok.stdout).toMatch(/^GraphDef\n3 nodes/);
    const bad = await run(tsx, [cli, "inspect-checkpoint", f("nothere")]).catch((e) => e);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/tensorgraph: NotFoundError: .*nothere/);
  }, 30000);
});

describe("board", () => {
  test("serves the logdir's runs; a missing logdir is a clean error", async () => {
    const logdir = mkdtempSync(join(tmpdir(), "cli-board-"));
    writeEvents(join(logdir, "run1", "events.out.tfevents.1.host"), [scalarEvent("loss", 0, 0.5)]);
    let out = "";
    let board: Board | undefined;
    await buildProgram(
      (s) => {
        out += s;
      },
      (b) => {
        board = b;
      },
    ).parseAsync(["node", "tensorgraph", "board", "--logdir", logdir, "--port", "0"]);
    try {
      expect(board).toBeDefined();
      expect(board!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(out).toContain(`at ${board!.url}`);
      const runs = (await (await fetch(`${board!.url}data/runs`)).json()) as RunsResponse;
      expect(runs.runs.map((r) => r.name)).toEqual(["run1"]);
    } finally {
      await board?.close();
      rmSync(logdir, { recursive: true, force: true });
    }
    await expect(
      buildProgram(() => {}).parseAsync([
        "node",
        "tensorgraph",
        "board",
        "--logdir",
        join(logdir, "gone"),
      ]),
    ).rejects.toThrow(/logdir .*gone does not exist/);
  });
});
