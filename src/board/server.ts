/**
 * The board's HTTP server: the page (/), its bundled assets (/static/...) and the JSON API
 * (/data/..., shapes in api_types.ts), answered from a Logdir re-read every few seconds.
 *
 * What a request can reach: runs are looked up by name among those found under the logdir, never
 * joined into a path, so a request cannot name a file; a URL or run name with `..` segments or an
 * absolute path is refused outright (403). Bound to loopback by default; on loopback, a request
 * whose Host header is not a loopback name is refused too (a page on another site reaching the
 * board through DNS rebinding).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GraphNodeInfo, RunsResponse, SeriesResponse } from "./api_types.js";
import { INDEX_HTML, pageAssets } from "./assets.js";
import { decodeGraph, graphNodes } from "./graph_json.js";
import { Logdir } from "./logdir.js";
import type { RunData } from "./run_data.js";
import { traceOf } from "./trace.js";

export interface BoardOptions {
  logdir: string;
  /** 6006 (TensorBoard's) unless given; 0 picks a free port. */
  port?: number;
  /** 127.0.0.1 unless given. */
  host?: string;
  /** How often the logdir is read again, in milliseconds (2000). */
  reloadIntervalMs?: number;
  /** How long a record may stay cut short before its file is reported (ms, 3000). */
  incompleteGraceMs?: number;
}

export interface Board {
  /** e.g. "http://127.0.0.1:6006/" */
  url: string;
  port: number;
  logdir: Logdir;
  server: Server;
  close(): Promise<void>;
}

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A path or name that tries to leave where it is: `..` segments, absolute paths, NULs, backslashes. */
export function isEscape(s: string): boolean {
  return (
    s.split(/[/\\]/).includes("..") ||
    s.startsWith("/") ||
    s.startsWith("\\") ||
    /^[a-zA-Z]:/.test(s) ||
    s.includes("\0")
  );
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const isLoopback = (host: string) => LOOPBACK_HOSTS.has(host) || host.startsWith("127.");

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array) {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
  });
  res.end(body);
}

const json = (res: ServerResponse, value: unknown) =>
  send(res, 200, "application/json; charset=utf-8", JSON.stringify(value));

/** Answers one request (exported for tests that skip the socket). */
export async function handle(
  logdir: Logdir,
  req: IncomingMessage,
  res: ServerResponse,
  boundHost: string,
): Promise<void> {
  try {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "GET only");
    const raw = req.url ?? "/";
    // The raw path is checked before URL parsing, which would quietly resolve the `..` away.
    const rawPath = raw.split("?")[0];
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      throw new HttpError(400, "malformed URL");
    }
    if (isEscape(decoded.slice(1)) || decoded.includes("//"))
      throw new HttpError(403, "path outside the board");
    if (isLoopback(boundHost)) {
      const host = (req.headers.host ?? "").replace(/:\d+$/, "");
      if (!isLoopback(host)) throw new HttpError(403, `host ${host} is not this board`);
    }
    const url = new URL(raw, "http://board.invalid");
    await route(logdir, url, res);
  } catch (e) {
    const status = e instanceof HttpError ? e.status : 500;
    const message = e instanceof Error ? e.message : String(e);
    if (!res.headersSent) sendError(res, status, message);
    else res.destroy();
  }
}

function sendError(res: ServerResponse, status: number, message: string) {
  send(res, status, "application/json; charset=utf-8", JSON.stringify({ error: message }));
}

function runOf(logdir: Logdir, url: URL): { name: string; data: RunData } {
  const name = url.searchParams.get("run") ?? "";
  if (isEscape(name)) throw new HttpError(403, `run ${JSON.stringify(name)} is outside the logdir`);
  const data = logdir.run(name);
  if (!data) throw new HttpError(404, `no run ${JSON.stringify(name)}`);
  return { name, data };
}

