/// <reference lib="dom" />
/** What the page's panels share: the runs, which are selected, the settings, and the debug hooks. */
import type uPlot from "uplot";
import type { FileProblem, Plugin, RunInfo } from "../api_types.js";
import { RUN_COLORS } from "./dom.js";

export type XAxis = "step" | "relative" | "wall";
export type Tab = Plugin | "graphs" | "trace";

export interface BoardState {
  runs: RunInfo[];
  selected: Set<string>;
  smoothing: number;
  xAxis: XAxis;
  /** Scalar charts' y axis on a log scale. */
  logY: boolean;
  problems: FileProblem[];
  generation: number;
  /** Only tags this matches are shown (TensorBoard's "Filter tags (regex)"). */
  tagFilter?: RegExp;
}

/** A run's tags of one kind that pass the tag filter. */
export function shownTags(state: BoardState, run: RunInfo, plugin: Plugin): string[] {
  const re = state.tagFilter;
  return re ? run.tags[plugin].filter((t) => re.test(t)) : run.tags[plugin];
}

export function runColor(state: BoardState, run: string): string {
  const i = state.runs.findIndex((r) => r.name === run);
  return RUN_COLORS[Math.max(i, 0) % RUN_COLORS.length];
}

/** The selected runs, in the run list's order. */
export const selectedRuns = (state: BoardState) =>
  state.runs.filter((r) => state.selected.has(r.name));

/** A panel of the page: built once, told to update when the data or the settings change. */
export interface Panel {
  /** Controls shown in the sidebar under the runs. */
  readonly controls?: HTMLElement;
  readonly el: HTMLElement;
  /** `dataChanged`: new events were read (false: only a setting or the selection changed). */
  update(state: BoardState, dataChanged: boolean): Promise<void>;
}

/** What tests read from the page: the charts (uPlot instances by tag) and the last error. */
export interface BoardDebug {
  charts: Record<string, uPlot>;
  /** Set while the page is updating; tests wait for it to drop. */
  busy: boolean;
  generation: number;
}

declare global {
  interface Window {
    tgBoard: BoardDebug;
  }
}

window.tgBoard = { charts: {}, busy: false, generation: -1 };
