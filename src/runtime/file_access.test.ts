// ConfigProto.fileAccess (tensorgraph's, not TF's): the ops that touch the file system are
// confined to listed directories, or refused altogether, with a PermissionDeniedError naming the
// op and the path, before anything is read or written.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import "../backends/cpu-ts/io_ops.js";
import { canonicalPath, FilePolicy } from "../backends/file_policy.js";
import * as tf from "../index.js";
import { load } from "../io/saved_model.js";
import {
  mergeV2Checkpoints,
  restoreSlice,
  restoreV1,
  restoreV2,
  saveV1,
  saveV2,
} from "../ops/io_ops.js";
import { Saver } from "../train/saver.js";

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "tg-file-access-")));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh directory `inside` (allowed) and a sibling `outside`, each with a file in it. */
function dirs() {
  const base = path.join(root, `t${n++}`);
  const inside = path.join(base, "inside");
  const outside = path.join(base, "outside");
  fs.mkdirSync(inside, { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(inside, "a.txt"), "in");
  fs.writeFileSync(path.join(outside, "secret.txt"), "out");
  return { base, inside, outside };
}

type Config = tf.ConfigProto;
const allowOnly = (dir: string): Config => ({ fileAccess: { allow: [dir] } });

/** Runs what `build` makes in a fresh graph and session with `config`. */
function run<T extends tf.Fetches>(config: Config, build: () => T): Promise<tf.FetchResult<T>> {
  const g = new tf.Graph();
  const fetches = g.asDefault(build);
  return new tf.Session({ graph: g, config }).run(fetches);
}

/** Expects a PermissionDeniedError whose message names `op` and `file`. */
async function denied(p: Promise<unknown>, op: string, file: string): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(tf.PermissionDeniedError);
  const msg = (e as Error).message;
  expect(msg).toContain(op);
  expect(msg).toContain(file);
}

