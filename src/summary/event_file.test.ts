import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DataLossError, NotFoundError } from "../framework/errors.js";
import * as tf from "../index.js";
import { type Event, EventSchema } from "../io/proto/index.js";
import { eventFileName, FILE_VERSION, RecordAppender, readEventFile } from "./event_file.js";

const GO_FILE =
  "../shared/tf-artifacts/tfevents-go-tensorboard-scalar-v2/events.out.tfevents.1585499054.host.v2";

const tmp = () => mkdtempSync(join(tmpdir(), "tg-events-"));

describe("readEventFile", () => {
  it("reads the Go TensorBoard writer's file: file_version, then my_metric = 0.5*step", () => {
    const events = [...readEventFile(GO_FILE)];
    // The artifact's README: first record file_version "brain.Event:2", then steps 0..99.
    expect(events.length).toBe(101);
    expect(events[0].what).toEqual({ case: "fileVersion", value: "brain.Event:2" });
    for (let step = 0; step < 100; step++) {
      const e = events[step + 1];
      expect(Number(e.step)).toBe(step);
      expect(e.what.case).toBe("summary");
      const v = e.what.case === "summary" ? e.what.value.value[0] : undefined;
      expect(v?.tag).toBe("my_metric");
      expect(v?.metadata?.pluginData?.pluginName).toBe("scalars");
      const t = v?.value.case === "tensor" ? v.value.value : undefined;
      const f = new DataView(t!.tensorContent.buffer, t!.tensorContent.byteOffset).getFloat32(
        0,
        true,
      );
      expect(f).toBe(0.5 * step);
    }
  });

  it("is what tf.train.summaryIterator reads", () => {
    const steps = [...tf.train.summaryIterator(GO_FILE)].map((e) => Number(e.step));
    expect(steps).toEqual([0, ...Array.from({ length: 100 }, (_, i) => i)]);
  });

  it("yields the whole records of a truncated file, then DataLossError naming file and offset", () => {
    const bytes = readFileSync(GO_FILE);
    const path = join(tmp(), "events.out.tfevents.1.cut");
    // Record starts from the length fields (u64 length, 4-byte crc, data, 4-byte crc).
    const starts = [0];
    for (let i = 0; i < 4; i++) starts.push(starts[i] + 16 + bytes.readUInt32LE(starts[i]));
    const cut = starts[4] - 10; // the fourth record loses its tail
    writeFileSync(path, bytes.subarray(0, cut));
    const seen: Event[] = [];
    let err: unknown;
    try {
      for (const e of readEventFile(path)) seen.push(e);
    } catch (e) {
      err = e;
    }
    expect(seen.length).toBe(3);
    expect(err).toBeInstanceOf(DataLossError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain(`offset ${starts[3]}`);
  });

  it("a record that is not an Event is DataLossError at its offset", async () => {
    const path = join(tmp(), "bad");
    const w = new RecordAppender(path);
    w.append([toBinary(EventSchema, create(EventSchema, { step: 1n }))]);
    w.append([new Uint8Array([0xff, 0xff, 0xff])]);
    await w.close();
    const it = readEventFile(path);
    expect(Number(it.next().value?.step)).toBe(1);
    // The first record is 16 bytes of framing around a 2-byte Event (field 2 = 1).
    expect(() => it.next()).toThrow(/bad: record at offset 18 is not an Event/);
  });

  it("a missing file is NotFoundError", () => {
    expect(() => [...readEventFile(join(tmp(), "nope"))]).toThrow(NotFoundError);
  });
});

describe("RecordAppender", () => {
  it("appends in order across batches and reopens in append mode", async () => {
    const path = join(tmp(), "events");
    const ev = (step: number) =>
      toBinary(EventSchema, create(EventSchema, { step: BigInt(step), wallTime: step / 2 }));
    const a = new RecordAppender(path);
    a.append([ev(0), ev(1)]);
    a.append([ev(2)]);
    await a.drain();
    await a.close();
    const b = new RecordAppender(path);
    b.append([ev(3)]);
    await b.close();
    expect([...readEventFile(path)].map((e) => Number(e.step))).toEqual([0, 1, 2, 3]);
  });

  it("a write error surfaces through drain and close", async () => {
    const a = new RecordAppender(join(tmp(), "no-such-dir", "events"));
    a.append([new Uint8Array([1])]);
    await expect(a.drain()).rejects.toThrow(/ENOENT/);
    await expect(a.close()).rejects.toThrow(/ENOENT/);
  });
});

describe("eventFileName", () => {
  it("is events.out.tfevents.<10-digit secs>.<host><suffix>", () => {
    expect(eventFileName("logs", ".v2", 42)).toMatch(
      /^logs\/events\.out\.tfevents\.0000000042\.[^/]+\.v2$/,
    );
    expect(FILE_VERSION).toBe("brain.Event:2");
  });
});
