import { logChoose } from './gamma';
import { normalQuantile } from './normal';

/**
 * Tests and intervals for two independent proportions, e.g. the canary's and
 * the baseline's error counts. Fisher's exact test is used at every size: it
 * is exact for the small counts of a short bake (where a z-test misleads), and
 * its tail sum stays cheap at the counts CloudWatch reports.
 */

export type Alternative = 'greater' | 'less' | 'two-sided';

export interface Counts {
  /** Events, e.g. errors. */
  events: number;
  /** Trials, e.g. requests. */
  total: number;
}

function assertCounts(name: string, c: Counts): void {
  if (!Number.isInteger(c.events) || !Number.isInteger(c.total) || c.events < 0 || c.total < 0 || c.events > c.total) {
    throw new RangeError(`${name}: needs whole counts with 0 ≤ events ≤ total, got ${c.events}/${c.total}`);
  }
}

/** Stop summing a tail when the next term no longer changes the sum. */
const NEGLIGIBLE = 1e-17;

/**
 * Fisher's exact test on the 2×2 table of events in a and b. With the margins
 * fixed, a's events X are hypergeometric; "greater" is P(X ≥ observed), the
 * chance of a's rate exceeding b's this much if both had the same rate.
 */
export function fisherExact(a: Counts, b: Counts, alternative: Alternative): number {
  assertCounts('fisherExact a', a);
  assertCounts('fisherExact b', b);
  const n = a.total + b.total;
  const events = a.events + b.events;
  const low = Math.max(0, a.total - (n - events));
  const high = Math.min(events, a.total);
  if (low === high) return 1;
  const logDenominator = logChoose(n, a.total);
  const logPmf = (k: number) => logChoose(events, k) + logChoose(n - events, a.total - k) - logDenominator;
  // Successive terms by their ratio: exact enough, and no log Γ per term.
  const ratioUp = (k: number) => ((events - k) * (a.total - k)) / ((k + 1) * (n - events - a.total + k + 1));
  const x = a.events;
  const mode = Math.floor(((a.total + 1) * (events + 1)) / (n + 2));

  const upperTail = (from: number) => sumUp(from, Math.exp(logPmf(from)), high, ratioUp);
  const lowerTail = (from: number) => sumDown(from, Math.exp(logPmf(from)), low, ratioUp);
  // Sum the side of the observation that is away from the mode, where terms shrink fast; the other side is one minus it.
  const pGreater = () => (x >= mode ? upperTail(x) : 1 - (x > low ? lowerTail(x - 1) : 0));
  const pLess = () => (x <= mode ? lowerTail(x) : 1 - (x < high ? upperTail(x + 1) : 0));
  if (alternative === 'greater') return clamp(pGreater());
  if (alternative === 'less') return clamp(pLess());
  // Two-sided: the probability of every table no more likely than the observed one (R's and SciPy's definition).
  const observed = logPmf(x);
  const relErr = 1 + 1e-7;
  let p = 0;
  for (let k = low; k <= high; k++) {
    const term = logPmf(k);
    if (term <= observed + Math.log(relErr)) p += Math.exp(term);
  }
  return clamp(p);
}

function sumUp(from: number, first: number, high: number, ratioUp: (k: number) => number): number {
  let term = first;
  let sum = first;
  for (let k = from; k < high; k++) {
    term *= ratioUp(k);
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  return sum;
}

function sumDown(from: number, first: number, low: number, ratioUp: (k: number) => number): number {
  let term = first;
  let sum = first;
  for (let k = from; k > low; k--) {
    term /= ratioUp(k - 1);
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  return sum;
}

function clamp(p: number): number {
  return Math.min(1, Math.max(0, p));
}

export interface Interval {
  low: number;
  high: number;
  /** Coverage, e.g. 0.95. */
  level: number;
}

/** Wilson's score interval for one proportion: sensible at 0 and at n events, unlike the Wald interval. */
export function wilsonInterval(c: Counts, level = 0.95): Interval {
  assertCounts('wilsonInterval', c);
  if (c.total === 0) return { low: 0, high: 1, level };
  const z = normalQuantile(1 - (1 - level) / 2);
  const n = c.total;
  const p = c.events / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half), level };
}

/**
 * Newcombe's hybrid score interval for the difference of two proportions,
 * a − b (his method 10), built from the two Wilson intervals.
 */
export function differenceInterval(a: Counts, b: Counts, level = 0.95): Interval {
  const p1 = a.total ? a.events / a.total : 0;
  const p2 = b.total ? b.events / b.total : 0;
  const w1 = wilsonInterval(a, level);
  const w2 = wilsonInterval(b, level);
  const d = p1 - p2;
  const low = d - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2);
  const high = d + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2);
  return { low: Math.max(-1, low), high: Math.min(1, high), level };
}
