// Kernels of the math extra family: unary and binary special functions, the gradient helper ops
// of TF graphs, bitwise ops, ClipByValue, AccumulateNV2. (Cumulative and counting ops are in
// math_extra_scan.ts, the segment reductions in math_extra_segment.ts.)
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type Value } from "../kernel.js";
import {
  type BigFn1,
  type BigFn2,
  broadcastBinary,
  mapUnary,
  type NumFn1,
  type NumFn2,
} from "./elementwise.js";
import { cpuBackend } from "./index.js";
import "./math_extra_scan.js";
import "./math_extra_segment.js";
import * as sp from "./math_extra_special.js";

const FLOATS: readonly DType[] = ["float32", "float64"];
const INTS: readonly DType[] = ["int32", "int64", "uint8"];

function checkDtype(op: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype))
    throw new InvalidArgumentError(`${op} has no kernel for dtype ${dtype}`);
}

/** A one-input float op computing `f` in double precision. */
function floatUnary(type: string, f: NumFn1): void {
  cpuBackend.register(type, (node) => {
    const dtype = node.inputDtypes[0];
    checkDtype(type, dtype, FLOATS);
    return (inputs) => [mapUnary(arr(inputs[0]), dtype, f)];
  });
}

/** A broadcasting two-input float op. */
function floatBinary(type: string, f: NumFn2, outDtype?: DType): void {
  cpuBackend.register(type, (node) => {
    const dtype = node.inputDtypes[0];
    checkDtype(type, dtype, FLOATS);
    return (inputs) => [broadcastBinary(arr(inputs[0]), arr(inputs[1]), outDtype ?? dtype, f)];
  });
}

/** A broadcasting two-input integer op with number (int32, uint8) and bigint (int64) forms. */
function intBinary(type: string, num: (bits: number) => NumFn2, big: BigFn2): void {
  cpuBackend.register(type, (node) => {
    const dtype = node.inputDtypes[0];
    checkDtype(type, dtype, INTS);
    const f = dtype === "int64" ? big : num(dtype === "uint8" ? 8 : 32);
    return (inputs) => [broadcastBinary(arr(inputs[0]), arr(inputs[1]), dtype, f)];
  });
}

// ---- Unary ----

floatUnary("Acosh", Math.acosh);
floatUnary("Asinh", Math.asinh);
floatUnary("Atanh", Math.atanh);
floatUnary("Erfc", sp.erfc);
floatUnary("Lgamma", sp.lgamma);
floatUnary("Digamma", sp.digamma);
floatUnary("BesselI0e", sp.besselI0e);
floatUnary("BesselI1e", sp.besselI1e);

cpuBackend.register("Inv", (node) => {
  const dtype = node.inputDtypes[0];
  if (dtype === "int64") {
    const f: BigFn1 = (a) => {
      if (a === 0n) throw new InvalidArgumentError("Inv: integer division by zero");
      return 1n / a;
    };
    return (inputs) => [mapUnary(arr(inputs[0]), dtype, f)];
  }
  checkDtype("Inv", dtype, ["float32", "float64", "int32"]);
  const f: NumFn1 =
    dtype === "int32"
      ? (a) => {
          if (a === 0) throw new InvalidArgumentError("Inv: integer division by zero");
          return Math.trunc(1 / a);
        }
      : (a) => 1 / a;
  return (inputs) => [mapUnary(arr(inputs[0]), dtype, f)];
});

// Bitwise not: typed-array stores wrap ~a to the dtype's width (uint8 keeps the low 8 bits).
cpuBackend.register("Invert", (node) => {
  const dtype = node.inputDtypes[0];
  checkDtype("Invert", dtype, INTS);
  const f: NumFn1 | BigFn1 = dtype === "int64" ? (a: bigint) => ~a : (a: number) => ~a;
  return (inputs) => [mapUnary(arr(inputs[0]), dtype, f)];
});

/** Set bits of a 32-bit word. */
function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
cpuBackend.register("PopulationCount", (node) => {
  const dtype = node.inputDtypes[0];
  checkDtype("PopulationCount", dtype, INTS);
  const f: NumFn1 | BigFn1 =
    dtype === "int64"
      ? (((a: bigint) => {
          const u = BigInt.asUintN(64, a);
          return popcount32(Number(u & 0xffffffffn)) + popcount32(Number(u >> 32n));
        }) as unknown as BigFn1)
      : (a: number) => popcount32(a);
  return (inputs) => [mapUnary(arr(inputs[0]), "uint8", f)];
});

// ---- Gradient helper ops: (y, dy) with y the forward op's output ----

