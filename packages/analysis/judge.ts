import { mannWhitneyU, smallestPValue } from './stats/mann-whitney';
import { differenceInterval, fisherExact, type Alternative, type Counts, type Interval } from './stats/proportions';
import type { CheckResult } from './types';

/**
 * The judge: the canary against the baseline (or the stable) on the same
 * metrics over the same window. Each metric gets a verdict from a test, not a
 * threshold: a proportion test for error counts, a rank test plus a ratio
 * bound for latencies. Too little data is "inconclusive", never a pass.
 */

export type Verdict = 'pass' | 'fail' | 'inconclusive';
/** Which change of the canary fails the metric: errors and latency fail on an increase. */
export type Direction = 'increase' | 'decrease' | 'either';

export interface JudgeOptions {
  /** Significance level of every test. */
  alpha: number;
  /** Requests each of canary and baseline must have served before a metric can be judged. */
  minRequests: number;
  /** A rate metric fails only above this absolute rate (a fraction), however significant the difference. */
  errorFloor: number;
  /** A latency metric fails only when the canary's percentile is more than this times the baseline's. */
  latencyRatio: number;
  /** The percentile the ratio bound compares, e.g. 95. */
  latencyPercentile: number;
}

export const DEFAULT_JUDGE_OPTIONS: Readonly<JudgeOptions> = {
  alpha: 0.05,
  minRequests: 100,
  errorFloor: 0.01,
  latencyRatio: 1.2,
  latencyPercentile: 95,
};

interface MetricBase {
  /** E.g. "5xx rate" or "p95 latency". */
  name: string;
  /** Where the data came from, for the summary table. */
  source: CheckResult['source'];
  /** Default: "increase". */
  direction?: Direction;
  /** A critical metric decides the step; a failing non-critical one is a warning. Default: true. */
  critical?: boolean;
  /** Why the source could not be read: the metric is inconclusive with this reason. */
  problem?: string;
}

/** Counts of events among requests per track, e.g. 5xx answers. */
export interface RateMetric extends MetricBase {
  kind: 'rate';
  /** Undefined when the source returned no datapoints for the track. */
  canary?: Counts;
  baseline?: Counts;
  /** Overrides JudgeOptions.errorFloor, the default of "increase" metrics; "decrease" metrics have none unless given; "either" ignores it. */
  floor?: number;
  /** Overrides JudgeOptions.minRequests. */
  minRequests?: number;
}

/** Samples per track: per-request latencies, or per-period values of a metric. */
export interface DistributionMetric extends MetricBase {
  kind: 'distribution';
  canary: readonly number[];
  baseline: readonly number[];
  /** Printed after values, e.g. "ms". */
  unit?: string;
  /** Overrides JudgeOptions.latencyPercentile. */
  percentile?: number;
  /** The track's percentile over the whole window, when the samples are per-period aggregates (CloudWatch p95 per minute). */
  canaryValue?: number;
  baselineValue?: number;
  /** Requests behind the samples, when they are aggregates; the minimum-request rule applies to these. */
  requests?: { canary: number; baseline: number };
  /** Samples each track needs; default: minRequests for per-request samples, 3 for aggregates. */
  minSamples?: number;
  /** Overrides JudgeOptions.latencyRatio. */
  maxRatio?: number;
  /** The canary's value must also differ by at least this much (in the metric's unit) to fail. Default 0. */
  minDifference?: number;
}

export type MetricInput = RateMetric | DistributionMetric;

export interface TrackValue {
  /** The rate, or the percentile; null when there were no datapoints. */
  value: number | null;
  /** Requests (rate) or samples (distribution). */
  n: number;
  /** For people: "5.0% (50/1000)", "p95 312 ms (n=400)". */
  text: string;
}

/** Everything behind one metric's verdict, for the summary and the `analysis` output. */
export interface MetricVerdict {
  name: string;
  source: CheckResult['source'];
  kind: MetricInput['kind'];
  direction: Direction;
  critical: boolean;
  verdict: Verdict;
  canary: TrackValue;
  baseline: TrackValue;
  /** The test that decided, e.g. "Fisher's exact test, one-sided"; "none" when data were missing. */
  test: string;
  pValue?: number;
  alpha: number;
  /** Rate metrics: the two-sided (1 − α) interval of canary rate − baseline rate. */
  interval?: Interval;
  /** Distribution metrics: canary percentile / baseline percentile. */
  ratio?: number;
  /** Distribution metrics: P(canary sample > baseline sample), 0.5 when neither tends higher. */
  effect?: number;
  reason: string;
}

export interface Judgement {
  verdict: Verdict;
  metrics: MetricVerdict[];
  /** One sentence: which metrics decided and why. */
  reason: string;
  /** Non-critical metrics that failed or could not be judged. */
  warnings: string[];
}

const ALTERNATIVE: Record<Direction, Alternative> = { increase: 'greater', decrease: 'less', either: 'two-sided' };
const WORSE: Record<Direction, string> = { increase: 'higher', decrease: 'lower', either: 'different' };

