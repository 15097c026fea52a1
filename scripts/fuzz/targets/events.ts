// Event file bytes → a file in /dev/shm → every Event read by readEventFile (TFRecord framing,
// then each record decoded as a tensorflow.Event). Records are mutated as Event messages.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { EventSchema, encodeProto } from "../../../src/io/proto/index.js";
import { frameRecord } from "../../../src/io/tfrecord.js";
import { readEventFile } from "../../../src/summary/event_file.js";
import { concat } from "../mutate.js";
import { defineTarget } from "../target.js";
import { mutateFramed } from "./framing.js";
import { fixtures, scratch } from "./seeds.js";

let dir = "";
const file = () => join(dir || (dir = scratch("events")), "events.out.tfevents.1.fuzz");

export function readAllEvents(data: Uint8Array): number {
  writeFileSync(file(), data);
  let n = 0;
  for (const _ of readEventFile(file())) n++;
  return n;
}

function ours(): Uint8Array {
  const events = [
    create(EventSchema, { wallTime: 1, what: { case: "fileVersion", value: "brain.Event:2" } }),
    create(EventSchema, {
      wallTime: 2,
      step: 3n,
      what: {
        case: "summary",
        value: { value: [{ tag: "loss", value: { case: "simpleValue", value: 0.5 } }] },
      },
    }),
  ];
  return concat(...events.map((e) => frameRecord(encodeProto(EventSchema, e))));
}

export default defineTarget({
  name: "events",
  maxLen: 8192,
  seeds: () => [...fixtures(/tfevents/), ours()],
  mutate: (data, rng) => mutateFramed(data, rng, EventSchema),
  run(data) {
    readAllEvents(data);
  },
});