describe("ReadFile, WriteFile, MatchingFiles", () => {
  test("inside an allowed directory they work", async () => {
    const d = dirs();
    const cfg = allowOnly(d.inside);
    expect((await run(cfg, () => tf.readFile(path.join(d.inside, "a.txt")))).item()).toBe("in");
    const out = path.join(d.inside, "sub", "b.txt");
    await run(cfg, () => tf.writeFile(out, "written"));
    expect(fs.readFileSync(out, "utf8")).toBe("written");
    const found = await run(cfg, () => tf.matchingFiles(path.join(d.inside, "*.txt")));
    expect(found.toArray()).toEqual([path.join(d.inside, "a.txt")]);
    const nested = await run(cfg, () => tf.matchingFiles(path.join(d.inside, "*", "b.txt")));
    expect(nested.toArray()).toEqual([out]);
  });

  test("outside, each is PermissionDeniedError naming the op and the path; nothing written", async () => {
    const d = dirs();
    const cfg = allowOnly(d.inside);
    const secret = path.join(d.outside, "secret.txt");
    await denied(
      run(cfg, () => tf.readFile(secret)),
      "ReadFile",
      secret,
    );
    const target = path.join(d.outside, "new", "w.txt");
    await denied(
      run(cfg, () => tf.writeFile(target, "x")),
      "WriteFile",
      target,
    );
    expect(fs.existsSync(path.join(d.outside, "new"))).toBe(false);
    expect(fs.readdirSync(d.outside)).toEqual(["secret.txt"]);
    const pattern = path.join(d.outside, "*");
    await denied(
      run(cfg, () => tf.matchingFiles(pattern)),
      "MatchingFiles",
      d.outside,
    );
    // A glob in the allowed directory that climbs out with `..` is refused too.
    fs.mkdirSync(path.join(d.inside, "sub"));
    const climbing = path.join(d.inside, "*", "..", "..", "outside", "*");
    await denied(
      run(cfg, () => tf.matchingFiles(climbing)),
      "MatchingFiles",
      "outside",
    );
  });

  test("the directory itself is not a way out: writing `<allowed>` or its sibling names", async () => {
    const d = dirs();
    const cfg = allowOnly(d.inside);
    // `inside` + ".tmp..." (WriteFile's temporary name) would land in the parent.
    await expect(run(cfg, () => tf.writeFile(d.inside, "x"))).rejects.toThrow(
      tf.PermissionDeniedError,
    );
    await denied(
      run(cfg, () => tf.writeFile(`${d.inside}2/x.txt`, "x")),
      "WriteFile",
      `${d.inside}2`,
    );
    expect(fs.existsSync(`${d.inside}2`)).toBe(false);
    expect(fs.readdirSync(d.base).sort()).toEqual(["inside", "outside"]);
  });

  test("`..` and symbolic links that lead out are refused", async () => {
    const d = dirs();
    const cfg = allowOnly(d.inside);
    const dotdot = path.join(d.inside, "..", "outside", "secret.txt");
    await denied(
      run(cfg, () => tf.readFile(dotdot)),
      "ReadFile",
      dotdot,
    );
    // A link to a file outside, a link to a directory outside, and a dangling link whose target
    // (outside) a write would create.
    fs.symlinkSync(path.join(d.outside, "secret.txt"), path.join(d.inside, "link.txt"));
    fs.symlinkSync(d.outside, path.join(d.inside, "linkdir"));
    fs.symlinkSync(path.join(d.outside, "created.txt"), path.join(d.inside, "dangling.txt"));
    await denied(
      run(cfg, () => tf.readFile(path.join(d.inside, "link.txt"))),
      "ReadFile",
      "link.txt",
    );
    await denied(
      run(cfg, () => tf.readFile(path.join(d.inside, "linkdir", "secret.txt"))),
      "ReadFile",
      "secret.txt",
    );
    await denied(
      run(cfg, () => tf.writeFile(path.join(d.inside, "linkdir", "x.txt"), "x")),
      "WriteFile",
      "x.txt",
    );
    await denied(
      run(cfg, () => tf.matchingFiles(path.join(d.inside, "linkdir", "*"))),
      "MatchingFiles",
      "linkdir",
    );
    expect(canonicalPath(path.join(d.inside, "dangling.txt"))).toBe(
      path.join(d.outside, "created.txt"),
    );
    await denied(
      run(cfg, () => tf.writeFile(path.join(d.inside, "dangling.txt"), "x")),
      "WriteFile",
      "dangling.txt",
    );
    expect(fs.readdirSync(d.outside)).toEqual(["secret.txt"]);
    // A link inside that stays inside is fine.
    fs.symlinkSync(path.join(d.inside, "a.txt"), path.join(d.inside, "alias.txt"));
    expect((await run(cfg, () => tf.readFile(path.join(d.inside, "alias.txt")))).item()).toBe("in");
  });

  test("an allowed directory reached through a link, and a relative path", async () => {
    const d = dirs();
    const link = path.join(d.base, "via-link");
    fs.symlinkSync(d.inside, link);
    const cfg = allowOnly(link);
    expect((await run(cfg, () => tf.readFile(path.join(d.inside, "a.txt")))).item()).toBe("in");
    const rel = path.relative(process.cwd(), path.join(d.inside, "a.txt"));
    expect((await run(cfg, () => tf.readFile(rel))).item()).toBe("in");
  });

  test('allowRead lets ops read but not write; "none" refuses all; the default allows all', async () => {
    const d = dirs();
    const readOnly: Config = { fileAccess: { allowRead: [d.inside] } };
    expect((await run(readOnly, () => tf.readFile(path.join(d.inside, "a.txt")))).item()).toBe(
      "in",
    );
    await denied(
      run(readOnly, () => tf.writeFile(path.join(d.inside, "w.txt"), "x")),
      "WriteFile",
      "w.txt",
    );
    const none: Config = { fileAccess: "none" };
    const cases: [string, () => tf.Tensor | tf.Operation][] = [
      ["ReadFile", () => tf.readFile(path.join(d.inside, "a.txt"))],
      ["WriteFile", () => tf.writeFile(path.join(d.inside, "w.txt"), "x")],
      ["MatchingFiles", () => tf.matchingFiles(path.join(d.inside, "*"))],
    ];
    for (const [op, build] of cases) {
      const e = await run(none, build).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(tf.PermissionDeniedError);
      expect((e as Error).message).toMatch(new RegExp(`^${op} may not .*"none"`));
    }
    expect(fs.existsSync(path.join(d.inside, "w.txt"))).toBe(false);
    // Unrestricted: no option, or "all".
    for (const cfg of [{}, { fileAccess: "all" } as Config]) {
      expect((await run(cfg, () => tf.readFile(path.join(d.outside, "secret.txt")))).item()).toBe(
        "out",
      );
    }
  });

  test("a malformed option is a ValueError when the session is created", () => {
    const bad = [
      { allow: "dir" },
      { allow: [""] },
      { allowWrite: ["x"] },
      "some",
      null,
    ] as unknown as tf.ConfigProto["fileAccess"][];
    for (const fileAccess of bad) {
      expect(() => new tf.Session({ graph: new tf.Graph(), config: { fileAccess } })).toThrow(
        tf.ValueError,
      );
    }
    expect(FilePolicy.from(undefined)).toBeUndefined();
    expect(FilePolicy.from("all")).toBeUndefined();
  });
});

