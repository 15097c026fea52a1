/**
 * A tagged RunMetadata's StepStats as the trace view draws it: per device, each node's start and
 * end (microseconds from the step's first start), its label and its outputs.
 */
import { DataType, decodeProto, RunMetadataSchema } from "../io/proto/index.js";
import type { TraceResponse } from "./api_types.js";
import { shapeText } from "./graph_json.js";

const typeName = (t: DataType) => (DataType[t] ?? String(t)).replace(/^DT_/, "").toLowerCase();

/** The timeline of a serialized RunMetadata (tag and step name where it came from). */
export function traceOf(bytes: Uint8Array, run: string, tag: string, step: number): TraceResponse {
  const md = decodeProto(RunMetadataSchema, bytes, `RunMetadata "${tag}" of run ${run}`);
  const devs = md.stepStats?.devStats ?? [];
  let t0 = Number.POSITIVE_INFINITY;
  for (const d of devs) for (const n of d.nodeStats) t0 = Math.min(t0, Number(n.allStartMicros));
  return {
    run,
    tag,
    step,
    devices: devs.map((d) => ({
      device: d.device,
      nodes: d.nodeStats.map((n) => {
        const start = Number(n.allStartMicros) - t0;
        // TF's timeline uses op_end_rel when set, all_end_rel otherwise.
        const rel = Number(n.opEndRelMicros || n.allEndRelMicros);
        const outputs = n.output.map((o) => {
          const td = o.tensorDescription;
          const bytes = td?.allocationDescription?.requestedBytes;
          return `${td ? `${typeName(td.dtype)}${shapeText(td.shape)}` : "?"}${bytes !== undefined ? ` ${bytes} B` : ""}`;
        });
        const label = n.timelineLabel || n.nodeName;
        const op = /= ([^(]+)\(/.exec(n.timelineLabel)?.[1] ?? "";
        return {
          name: n.nodeName,
          op,
          start,
          end: start + Math.max(0, rel),
          label,
          outputs,
          thread: n.threadId,
        };
      }),
    })),
  };
}
