/** The page's stylesheet (served with uPlot's own at /static/board.css). */
export const BOARD_CSS = `
:root { --accent: #f57c00; --bg: #f5f5f5; --card: #fff; --line: #ddd; --text: #212121; --muted: #757575; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--text); background: var(--bg); }
header { display: flex; align-items: center; gap: 24px; background: var(--accent); color: #fff; padding: 0 16px; height: 48px; }
header h1 { font-size: 17px; font-weight: 500; margin: 0; white-space: nowrap; }
nav { display: flex; gap: 2px; overflow-x: auto; }
nav button { background: none; border: 0; color: rgba(255,255,255,.75); font: inherit; font-weight: 500; text-transform: uppercase; padding: 14px 12px; cursor: pointer; border-bottom: 2px solid transparent; }
nav button.active { color: #fff; border-bottom-color: #fff; }
nav button.empty { opacity: .45; }
.layout { display: flex; height: calc(100vh - 48px); }
aside { width: 260px; flex: none; overflow-y: auto; background: var(--card); border-right: 1px solid var(--line); padding: 12px 16px; }
aside h3 { font-size: 12px; text-transform: uppercase; color: var(--muted); font-weight: 500; margin: 16px 0 6px; }
aside label { display: flex; align-items: center; gap: 6px; padding: 2px 0; cursor: pointer; word-break: break-all; }
.swatch { width: 12px; height: 12px; border-radius: 2px; flex: none; }
main { flex: 1; overflow: auto; padding: 16px; }
.problems { background: #fff3e0; border: 1px solid #ffb74d; border-radius: 4px; padding: 8px 12px; margin-bottom: 12px; }
.problems div { font-family: monospace; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 4px; padding: 10px 12px; position: relative; min-width: 0; }
.card h4 { margin: 0 0 6px; font-size: 14px; font-weight: 500; word-break: break-all; }
.card .run { color: var(--muted); font-size: 12px; }
.empty-note { color: var(--muted); padding: 24px; text-align: center; }
.tooltip { position: absolute; pointer-events: none; background: rgba(33,33,33,.92); color: #fff; padding: 6px 8px; border-radius: 3px; font-size: 12px; z-index: 10; white-space: nowrap; display: none; }
.tooltip table { border-collapse: collapse; }
.tooltip td { padding: 0 8px 0 0; }
.tooltip tr:first-child td { color: #bdbdbd; font-size: 11px; }
.slider-row { display: flex; align-items: center; gap: 8px; margin-top: 6px; }
.slider-row input { flex: 1; }
.card img { max-width: 100%; image-rendering: pixelated; display: block; margin: 0 auto; background: repeating-conic-gradient(#eee 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
.text-table { width: 100%; border-collapse: collapse; }
.text-table td { border-top: 1px solid var(--line); padding: 4px 6px; vertical-align: top; }
.text-table td:first-child { color: var(--muted); width: 70px; }
.text-table pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-family: inherit; }
.graph-wrap { display: flex; gap: 12px; height: calc(100vh - 48px - 32px); }
.graph-canvas { flex: 1; background: var(--card); border: 1px solid var(--line); border-radius: 4px; overflow: hidden; position: relative; }
.graph-canvas svg { width: 100%; height: 100%; cursor: grab; user-select: none; }
.graph-canvas .toolbar { position: absolute; top: 8px; right: 8px; display: flex; gap: 4px; }
.details { width: 320px; flex: none; background: var(--card); border: 1px solid var(--line); border-radius: 4px; padding: 10px 12px; overflow: auto; }
.details table { border-collapse: collapse; width: 100%; }
.details td { border-top: 1px solid var(--line); padding: 3px 4px; vertical-align: top; word-break: break-all; font-family: monospace; font-size: 12px; }
.details td:first-child { color: var(--muted); font-family: inherit; white-space: nowrap; }
g.unit { cursor: pointer; }
g.unit rect { stroke-width: 1; }
g.unit.op rect { fill: #fff; stroke: #9e9e9e; }
g.unit.scope rect { fill: #fde0b2; stroke: #e0a650; }
g.unit.selected rect { stroke: #1976d2; stroke-width: 2.5; }
g.unit text { font-size: 11px; fill: #212121; dominant-baseline: middle; text-anchor: middle; pointer-events: none; }
g.cluster rect.box { fill: rgba(255, 224, 178, .25); stroke: #e0a650; stroke-dasharray: 4 2; }
g.cluster text { font-size: 11px; fill: #8d6e63; cursor: pointer; }
path.edge { fill: none; stroke: #9e9e9e; stroke-width: 1.2; }
path.edge.control { stroke-dasharray: 3 3; }
button.small { font: inherit; font-size: 12px; padding: 2px 8px; border: 1px solid var(--line); background: #fff; border-radius: 3px; cursor: pointer; }
select { font: inherit; max-width: 100%; }
#tag-filter { width: 100%; font: inherit; padding: 5px 6px; border: 1px solid var(--line); border-radius: 3px; }
#tag-filter.invalid { border-color: #d32f2f; background: #ffebee; }
.trace svg { display: block; }
.trace rect.bar { cursor: pointer; stroke: rgba(0,0,0,.25); stroke-width: .5; }
.trace rect.bar.selected { stroke: #1976d2; stroke-width: 2; }
.trace text { font-size: 11px; }
`;
