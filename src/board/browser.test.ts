/**
 * The board in a real browser: headless Chromium (Debian's `chromium` package) driven by
 * playwright-core. The page is checked for what a user sees: the charts hold the written values,
 * the graph shows its nodes and their details, images render, new events appear while the page
 * is open, a bad file is named, and nothing is logged to the console as an error.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DataType } from "../io/proto/index.js";
import {
  audioEvent,
  eventRecord,
  fileVersion,
  graphEvent,
  histogramEvent,
  imageEvent,
  png,
  runMetadataEvent,
  scalarEvent,
  textEvent,
  writeEvents,
} from "./fixtures.js";
import { type Board, startBoard } from "./server.js";
import { smooth } from "./web/smoothing.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const LOSS = [2.5, 1.25, 1.5, 0.5, 0.75, 0.25];
const ACC = [0.25, 0.5, 0.625];

let dir: string;
let board: Board;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

/** expect.poll with room for a busy machine (the default gives up after a second). */
const poll = <T>(fn: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: 10_000, ...options });

/** Waits for the page to have read the board's latest data and finished drawing it. */
async function settle(): Promise<void> {
  const generation = board.logdir.generation;
  await page.waitForFunction(
    (g) => window.tgBoard.generation >= g && !window.tgBoard.busy,
    generation,
    { timeout: 10_000 },
  );
}

async function openTab(tab: string): Promise<void> {
  await page.click(`nav button[data-tab=${tab}]`);
  await page.waitForFunction(() => !window.tgBoard.busy);
}

/** A chart's data as uPlot holds it: [x, run1 smoothed, run1 raw, run2 smoothed, ...]. */
const chartData = (tag: string) =>
  page.evaluate((t) => {
    const u = window.tgBoard.charts[t];
    return u
      ? { data: u.data.map((a) => [...a]), labels: u.series.map((s) => s.label) }
      : undefined;
  }, tag);

