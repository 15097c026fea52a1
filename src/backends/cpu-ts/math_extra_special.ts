// Special functions in double precision for the math extra kernels: log-gamma, digamma,
// polygamma, Hurwitz zeta, the regularized incomplete gamma and beta functions (and the
// derivative of the incomplete gamma in a), the scaled Bessel functions I0e and I1e, erfc.
// Methods: Lanczos (lgamma), recurrence + asymptotic series (digamma), Euler-Maclaurin (zeta),
// power series / continued fractions evaluated with the modified Lentz method (igamma, betainc).
import { erf } from "./math.js";

const EPS = 2.220446049250313e-16;
const TINY = 1e-300;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

// Lanczos approximation, g = 7, 9 terms (Godfrey's coefficients; relative error ~1e-15).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** log|Γ(x)|; +inf at the poles (0, -1, -2, ...), as TensorFlow's Lgamma. */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  }
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

// Bernoulli numbers B2, B4, ..., B24 (exact rationals).
const BERNOULLI = [
  1 / 6,
  -1 / 30,
  1 / 42,
  -1 / 30,
  5 / 66,
  -691 / 2730,
  7 / 6,
  -3617 / 510,
  43867 / 798,
  -174611 / 330,
  854513 / 138,
  -236364091 / 2730,
];

/** ψ(x) = d/dx log Γ(x); +inf at the poles, as Eigen's digamma (which TensorFlow uses). */
export function digamma(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === -Infinity) return Number.NaN;
  if (x <= 0) {
    if (Number.isInteger(x)) return Infinity;
    // Reflection: ψ(1-x) - ψ(x) = π cot(πx).
    return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  }
  let r = 0;
  while (x < 10) {
    r -= 1 / x;
    x += 1;
  }
  // Asymptotic series: ψ(x) ~ ln x - 1/(2x) - Σ B_2k / (2k x^2k).
  const x2 = 1 / (x * x);
  let p = x2;
  let s = 0;
  for (let k = 0; k < 6; k++) {
    s += (BERNOULLI[k] / (2 * k + 2)) * p;
    p *= x2;
  }
  return r + Math.log(x) - 0.5 / x - s;
}

/**
 * The Hurwitz zeta function ζ(s, q) = Σ_k (q + k)^-s, by Euler-Maclaurin summation. Defined for
 * s > 1 (s = 1: +inf; s < 1: NaN); q ≤ 0 is +inf at the poles and NaN for non-integer s.
 */
export function zeta(s: number, q: number): number {
  if (Number.isNaN(s) || Number.isNaN(q)) return Number.NaN;
  if (s === 1) return Infinity;
  if (s < 1) return Number.NaN;
  if (q <= 0) {
    if (Number.isInteger(q)) return Infinity;
    if (!Number.isInteger(s)) return Number.NaN;
  }
  // Direct terms until the tail starts at a >= 10 (so the correction series converges fast).
  const n = Math.max(0, Math.ceil(10 - q));
  let sum = 0;
  for (let k = 0; k < n; k++) sum += (q + k) ** -s;
  const a = q + n;
  const aS = a ** -s;
  sum += (a * aS) / (s - 1) + 0.5 * aS;
  // Σ_j B_2j / (2j)! · s(s+1)...(s+2j-2) · a^(-s-2j+1)
  let rising = s; // s(s+1)...(s+2j-2)
  let fact = 2; // (2j)!
  let pow = aS / a; // a^(-s-2j+1)
  for (let j = 1; j <= BERNOULLI.length; j++) {
    const term = (BERNOULLI[j - 1] / fact) * rising * pow;
    sum += term;
    if (Math.abs(term) <= EPS * Math.abs(sum)) break;
    rising *= (s + 2 * j - 1) * (s + 2 * j);
    fact *= (2 * j + 1) * (2 * j + 2);
    pow /= a * a;
  }
  return sum;
}

/** ψ^(n)(x), the n-th derivative of digamma: (-1)^(n+1) n! ζ(n+1, x). NaN for a non-integer n < 0. */
export function polygamma(n: number, x: number): number {
  if (!Number.isInteger(n) || n < 0) return Number.NaN;
  if (n === 0) return digamma(x);
  const sign = n % 2 === 1 ? 1 : -1;
  return sign * Math.exp(lgamma(n + 1)) * zeta(n + 1, x);
}

/** A value and its derivative in one parameter (forward-mode differentiation). */
interface Dual {
  v: number;
  d: number;
}

/**
 * P(a, x) by its power series, with dP/da: P = e^-x x^a / Γ(a+1) · Σ_n x^n / ((a+1)...(a+n)).
 * Used for x < a + 1, where the terms shrink at once.
 */
function igammaSeries(a: number, x: number): Dual {
  let term = 1;
  let dterm = 0; // d term / da
  let sum = 1;
  let dsum = 0;
  for (let n = 1; n < 10000; n++) {
    const f = x / (a + n);
    dterm = dterm * f - (term * f) / (a + n);
    term *= f;
    sum += term;
    dsum += dterm;
    if (Math.abs(term) <= EPS * sum && Math.abs(dterm) <= EPS * Math.abs(dsum) + TINY) break;
  }
  const logPre = a * Math.log(x) - x - lgamma(a + 1);
  const pre = Math.exp(logPre);
  const dpre = pre * (Math.log(x) - digamma(a + 1));
  return { v: pre * sum, d: dpre * sum + pre * dsum };
}

/**
 * Q(a, x) = 1 - P(a, x) by its continued fraction (modified Lentz), with dQ/da:
 * Q = e^-x x^a / Γ(a) · 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))). Used for x ≥ a + 1.
 */
