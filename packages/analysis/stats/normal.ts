import { upperIncompleteGamma } from './gamma';

/**
 * The standard normal distribution, for the normal approximation of the
 * Mann–Whitney U statistic and the score intervals of proportions. Tails are
 * computed directly (never as 1 − Φ), so p-values as small as 1e-300 keep
 * their digits.
 */

/** erfc(x) = 1 − erf(x), accurate in both tails. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  return upperIncompleteGamma(0.5, x * x);
}

/** P(Z ≤ z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** P(Z > z), the upper tail. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/**
 * The quantile z with P(Z ≤ z) = p. A coarse start (Abramowitz and Stegun
 * 26.2.23, |error| < 4.5e-4) polished by Newton steps on the accurate tail,
 * which converge to full precision in two or three steps.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile needs 0 ≤ p ≤ 1, got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // Work in the lower tail, q = min(p, 1 − p), and mirror at the end.
  const upper = p > 0.5;
  const q = upper ? 1 - p : p;
  const t = Math.sqrt(-2 * Math.log(q));
  let z = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
  for (let i = 0; i < 6; i++) {
    const step = (normalCdf(z) - q) / normalPdf(z);
    z -= step;
    if (Math.abs(step) < 1e-15 * Math.max(1, Math.abs(z))) break;
  }
  return upper ? -z : z;
}