describe("untrusted graphs", () => {
  test("an imported GraphDef and ops inside tf.cond are confined too", async () => {
    const d = dirs();
    const secret = path.join(d.inside, "..", "outside", "secret.txt");
    const text = `
      node { name: "f" op: "Const"
        attr { key: "dtype" value { type: DT_STRING } }
        attr { key: "value" value { tensor { dtype: DT_STRING tensor_shape {} string_val: ${JSON.stringify(secret)} } } } }
      node { name: "r" op: "ReadFile" input: "f" }`;
    const g = new tf.Graph();
    const [r] = g.asDefault(() => tf.importGraphDef(text, { returnElements: ["r:0"] }));
    const sess = new tf.Session({ graph: g, config: allowOnly(d.inside) });
    await denied(sess.run(r as tf.Tensor), "ReadFile", secret);
    // Unconfined, the same graph reads the file: the refusal is the policy's.
    expect((await new tf.Session({ graph: g }).run(r as tf.Tensor)).item()).toBe("out");
    await denied(
      run(allowOnly(d.inside), () =>
        tf.cond(
          tf.constant(true),
          () => tf.readFile(secret),
          () => tf.constant("no"),
        ),
      ),
      "ReadFile",
      secret,
    );
  });
});

describe("checkpoint ops", () => {
  test("SaveV2, RestoreV2, MergeV2Checkpoints inside an allowed directory", async () => {
    const d = dirs();
    const g = new tf.Graph();
    const [p1, p2, merged] = ["p1", "p2", "merged"].map((s) => path.join(d.inside, s));
    const ops = g.asDefault(() => ({
      s1: saveV2(p1, ["x"], [""], [tf.constant([1, 2])]),
      s2: saveV2(p2, ["y"], [""], [tf.constant([3])]),
      merge: mergeV2Checkpoints([p1, p2], merged),
      restored: restoreV2(merged, ["x", "y"], ["", ""], ["float32", "float32"]),
    }));
    const sess = new tf.Session({ graph: g, config: allowOnly(d.inside) });
    await sess.run([ops.s1, ops.s2]);
    await sess.run(ops.merge);
    const [x, y] = await sess.run(ops.restored);
    expect([x.toArray(), y.toArray()]).toEqual([[1, 2], [3]]);
  });

  test("outside: SaveV2, RestoreV2, MergeV2Checkpoints refused; nothing written", async () => {
    const d = dirs();
    const out = path.join(d.outside, "ckpt");
    const inPrefix = path.join(d.inside, "ckpt");
    // A real checkpoint outside, made by an unrestricted session.
    await run({}, () => saveV2(out, ["x"], [""], [tf.constant([1])]));
    const before = fs.readdirSync(d.outside).sort();
    const cfg = allowOnly(d.inside);
    await denied(
      run(cfg, () => saveV2(path.join(d.outside, "new"), ["x"], [""], [tf.constant([1])])),
      "SaveV2",
      path.join(d.outside, "new"),
    );
    // The prefix is the allowed directory itself: `<dir>.index` would be beside it.
    await denied(
      run(cfg, () => saveV2(d.inside, ["x"], [""], [tf.constant([1])])),
      "SaveV2",
      `${d.inside}.index`,
    );
    await denied(
      run(cfg, () => restoreV2(out, ["x"], [""], ["float32"])),
      "RestoreV2",
      out,
    );
    await run(cfg, () => saveV2(inPrefix, ["y"], [""], [tf.constant([2])]));
    // Merging into the outside, or out of (and so deleting) the outside, is refused.
    await denied(
      run(cfg, () => mergeV2Checkpoints([inPrefix], path.join(d.outside, "m"))),
      "MergeV2Checkpoints",
      path.join(d.outside, "m"),
    );
    await denied(
      run(cfg, () => mergeV2Checkpoints([out, inPrefix], path.join(d.inside, "m"))),
      "MergeV2Checkpoints",
      out,
    );
    expect(fs.readdirSync(d.outside).sort()).toEqual(before);
    expect(fs.existsSync(path.join(d.inside, "m.index"))).toBe(false);
    expect(fs.existsSync(`${d.inside}.index`)).toBe(false);
  });

  test("a data shard that is a link out of the allowed directory is refused", async () => {
    const d = dirs();
    const out = path.join(d.outside, "ckpt");
    await run({}, () => saveV2(out, ["x"], [""], [tf.constant([7])]));
    const prefix = path.join(d.inside, "ckpt");
    fs.copyFileSync(`${out}.index`, `${prefix}.index`);
    fs.symlinkSync(`${out}.data-00000-of-00001`, `${prefix}.data-00000-of-00001`);
    await denied(
      run(allowOnly(d.inside), () => restoreV2(prefix, ["x"], [""], ["float32"])),
      "RestoreV2",
      `${prefix}.data-00000-of-00001`,
    );
  });

  test("V1: Save, SaveSlices, Restore, RestoreSlice inside and outside", async () => {
    const d = dirs();
    const cfg = allowOnly(d.inside);
    const file = path.join(d.inside, "v1.ckpt");
    await run(cfg, () => saveV1(file, ["a"], [tf.constant([1, 2])]));
    expect((await run(cfg, () => restoreV1(file, "a", "float32"))).toArray()).toEqual([1, 2]);
    expect((await run(cfg, () => restoreSlice(file, "a", "", "float32"))).toArray()).toEqual([
      1, 2,
    ]);
    const sliced = path.join(d.inside, "s.ckpt");
    await run(cfg, () => {
      const g = tf.getDefaultGraph();
      return g.createOp("SaveSlices", [
        tf.constant(sliced),
        tf.constant(["a"]),
        tf.constant([""]),
        [tf.constant([3])],
      ]);
    });
    expect(fs.existsSync(sliced)).toBe(true);
    const outFile = path.join(d.outside, "v1.ckpt");
    await denied(
      run(cfg, () => saveV1(outFile, ["a"], [tf.constant([1])])),
      "Save",
      outFile,
    );
    await denied(
      run(cfg, () => {
        const g = tf.getDefaultGraph();
        return g.createOp("SaveSlices", [
          tf.constant(outFile),
          tf.constant(["a"]),
          tf.constant([""]),
          [tf.constant([3])],
        ]);
      }),
      "SaveSlices",
      outFile,
    );
    await run({}, () => saveV1(outFile, ["a"], [tf.constant([1])]));
    await denied(
      run(cfg, () => restoreV1(outFile, "a", "float32")),
      "Restore",
      d.outside,
    );
    await denied(
      run(cfg, () => restoreSlice(outFile, "a", "", "float32")),
      "RestoreSlice",
      d.outside,
    );
    expect(fs.readdirSync(d.outside).sort()).toEqual(["secret.txt", "v1.ckpt"]);
  });
});

