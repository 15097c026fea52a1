// TF's RewriterConfig (ConfigProto.graphOptions.rewriteOptions), the switches of the graph
// passes run when a plan is compiled, and what each pass reports it changed.

/** TF's RewriterConfig.Toggle. */
export type Toggle = "DEFAULT" | "ON" | "OFF" | "AGGRESSIVE";

/** The passes tensorgraph runs, switched by TF's own names. Unset means DEFAULT (on). */
export interface RewriterConfig {
  constantFolding?: Toggle;
  arithmeticOptimization?: Toggle;
  commonSubgraphElimination?: Toggle;
  dependencyOptimization?: Toggle;
  remapping?: Toggle;
  memoryOptimization?: Toggle;
}

/** What one pass changed in one compiled plan (RunMetadata.optimizations). */
export interface PassReport {
  readonly pass: string;
  /** One line per change, e.g. "folded 'mul' into a constant". */
  readonly changes: readonly string[];
}
