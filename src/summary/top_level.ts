// What the summaries family adds at the top level of tf.
export { parseOpLabel, Timeline, type TraceEvent } from "./timeline.js";