describe("lookup tables from text files", () => {
  test("InitializeTableFromTextFileV2 inside, outside, none", async () => {
    const d = dirs();
    const vocab = path.join(d.inside, "vocab.txt");
    fs.writeFileSync(vocab, "emerson\nlake\npalmer\n");
    fs.writeFileSync(path.join(d.outside, "vocab.txt"), "x\n");
    const lookup = async (config: Config, file: string) => {
      const g = new tf.Graph();
      const { ids, init } = g.asDefault(() => {
        const table = tf.lookup.indexTableFromFile(file);
        return { ids: table.lookup(tf.constant(["lake", "tarkus"])), init: tf.tablesInitializer() };
      });
      const sess = new tf.Session({ graph: g, config });
      await sess.run(init);
      return sess.run(ids);
    };
    expect((await lookup(allowOnly(d.inside), vocab)).toArray()).toEqual([1, -1]);
    const outside = path.join(d.outside, "vocab.txt");
    await denied(lookup(allowOnly(d.inside), outside), "InitializeTableFromTextFileV2", outside);
    await denied(lookup({ fileAccess: "none" }, vocab), "InitializeTableFromTextFileV2", vocab);
  });
});

describe("Saver and SavedModel under a confined session", () => {
  function model() {
    const g = new tf.Graph();
    return g.asDefault(() => {
      const w = new tf.Variable(tf.constant([1, 2, 3]), { name: "w" });
      const bump = w.assignAdd(tf.ones([3]));
      return {
        g,
        w,
        bump,
        saver: new Saver({ maxToKeep: 2 }),
        init: tf.globalVariablesInitializer(),
      };
    });
  }

  test("the Saver saves, keeps and restores when its directory is allowed", async () => {
    const d = dirs();
    const m = model();
    const sess = new tf.Session({ graph: m.g, config: allowOnly(d.inside) });
    await sess.run(m.init);
    const prefix = path.join(d.inside, "ckpts", "model");
    let last = "";
    for (let step = 0; step < 3; step++) {
      await sess.run(m.bump);
      last = await m.saver.save(sess, prefix, { globalStep: step });
    }
    await sess.run(m.bump);
    await m.saver.restore(sess, last);
    expect((await sess.run(m.w)).toArray()).toEqual([4, 5, 6]);
    // The same Saver in a session confined elsewhere is refused, naming its op and the path.
    const other = new tf.Session({ graph: m.g, config: allowOnly(d.outside) });
    await other.run(m.init);
    await expect(m.saver.save(other, path.join(d.inside, "x"))).rejects.toThrow(
      tf.PermissionDeniedError,
    );
    await expect(m.saver.restore(other, last)).rejects.toThrow(/RestoreV2 may not read/);
  });

  test("tf.savedModel.load works when the model's directory is allowed (read only)", async () => {
    const fixture = path.resolve(import.meta.dirname, "../../test/fixtures/tf");
    const dir = path.join(fixture, "tf-half_plus_two-savedmodel");
    const g = new tf.Graph();
    const sess = new tf.Session({ graph: g, config: { fileAccess: { allowRead: [dir] } } });
    const meta = await load(sess, ["serve"], dir);
    const sig = meta.signatureDef.serving_default;
    const y = await sess.run(sig.outputs.y.encoding.value as string, {
      [sig.inputs.x.encoding.value as string]: [[0], [4]],
    });
    expect(y.toArray()).toEqual([[2], [4]]);
    const g2 = new tf.Graph();
    const none = new tf.Session({ graph: g2, config: { fileAccess: "none" } });
    await expect(load(none, ["serve"], dir)).rejects.toThrow(tf.PermissionDeniedError);
  });

  test("tf.savedModel.loadSignatures takes the session's config", async () => {
    const dir = path.resolve(
      import.meta.dirname,
      "../../test/fixtures/tf/tf-half_plus_two-savedmodel",
    );
    const m = await tf.savedModel.loadSignatures(dir, {
      config: { fileAccess: { allowRead: [dir] } },
    });
    expect((await m.signatures.serving_default({ x: [[4]] })).y.toArray()).toEqual([[4]]);
    await expect(
      tf.savedModel.loadSignatures(dir, { config: { fileAccess: "none" } }),
    ).rejects.toThrow(tf.PermissionDeniedError);
  });
});

describe("every kernel that touches files asks the policy", () => {
  test("each backend file that imports node:fs or the checkpoint readers/writers calls checkPath", () => {
    const backends = path.resolve(import.meta.dirname, "../backends");
    const files = fs
      .readdirSync(backends, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "file_policy.ts");
    const touching = files.filter((f) => {
      const src = fs.readFileSync(path.join(backends, f), "utf8");
      return /from "(node:)?fs"|\/io\/checkpoint\//.test(src);
    });
    expect(touching.length).toBeGreaterThanOrEqual(3);
    for (const f of touching) {
      const src = fs.readFileSync(path.join(backends, f), "utf8");
      expect(src, f).toMatch(/checkPath\(env, /);
    }
  });
});
