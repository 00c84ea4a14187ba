import { formatP, formatRate, type Judgement, type MetricVerdict, type Verdict } from './judge';
import type { CheckResult } from './types';

/**
 * What the engine does with a judgement, and how it is shown: rows of the
 * summary's analysis table, the `analysis` output, and the step's next move
 * under the inconclusive policy.
 */

/** What an inconclusive step does: fail it (the default for production), or bake once more and judge again. */
export type InconclusivePolicy = 'fail' | 'extend';

export type StepAction = 'next-step' | 'fail' | 'extend';

/**
 * @param extended whether this step's bake was already extended once: a second
 *   inconclusive verdict fails, so a canary is never promoted without evidence.
 */
export function stepAction(verdict: Verdict, policy: InconclusivePolicy, extended: boolean): StepAction {
  if (verdict === 'pass') return 'next-step';
  if (verdict === 'fail') return 'fail';
  return policy === 'extend' && !extended ? 'extend' : 'fail';
}

/** One row per metric for the summary's analysis table; an inconclusive metric is not a pass. */
export function judgementToCheckResults(judgement: Judgement): CheckResult[] {
  return judgement.metrics.map((m) => ({
    source: m.source,
    name: `${m.name}, canary vs baseline${m.critical ? '' : ' (non-critical)'}`,
    passed: m.verdict === 'pass' || (!m.critical && m.verdict !== 'fail'),
    value: `${m.canary.text} vs ${m.baseline.text}`,
    threshold: thresholdText(m),
    detail: m.verdict === 'pass' ? undefined : `${m.verdict}: ${m.reason}`,
  }));
}

function thresholdText(m: MetricVerdict): string {
  const worse = m.direction === 'increase' ? 'higher' : m.direction === 'decrease' ? 'lower' : 'different';
  const test = m.test === 'none' ? '' : `, ${m.test}`;
  return `not significantly ${worse} at α = ${m.alpha}${test}`;
}

/** The `analysis` output: plain JSON with every figure behind each verdict. */
export interface AnalysisRecord {
  verdict: Verdict;
  reason: string;
  warnings: string[];
  metrics: {
    name: string;
    source: string;
    verdict: Verdict;
    critical: boolean;
    direction: string;
    canary: { value: number | null; n: number };
    baseline: { value: number | null; n: number };
    test: string;
    pValue: number | null;
    alpha: number;
    interval: { low: number; high: number; level: number } | null;
    ratio: number | null;
    effect: number | null;
    reason: string;
  }[];
}

export function analysisRecord(judgement: Judgement): AnalysisRecord {
  return {
    verdict: judgement.verdict,
    reason: judgement.reason,
    warnings: judgement.warnings,
    metrics: judgement.metrics.map((m) => ({
      name: m.name,
      source: m.source,
      verdict: m.verdict,
      critical: m.critical,
      direction: m.direction,
      canary: { value: m.canary.value, n: m.canary.n },
      baseline: { value: m.baseline.value, n: m.baseline.n },
      test: m.test,
      pValue: m.pValue ?? null,
      alpha: m.alpha,
      interval: m.interval ?? null,
      // JSON has no Infinity: a baseline of 0 against a slower canary is reported as null with the reason.
      ratio: m.ratio !== undefined && Number.isFinite(m.ratio) ? m.ratio : null,
      effect: m.effect ?? null,
      reason: m.reason,
    })),
  };
}

/** A Markdown table of the verdicts for the job summary, one row per metric. */
export function judgementTable(judgement: Judgement): { header: string[]; rows: string[][] } {
  return {
    header: ['metric', 'canary', 'baseline', 'test', 'p-value', 'interval / ratio', 'verdict'],
    rows: judgement.metrics.map((m) => [
      `${m.name}${m.critical ? '' : ' (non-critical)'}`,
      m.canary.text,
      m.baseline.text,
      m.test,
      m.pValue === undefined ? '–' : formatP(m.pValue),
      m.interval
        ? `${formatRate(m.interval.low)} to ${formatRate(m.interval.high)} (${Math.round(m.interval.level * 100)}%)`
        : m.ratio !== undefined
          ? `${Number.isFinite(m.ratio) ? m.ratio.toFixed(2) : '∞'}×`
          : '–',
      m.verdict === 'pass' ? 'pass' : `**${m.verdict}**: ${m.reason}`,
    ]),
  };
}