function series<T>(
  url: URL,
  run: { name: string; data: RunData },
  map: Map<string, T[]>,
  strip: (t: T) => unknown = (t) => t,
): SeriesResponse<unknown> {
  const tag = url.searchParams.get("tag") ?? "";
  const entries = map.get(tag);
  if (!entries) throw new HttpError(404, `run ${JSON.stringify(run.name)} has no tag ${tag}`);
  return { run: run.name, tag, entries: entries.map(strip) };
}

/** Graphs decoded once per written GraphDef (the page asks again on every change in its run). */
const decodedGraphs = new WeakMap<Uint8Array, GraphNodeInfo[]>();

async function route(logdir: Logdir, url: URL, res: ServerResponse): Promise<void> {
  const path = url.pathname;
  if (path === "/" || path === "/index.html")
    return send(res, 200, "text/html; charset=utf-8", INDEX_HTML);
  if (path === "/static/board.js")
    return send(res, 200, "text/javascript; charset=utf-8", (await pageAssets()).js);
  if (path === "/static/board.css")
    return send(res, 200, "text/css; charset=utf-8", (await pageAssets()).css);
  if (path === "/data/runs") {
    const body: RunsResponse = {
      generation: logdir.generation,
      runs: logdir.info(),
      problems: logdir.problems(),
    };
    return json(res, body);
  }
  if (path === "/data/scalars") {
    const run = runOf(logdir, url);
    return json(res, series(url, run, run.data.scalars));
  }
  if (path === "/data/histograms") {
    const run = runOf(logdir, url);
    return json(res, series(url, run, run.data.histograms));
  }
  if (path === "/data/text") {
    const run = runOf(logdir, url);
    return json(res, series(url, run, run.data.text));
  }
  if (path === "/data/images" || path === "/data/audio") {
    const run = runOf(logdir, url);
    const map = path === "/data/images" ? run.data.images : run.data.audio;
    return json(
      res,
      series(url, run, map, ({ bytes: _, ...entry }) => entry),
    );
  }
  if (path === "/data/blob") {
    const run = runOf(logdir, url);
    const blob = run.data.blob(
      url.searchParams.get("tag") ?? "",
      Number(url.searchParams.get("index")),
    );
    if (!blob) throw new HttpError(404, "no such image or audio clip (it may have been dropped)");
    return send(res, 200, blob.contentType, blob.bytes);
  }
  if (path === "/data/graph") {
    const run = runOf(logdir, url);
    const g = run.data.graph;
    if (!g) throw new HttpError(404, `run ${JSON.stringify(run.name)} has no graph`);
    let nodes = decodedGraphs.get(g.bytes);
    if (!nodes) decodedGraphs.set(g.bytes, (nodes = graphNodes(decodeGraph(g.bytes, g.meta))));
    return json(res, { run: run.name, nodes });
  }
  if (path === "/data/trace") {
    const run = runOf(logdir, url);
    const tag = url.searchParams.get("tag") ?? "";
    const md = run.data.runMetadata.get(tag);
    if (!md) throw new HttpError(404, `run ${JSON.stringify(run.name)} has no run metadata ${tag}`);
    return json(res, traceOf(md.bytes, run.name, tag, md.step));
  }
  throw new HttpError(404, `no page ${path}`);
}

/** Starts the board: reads the logdir, bundles the page, listens. */
export async function startBoard(options: BoardOptions): Promise<Board> {
  const logdir = new Logdir(options.logdir, { incompleteGraceMs: options.incompleteGraceMs });
  logdir.reload();
  await pageAssets(); // bundle errors show at start, not on the first page load
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    void handle(logdir, req, res, host);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new Error(`port ${options.port ?? 6006} on ${host} is in use: pass another --port`)
          : e,
      ),
    );
    server.listen(options.port ?? 6006, host, () => resolve());
  });
  const timer = setInterval(() => {
    try {
      logdir.reload();
    } catch {
      // the logdir went away for a moment: keep serving what was read
    }
  }, options.reloadIntervalMs ?? 2000);
  timer.unref();
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    logdir,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
