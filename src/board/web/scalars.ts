/// <reference lib="dom" />
/**
 * The scalars dashboard: one uPlot chart per tag, a smoothed line and a faded raw line per
 * selected run, x as step, relative time or wall time, and a tooltip at the cursor listing each
 * run's value (smoothed and raw), step and time. Drag to zoom, double-click to reset.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ScalarPoint, SeriesResponse } from "../api_types.js";
import { getJson } from "./api.js";
import { fmt, fmtDuration, h } from "./dom.js";
import { smooth } from "./smoothing.js";
import {
  type BoardState,
  type Panel,
  runColor,
  selectedRuns,
  shownTags,
  type XAxis,
} from "./state.js";

interface RunSeries {
  run: string;
  color: string;
  points: ScalarPoint[];
}

/** One run's x for a point under the chosen axis. */
function xOf(axis: XAxis, p: ScalarPoint, first: ScalarPoint): number {
  if (axis === "step") return p.step;
  if (axis === "wall") return p.wallTime;
  return p.wallTime - first.wallTime;
}

/** uPlot wants one x array shared by all series: the union of the runs' x, with gaps as null. */
export function alignSeries(
  runs: RunSeries[],
  axis: XAxis,
  smoothing: number,
): { data: uPlot.AlignedData; rows: Map<number, ScalarPoint>[] } {
  const xs = new Set<number>();
  const byRun = runs.map((r) => {
    const m = new Map<number, ScalarPoint>();
    for (const p of r.points) m.set(xOf(axis, p, r.points[0]), p);
    for (const x of m.keys()) xs.add(x);
    return m;
  });
  const x = [...xs].sort((a, b) => a - b);
  const data: (number | null)[][] = [];
  runs.forEach((_, i) => {
    const m = byRun[i];
    const keys = [...m.keys()].sort((a, b) => a - b);
    const sm = smooth(
      keys.map((k) => m.get(k)!.value),
      smoothing,
    );
    const smoothAt = new Map(keys.map((k, j) => [k, sm[j]]));
    data.push(x.map((v) => smoothAt.get(v) ?? null));
    data.push(x.map((v) => m.get(v)?.value ?? null));
  });
  return { data: [x, ...data] as uPlot.AlignedData, rows: byRun };
}

class ScalarChart {
  readonly el: HTMLElement;
  private chart: uPlot | undefined;
  private readonly tooltip = h("div", { class: "tooltip" });
  private readonly body = h("div");
  private key = "";
  private runs: RunSeries[] = [];
  private rows: Map<number, ScalarPoint>[] = [];

  constructor(readonly tag: string) {
    this.el = h("div", { class: "card scalar-card", "data-tag": tag }, h("h4", { text: tag }));
    this.el.append(this.body, this.tooltip);
  }

  render(runs: RunSeries[], axis: XAxis, smoothing: number, logY: boolean): void {
    const { data, rows } = alignSeries(runs, axis, smoothing);
    this.runs = runs;
    this.rows = rows;
    const key = `${axis}|${logY}|${runs.map((r) => `${r.run}:${r.color}`).join(",")}`;
    if (this.chart && key === this.key) {
      this.chart.setData(data);
    } else {
      this.chart?.destroy();
      this.key = key;
      this.chart = new uPlot(this.options(runs, axis, logY), data, this.body);
    }
    window.tgBoard.charts[this.tag] = this.chart;
  }

  private options(runs: RunSeries[], axis: XAxis, logY: boolean): uPlot.Options {
    const series: uPlot.Series[] = [{ label: axis }];
    for (const r of runs) {
      series.push({
        label: r.run,
        stroke: r.color,
        width: 2,
        spanGaps: true,
        points: { show: false },
      });
      series.push({
        label: `${r.run} (raw)`,
        stroke: `${r.color}55`,
        width: 1,
        spanGaps: true,
        points: { show: false },
      });
    }
    const xValues =
      axis === "relative"
        ? (_: uPlot, splits: number[]) => splits.map(fmtDuration)
        : axis === "step"
          ? (_: uPlot, splits: number[]) => splits.map(fmt)
          : undefined;
    return {
      width: Math.max(300, this.el.clientWidth - 24 || 420),
      height: 220,
      legend: { show: false },
      // A log scale needs positive values: uPlot leaves out the others.
      scales: { x: { time: axis === "wall" }, y: logY ? { distr: 3 } : {} },
      cursor: { drag: { x: true, y: false } },
      series,
      axes: [
        { ...(xValues ? { values: xValues } : {}), size: 40 },
        { values: (_: uPlot, splits: number[]) => splits.map(fmt), size: 60 },
      ],
      hooks: { setCursor: [(u) => this.showTooltip(u)] },
    };
  }