export function judge(metrics: readonly MetricInput[], options: Partial<JudgeOptions> = {}): Judgement {
  const opts = { ...DEFAULT_JUDGE_OPTIONS, ...options };
  const verdicts = metrics.map((m) => (m.kind === 'rate' ? judgeRate(m, opts) : judgeDistribution(m, opts)));
  return summarize(verdicts);
}

function summarize(metrics: MetricVerdict[]): Judgement {
  const critical = metrics.filter((m) => m.critical);
  const warnings = metrics.filter((m) => !m.critical && m.verdict !== 'pass').map((m) => `${m.name}: ${m.verdict}, ${m.reason}`);
  const failing = critical.filter((m) => m.verdict === 'fail');
  const unsure = critical.filter((m) => m.verdict === 'inconclusive');
  if (critical.length === 0) {
    return { verdict: 'inconclusive', metrics, warnings, reason: 'no critical metric to judge the canary by' };
  }
  if (failing.length) return { verdict: 'fail', metrics, warnings, reason: failing.map((m) => `${m.name}: ${m.reason}`).join('; ') };
  if (unsure.length) return { verdict: 'inconclusive', metrics, warnings, reason: unsure.map((m) => `${m.name}: ${m.reason}`).join('; ') };
  return { verdict: 'pass', metrics, warnings, reason: `${critical.length} critical metric(s) no worse than the baseline` };
}

function base(m: MetricInput, alpha: number): Pick<MetricVerdict, 'name' | 'source' | 'kind' | 'direction' | 'critical' | 'alpha'> {
  return { name: m.name, source: m.source, kind: m.kind, direction: m.direction ?? 'increase', critical: m.critical ?? true, alpha };
}

