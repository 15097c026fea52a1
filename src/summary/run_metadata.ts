// RunMetadata between its two forms: the plain objects Session.run fills (runtime's RunStats)
// and TF's RunMetadata / StepStats protos that event files and TensorBoard hold.
import { create, isMessage } from "@bufbuild/protobuf";
import { type DType, isDType } from "../framework/dtypes.js";
import { TensorShape } from "../framework/tensor_shape.js";
import {
  type RunMetadata as RunMetadataProto,
  RunMetadataSchema,
  type StepStats as StepStatsProto,
  StepStatsSchema,
} from "../io/proto/index.js";
import { dataTypeEnum, dataTypeName, shapeToProto } from "../io/tensor_proto.js";
import type { DeviceStepStats, NodeExecStats } from "../runtime/plan_support.js";
import type { RunMetadata } from "../runtime/session.js";

/** What a Timeline or an event file takes: the per-device node stats of one step. */
export interface StepStatsLike {
  devStats: readonly DeviceStepStats[];
}

/**
 * StepStats as TF's proto. Each node's backend goes in its one AllocatorMemoryUsed entry
 * (allocator_name: each backend allocates its kernels' outputs), with the bytes it output.
 */
export function stepStatsToProto(stats: StepStatsLike): StepStatsProto {
  return create(StepStatsSchema, {
    devStats: stats.devStats.map((d) => ({
      device: d.device,
      nodeStats: d.nodeStats.map((n) => {
        const total = n.output.reduce((s, o) => s + o.requestedBytes, 0);
        return {
          nodeName: n.nodeName,
          allStartMicros: BigInt(Math.round(n.allStartMicros)),
          opStartRelMicros: BigInt(Math.round(n.opStartRelMicros)),
          opEndRelMicros: BigInt(Math.round(n.opEndRelMicros)),
          allEndRelMicros: BigInt(Math.round(n.allEndRelMicros)),
          timelineLabel: n.timelineLabel,
          memory: [
            { allocatorName: n.backend, totalBytes: BigInt(total), peakBytes: BigInt(total) },
          ],
          output: n.output.map((o) => ({
            slot: o.slot,
            tensorDescription: {
              dtype: dataTypeEnum(o.dtype) ?? 0,
              shape: shapeToProto(new TensorShape(o.shape)),
              allocationDescription: {
                requestedBytes: BigInt(o.requestedBytes),
                allocatedBytes: BigInt(o.requestedBytes),
                allocatorName: n.backend,
              },
            },
          })),
        };
      }),
    })),
  });
}

/** The op type in a timeline label "name = Op(inputs)", else "". */
function opTypeOfLabel(label: string): string {
  const m = /^[^=]*= *([^(]+)\(/.exec(label);
  return m ? m[1].trim() : "";
}

/** A StepStats proto (e.g. read from an event file) as the plain form. */
export function stepStatsFromProto(p: StepStatsProto): StepStatsLike {
  return {
    devStats: p.devStats.map((d) => ({
      device: d.device,
      nodeStats: d.nodeStats.map(
        (n): NodeExecStats => ({
          nodeName: n.nodeName,
          opType: opTypeOfLabel(n.timelineLabel),
          backend: n.memory[0]?.allocatorName ?? "",
          allStartMicros: Number(n.allStartMicros),
          opStartRelMicros: Number(n.opStartRelMicros),
          opEndRelMicros: Number(n.opEndRelMicros),
          allEndRelMicros: Number(n.allEndRelMicros),
          timelineLabel: n.timelineLabel,
          output: n.output.map((o) => {
            const name = dataTypeName(o.tensorDescription?.dtype ?? 0);
            return {
              slot: o.slot,
              dtype: (isDType(name) ? name : "float32") as DType,
              shape: (o.tensorDescription?.shape?.dim ?? []).map((x) => Number(x.size)),
              requestedBytes: Number(
                o.tensorDescription?.allocationDescription?.requestedBytes ?? 0n,
              ),
            };
          }),
        }),
      ),
    })),
  };
}

/** Session.run's RunMetadata (or an already-built proto) as TF's RunMetadata proto. */
export function runMetadataToProto(md: RunMetadata | RunMetadataProto): RunMetadataProto {
  if (isMessage(md, RunMetadataSchema)) return md;
  const m = md as RunMetadata;
  return create(RunMetadataSchema, {
    stepStats: m.stepStats ? stepStatsToProto(m.stepStats) : undefined,
  });
}