function igammacFraction(a: number, x: number): Dual {
  // Each quantity carries its derivative in a.
  let b = x + 1 - a;
  const db = -1;
  let c = 1 / TINY;
  let dc = 0;
  let d = 1 / b;
  let dd = -db / (b * b);
  let h = d;
  let dh = dd;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    const dan = i;
    b += 2;
    // d = 1 / (an d + b)
    let den = an * d + b;
    let dden = dan * d + an * dd + db;
    if (Math.abs(den) < TINY) {
      den = TINY;
      dden = 0;
    }
    d = 1 / den;
    dd = -dden / (den * den);
    // c = b + an / c
    let nc = b + an / c;
    let dnc = db + dan / c - (an * dc) / (c * c);
    if (Math.abs(nc) < TINY) {
      nc = TINY;
      dnc = 0;
    }
    c = nc;
    dc = dnc;
    const del = c * d;
    const ddel = dc * d + c * dd;
    dh = dh * del + h * ddel;
    h *= del;
    if (Math.abs(del - 1) <= EPS && Math.abs(ddel) <= EPS * (1 + Math.abs(dh / h))) break;
  }
  const pre = Math.exp(a * Math.log(x) - x - lgamma(a));
  const dpre = pre * (Math.log(x) - digamma(a));
  return { v: pre * h, d: dpre * h + pre * dh };
}

/** The regularized lower incomplete gamma P(a, x) and dP/da. NaN outside a > 0, x ≥ 0. */
function igammaDual(a: number, x: number): Dual {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0)
    return { v: Number.NaN, d: Number.NaN };
  if (x === 0) return { v: 0, d: 0 };
  if (x === Infinity) return { v: 1, d: 0 };
  if (a === Infinity) return { v: 0, d: Number.NaN };
  if (x < a + 1) return igammaSeries(a, x);
  const q = igammacFraction(a, x);
  return { v: 1 - q.v, d: -q.d };
}

/** P(a, x) = γ(a, x) / Γ(a), the regularized lower incomplete gamma function. */
export function igamma(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x >= a + 1 && x !== Infinity) return 1 - igammacFraction(a, x).v;
  return igammaDual(a, x).v;
}

/** Q(a, x) = 1 - P(a, x), computed directly where it is small (no cancellation). */
export function igammac(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x === Infinity) return 0;
  if (x >= a + 1) return igammacFraction(a, x).v;
  return 1 - igammaDual(a, x).v;
}

/** dP(a, x)/da (TensorFlow's IgammaGradA). */
export function igammaGradA(a: number, x: number): number {
  return igammaDual(a, x).d;
}

/**
 * The derivative of a Gamma(alpha, 1) sample in alpha at a fixed CDF value (TensorFlow's
 * RandomGammaGrad, implicit reparameterization): -(dP/dalpha) / (dP/dx).
 */
export function randomGammaGrad(alpha: number, sample: number): number {
  if (sample === 0) return 0;
  const logDensity = (alpha - 1) * Math.log(sample) - sample - lgamma(alpha);
  return -igammaGradA(alpha, sample) / Math.exp(logDensity);
}

/** The continued fraction of I_x(a, b) (Numerical Recipes' betacf form), modified Lentz. */
function betaFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10000; m++) {
    const m2 = 2 * m;
    // Even step.
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    // Odd step.
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) break;
  }
  return h;
}

/** log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b). */
export const logBeta = (a: number, b: number): number => lgamma(a) + lgamma(b) - lgamma(a + b);

/** I_x(a, b), the regularized incomplete beta function; NaN outside a, b > 0, 0 ≤ x ≤ 1. */
export function betainc(a: number, b: number, x: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) return Number.NaN;
  if (x === 0 || x === 1) return x;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) beyond.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/**
 * exp(-|x|) I_nu(x) for nu = 0, 1: the power series below |x| = 30 (positive terms), the
 * asymptotic expansion e^-z I_nu(z) ~ (2πz)^-1/2 Σ_k (-1)^k Π_j(4nu² - (2j-1)²) / (k! (8z)^k) above.
 */
function besselIe(nu: 0 | 1, x: number): number {
  if (Number.isNaN(x)) return x;
  const z = Math.abs(x);
  let r: number;
  if (z <= 30) {
    const q = (z * z) / 4;
    let term = nu === 0 ? 1 : z / 2;
    let sum = term;
    for (let k = 1; k < 500; k++) {
      term *= q / (k * (k + nu));
      sum += term;
      if (term <= EPS * sum) break;
    }
    r = sum * Math.exp(-z);
  } else if (z === Infinity) {
    r = 0;
  } else {
    const mu = 4 * nu * nu;
    let term = 1;
    let sum = 1;
    for (let k = 1; k < 60; k++) {
      const next = (-term * (mu - (2 * k - 1) ** 2)) / (k * 8 * z);
      if (Math.abs(next) >= Math.abs(term)) break; // the asymptotic series starts to diverge
      term = next;
      sum += term;
      if (Math.abs(term) <= EPS * Math.abs(sum)) break;
    }
    r = sum / Math.sqrt(2 * Math.PI * z);
  }
  return nu === 1 && x < 0 ? -r : r;
}

/** exp(-|x|) I0(x), the exponentially scaled modified Bessel function of order 0. */
export const besselI0e = (x: number): number => besselIe(0, x);
/** exp(-|x|) I1(x), the exponentially scaled modified Bessel function of order 1. */
export const besselI1e = (x: number): number => besselIe(1, x);

/** erfc(x) = 1 - erf(x), without the cancellation for large x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) return 1 - erf(x);
  if (x > 27) return 0; // below the smallest double
  // erfc(x) = e^(-x²)/√π / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
  let t = x;
  for (let k = 120; k >= 1; k--) t = x + k / 2 / t;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / t;
}