export function judgeRate(m: RateMetric, opts: JudgeOptions): MetricVerdict {
  const head = base(m, opts.alpha);
  const minRequests = m.minRequests ?? opts.minRequests;
  // The default floor is an error rate's; a "decrease" metric (a success rate) has none unless it names one.
  const floor = m.floor ?? (head.direction === 'increase' ? opts.errorFloor : undefined);
  const canary = rateValue(m.canary);
  const baseline = rateValue(m.baseline);
  const record = (verdict: Verdict, reason: string, extra: Partial<MetricVerdict> = {}): MetricVerdict => ({
    ...head,
    verdict,
    canary,
    baseline,
    test: 'none',
    reason,
    ...extra,
  });
  if (m.problem) return record('inconclusive', m.problem);
  const missing = !m.canary ? 'canary' : !m.baseline ? 'baseline' : undefined;
  if (missing) return record('inconclusive', `no datapoints for the ${missing}`);
  const few = [
    m.canary!.total < minRequests ? `canary ${m.canary!.total}` : '',
    m.baseline!.total < minRequests ? `baseline ${m.baseline!.total}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  if (few) return record('inconclusive', `too few requests (${few}; each needs at least ${minRequests})`);

  const alternative = ALTERNATIVE[head.direction];
  const pValue = fisherExact(m.canary!, m.baseline!, alternative);
  const interval = differenceInterval(m.canary!, m.baseline!, 1 - opts.alpha);
  const test = `Fisher's exact test, ${alternative === 'two-sided' ? 'two-sided' : `one-sided (canary ${WORSE[head.direction]})`}`;
  const detail = { test, pValue, interval };
  const significant = pValue < opts.alpha;
  const rate = canary.value!;
  const beyondFloor =
    floor === undefined || head.direction === 'either' ? true : head.direction === 'increase' ? rate > floor : rate < floor;
  const p = `p = ${formatP(pValue)}`;
  if (significant && beyondFloor) {
    const floorText =
      floor === undefined || head.direction === 'either'
        ? ''
        : ` and ${head.direction === 'increase' ? 'above' : 'below'} the ${formatRate(floor)} floor`;
    return record(
      'fail',
      `${canary.text} vs ${baseline.text}: significantly ${WORSE[head.direction]} (${p} < ${opts.alpha})${floorText}`,
      detail,
    );
  }
  if (significant) {
    return record(
      'pass',
      `${canary.text} vs ${baseline.text}: significantly ${WORSE[head.direction]} (${p}), but ${head.direction === 'increase' ? 'at or under' : 'at or above'} the ${formatRate(floor!)} floor`,
      detail,
    );
  }
  return record('pass', `${canary.text} vs ${baseline.text}: not significantly ${WORSE[head.direction]} (${p} ≥ ${opts.alpha})`, detail);
}

function rateValue(c: Counts | undefined): TrackValue {
  if (!c) return { value: null, n: 0, text: 'no data' };
  const value = c.total === 0 ? 0 : c.events / c.total;
  return { value, n: c.total, text: `${formatRate(value)} (${c.events}/${c.total})` };
}

/** Aggregated samples (one per period) are few by nature; per-request samples follow the request minimum. */
const MIN_AGGREGATE_SAMPLES = 3;

export function judgeDistribution(m: DistributionMetric, opts: JudgeOptions): MetricVerdict {
  const head = base(m, opts.alpha);
  const p = m.percentile ?? opts.latencyPercentile;
  const maxRatio = m.maxRatio ?? opts.latencyRatio;
  const minSamples = m.minSamples ?? (m.requests ? MIN_AGGREGATE_SAMPLES : opts.minRequests);
  const side = (samples: readonly number[], given: number | undefined): TrackValue => {
    if (samples.length === 0 && given === undefined) return { value: null, n: 0, text: 'no data' };
    const value = given ?? nearestRank(samples, p);
    return { value, n: samples.length, text: `p${p} ${formatNumber(value)}${m.unit ? ` ${m.unit}` : ''} (n=${samples.length})` };
  };
  const canary = side(m.canary, m.canaryValue);
  const baseline = side(m.baseline, m.baselineValue);
  const record = (verdict: Verdict, reason: string, extra: Partial<MetricVerdict> = {}): MetricVerdict => ({
    ...head,
    verdict,
    canary,
    baseline,
    test: 'none',
    reason,
    ...extra,
  });
  if (m.problem) return record('inconclusive', m.problem);
  const missing = m.canary.length === 0 ? 'canary' : m.baseline.length === 0 ? 'baseline' : undefined;
  if (missing) return record('inconclusive', `no datapoints for the ${missing}`);
  if (m.requests) {
    const few = [
      m.requests.canary < opts.minRequests ? `canary ${m.requests.canary}` : '',
      m.requests.baseline < opts.minRequests ? `baseline ${m.requests.baseline}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    if (few) return record('inconclusive', `too few requests (${few}; each needs at least ${opts.minRequests})`);
  }
  const fewSamples = [
    m.canary.length < minSamples ? `canary ${m.canary.length}` : '',
    m.baseline.length < minSamples ? `baseline ${m.baseline.length}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  if (fewSamples) return record('inconclusive', `too few samples (${fewSamples}; each needs at least ${minSamples})`);

  const alternative = ALTERNATIVE[head.direction];
  if (smallestPValue(m.canary.length, m.baseline.length, alternative) >= opts.alpha) {
    return record(
      'inconclusive',
      `${m.canary.length} and ${m.baseline.length} samples cannot show a difference at α = ${opts.alpha}, whatever they hold`,
    );
  }
  const result = mannWhitneyU(m.canary, m.baseline, alternative);
  const ratio = canary.value! === baseline.value! ? 1 : baseline.value! === 0 ? Infinity : canary.value! / baseline.value!;
  const method = result.method === 'exact' ? 'exact' : `normal approximation${result.ties ? ', tie-corrected' : ''}, continuity-corrected`;
  const test = `Mann–Whitney U (${method}), ${alternative === 'two-sided' ? 'two-sided' : `one-sided (canary ${WORSE[head.direction]})`}, with a ${maxRatio}× bound on p${p}`;
  const detail = { test, pValue: result.pValue, ratio, effect: result.effect };
  const significant = result.pValue < opts.alpha;
  const higher = ratio > maxRatio;
  const lower = ratio < 1 / maxRatio;
  const beyondBound = head.direction === 'increase' ? higher : head.direction === 'decrease' ? lower : higher || lower;
  const difference = Math.abs(canary.value! - baseline.value!);
  const bigEnough = difference >= (m.minDifference ?? 0);
  const pText = `p = ${formatP(result.pValue)}`;
  const ratioText = `${formatNumber(ratio)}× the baseline`;
  if (significant && beyondBound && bigEnough) {
    return record(
      'fail',
      `${canary.text} vs ${baseline.text}: ${ratioText}, beyond ${maxRatio}×, and significantly ${WORSE[head.direction]} (${pText} < ${opts.alpha})`,
      detail,
    );
  }
  if (significant && beyondBound) {
    return record(
      'pass',
      `${canary.text} vs ${baseline.text}: significantly ${WORSE[head.direction]} (${pText}), but by less than ${m.minDifference}${m.unit ? ` ${m.unit}` : ''}`,
      detail,
    );
  }
  if (significant) {
    return record(
      'pass',
      `${canary.text} vs ${baseline.text}: significantly ${WORSE[head.direction]} (${pText}), but ${ratioText}, within ${maxRatio}×`,
      detail,
    );
  }
  return record(
    'pass',
    `${canary.text} vs ${baseline.text}: ${ratioText}, not significantly ${WORSE[head.direction]} (${pText} ≥ ${opts.alpha})`,
    detail,
  );
}

/** The nearest-rank percentile, as http-check and CloudWatch define it, on a typed copy (a native numeric sort). */
export function nearestRank(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** "12.5%", "5.00%", "0.040%", "0%", "-3.81%". */
export function formatRate(rate: number): string {
  const percent = rate * 100;
  const size = Math.abs(percent);
  if (size === 0) return '0%';
  if (size >= 10) return `${percent.toFixed(1)}%`;
  if (size >= 0.1) return `${percent.toFixed(2)}%`;
  return `${percent.toPrecision(2)}%`;
}

/** Two significant digits, or a power of ten for the very small. */
export function formatP(p: number): string {
  if (p === 0) return '0';
  if (p < 0.001) return p.toExponential(1);
  return p.toPrecision(2);
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}
