import { describe, expect, it } from 'vitest';
import { logGamma, upperIncompleteGamma } from './gamma';
import { erfc, normalCdf, normalQuantile, normalSf } from './normal';

describe('the normal distribution', () => {
  // Abramowitz and Stegun, Handbook of Mathematical Functions (1964), Table 26.1 (P(x) to 15 decimals):
  // P(1.96) = 0.975002104851780, P(1.00) = 0.841344746068543, and Q(3.00) = 1 − 0.998650101968370.
  it.each([
    [1.96, 0.97500210485178],
    [1.0, 0.841344746068543],
    [-3.0, 0.00134989803163],
  ])('Φ(%f) = %f (A&S Table 26.1)', (z, p) => {
    expect(normalCdf(z)).toBeCloseTo(p, 14);
  });

  // A&S Table 7.1 (erf x to 15 decimals): erf 0.5 = 0.520499877813047, erf 2.0 = 0.995322265018953.
  it('erfc matches A&S Table 7.1', () => {
    expect(erfc(0.5)).toBeCloseTo(1 - 0.520499877813047, 14);
    expect(erfc(2)).toBeCloseTo(1 - 0.995322265018953, 14);
    expect(erfc(-2)).toBeCloseTo(1 + 0.995322265018953, 14);
  });

  it('keeps the digits of far tails instead of rounding 1 − Φ to zero', () => {
    // A&S 26.2.12, the asymptotic series Q(x) ≈ φ(x)/x · (1 − 1/x² + 3/x⁴ − 15/x⁶ + 105/x⁸); at x = 20
    // the first term left out is 945/20¹⁰ ≈ 1e-10 of the sum, so it is a reference to nine digits.
    const z = 20;
    const series = (Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) / z) * (1 - 1 / z ** 2 + 3 / z ** 4 - 15 / z ** 6 + 105 / z ** 8);
    expect(normalSf(z) / series).toBeCloseTo(1, 9);
    expect(normalCdf(-z)).toBe(normalSf(z));
    expect(normalSf(37)).toBeGreaterThan(0);
    expect(normalSf(37)).toBeLessThan(1e-298);
  });

  // The two-sided quantiles of the table in Wikipedia's "Normal distribution" article (section
  // "Standard deviation and coverage"): P(|Z| ≤ z) = 0.90 at 1.644853626951, 0.95 at 1.959963984540,
  // 0.99 at 2.575829303549, 0.999 at 3.290526731492.
  it.each([
    [0.9, 1.644853626951],
    [0.95, 1.95996398454],
    [0.99, 2.575829303549],
    [0.999, 3.290526731492],
  ])('the quantile for two-sided coverage %f is %f', (coverage, z) => {
    expect(normalQuantile(1 - (1 - coverage) / 2)).toBeCloseTo(z, 11);
    expect(normalQuantile((1 - coverage) / 2)).toBeCloseTo(-z, 11);
  });

  it('inverts Φ across the range, tails included', () => {
    for (const z of [-8, -5, -2.5, -0.1, 0, 0.3, 1.5, 4]) expect(normalQuantile(normalCdf(z))).toBeCloseTo(z, 9);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
  });
});

describe('the gamma function', () => {
  it('log Γ at exact points: Γ(½) = √π, Γ(10) = 9!, Γ(1) = 1', () => {
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(1)).toBeCloseTo(0, 14);
    // A&S Table 6.1: Γ(1.1) = 0.9513507699, so Γ(0.1) = Γ(1.1) / 0.1 (the reflection branch).
    expect(logGamma(0.1)).toBeCloseTo(Math.log(9.513507699), 9);
  });

  it('Q(1, x) = e^(−x), the exponential tail, on both branches', () => {
    for (const x of [0.2, 1.5, 3, 30]) expect(upperIncompleteGamma(1, x)).toBeCloseTo(Math.exp(-x), 14);
    expect(upperIncompleteGamma(2, 0)).toBe(1);
  });
});