floatBinary("SigmoidGrad", (y, dy) => dy * y * (1 - y));
floatBinary("TanhGrad", (y, dy) => dy * (1 - y * y));
floatBinary("RsqrtGrad", (y, dy) => -0.5 * dy * y * y * y);
floatBinary("SqrtGrad", (y, dy) => (0.5 * dy) / y);
floatBinary("ReciprocalGrad", (y, dy) => -dy * y * y);
floatBinary("InvGrad", (y, dy) => -dy * y * y);
// (gradients, features): gradients / (1 + |features|)^2
floatBinary("SoftsignGrad", (g, x) => g / ((1 + Math.abs(x)) * (1 + Math.abs(x))));
floatBinary("IgammaGradA", sp.igammaGradA);

// ---- Binary ----

floatBinary("Atan2", Math.atan2);
floatBinary("Xdivy", (x, y) => (x === 0 ? 0 : x / y));
floatBinary("Xlogy", (x, y) => (x === 0 ? 0 : x * Math.log(y)));
floatBinary("DivNoNan", (x, y) => (y === 0 ? 0 : x / y));
floatBinary("MulNoNan", (x, y) => (y === 0 ? 0 : x * y));
floatBinary("Igamma", sp.igamma);
floatBinary("Igammac", sp.igammac);
floatBinary("Zeta", sp.zeta);
floatBinary("Polygamma", sp.polygamma);

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Bits = new BigInt64Array(f64.buffer);
/** The next representable value after `x` toward `y`, in float32 or float64 (C's nextafter). */
function nextAfter(x: number, y: number, single: boolean): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (x === y) return y;
  if (x === 0) return (y > 0 ? 1 : -1) * (single ? 2 ** -149 : Number.MIN_VALUE);
  // Away from zero means one more in the magnitude bits; the sign bit stays.
  const up = y > x === x > 0;
  if (single) {
    f32[0] = x;
    f32Bits[0] += up ? 1 : -1;
    return f32[0];
  }
  f64[0] = x;
  f64Bits[0] += up ? 1n : -1n;
  return f64[0];
}
cpuBackend.register("NextAfter", (node) => {
  const dtype = node.inputDtypes[0];
  checkDtype("NextAfter", dtype, FLOATS);
  const single = dtype === "float32";
  return (inputs) => [
    broadcastBinary(arr(inputs[0]), arr(inputs[1]), dtype, (a: number, b: number) =>
      nextAfter(a, b, single),
    ),
  ];
});

// Mod: C's remainder (fmod), the sign of the dividend, as TruncateMod.
cpuBackend.register("Mod", (node) => {
  const dtype = node.inputDtypes[0];
  checkDtype("Mod", dtype, ["float32", "float64", "int32", "int64"]);
  const zero = () => new InvalidArgumentError("Mod: integer division by zero");
  const f: NumFn2 | BigFn2 =
    dtype === "int64"
      ? (a: bigint, b: bigint) => {
          if (b === 0n) throw zero();
          return a % b;
        }
      : dtype === "int32"
        ? (a: number, b: number) => {
            if (b === 0) throw zero();
            return a % b;
          }
        : (a: number, b: number) => a % b;
  return (inputs) => [broadcastBinary(arr(inputs[0]), arr(inputs[1]), dtype, f)];
});

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

cpuBackend.register("ApproximateEqual", (node) => {
  const dtype = node.inputDtypes[0];
  checkDtype("ApproximateEqual", dtype, ["float32", "float64", "int32", "int64"]);
  const tol = node.attrs.tolerance as number;
  return (inputs) => {
    const x = arr(inputs[0]);
    const y = arr(inputs[1]);
    if (!sameShape(x.shape, y.shape)) {
      throw new InvalidArgumentError(
        `ApproximateEqual: x and y must be of the same shape. x shape: ${shapeString(x.shape)}. y shape: ${shapeString(y.shape)}`,
      );
    }
    const f = (a: number, b: number) => Math.abs(Number(a) - Number(b)) < tol;
    return [broadcastBinary(x, y, "bool", f as NumFn2)];
  };
});

// Bitwise. Shifts clamp the amount to [0, bits - 1] as TensorFlow's kernels do; a left shift
// works on the unsigned bits, a right shift of a signed value is arithmetic.
intBinary(
  "BitwiseAnd",
  () => (a, b) => a & b,
  (a, b) => a & b,
);
intBinary(
  "BitwiseOr",
  () => (a, b) => a | b,
  (a, b) => a | b,
);
intBinary(
  "BitwiseXor",
  () => (a, b) => a ^ b,
  (a, b) => a ^ b,
);
const clampShift = (s: number, bits: number): number => Math.min(Math.max(s, 0), bits - 1);
const clampShiftBig = (s: bigint): bigint => (s < 0n ? 0n : s > 63n ? 63n : s);
intBinary(
  "LeftShift",
  (bits) => (a, b) => a << clampShift(b, bits),
  (a, b) => BigInt.asIntN(64, a << clampShiftBig(b)),
);
intBinary(
  "RightShift",
  (bits) => (a, b) => a >> clampShift(b, bits),
  (a, b) => a >> clampShiftBig(b),
);

