/// <reference lib="dom" />
/**
 * The histograms dashboard: per run and tag, TensorBoard's "offset" view: one density curve per
 * step, older steps further back (up), on a common x range; hovering shows the nearest step.
 */
import type { HistogramStep, SeriesResponse } from "../api_types.js";
import { getJson } from "./api.js";
import { fmt, h } from "./dom.js";
import { rebin } from "./hist_bins.js";
import { type BoardState, type Panel, runColor, selectedRuns, shownTags } from "./state.js";

const BINS = 30;
const W = 460;
const H = 260;
const PAD = { left: 10, right: 56, top: 10, bottom: 24 };

function draw(
  canvas: HTMLCanvasElement,
  entries: HistogramStep[],
  color: string,
  hover: number,
): void {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = W * dpr;
  canvas.height = H * dpr;
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  const ctx = canvas.getContext("2d");
  if (!ctx || entries.length === 0) return;
  ctx.scale(dpr, dpr);
  let lo = Math.min(...entries.map((e) => e.min));
  let hi = Math.max(...entries.map((e) => e.max));
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const bins = entries.map((e) => rebin(e.buckets, lo, hi, BINS));
  const peak = Math.max(1e-12, ...bins.flat());
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const ridge = plotH * 0.45; // height of one curve at its peak
  const n = entries.length;
  const baseY = (k: number) =>
    PAD.top + ridge + (n > 1 ? (k / (n - 1)) * (plotH - ridge) : plotH - ridge);
  const xAt = (b: number) => PAD.left + ((b + 0.5) / BINS) * plotW;
  for (let k = 0; k < n; k++) {
    const y0 = baseY(k);
    ctx.beginPath();
    ctx.moveTo(PAD.left, y0);
    for (let b = 0; b < BINS; b++) ctx.lineTo(xAt(b), y0 - (bins[k][b] / peak) * ridge);
    ctx.lineTo(PAD.left + plotW, y0);
    ctx.closePath();
    ctx.globalAlpha = 1;
    ctx.fillStyle = "#fff";
    ctx.fill();
    ctx.globalAlpha = k === hover ? 1 : 0.25 + (0.75 * (k + 1)) / n;
    ctx.strokeStyle = k === hover ? "#000" : color;
    ctx.lineWidth = k === hover ? 2 : 1;
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  ctx.fillStyle = "#757575";
  ctx.font = "11px sans-serif";
  for (let t = 0; t <= 4; t++) {
    ctx.textAlign = t === 0 ? "left" : t === 4 ? "right" : "center";
    ctx.fillText(fmt(lo + ((hi - lo) * t) / 4), PAD.left + (plotW * t) / 4, H - 6);
  }
  ctx.textAlign = "left";
  for (const k of new Set([0, Math.floor((n - 1) / 2), n - 1]))
    ctx.fillText(String(entries[k].step), PAD.left + plotW + 6, baseY(k));
}

class HistogramCard {
  readonly el: HTMLElement;
  private readonly canvas = h("canvas");
  private readonly caption = h("div", { class: "run" });
  private entries: HistogramStep[] = [];
  private color = "#000";

  constructor(
    run: string,
    readonly tag: string,
  ) {
    this.el = h(
      "div",
      { class: "card histogram-card", "data-run": run, "data-tag": tag },
      h("h4", { text: tag }),
      h("div", { class: "run", text: run }),
      this.canvas,
      this.caption,
    );
    this.canvas.addEventListener("mousemove", (ev) => this.hover(ev));
    this.canvas.addEventListener("mouseleave", () => this.render(this.entries, this.color));
  }

  render(entries: HistogramStep[], color: string, hover = -1): void {
    this.entries = entries;
    this.color = color;
    this.canvas.dataset.steps = entries.map((e) => e.step).join(",");
    draw(this.canvas, entries, color, hover);
    const last = entries[entries.length - 1];
    if (hover < 0 && last)
      this.caption.textContent = `${entries.length} steps, latest ${last.step}`;
  }

  private hover(ev: MouseEvent): void {
    const n = this.entries.length;
    if (n === 0) return;
    const r = this.canvas.getBoundingClientRect();
    const y = ev.clientY - r.top;
    const plotH = H - PAD.top - PAD.bottom;
    const ridge = plotH * 0.45;
    const k = n > 1 ? Math.round(((y - PAD.top - ridge) / (plotH - ridge)) * (n - 1)) : 0;
    const i = Math.min(n - 1, Math.max(0, k));
    const e = this.entries[i];
    this.render(this.entries, this.color, i);
    this.caption.textContent = `step ${e.step}: ${e.num} values, min ${fmt(e.min)}, max ${fmt(e.max)}, mean ${fmt(e.num ? e.sum / e.num : 0)}`;
  }
}

export class HistogramsPanel implements Panel {
  readonly el = h("div", { class: "grid" });
  private readonly cards = new Map<string, HistogramCard>();

  async update(state: BoardState, dataChanged: boolean): Promise<void> {
    const pairs = selectedRuns(state).flatMap((r) =>
      shownTags(state, r, "histograms").map((tag) => ({ run: r.name, tag })),
    );
    pairs.sort((a, b) =>
      a.tag === b.tag ? a.run.localeCompare(b.run) : a.tag.localeCompare(b.tag),
    );
    const keys = new Set(pairs.map((p) => `${p.run}\u0000${p.tag}`));
    for (const [k, c] of this.cards) {
      if (keys.has(k)) continue;
      c.el.remove();
      this.cards.delete(k);
    }
    if (pairs.length === 0) {
      this.el.replaceChildren(
        h("div", { class: "empty-note", text: "No histogram data for the selected runs." }),
      );
      return;
    }
    this.el.querySelector(".empty-note")?.remove();
    await Promise.all(
      pairs.map(async ({ run, tag }) => {
        const key = `${run}\u0000${tag}`;
        let card = this.cards.get(key);
        const isNew = !card;
        if (!card) {
          card = new HistogramCard(run, tag);
          this.cards.set(key, card);
        }
        if (isNew || dataChanged) {
          const res = await getJson<SeriesResponse<HistogramStep>>("/data/histograms", {
            run,
            tag,
          });
          card.render(res.entries, runColor(state, run));
        }
      }),
    );
    for (const p of pairs) this.el.append(this.cards.get(`${p.run}\u0000${p.tag}`)!.el);
  }
}
