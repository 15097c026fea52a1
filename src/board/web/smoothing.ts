/**
 * TensorBoard's scalar smoothing: an exponential moving average, debiased so that the first
 * points are not pulled toward 0 (the EMA's starting value). A weight of 0 leaves the values as
 * they are; non-finite values pass through without entering the average; a constant series is
 * left alone (its debiased average would be the same values, up to rounding).
 */
export function smooth(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 1);
  const constant = values.every((v) => v === values[0]);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (constant || !Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    n++;
    // After n points the weights given to real values add up to 1 - w^n; divide that back out.
    const debias = w === 1 ? 1 : 1 - w ** n;
    return last / debias;
  });
}