// Skipped only outside CI when Chromium is not installed (`apt-get install -y chromium`); in CI a
// missing browser fails the tests.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)("the board in Chromium", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "board-browser-"));
    writeEvents(join(dir, "train", "events.out.tfevents.1.host"), [
      fileVersion(),
      graphEvent([
        { name: "x", op: "Placeholder", shape: [-1, 3] },
        { name: "dense/kernel", op: "VariableV2", shape: [3, 1], device: "/device:CPU:0" },
        {
          name: "dense/kernel/read",
          op: "Identity",
          inputs: ["dense/kernel"],
          dtype: DataType.DT_FLOAT,
        },
        {
          name: "dense/MatMul",
          op: "MatMul",
          inputs: ["x", "dense/kernel/read"],
          dtype: DataType.DT_FLOAT,
          shape: [-1, 1],
        },
        { name: "loss", op: "Mean", inputs: ["dense/MatMul"], shape: [] },
      ]),
      ...LOSS.slice(0, 5).map((v, s) => scalarEvent("loss", s, v)),
      histogramEvent("weights", 0, [0, 1], [2, 2], -1, 1),
      histogramEvent("weights", 1, [0, 1], [1, 3], -1, 1),
      imageEvent(
        "input",
        0,
        png(2, 2, () => [255, 0, 0]),
        2,
        2,
      ),
      imageEvent(
        "input",
        1,
        png(3, 1, () => [0, 0, 255]),
        3,
        1,
      ),
      textEvent("notes", 0, "first <b>note</b>"),
      audioEvent("tone", 0, 8000, 800, 440),
      runMetadataEvent("step_1", 1, "/device:CPU:0", [
        { name: "x", op: "Placeholder", start: 0, duration: 5 },
        { name: "dense/MatMul", op: "MatMul", start: 5, duration: 30, shape: [4, 1] },
      ]),
    ]);
    writeEvents(
      join(dir, "eval", "events.out.tfevents.1.host"),
      ACC.map((v, i) => scalarEvent("accuracy", i * 2, v)),
    );
    // A file whose second record is cut short: its first event shows, and the file is named.
    const cut = eventRecord(scalarEvent("loss", 1, 9));
    writeFileSync(
      join(dir, "eval", "events.out.tfevents.2.host"),
      Buffer.concat([eventRecord(scalarEvent("loss", 0, 3)), cut.subarray(0, cut.length - 3)]),
    );
    board = await startBoard({ logdir: dir, port: 0, reloadIntervalMs: 100, incompleteGraceMs: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning")
        consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => consoleErrors.push(`page error: ${e.message}`));
    await page.goto(`${board.url}?poll=200`);
    await settle();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await board?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("runs are listed and selected; the scalar charts hold the written values", async () => {
    expect(await page.locator("#runs label").allTextContents()).toEqual(["eval", "train"]);
    const loss = await chartData("loss");
    expect(loss).toBeDefined();
    // Both runs wrote "loss": x is the union of their steps.
    expect(loss!.labels).toEqual(["step", "eval", "eval (raw)", "train", "train (raw)"]);
    expect(loss!.data[0]).toEqual([0, 1, 2, 3, 4]);
    expect(loss!.data[4]).toEqual(LOSS.slice(0, 5)); // all exact in float32
    // Smoothed with the slider's default 0.6 (TensorBoard's debiased EMA).
    const smoothed = smooth(LOSS.slice(0, 5), 0.6);
    loss!.data[3].forEach((v, i) => {
      expect(v).toBeCloseTo(smoothed[i], 12);
    });
    expect(loss!.data[2]).toEqual([3, null, null, null, null]);
    const acc = await chartData("accuracy");
    expect(acc!.data[0]).toEqual([0, 2, 4]);
    expect(acc!.data[2]).toEqual(ACC);
  });

  test("smoothing slider, x axes and the tooltip", async () => {
    await page.locator("#smoothing").fill("0");
    await page.waitForFunction(() => window.tgBoard.charts.loss.data[3][1] === 1.25);
    expect((await chartData("loss"))!.data[3]).toEqual(LOSS.slice(0, 5));
    await page.check("input[name=xaxis][value=wall]");
    await page.waitForFunction(() => window.tgBoard.charts.loss.data[0][0] > 1e9);
    expect((await chartData("loss"))!.data[0]).toEqual(
      [0, 1, 2, 3, 4].map((s) => 1_700_000_000 + s),
    );
    await page.check("input[name=xaxis][value=relative]");
    await page.waitForFunction(() => window.tgBoard.charts.loss.data[0][0] === 0);
    await page.check("#log-y");
    await page.waitForFunction(() => window.tgBoard.charts.loss.scales.y.distr === 3);
    await page.uncheck("#log-y");
    await page.waitForFunction(() => window.tgBoard.charts.loss.scales.y.distr === 1);
    await page.check("input[name=xaxis][value=step]");
    await page.waitForFunction(() => window.tgBoard.charts.loss.series[0].label === "step");
    // Hovering the plot shows each run's value at the cursor.
    const over = page.locator('.scalar-card[data-tag="loss"] .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    const tip = page.locator('.scalar-card[data-tag="loss"] .tooltip');
    await poll(() => tip.isVisible()).toBe(true);
    // A header row, then one row per run with a point there: run, smoothed, value, step, ...
    const rows = await tip
      .locator("tr")
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)),
      );
    expect(rows[0].slice(1, 5)).toEqual(["Run", "Smoothed", "Value", "Step"]);
    expect(rows.slice(1).map((r) => r.slice(1, 5))).toEqual([["train", "0.75", "0.75", "4"]]);
  });

  test("the tag filter (a regex) keeps the matching charts", async () => {
    const cards = () =>
      page.locator(".scalar-card").evaluateAll((els) => els.map((e) => e.getAttribute("data-tag")));
    await page.locator("#tag-filter").fill("^acc");
    await poll(cards).toEqual(["accuracy"]);
    await page.locator("#tag-filter").fill("(");
    expect(await page.locator("#tag-filter.invalid").count()).toBe(1);
    expect(await cards()).toEqual(["accuracy"]); // the last valid filter stays
    await page.locator("#tag-filter").fill("");
    await poll(cards).toEqual(["accuracy", "loss"]);
  });

  test("a new event written while the page is open appears without a reload", async () => {
    writeEvents(
      join(dir, "train", "events.out.tfevents.1.host"),
      [scalarEvent("loss", 5, LOSS[5])],
      true,
    );
    await page.waitForFunction(() => window.tgBoard.charts.loss?.data[0].includes(5), undefined, {
      timeout: 10_000,
    });
    expect((await chartData("loss"))!.data[4]).toEqual(LOSS);
    // A new run shows up in the run list too.
    writeEvents(join(dir, "later", "events.out.tfevents.1.host"), [scalarEvent("loss", 0, 7)]);
    await expect
      .poll(() => page.locator("#runs label").allTextContents(), { timeout: 10_000 })
      .toEqual(["eval", "later", "train"]);
  });

  test("the bad file is named, its valid event shown", async () => {
    const problem = page.locator('#problems .problem[data-file="eval/events.out.tfevents.2.host"]');
    await poll(() => problem.count()).toBe(1);
    expect(await problem.textContent()).toMatch(/incomplete record at offset \d+/);
    await settle();
    const loss = await chartData("loss");
    const evalRaw = loss!.data[loss!.labels.indexOf("eval (raw)")];
    expect(evalRaw[0]).toBe(3);
  });

  test("the graph: scopes collapsed, expand one, click a node to see its op", async () => {
    await openTab("graphs");
    const unit = (name: string) => page.locator(`g.unit[data-node="${name}"]`);
    await poll(() => unit("dense").count()).toBe(1);
    expect(await unit("dense").getAttribute("data-kind")).toBe("scope");
    expect(await unit("x").count()).toBe(1);
    expect(await unit("loss").count()).toBe(1);
    expect(await unit("dense/MatMul").count()).toBe(0);
    await unit("dense").click();
    await poll(() => unit("dense/MatMul").count()).toBe(1);
    expect(await page.locator('g.cluster[data-scope="dense"]').count()).toBe(1);
    // dense/kernel is itself a scope (dense/kernel/read): still collapsed.
    expect(await unit("dense/kernel").getAttribute("data-kind")).toBe("scope");
    await unit("dense/MatMul").click();
    const details = page.locator(".details");
    await poll(() => details.getAttribute("data-node")).toBe("dense/MatMul");
    expect(await details.locator(".op").textContent()).toBe("MatMul");
    const text = await details.textContent();
    expect(text).toContain("[?,1]");
    expect(text).toContain("dense/kernel/read");
    // An input link selects that node (expanding its scope).
    await details.locator("a", { hasText: "dense/kernel/read" }).click();
    await poll(() => details.getAttribute("data-node")).toBe("dense/kernel/read");
    expect(await unit("dense/kernel/read").count()).toBe(1);
  });

  test("images render, with a step slider", async () => {
    await openTab("images");
    const img = page.locator('.image-card[data-tag="input"] img');
    await poll(() => img.evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(3);
    expect(await img.getAttribute("data-step")).toBe("1");
    await page.locator('.image-card[data-tag="input"] input[type=range]').fill("0");
    await poll(() => img.evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(2);
    expect(await img.getAttribute("data-step")).toBe("0");
  });

  test("audio clips load in the player", async () => {
    await openTab("audio");
    const audio = page.locator('.audio-card[data-tag="tone"] audio');
    // 800 frames at 8 kHz: a tenth of a second.
    await expect
      .poll(() => audio.evaluate((e) => (e as HTMLAudioElement).duration))
      .toBeCloseTo(0.1, 3);
  });

  test("histograms, text and the trace", async () => {
    await openTab("histograms");
    expect(
      await page.locator('.histogram-card[data-tag="weights"] canvas').getAttribute("data-steps"),
    ).toBe("0,1");
    await openTab("text");
    // Text is shown as text: markup in it is not interpreted.
    const cell = page.locator('.text-card[data-tag="notes"] pre');
    expect(await cell.textContent()).toBe("first <b>note</b>");
    expect(await page.locator(".text-card b").count()).toBe(0);
    await openTab("trace");
    const bar = page.locator('rect.bar[data-node="dense/MatMul"]');
    await poll(() => bar.count()).toBe(1);
    await bar.click();
    const details = page.locator(".details-card");
    expect(await details.getAttribute("data-node")).toBe("dense/MatMul");
    expect(await details.textContent()).toContain("30 µs");
  });

  test("the page logged no errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
