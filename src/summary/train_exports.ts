// What the summaries family adds to tf.train.
import type { Event } from "../io/proto/index.js";
import { readEventFile } from "./event_file.js";

/**
 * TF's tf.train.summary_iterator: every Event of an event file, in order. A truncated or
 * corrupt record is a DataLossError naming the file and byte offset, thrown after the valid
 * events were yielded.
 */
export function summaryIterator(path: string): Generator<Event> {
  return readEventFile(path);
}
