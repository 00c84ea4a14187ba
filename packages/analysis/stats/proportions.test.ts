import { describe, expect, it } from 'vitest';
import { differenceInterval, fisherExact, wilsonInterval } from './proportions';

describe('fisherExact', () => {
  // Fisher's tea-tasting experiment (The Design of Experiments, 1935, §2): 3 of 4 cups called right in
  // each group gives the one-sided p = 17/70. R's ?fisher.test example (TeaTasting, alternative =
  // "greater") prints p-value = 0.2429.
  it('reproduces the tea-tasting p-value, 17/70', () => {
    expect(fisherExact({ events: 3, total: 4 }, { events: 1, total: 4 }, 'greater')).toBeCloseTo(17 / 70, 12);
    expect(fisherExact({ events: 3, total: 4 }, { events: 1, total: 4 }, 'less')).toBeCloseTo(69 / 70, 12);
    // Two-sided: the tables no more likely than the observed one, (1 + 16 + 16 + 1) / 70.
    expect(fisherExact({ events: 3, total: 4 }, { events: 1, total: 4 }, 'two-sided')).toBeCloseTo(34 / 70, 12);
  });

  it('sums the hypergeometric tail exactly on a table small enough to check by hand', () => {
    // 2/3 vs 0/3: X ~ Hypergeometric(6 cups, 2 events, 3 drawn); P(X ≥ 2) = C(2,2)C(4,1)/C(6,3) = 4/20.
    expect(fisherExact({ events: 2, total: 3 }, { events: 0, total: 3 }, 'greater')).toBeCloseTo(0.2, 14);
  });

  it('is 1 when the margins leave one possible table', () => {
    expect(fisherExact({ events: 0, total: 100 }, { events: 0, total: 100 }, 'greater')).toBe(1);
    expect(fisherExact({ events: 5, total: 5 }, { events: 5, total: 5 }, 'greater')).toBe(1);
  });

  it('stays fast and finite at CloudWatch-sized counts, from both sides of the mode', () => {
    const worse = fisherExact({ events: 5_200, total: 1_000_000 }, { events: 5_000, total: 1_000_000 }, 'greater');
    const better = fisherExact({ events: 4_800, total: 1_000_000 }, { events: 5_000, total: 1_000_000 }, 'greater');
    expect(worse).toBeGreaterThan(0.01);
    expect(worse).toBeLessThan(0.05);
    expect(better).toBeGreaterThan(0.97);
    expect(fisherExact({ events: 50_000, total: 1_000_000 }, { events: 5_000, total: 1_000_000 }, 'greater')).toBeLessThan(1e-300);
  });

  it('agrees with the pooled two-proportion z-test where that is accurate (large counts)', () => {
    // z = (p1 − p2) / √(p̄(1 − p̄)(1/n1 + 1/n2)) for 5,100 vs 5,000 events in 10⁶ each: z = 0.998, P(Z > z) = 0.159;
    // Fisher’s exact p is a little larger (0.162), as an exact test without continuity tricks should be.
    const p = fisherExact({ events: 5_100, total: 1_000_000 }, { events: 5_000, total: 1_000_000 }, 'greater');
    expect(p).toBeGreaterThan(0.155);
    expect(p).toBeLessThan(0.17);
  });

  it('refuses counts that are not counts', () => {
    expect(() => fisherExact({ events: 3, total: 2 }, { events: 0, total: 1 }, 'greater')).toThrow(RangeError);
    expect(() => fisherExact({ events: 1.5, total: 2 }, { events: 0, total: 1 }, 'greater')).toThrow(RangeError);
  });
});

describe('score intervals', () => {
  // Newcombe, "Two-sided confidence intervals for the single proportion: comparison of seven methods",
  // Statistics in Medicine 17 (1998) 857–872, Table I, method 3 (Wilson score, no continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('Wilson %i/%i is %f to %f (Newcombe 1998a, Table I)', (events, total, low, high) => {
    const interval = wilsonInterval({ events, total });
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  // Newcombe, "Interval estimation for the difference between independent proportions: comparison of
  // eleven methods", Statistics in Medicine 17 (1998) 873–890, Table II, method 10 (hybrid score).
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1.0],
    [10, 10, 0, 10, 0.6075, 1.0],
  ])('the difference %i/%i − %i/%i is %f to %f (Newcombe 1998b, Table II)', (a, n, b, m, low, high) => {
    const interval = differenceInterval({ events: a, total: n }, { events: b, total: m });
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
    expect(interval.level).toBe(0.95);
  });
});
