// Loads the compiled native addon (build/Release/tensorgraph_native.node, made by `npm install`
// through scripts/build-native.mjs, or the file TENSORGRAPH_NATIVE_ADDON names). When it is
// missing or fails to load, `addon` is undefined and a single warning says the TypeScript
// backend is used instead.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

type Floats = Float32Array | Float64Array;

/** The addon's functions (native/addon.cc). Sizes and offsets travel as Float64Arrays of integers. */
export interface NativeAddon {
  matmul(
    a: Floats,
    b: Floats,
    c: Floats,
    aRefs: Float64Array,
    bRefs: Float64Array,
    m: number,
    n: number,
    k: number,
    threads: number,
  ): void;
  conv2d(
    kind: number,
    a: Floats,
    b: Floats,
    out: Floats,
    geom: Float64Array,
    threads: number,
  ): void;
  /** `matmul` on a libuv worker thread: resolves when `c` is written. */
  matmulAsync(...args: Parameters<NativeAddon["matmul"]>): Promise<void>;
  /** `conv2d` on a libuv worker thread: resolves when `out` is written. */
  conv2dAsync(...args: Parameters<NativeAddon["conv2d"]>): Promise<void>;
  pool(kind: number, x: Floats, dy: Floats, out: Floats, geom: Float64Array, threads: number): void;
  binary(
    op: number,
    x: Floats,
    y: Floats,
    out: Floats,
    dims: Float64Array,
    sx: Float64Array,
    sy: Float64Array,
    threads: number,
  ): void;
  unary(op: number, x: Floats, out: Floats, param: number, threads: number): void;
  reduce(
    op: number,
    x: Floats,
    out: Floats,
    dims: Float64Array,
    outStrides: Float64Array,
    count: number,
    threads: number,
  ): void;
  softmax(x: Floats, out: Floats, rows: number, cols: number, log: boolean, threads: number): void;
  xent(
    logits: Floats,
    labels: Floats | null,
    ids: Int32Array | null,
    loss: Floats,
    backprop: Floats,
    rows: number,
    cols: number,
    threads: number,
  ): void;
  biasAdd(x: Floats, b: Floats, out: Floats, rows: number, c: number, threads: number): void;
  biasAddGrad(dy: Floats, out: Floats, rows: number, c: number, threads: number): void;
  apply(
    kind: number,
    slots: Floats[],
    scalars: Float64Array,
    grad: Floats,
    flags: number,
    threads: number,
  ): void;
  /** The FP32 multiply-add rate of this build's best path, in GFLOPS, measured for about `ms`. */
  fmaPeak(threads: number, ms: number): number;
  info(): { isa: string; cpuHasAvx2Fma: boolean; hardwareThreads: number };
  /** Chooses the kernel build: "avx2" (when the CPU has AVX2 and FMA) or "baseline". */
  setIsa(isa: "avx2" | "baseline"): void;
}

function load(): NativeAddon | undefined {
  if (process.env.TENSORGRAPH_NO_NATIVE) return undefined;
  const require = createRequire(import.meta.url);
  // src/backends/native/ and dist/backends/native/ both sit three levels below the package root.
  // TENSORGRAPH_NATIVE_ADDON names another build of the addon (scripts/test-asan.sh: the
  // sanitized one in build-asan/).
  const path =
    process.env.TENSORGRAPH_NATIVE_ADDON ||
    fileURLToPath(new URL("../../../build/Release/tensorgraph_native.node", import.meta.url));
  try {
    return require(path) as NativeAddon;
  } catch (e) {
    const why = (e as Error).message.split("\n")[0];
    process.emitWarning(
      `tensorgraph: the native backend is not available (${why}); running on the TypeScript backend. Run \`npm rebuild tensorgraph\` (or \`node scripts/build-native.mjs\`) to build it.`,
      { code: "TENSORGRAPH_NO_NATIVE" },
    );
    return undefined;
  }
}

/** The loaded addon, or undefined when it was not built. */
export const addon: NativeAddon | undefined = load();
