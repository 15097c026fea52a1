/// <reference lib="dom" />
/** The text dashboard: per run and tag, each step's text (newest first), shown as plain text. */
import type { SeriesResponse, TextEntry } from "../api_types.js";
import { getJson } from "./api.js";
import { h } from "./dom.js";
import { type BoardState, type Panel, selectedRuns, shownTags } from "./state.js";

export class TextPanel implements Panel {
  readonly el = h("div", { class: "grid" });

  async update(state: BoardState): Promise<void> {
    const pairs = selectedRuns(state).flatMap((r) =>
      shownTags(state, r, "text").map((tag) => ({ run: r.name, tag })),
    );
    pairs.sort((a, b) =>
      a.tag === b.tag ? a.run.localeCompare(b.run) : a.tag.localeCompare(b.tag),
    );
    if (pairs.length === 0) {
      this.el.replaceChildren(
        h("div", { class: "empty-note", text: "No text data for the selected runs." }),
      );
      return;
    }
    const cards = await Promise.all(
      pairs.map(async ({ run, tag }) => {
        const res = await getJson<SeriesResponse<TextEntry>>("/data/text", { run, tag });
        const table = h("table", { class: "text-table" });
        for (const e of [...res.entries].reverse())
          table.append(
            h(
              "tr",
              { "data-step": e.step },
              h("td", { text: `step ${e.step}` }),
              h("td", {}, h("pre", { text: e.text })),
            ),
          );
        return h(
          "div",
          { class: "card text-card", "data-run": run, "data-tag": tag },
          h("h4", { text: tag }),
          h("div", { class: "run", text: run }),
          table,
        );
      }),
    );
    this.el.replaceChildren(...cards);
  }
}
