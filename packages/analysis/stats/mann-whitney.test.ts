import { describe, expect, it } from 'vitest';
import { exactDistribution, mannWhitneyU, smallestPValue } from './mann-whitney';

describe('mannWhitneyU', () => {
  // R's ?wilcox.test, two-sample example from Hollander and Wolfe, Nonparametric Statistical Methods
  // (1973), p. 69: permeability constants; wilcox.test(x, y, alternative = "g") prints
  // "W = 35, p-value = 0.1272" (the exact test: no ties, both samples under 50).
  const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.9, 0.74, 1.21];
  it('gives W = 35 and the exact p = 0.1272 of R on Hollander and Wolfe’s example', () => {
    const result = mannWhitneyU(x, y, 'greater');
    expect(result).toMatchObject({ u: 35, n1: 10, n2: 5, method: 'exact', ties: false, effect: 0.7 });
    expect(result.pValue).toBeCloseTo(0.1272, 4);
    // The exact distribution's tail, counted: 382 of the C(15, 5) = 3003 orderings have U ≥ 35.
    expect(result.pValue * 3003).toBeCloseTo(382, 8);
  });

  // ClickHouse's tests/queries/0_stateless/01560_mann_whitney.sql: 20 vs 20 values with four tied pairs;
  // mannWhitneyUTest('two-sided', 1) (continuity correction on) expects U = 223, p = 0.5426959774289482.
  const left = [310, 195, 530, 155, 530, 245, 385, 450, 465, 545, 170, 180, 125, 180, 230, 75, 430, 480, 495, 295];
  const right = [116, 171, 176, 421, 111, 326, 481, 111, 346, 441, 261, 411, 206, 521, 456, 446, 296, 51, 426, 261];
  it('uses the tie-corrected normal approximation with continuity correction when values tie', () => {
    const result = mannWhitneyU(left, right, 'two-sided');
    expect(result).toMatchObject({ u: 223, method: 'normal', ties: true });
    expect(result.pValue).toBeCloseTo(0.5426959774289482, 12);
    // The same data the other way round: the same two-sided p, the mirrored U.
    expect(mannWhitneyU(right, left, 'two-sided')).toMatchObject({ u: 177, pValue: result.pValue });
  });

  it('one-sided p-values add up across the two directions of the exact test', () => {
    const greater = mannWhitneyU(x, y, 'greater').pValue;
    const less = mannWhitneyU(x, y, 'less').pValue;
    // P(U ≥ 35) + P(U ≤ 35) = 1 + P(U = 35).
    const atU = exactDistribution(10, 5)[35]!;
    expect(greater + less).toBeCloseTo(1 + atU, 12);
  });

  it('the exact distribution is symmetric and sums to one', () => {
    const dist = exactDistribution(7, 4);
    expect(dist.length).toBe(29);
    expect(dist.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    for (let u = 0; u < dist.length; u++) expect(dist[u]).toBeCloseTo(dist[dist.length - 1 - u]!, 15);
    // All four of the second sample below all seven of the first: 1 of C(11, 4) = 330 orderings.
    expect(dist[28]).toBeCloseTo(1 / 330, 15);
  });

  it('knows when the sizes are too small for any result to be significant', () => {
    expect(smallestPValue(3, 3, 'greater')).toBeCloseTo(1 / 20, 15);
    expect(smallestPValue(3, 3, 'less')).toBeCloseTo(1 / 20, 15);
    expect(smallestPValue(3, 3, 'two-sided')).toBeCloseTo(2 / 20, 15);
    expect(smallestPValue(2, 2, 'greater')).toBeCloseTo(1 / 6, 15);
  });

  it('is 1 when every value ties, and refuses empty or non-finite samples', () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5], 'greater').pValue).toBe(1);
    expect(() => mannWhitneyU([], [1], 'greater')).toThrow(/empty/);
    expect(() => mannWhitneyU([NaN], [1], 'greater')).toThrow(/finite/);
  });
});