// ---- ClipByValue and AccumulateNV2 ----

cpuBackend.register("ClipByValue", (node) => {
  const dtype = node.inputDtypes[0];
  checkDtype("ClipByValue", dtype, ["float32", "float64", "int32", "int64", "uint8"]);
  return (inputs) => {
    const [t, lo, hi] = inputs.map(arr);
    for (const [v, what] of [
      [lo, "clip_value_min"],
      [hi, "clip_value_max"],
    ] as const) {
      if (v.rank !== 0 && !sameShape(v.shape, t.shape)) {
        throw new InvalidArgumentError(
          `ClipByValue: ${what} must be a scalar or have the shape of t: t shape ${shapeString(t.shape)}, ${what} shape ${shapeString(v.shape)}`,
        );
      }
    }
    const x = t.data as ArrayLike<number | bigint>;
    const l = lo.data as ArrayLike<number | bigint>;
    const h = hi.data as ArrayLike<number | bigint>;
    const ls = lo.rank === 0 ? 0 : 1;
    const hs = hi.rank === 0 ? 0 : 1;
    const out = new NDArray(dtype, t.shape);
    const o = out.data as unknown as (number | bigint)[];
    for (let i = 0; i < t.size; i++) {
      const a = x[i];
      const mn = l[i * ls];
      const mx = h[i * hs];
      // min(max(t, lo), hi) on numbers and bigints alike; NaN stays NaN.
      // biome-ignore lint/complexity/useMathMinMax: Math.min/max do not take bigints
      o[i] = a < mn ? mn : a > mx ? mx : a;
    }
    return [out];
  };
});

cpuBackend.register("AccumulateNV2", (node) => {
  const dtype = node.inputDtypes[0];
  return (inputs) => {
    const xs = inputs.map(arr);
    const first = xs[0];
    xs.forEach((x, i) => {
      if (!sameShape(x.shape, first.shape)) {
        throw new InvalidArgumentError(
          `AccumulateNV2: inputs must have the same shape. Input 0: ${shapeString(first.shape)} != input ${i}: ${shapeString(x.shape)}`,
        );
      }
    });
    const out = new NDArray(dtype, first.shape);
    const o = out.data as unknown as (number | bigint)[];
    for (const x of xs) {
      const d = x.data as unknown as (number | bigint)[];
      if (dtype === "int64")
        for (let i = 0; i < out.size; i++) (o as bigint[])[i] += d[i] as bigint;
      else for (let i = 0; i < out.size; i++) (o as number[])[i] += d[i] as number;
    }
    return [out];
  };
});

// Betainc: TensorFlow does not broadcast it; each input is a scalar or of the one common shape.
cpuBackend.register("Betainc", (node) => {
  const dtype = node.inputDtypes[0];
  checkDtype("Betainc", dtype, FLOATS);
  return (inputs) => {
    const xs = inputs.map(arr);
    const full = xs.find((v) => v.rank !== 0);
    const shape = full ? full.shape : [];
    for (const [v, name] of xs.map((v, i) => [v, ["a", "b", "x"][i]] as const)) {
      if (v.rank !== 0 && !sameShape(v.shape, shape)) {
        throw new InvalidArgumentError(
          `Betainc: shapes of a, b and x must match (or be scalars): ${name} has shape ${shapeString(v.shape)}, expected ${shapeString(shape)}`,
        );
      }
    }
    const out = new NDArray(dtype, shape);
    const [a, b, x] = xs.map((v) => ({ d: v.data as Float64Array, s: v.rank === 0 ? 0 : 1 }));
    const o = out.data as Float64Array;
    for (let i = 0; i < out.size; i++) o[i] = sp.betainc(a.d[i * a.s], b.d[i * b.s], x.d[i * x.s]);
    return [out];
  };
});

// EuclideanNorm: sqrt of the Sum kernel applied to the squares (ints: the root truncated).
cpuBackend.register("EuclideanNorm", (node, env) => {
  const dtype = node.inputDtypes[0];
  checkDtype("EuclideanNorm", dtype, ["float32", "float64", "int32", "int64", "uint8"]);
  const sum = cpuBackend.get("Sum")!(node, env);
  const square: NumFn1 | BigFn1 =
    dtype === "int64"
      ? (a: bigint) => a * a
      : dtype === "int32"
        ? (a: number) => Math.imul(a, a)
        : (a: number) => a * a;
  const root: NumFn1 | BigFn1 =
    dtype === "int64"
      ? (a: bigint) => BigInt(Math.trunc(Math.sqrt(Number(a))))
      : FLOATS.includes(dtype)
        ? Math.sqrt
        : (a: number) => Math.trunc(Math.sqrt(a));
  return (inputs) => {
    const x = arr(inputs[0]);
    const s = arr((sum([mapUnary(x, dtype, square), inputs[1]]) as Value[])[0]);
    return [mapUnary(s, dtype, root)];
  };
});
