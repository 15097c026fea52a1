// Reads structured choices out of fuzz bytes (as libFuzzer's FuzzedDataProvider): byte mutations
// of the input then change the choices. Past the end every read gives 0.
export class Provider {
  private at = 0;
  constructor(private readonly d: Uint8Array) {}
  get left(): number {
    return this.d.length - this.at;
  }
  byte(): number {
    return this.at < this.d.length ? this.d[this.at++]! : 0;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    const span = hi - lo + 1;
    let v = 0;
    for (let s = span - 1, i = 0; s > 0 && i < 4; s = Math.floor(s / 256), i++)
      v = v * 256 + this.byte();
    return lo + (v % span);
  }
  bool(): boolean {
    return (this.byte() & 1) === 1;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
  /** A dim: mostly small, sometimes 0, negative, -1 or huge. */
  dim(): number {
    const b = this.byte();
    if (b < 200) return b % 5;
    return this.pick([0, -1, -2, 7, 16, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e6, 2 ** 53]);
  }
  /** A number: small integers, fractions, and the edge values. */
  num(): number {
    const b = this.byte();
    if (b < 160) return (b % 21) - 10;
    if (b < 200) return ((b % 40) - 20) / 8;
    return this.pick([
      Number.NaN,
      Infinity,
      -Infinity,
      -0,
      1e300,
      -1e300,
      2 ** 31,
      -(2 ** 31),
      2 ** 53,
      3.4e38,
      1e-45,
    ]);
  }
}
