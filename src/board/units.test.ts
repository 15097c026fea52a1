/**
 * The board's pieces without a server or a browser: record framing, the run store, smoothing,
 * histogram rebinning, the graph's scopes, trace rows, attribute text and path checks.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { NotFoundError } from "../framework/errors.js";
import { crc32c, maskCrc } from "../io/checkpoint/crc32c.js";
import {
  AttrValue_ListValueSchema,
  AttrValueSchema,
  DataType,
  SessionLog_SessionStatus,
  SessionLogSchema,
  Summary_ValueSchema,
  SummaryMetadata_PluginDataSchema,
  SummaryMetadataSchema,
  SummarySchema,
  TensorProtoSchema,
  TensorShapeProto_DimSchema,
  TensorShapeProtoSchema,
} from "../io/proto/index.js";
import { event, eventRecord, fileVersion, imageEvent, scalarEvent } from "./fixtures.js";
import { attrText } from "./graph_json.js";
import { isInside, Logdir } from "./logdir.js";
import { MAX_RECORD_BYTES, scanRecords } from "./records.js";
import { MAX_BLOBS_PER_TAG, MAX_SCALARS_PER_TAG, RunData } from "./run_data.js";
import { isEscape } from "./server.js";
import { GraphHierarchy } from "./web/graph_model.js";
import { rebin } from "./web/hist_bins.js";
import { smooth } from "./web/smoothing.js";
import { packRows } from "./web/trace.js";

describe("scanRecords", () => {
  const a = eventRecord(fileVersion());
  const b = eventRecord(scalarEvent("loss", 1, 0.5));
  const both = new Uint8Array([...a, ...b]);

  test("whole records, with their offsets", () => {
    const s = scanRecords(both, 100);
    expect(s.records.map((r) => r.offset)).toEqual([100, 100 + a.length]);
    expect(s.consumed).toBe(both.length);
    expect(s.problem).toBeUndefined();
  });

  test("a record cut short is incomplete (read again later), not corrupt", () => {
    for (const cut of [3, 12, 20, both.length - a.length - 1]) {
      const s = scanRecords(both.subarray(0, a.length + cut));
      expect(s.records).toHaveLength(1);
      expect(s.consumed).toBe(a.length);
      expect(s.problem).toMatchObject({ kind: "incomplete", offset: a.length });
    }
  });

  test("a bad CRC is corrupt, at the record's offset", () => {
    const badLength = both.slice();
    badLength[a.length + 1] ^= 1; // length bytes: their CRC fails
    expect(scanRecords(badLength).problem).toMatchObject({ kind: "corrupt", offset: a.length });
    expect(scanRecords(badLength).problem?.message).toMatch(/corrupt record length/);
    const badData = both.slice();
    badData[both.length - 6] ^= 1;
    expect(scanRecords(badData).problem?.message).toBe(`corrupt record data at offset ${a.length}`);
  });

  test("a length past the limit is corrupt, even with a valid length CRC", () => {
    // Frame only a header that claims MAX_RECORD_BYTES + 1 bytes.
    const rec = eventRecord(fileVersion());
    const view = new DataView(rec.buffer.slice(0));
    view.setBigUint64(0, BigInt(MAX_RECORD_BYTES + 1), true);
    const header = new Uint8Array(view.buffer, 0, 8);
    // Recompute the masked length CRC with the framing of a record of that length.
    view.setUint32(8, maskCrc(crc32c(header)), true);
    const s = scanRecords(new Uint8Array(view.buffer));
    expect(s.problem).toMatchObject({ kind: "corrupt", offset: 0 });
    expect(s.problem?.message).toMatch(/claims 1073741825 bytes/);
  });
});

describe("Logdir", () => {
  test("a record cut short is reported only once it stays so for the grace period; corruption at once", () => {
    const dir = mkdtempSync(join(tmpdir(), "board-logdir-"));
    try {
      const good = eventRecord(scalarEvent("loss", 0, 1));
      const next = eventRecord(scalarEvent("loss", 1, 2));
      mkdirSync(join(dir, "a"));
      writeFileSync(
        join(dir, "a", "events.out.tfevents.1.h"),
        Buffer.concat([good, next.subarray(0, 9)]),
      );
      const patient = new Logdir(dir, { incompleteGraceMs: 60_000 });
      patient.reload();
      expect(patient.problems()).toEqual([]);
      expect(
        patient
          .run("a")!
          .scalars.get("loss")!
          .map((p) => p.value),
      ).toEqual([1]);
      const eager = new Logdir(dir, { incompleteGraceMs: 0 });
      eager.reload();
      expect(eager.problems()).toMatchObject([
        { run: "a", kind: "incomplete", offset: good.length },
      ]);
      // The writer finishes the record: both see it, and the problem is gone.
      writeFileSync(join(dir, "a", "events.out.tfevents.1.h"), Buffer.concat([good, next]));
      for (const l of [patient, eager]) {
        expect(l.reload()).toBe(true);
        expect(l.problems()).toEqual([]);
        expect(
          l
            .run("a")!
            .scalars.get("loss")!
            .map((p) => p.value),
        ).toEqual([1, 2]);
      }
      const bad = next.slice();
      bad[bad.length - 1] ^= 1;
      writeFileSync(join(dir, "a", "events.out.tfevents.2.h"), Buffer.concat([good, bad]));
      patient.reload();
      expect(patient.problems()).toMatchObject([
        { kind: "corrupt", file: "a/events.out.tfevents.2.h" },
      ]);
      // Nothing new: the generation stays.
      const g = patient.generation;
      expect(patient.reload()).toBe(false);
      expect(patient.generation).toBe(g);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a missing logdir is NotFoundError", () => {
    expect(() => new Logdir(join(tmpdir(), "board-no-such-dir", "x"))).toThrow(NotFoundError);
  });
});

describe("RunData", () => {
  test("a SessionLog START at step s drops what was written at steps >= s (a restart)", () => {
    const r = new RunData();
    for (const s of [0, 1, 2, 3]) r.add(scalarEvent("loss", s, s));
    r.add(
      event({
        step: 2n,
        what: {
          case: "sessionLog",
          value: create(SessionLogSchema, { status: SessionLog_SessionStatus.START }),
        },
      }),
    );
    r.add(scalarEvent("loss", 2, 20));
    expect(r.scalars.get("loss")!.map((p) => [p.step, p.value])).toEqual([
      [0, 0],
      [1, 1],
      [2, 20],
    ]);
  });

  test("a long scalar series is thinned evenly, keeping its first and last points", () => {
    const r = new RunData();
    for (let s = 0; s <= MAX_SCALARS_PER_TAG; s++) r.add(scalarEvent("x", s, s));
    const pts = r.scalars.get("x")!;
    expect(pts.length).toBe(MAX_SCALARS_PER_TAG / 2 + 1);
    expect(pts[0].step).toBe(0);
    expect(pts[1].step).toBe(2);
    expect(pts[pts.length - 1].step).toBe(MAX_SCALARS_PER_TAG);
  });

  test("images keep the latest MAX_BLOBS_PER_TAG per tag; their indices stay unique", () => {
    const r = new RunData();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    for (let s = 0; s < MAX_BLOBS_PER_TAG + 5; s++) r.add(imageEvent("im", s, png, 1, 1));
    const kept = r.images.get("im")!;
    expect(kept).toHaveLength(MAX_BLOBS_PER_TAG);
    expect(kept[0].step).toBe(5);
    expect(r.blob("im", kept[0].index)?.step).toBe(5);
    expect(r.blob("im", 0)).toBeUndefined(); // dropped
  });

  const tensorEvent = (
    tag: string,
    plugin: string | undefined,
    tensor: Parameters<typeof create<typeof TensorProtoSchema>>[1],
  ) =>
    event({
      step: 7n,
      what: {
        case: "summary",
        value: create(SummarySchema, {
          value: [
            create(Summary_ValueSchema, {
              tag,
              metadata: plugin
                ? create(SummaryMetadataSchema, {
                    pluginData: create(SummaryMetadata_PluginDataSchema, { pluginName: plugin }),
                  })
                : undefined,
              value: { case: "tensor", value: create(TensorProtoSchema, tensor) },
            }),
          ],
        }),
      },
    });
  const shape = (...d: number[]) =>
    create(TensorShapeProtoSchema, {
      dim: d.map((size) => create(TensorShapeProto_DimSchema, { size: BigInt(size) })),
    });

  test("TF2 tensors: histograms [k,3], images [w,h,png...], and the plugin remembered per tag", () => {
    const r = new RunData();
    r.add(
      tensorEvent("h", "histograms", {
        dtype: DataType.DT_DOUBLE,
        tensorShape: shape(2, 3),
        doubleVal: [0, 1, 4, 1, 3, 0],
      }),
    );
    expect(r.histograms.get("h")![0]).toMatchObject({
      step: 7,
      min: 0,
      max: 1,
      num: 4,
      buckets: [[0, 1, 4]],
    });
    const enc = new TextEncoder();
    const pngSig = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2]);
    r.add(
      tensorEvent("im", "images", {
        dtype: DataType.DT_STRING,
        tensorShape: shape(3),
        stringVal: [enc.encode("4"), enc.encode("5"), pngSig],
      }),
    );
    expect(r.images.get("im")![0]).toMatchObject({ width: 4, height: 5, contentType: "image/png" });
    // Later values of a tag come without metadata (TF2 writes it once): still scalars.
    r.add(tensorEvent("s", "scalars", { dtype: DataType.DT_FLOAT, floatVal: [0.5] }));
    r.add(tensorEvent("s", undefined, { dtype: DataType.DT_FLOAT, floatVal: [0.25] }));
    expect(r.scalars.get("s")!.map((p) => p.value)).toEqual([0.5, 0.25]);
    // A tensor of no known plugin is not shown anywhere.
    r.add(tensorEvent("other", undefined, { dtype: DataType.DT_FLOAT, floatVal: [1] }));
    expect(r.scalars.has("other")).toBe(false);
  });
});

describe("smooth (TensorBoard's debiased EMA)", () => {
  test("hand-worked values", () => {
    // w = 0.5: EMA 0.5, 1.25, 2.125 over [1, 2, 3]; debias by 1 - 0.5^n = 0.5, 0.75, 0.875
    // → 1, 5/3, 17/7.
    const s = smooth([1, 2, 3], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(5 / 3, 12);
    expect(s[2]).toBeCloseTo(17 / 7, 12);
  });
  test("weight 0 changes nothing; constants and non-finite values pass through", () => {
    expect(smooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
    expect(smooth([2, 2, 2], 0.9)).toEqual([2, 2, 2]);
    const s = smooth([1, Number.NaN, 3], 0.5);
    expect(s[1]).toBeNaN();
    // NaN does not enter the average: the second real point is the EMA's second step.
    expect(s[2]).toBeCloseTo((0.5 * 0.5 + 0.5 * 3) / 0.75, 12);
  });
});

describe("rebin", () => {
  test("counts spread evenly over each bucket's width (hand-worked)", () => {
    // [0,1] holds 2 → bin 0; [1,3] holds 4 → 2 in [1,2], 2 in [2,3]; [3,4] empty.
    expect(
      rebin(
        [
          [0, 1, 2],
          [1, 3, 4],
        ],
        0,
        4,
        4,
      ),
    ).toEqual([2, 2, 2, 0]);
    // A point mass lands in its bin; an empty range puts everything in bin 0.
    expect(rebin([[2.5, 2.5, 3]], 0, 4, 4)).toEqual([0, 0, 3, 0]);
    expect(rebin([[1, 1, 3]], 1, 1, 2)).toEqual([3, 0]);
  });
});

describe("GraphHierarchy", () => {
  const node = (name: string, op: string, inputs: string[] = []) => ({
    name,
    op,
    device: "",
    inputs,
    attrs: {},
    outputShapes: [],
  });
  const g = new GraphHierarchy([
    node("x", "Placeholder"),
    node("w", "VariableV2"),
    node("w/read", "Identity", ["w"]),
    node("layer/MatMul", "MatMul", ["x", "w/read"]),
    node("layer/add", "AddV2", ["layer/MatMul", "^w"]),
    node("loss", "Mean", ["layer/add"]),
  ]);

  test("collapsed: one box per top-level scope, edges between boxes", () => {
    const v = g.view(new Set());
    expect(v.units.map((u) => u.id).sort()).toEqual(["op:loss", "op:x", "scope:layer", "scope:w"]);
    expect(v.units.find((u) => u.id === "scope:w")!.count).toBe(2); // w and w/read
    expect(
      v.edges.map((e) => `${e.from}->${e.to}:${e.count}${e.control ? "c" : ""}`).sort(),
    ).toEqual([
      "op:x->scope:layer:1",
      "scope:layer->op:loss:1",
      // w/read → MatMul and ^w → add.
      "scope:w->scope:layer:2",
    ]);
    expect(v.clusters).toEqual([]);
  });

  test("expanded: the scope's nodes inside a cluster; a node named like its scope sits inside it", () => {
    const v = g.view(new Set(["layer", "w"]));
    const u = Object.fromEntries(v.units.map((x) => [x.id, x.parent]));
    expect(u).toEqual({
      "op:x": undefined,
      "op:w": "scope:w",
      "op:w/read": "scope:w",
      "op:layer/MatMul": "scope:layer",
      "op:layer/add": "scope:layer",
      "op:loss": undefined,
    });
    expect(v.clusters.map((c) => c.id).sort()).toEqual(["scope:layer", "scope:w"]);
    const control = v.edges.find((e) => e.from === "op:w" && e.to === "op:layer/add");
    expect(control?.control).toBe(true);
  });
});

describe("packRows", () => {
  test("overlapping intervals go to separate rows, the rest reuse them", () => {
    expect(
      packRows([
        { start: 0, end: 10 },
        { start: 5, end: 8 },
        { start: 10, end: 12 },
        { start: 9, end: 20 },
      ]),
    ).toEqual([0, 1, 0, 1]);
  });
});

describe("attrText", () => {
  const attr = (value: Parameters<typeof create<typeof AttrValueSchema>>[1]) =>
    attrText(create(AttrValueSchema, value));
  test("types, shapes, strings, lists, as TensorBoard shows them", () => {
    expect(attr({ value: { case: "type", value: DataType.DT_FLOAT } })).toBe("float");
    expect(attr({ value: { case: "s", value: new TextEncoder().encode("SAME") } })).toBe('"SAME"');
    expect(attr({ value: { case: "i", value: 3n } })).toBe("3");
    expect(
      attr({
        value: { case: "shape", value: create(TensorShapeProtoSchema, { unknownRank: true }) },
      }),
    ).toBe("<unknown>");
    expect(
      attr({
        value: { case: "list", value: create(AttrValue_ListValueSchema, { i: [1n, 2n, 2n, 1n] }) },
      }),
    ).toBe("[1, 2, 2, 1]");
    const long = attr({ value: { case: "s", value: new Uint8Array(1000).fill(97) } });
    expect(long.length).toBeLessThanOrEqual(201);
  });
});

describe("path checks", () => {
  test("isEscape refuses .. segments, absolute paths and NULs", () => {
    for (const s of ["..", "../x", "a/../../b", "/etc", "\\x", "C:\\x", "a\0b", "a\\..\\b"])
      expect(isEscape(s), s).toBe(true);
    for (const s of ["", ".", "train", "a/b", "a..b", "..a"]) expect(isEscape(s), s).toBe(false);
  });
  test("isInside compares whole path segments", () => {
    expect(isInside("/logs", "/logs")).toBe(true);
    expect(isInside("/logs", "/logs/run")).toBe(true);
    expect(isInside("/logs", "/logs2/run")).toBe(false);
    expect(isInside("/", "/anything")).toBe(true);
  });
});
