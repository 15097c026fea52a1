/// <reference lib="dom" />
/**
 * The images and audio dashboards: per run and tag, the latest image (or clip) with a slider over
 * the steps that have one, as TensorBoard's.
 */
import type { BlobEntry, SeriesResponse } from "../api_types.js";
import { blobUrl, getJson } from "./api.js";
import { h } from "./dom.js";
import { type BoardState, type Panel, selectedRuns, shownTags } from "./state.js";

type Kind = "images" | "audio";

/** Images smaller than this (CSS pixels, longer side) are scaled up. */
const MIN_SIDE = 160;

class MediaCard {
  readonly el: HTMLElement;
  private readonly slider = h("input", { type: "range", min: 0, max: 0, step: 1, value: 0 });
  private readonly label = h("span", { class: "run" });
  private readonly media: HTMLImageElement | HTMLAudioElement;
  private entries: BlobEntry[] = [];

  constructor(
    readonly kind: Kind,
    readonly run: string,
    readonly tag: string,
  ) {
    this.media = kind === "images" ? h("img", { alt: tag }) : h("audio", { controls: true });
    this.el = h(
      "div",
      {
        class: `card ${kind === "images" ? "image-card" : "audio-card"}`,
        "data-run": run,
        "data-tag": tag,
      },
      h("h4", { text: tag }),
      h("div", { class: "run", text: run }),
      this.media,
      h("div", { class: "slider-row" }, this.label, this.slider),
    );
    this.slider.addEventListener("input", () => this.show(Number(this.slider.value)));
    const media = this.media;
    if (media instanceof HTMLImageElement) {
      // Small images (28×28 digits) are shown larger, by a whole factor, pixels kept sharp.
      media.addEventListener("load", () => {
        const side = Math.max(media.naturalWidth, media.naturalHeight, 1);
        const scale = Math.max(1, Math.min(8, Math.floor(MIN_SIDE / side)));
        media.style.width = `${media.naturalWidth * scale}px`;
      });
    }
  }

  setEntries(entries: BlobEntry[]): void {
    const atEnd = Number(this.slider.value) >= this.entries.length - 1;
    this.entries = entries;
    this.slider.max = String(Math.max(0, entries.length - 1));
    this.slider.disabled = entries.length < 2;
    // Stay on the step the user picked; follow new steps when on the latest.
    const i = atEnd ? entries.length - 1 : Math.min(Number(this.slider.value), entries.length - 1);
    this.slider.value = String(i);
    this.show(i);
  }

  private show(i: number): void {
    const e = this.entries[i];
    if (!e) return;
    const src = blobUrl(this.run, this.tag, e.index);
    if (this.media.getAttribute("src") !== src) this.media.src = src;
    this.media.dataset.step = String(e.step);
    const size = e.width
      ? ` (${e.width}×${e.height})`
      : e.sampleRate
        ? ` (${e.sampleRate} Hz)`
        : "";
    this.label.textContent = `step ${e.step}${size}`;
  }
}

export class MediaPanel implements Panel {
  readonly el = h("div", { class: "grid" });
  private readonly cards = new Map<string, MediaCard>();

  constructor(readonly kind: Kind) {}

  async update(state: BoardState, dataChanged: boolean): Promise<void> {
    const pairs = selectedRuns(state).flatMap((r) =>
      shownTags(state, r, this.kind).map((tag) => ({ run: r.name, tag })),
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
      const what = this.kind === "images" ? "image" : "audio";
      this.el.replaceChildren(
        h("div", { class: "empty-note", text: `No ${what} data for the selected runs.` }),
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
          card = new MediaCard(this.kind, run, tag);
          this.cards.set(key, card);
        }
        if (isNew || dataChanged) {
          const res = await getJson<SeriesResponse<BlobEntry>>(`/data/${this.kind}`, { run, tag });
          card.setEntries(res.entries);
        }
      }),
    );
    for (const p of pairs) this.el.append(this.cards.get(`${p.run}\u0000${p.tag}`)!.el);
  }
}
