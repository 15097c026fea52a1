// tf.train.import_meta_graph: a MetaGraphDef's graph and collections imported (io/meta_graph.ts),
// and a Saver over its save/restore ops.

import { getDefaultGraph } from "../framework/graph.js";
import {
  type ImportedMetaGraph,
  type ImportMetaGraphOptions,
  importMetaGraphDetailed,
} from "../io/meta_graph.js";
import type { MetaGraphDef } from "../io/proto/index.js";
import { Saver } from "./saver.js";

/** importMetaGraphDetailed's result with the Saver made from it. */
export interface ImportedMetaGraphWithSaver extends ImportedMetaGraph {
  /** A Saver over the imported save/restore ops (null when there is no SaverDef and no variable). */
  saver: Saver | null;
}

/**
 * Imports a MetaGraphDef (message, bytes or file path) into a graph with its collections, and
 * returns a Saver built from its SaverDef (tf.train.import_meta_graph), or null when it has
 * neither a SaverDef nor variables.
 */
export function importMetaGraph(
  metaGraphOrPath: MetaGraphDef | Uint8Array | string,
  options: ImportMetaGraphOptions = {},
): Saver | null {
  return importMetaGraphWithSaver(metaGraphOrPath, options).saver;
}

/** importMetaGraph, also returning the name prefix used, the SaverDef and the MetaGraphDef. */
export function importMetaGraphWithSaver(
  metaGraphOrPath: MetaGraphDef | Uint8Array | string,
  options: ImportMetaGraphOptions = {},
): ImportedMetaGraphWithSaver {
  const imported = importMetaGraphDetailed(metaGraphOrPath, options);
  const graph = options.graph ?? getDefaultGraph();
  const saver = imported.saverDef
    ? new Saver({ saverDef: imported.saverDef, graph })
    : imported.variables.length > 0
      ? new Saver({ varList: imported.variables, graph })
      : null;
  return { ...imported, saver };
}
