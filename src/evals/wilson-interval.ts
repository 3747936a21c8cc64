/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * The Wilson score interval of a proportion (`successes` of `n`), 95 % by default: unlike the
 * normal approximation it stays inside [0, 1] and is honest for small samples and for shares
 * near 0 or 1, which is where agreement rates live. n = 0 gives [0, 1].
 */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval {
  if (n <= 0) return { lower: 0, upper: 1 };
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // At 0 and n the bound is exactly 0 or 1; the floating-point difference is not.
  return { lower: successes <= 0 ? 0 : Math.max(0, centre - half), upper: successes >= n ? 1 : Math.min(1, centre + half) };
}
