import { normalCdf, normalSf } from './normal';
import type { Alternative } from './proportions';

/**
 * The Mann–Whitney U test (Wilcoxon rank-sum): does one sample tend to take
 * larger values than the other? It uses ranks only, so the long right tail of
 * latencies does not swamp it as it would a t-test.
 *
 * Which p-value, as R's wilcox.test chooses: the exact null distribution when
 * both samples are under 50 and there are no ties; otherwise the normal
 * approximation with the tie correction of the variance and a continuity
 * correction of ½.
 */

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting ½. */
  u: number;
  n1: number;
  n2: number;
  /** The probability of superiority, U / (n1 n2): 0.5 when neither sample tends higher. */
  effect: number;
  pValue: number;
  method: 'exact' | 'normal';
  /** The standardized statistic, for the normal method. */
  z?: number;
  /** Whether any values tie (across or within the samples). */
  ties: boolean;
}

export const EXACT_LIMIT = 50;

interface Ranked {
  /** The sum of the first sample's mid-ranks. */
  rankSum: number;
  /** Σ (t³ − t) over groups of t tied values. */
  tieTerm: number;
}

/**
 * Mid-ranks by merging the two samples sorted apart: the typed arrays' native
 * numeric sort is several times faster than sorting indices with a comparator
 * at 10⁵ samples, and a run of equal values across both is one tie group.
 */
function rank(x: readonly number[], y: readonly number[]): Ranked {
  const xs = Float64Array.from(x).sort();
  const ys = Float64Array.from(y).sort();
  let rankSum = 0;
  let tieTerm = 0;
  let position = 0;
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    const value = j >= ys.length || (i < xs.length && xs[i]! <= ys[j]!) ? xs[i]! : ys[j]!;
    let inX = 0;
    while (i < xs.length && xs[i] === value) {
      i++;
      inX++;
    }
    let inY = 0;
    while (j < ys.length && ys[j] === value) {
      j++;
      inY++;
    }
    const t = inX + inY;
    // Positions position+1 … position+t share the mid-rank.
    rankSum += inX * (position + (t + 1) / 2);
    if (t > 1) tieTerm += t * t * t - t;
    position += t;
  }
  return { rankSum, tieTerm };
}

function assertSample(name: string, values: readonly number[]): void {
  if (values.length === 0) throw new RangeError(`mannWhitneyU: ${name} is empty`);
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`mannWhitneyU: ${name} holds ${v}, not a finite number`);
}

/**
 * @param alternative "greater": x tends to exceed y (the canary is slower, for latency).
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  alternative: Alternative,
  options: { continuity?: boolean; exact?: boolean } = {},
): MannWhitneyResult {
  assertSample('the first sample', x);
  assertSample('the second sample', y);
  const n1 = x.length;
  const n2 = y.length;
  const { rankSum, tieTerm } = rank(x, y);
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const ties = tieTerm > 0;
  const effect = u / (n1 * n2);
  const exact = options.exact ?? (n1 < EXACT_LIMIT && n2 < EXACT_LIMIT && !ties);
  if (exact && !ties) {
    return { u, n1, n2, effect, pValue: exactPValue(u, n1, n2, alternative), method: 'exact', ties };
  }
  const { z, pValue } = normalPValue(u, n1, n2, tieTerm, alternative, options.continuity ?? true);
  return { u, n1, n2, effect, pValue, method: 'normal', z, ties };
}

function normalPValue(
  u: number,
  n1: number,
  n2: number,
  tieTerm: number,
  alternative: Alternative,
  continuity: boolean,
): { z: number; pValue: number } {
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  // Every value tied: no ordering information at all.
  if (!(variance > 0)) return { z: 0, pValue: 1 };
  const sd = Math.sqrt(variance);
  const diff = u - mean;
  const cc = continuity ? 0.5 : 0;
  if (alternative === 'greater') {
    const z = (diff - cc) / sd;
    return { z, pValue: normalSf(z) };
  }
  if (alternative === 'less') {
    const z = (diff + cc) / sd;
    return { z, pValue: normalCdf(z) };
  }
  const z = (diff - Math.sign(diff) * cc) / sd;
  return { z, pValue: Math.min(1, 2 * Math.min(normalCdf(z), normalSf(z))) };
}

/**
 * The null distribution of U for sizes (m, n) with no ties, as probabilities:
 * p(m, n; u) = m/(m+n)·p(m−1, n; u−n) + n/(m+n)·p(m, n−1; u), by whether the
 * largest value belongs to the first sample. Additions of positive terms only,
 * so it keeps full precision where counts would pass 2⁵³.
 */
export function exactDistribution(m: number, n: number): Float64Array {
  // previous[j] is the distribution for (i − 1, j); current[j] for (i, j).
  let previous: Float64Array[] = Array.from({ length: n + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const current: Float64Array[] = [new Float64Array([1])];
    for (let j = 1; j <= n; j++) {
      const dist = new Float64Array(i * j + 1);
      const wi = i / (i + j);
      const wj = j / (i + j);
      // Largest value in the first sample: it beats all j of the second, adding j to U.
      const fromFirst = previous[j]!;
      for (let u = 0; u < fromFirst.length; u++) dist[u + j] = dist[u + j]! + wi * fromFirst[u]!;
      const fromSecond = current[j - 1]!;
      for (let u = 0; u < fromSecond.length; u++) dist[u] = dist[u]! + wj * fromSecond[u]!;
      current.push(dist);
    }
    previous = current;
  }
  return previous[n]!;
}

function exactPValue(u: number, n1: number, n2: number, alternative: Alternative): number {
  const dist = exactDistribution(n1, n2);
  const upper = (from: number) => sum(dist, Math.ceil(from), dist.length - 1);
  const lower = (to: number) => sum(dist, 0, Math.floor(to));
  if (alternative === 'greater') return Math.min(1, upper(u));
  if (alternative === 'less') return Math.min(1, lower(u));
  const mean = (n1 * n2) / 2;
  return Math.min(1, 2 * (u > mean ? upper(u) : lower(u)));
}

function sum(values: Float64Array, from: number, to: number): number {
  let total = 0;
  for (let i = Math.max(0, from); i <= Math.min(values.length - 1, to); i++) total += values[i]!;
  return total;
}

/**
 * The smallest p-value the test could give at these sizes, whatever the data:
 * when it is not below α, the samples are too small to show a difference, and
 * a "pass" would say nothing.
 */
export function smallestPValue(n1: number, n2: number, alternative: Alternative): number {
  const sides = alternative === 'two-sided' ? 2 : 1;
  // The most extreme ordering, every value of one sample above every value of the other, no ties.
  if (n1 < EXACT_LIMIT && n2 < EXACT_LIMIT) return Math.min(1, sides / binomial(n1 + n2, n1));
  const n = n1 + n2;
  const z = ((n1 * n2) / 2 - 0.5) / Math.sqrt(((n1 * n2) / 12) * (n + 1));
  return Math.min(1, sides * normalSf(z));
}

/** C(n, k) as a double: exact below 2⁵³, which covers the exact test's sizes (C(98, 49) ≈ 2.5e28 is only rounded). */
function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) result = (result * (n - Math.min(k, n - k) + i)) / i;
  return result;
}
