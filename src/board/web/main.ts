/// <reference lib="dom" />
/**
 * The board's page: a header with the dashboards, a sidebar with the runs (and the dashboard's
 * settings), and the dashboard. It polls /data/runs; when the board has read new events (its
 * generation went up) the open dashboard fetches again, so new points appear without a reload.
 * `?poll=<ms>` sets the polling interval (2000).
 */
import type { RunInfo, RunsResponse } from "../api_types.js";
import { getJson } from "./api.js";
import { h } from "./dom.js";
import { GraphPanel } from "./graph.js";
import { HistogramsPanel } from "./histograms.js";
import { MediaPanel } from "./media.js";
import { ScalarsPanel } from "./scalars.js";
import { type BoardState, type Panel, runColor, type Tab } from "./state.js";
import { TextPanel } from "./text.js";
import { TracePanel } from "./trace.js";

const TABS: { id: Tab; label: string; has: (r: RunInfo) => boolean }[] = [
  { id: "scalars", label: "Scalars", has: (r) => r.tags.scalars.length > 0 },
  { id: "images", label: "Images", has: (r) => r.tags.images.length > 0 },
  { id: "audio", label: "Audio", has: (r) => r.tags.audio.length > 0 },
  { id: "graphs", label: "Graphs", has: (r) => r.graph },
  { id: "histograms", label: "Histograms", has: (r) => r.tags.histograms.length > 0 },
  { id: "text", label: "Text", has: (r) => r.tags.text.length > 0 },
  { id: "trace", label: "Trace", has: (r) => r.tags.runMetadata.length > 0 },
];

const params = new URLSearchParams(location.search);
const POLL_MS = Math.max(100, Number(params.get("poll")) || 2000);

const state: BoardState = {
  runs: [],
  selected: new Set(),
  smoothing: 0.6,
  xAxis: "step",
  logY: false,
  problems: [],
  generation: -1,
};

const panels = new Map<Tab, Panel>();
let tab: Tab | undefined = (location.hash.slice(1) as Tab) || undefined;
const knownRuns = new Set<string>();

const nav = h("nav");
const runList = h("div", { id: "runs" });
const tabControls = h("div");
const tagFilter = h("input", {
  type: "search",
  id: "tag-filter",
  placeholder: "Filter tags (regex)",
});
tagFilter.addEventListener("input", () => {
  try {
    state.tagFilter = tagFilter.value ? new RegExp(tagFilter.value, "i") : undefined;
    tagFilter.classList.remove("invalid");
    void refresh(false);
  } catch {
    tagFilter.classList.add("invalid"); // keep the last valid filter
  }
});
const problemsBox = h("div", { class: "problems", id: "problems", hidden: true });
const content = h("div");
const main = h("main", {}, problemsBox, content);

function panel(id: Tab): Panel {
  let p = panels.get(id);
  if (p) return p;
  if (id === "scalars") {
    p = new ScalarsPanel((setting) => {
      Object.assign(state, setting);
      void refresh(false);
    }, state);
  } else if (id === "histograms") p = new HistogramsPanel();
  else if (id === "images" || id === "audio") p = new MediaPanel(id);
  else if (id === "text") p = new TextPanel();
  else if (id === "graphs") p = new GraphPanel();
  else p = new TracePanel();
  panels.set(id, p);
  return p;
}

function renderNav(): void {
  nav.replaceChildren(
    ...TABS.map((t) => {
      const active = state.runs.some(t.has);
      const b = h("button", {
        class: `${t.id === tab ? "active" : ""}${active ? "" : " empty"}`,
        "data-tab": t.id,
        text: t.label,
      });
      b.addEventListener("click", () => {
        tab = t.id;
        history.replaceState(null, "", `#${t.id}`);
        void refresh(false);
      });
      return b;
    }),
  );
}

function renderRuns(): void {
  runList.replaceChildren(
    ...state.runs.map((r) => {
      const box = h("input", { type: "checkbox", value: r.name });
      box.checked = state.selected.has(r.name);
      box.addEventListener("change", () => {
        if (box.checked) state.selected.add(r.name);
        else state.selected.delete(r.name);
        void refresh(false);
      });
      return h(
        "label",
        { "data-run": r.name },
        box,
        h("span", { class: "swatch", style: `background:${runColor(state, r.name)}` }),
        r.name,
      );
    }),
  );
  if (state.runs.length === 0)
    runList.append(
      h("div", { class: "run", text: "No runs yet: no event files under the logdir." }),
    );
}

function renderProblems(): void {
  problemsBox.hidden = state.problems.length === 0;
  problemsBox.replaceChildren(
    h("strong", {
      text: "Some event files could not be read to the end (the events before the problem are shown):",
    }),
    ...state.problems.map((p) =>
      h("div", { class: "problem", "data-file": p.file, text: `${p.file}: ${p.message}` }),
    ),
  );
}

let running: Promise<void> | undefined;
let again: boolean | undefined;

/** Re-renders the open dashboard (`dataChanged`: refetch its data). Calls made meanwhile are merged. */
async function refresh(dataChanged: boolean): Promise<void> {
  if (running) {
    again = (again ?? false) || dataChanged;
    return running;
  }
  window.tgBoard.busy = true;
  running = (async () => {
    try {
      if (!tab || !TABS.some((t) => t.id === tab))
        tab = TABS.find((t) => state.runs.some(t.has))?.id ?? "scalars";
      renderNav();
      const p = panel(tab);
      tabControls.replaceChildren(...(p.controls ? [p.controls] : []));
      content.replaceChildren(p.el);
      await p.update(state, dataChanged);
    } catch (e) {
      // Shown, not thrown: the next poll tries again.
      content.prepend(
        h("div", {
          class: "problems",
          text: `Could not update: ${e instanceof Error ? e.message : String(e)}`,
        }),
      );
    }
  })();
  await running;
  running = undefined;
  if (again !== undefined) {
    const d = again;
    again = undefined;
    await refresh(d);
  }
  window.tgBoard.busy = running !== undefined;
}

async function poll(): Promise<void> {
  try {
    const res = await getJson<RunsResponse>("/data/runs");
    if (res.generation !== state.generation) {
      state.generation = res.generation;
      state.runs = res.runs;
      state.problems = res.problems;
      // New runs start selected, as in TensorBoard.
      for (const r of res.runs) {
        if (!knownRuns.has(r.name)) {
          knownRuns.add(r.name);
          state.selected.add(r.name);
        }
      }
      renderRuns();
      renderProblems();
      await refresh(true);
      window.tgBoard.generation = res.generation;
    }
  } catch {
    // The board went away (restarting?): keep what is shown and try again.
  } finally {
    setTimeout(() => void poll(), POLL_MS);
  }
}

document
  .getElementById("app")!
  .append(
    h("header", {}, h("h1", { text: "TensorGraph board" }), nav),
    h(
      "div",
      { class: "layout" },
      h("aside", {}, tagFilter, h("h3", { text: "Runs" }), runList, tabControls),
      main,
    ),
  );
window.addEventListener("hashchange", () => {
  const t = location.hash.slice(1) as Tab;
  if (TABS.some((x) => x.id === t) && t !== tab) {
    tab = t;
    void refresh(false);
  }
});
void poll();