  private showTooltip(u: uPlot): void {
    const idx = u.cursor.idx;
    const left = u.cursor.left ?? -1;
    if (idx === null || idx === undefined || left < 0) {
      this.tooltip.style.display = "none";
      return;
    }
    const x = u.data[0][idx];
    const head = ["", "Run", "Smoothed", "Value", "Step", "Time", "Relative"];
    const table = h("table", {}, h("tr", {}, ...head.map((t) => h("td", { text: t }))));
    this.runs.forEach((r, i) => {
      const p = this.rows[i].get(x);
      const smoothed = u.data[1 + 2 * i][idx];
      if (!p || smoothed === null || smoothed === undefined) return;
      table.append(
        h(
          "tr",
          {},
          h(
            "td",
            {},
            h("span", { class: "swatch", style: `display:inline-block;background:${r.color}` }),
          ),
          h("td", { text: r.run }),
          h("td", { text: fmt(smoothed) }),
          h("td", { text: fmt(p.value) }),
          h("td", { text: String(p.step) }),
          h("td", { text: new Date(p.wallTime * 1000).toLocaleTimeString() }),
          h("td", { text: fmtDuration(p.wallTime - r.points[0].wallTime) }),
        ),
      );
    });
    if (table.childElementCount < 2) {
      this.tooltip.style.display = "none";
      return;
    }
    this.tooltip.replaceChildren(table);
    this.tooltip.style.display = "block";
    const over = u.over.getBoundingClientRect();
    const card = this.el.getBoundingClientRect();
    const cx = over.left - card.left + left;
    const width = this.tooltip.offsetWidth;
    // Right of the cursor where it fits in the card, else left of it.
    const x0 = cx + 12 + width <= card.width ? cx + 12 : Math.max(0, cx - 12 - width);
    this.tooltip.style.left = `${x0}px`;
    this.tooltip.style.top = `${over.top - card.top + (u.cursor.top ?? 0) + 12}px`;
  }

  resize(): void {
    if (this.chart)
      this.chart.setSize({ width: Math.max(300, this.el.clientWidth - 24), height: 220 });
  }

  destroy(): void {
    this.chart?.destroy();
    delete window.tgBoard.charts[this.tag];
  }
}

export class ScalarsPanel implements Panel {
  readonly el = h("div", { class: "grid" });
  readonly controls: HTMLElement;
  private readonly charts = new Map<string, ScalarChart>();
  private readonly cache = new Map<string, ScalarPoint[]>();

  constructor(
    onSetting: (s: { smoothing?: number; xAxis?: XAxis; logY?: boolean }) => void,
    initial: BoardState,
  ) {
    const value = h("span", { text: String(initial.smoothing) });
    const slider = h("input", {
      type: "range",
      id: "smoothing",
      min: 0,
      max: 0.999,
      step: 0.001,
      value: initial.smoothing,
    });
    slider.addEventListener("input", () => {
      value.textContent = slider.value;
      onSetting({ smoothing: Number(slider.value) });
    });
    const logBox = h("input", { type: "checkbox", id: "log-y" });
    logBox.checked = initial.logY;
    logBox.addEventListener("change", () => onSetting({ logY: logBox.checked }));
    const axisRadio = (axis: XAxis, label: string) => {
      const input = h("input", { type: "radio", name: "xaxis", value: axis });
      input.checked = initial.xAxis === axis;
      input.addEventListener("change", () => onSetting({ xAxis: axis }));
      return h("label", {}, input, label);
    };
    this.controls = h(
      "div",
      {},
      h("h3", { text: "Smoothing" }),
      h("div", { class: "slider-row" }, slider, value),
      h("h3", { text: "Horizontal axis" }),
      axisRadio("step", "Step"),
      axisRadio("relative", "Relative"),
      axisRadio("wall", "Wall"),
      h("h3", { text: "Vertical axis" }),
      h("label", {}, logBox, "Log scale"),
    );
    window.addEventListener("resize", () => {
      for (const c of this.charts.values()) c.resize();
    });
  }

  async update(state: BoardState, dataChanged: boolean): Promise<void> {
    const runs = selectedRuns(state);
    if (dataChanged) this.cache.clear();
    const tags = [...new Set(runs.flatMap((r) => shownTags(state, r, "scalars")))].sort();
    const fetches = runs.flatMap((r) =>
      shownTags(state, r, "scalars").map(async (tag) => {
        const key = `${r.name}\u0000${tag}`;
        if (!this.cache.has(key)) {
          const res = await getJson<SeriesResponse<ScalarPoint>>("/data/scalars", {
            run: r.name,
            tag,
          });
          this.cache.set(key, res.entries);
        }
      }),
    );
    await Promise.all(fetches);
    for (const [tag, chart] of this.charts) {
      if (!tags.includes(tag)) {
        chart.destroy();
        chart.el.remove();
        this.charts.delete(tag);
      }
    }
    if (tags.length === 0) {
      this.el.replaceChildren(
        h("div", { class: "empty-note", text: "No scalar data for the selected runs." }),
      );
      return;
    }
    this.el.querySelector(".empty-note")?.remove();
    for (const tag of tags) {
      let chart = this.charts.get(tag);
      if (!chart) {
        chart = new ScalarChart(tag);
        this.charts.set(tag, chart);
      }
      this.el.append(chart.el); // keeps the tags in order
      const series = runs
        .filter((r) => r.tags.scalars.includes(tag))
        .map((r) => ({
          run: r.name,
          color: runColor(state, r.name),
          points: this.cache.get(`${r.name}\u0000${tag}`) ?? [],
        }));
      chart.render(series, state.xAxis, state.smoothing, state.logY);
    }
  }
}
