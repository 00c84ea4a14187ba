import { describe, expect, it } from 'vitest';
import type { HttpSample } from '../analysis/http-check';
import { podModeTraffic } from '../deploy/plan';
import { Timeline } from '../deploy/timeline';
import { judgeTracks } from '../deploy/track-round';
import type { TrackReport } from '../deploy/types';
import { analysisOutput, EXIT_CODES, exitCodeFor } from './analysis-output';
import { renderSummary } from './release-summary';

const samples = (n: number, status: number, ms: number): HttpSample[] =>
  Array.from({ length: n }, (_, i) => ({ status, ms: ms + (i % 7) }));

/** A failing step: the canary answers 500 to every request, the stable never. */
function failingStep(): TrackReport {
  const judgement = judgeTracks(samples(120, 500, 10), samples(120, 200, 10), 200);
  return {
    judgements: [{ step: 1, weight: 10, against: 'stable', judgement, extended: false }],
    rounds: [
      { atMs: 1000, weight: 10, canaryErrorRate: 1, baselineErrorRate: 0, canaryP95Ms: 16, baselineP95Ms: 16 },
      { atMs: 2000, weight: 10, canaryErrorRate: 1, baselineErrorRate: 0, canaryP95Ms: 16, baselineP95Ms: 16 },
    ],
    steps: [{ index: 1, endMs: 2000, verdict: 'fail' }],
  };
}

describe('the analysis output', () => {
  it('is versioned JSON with each metric’s canary and baseline values, test, p-value, verdict and reason', () => {
    const check = { source: 'http' as const, name: 'success rate', passed: true, value: '100%', threshold: '≥ 95%' };
    const output = JSON.parse(JSON.stringify(analysisOutput('failed', [check, { ...check, value: '99%' }], failingStep())));
    expect(output.v).toBe(1);
    expect(output.result).toBe('failed');
    expect(output.checks).toEqual([{ ...check, value: '99%' }]);
    expect(output.steps).toHaveLength(1);
    const [errors, latency] = output.steps[0].metrics;
    expect(output.steps[0]).toMatchObject({ step: 1, weight: 10, against: 'stable', extended: false, verdict: 'fail' });
    expect(errors).toMatchObject({
      name: 'error rate (not HTTP 200)',
      canary: { value: 1, n: 120 },
      baseline: { value: 0, n: 120 },
      test: "Fisher's exact test, one-sided (canary higher)",
      verdict: 'fail',
    });
    expect(errors.pValue).toBeLessThan(1e-30);
    expect(errors.reason).toMatch(/significantly higher/);
    // A 500 is an answer: its latency counts, and the same latencies are no worse.
    expect(latency).toMatchObject({ name: 'latency', verdict: 'pass', canary: { value: 16, n: 120 }, baseline: { value: 16, n: 120 } });
    expect(latency.test).toMatch(/^Mann–Whitney U/);
    expect(latency.pValue).toBeGreaterThan(0.05);
  });

  it('has no steps when the canary-only analysis did not run', () => {
    expect(analysisOutput('passed', [], undefined)).toEqual({ v: 1, result: 'passed', checks: [], steps: [] });
  });

  it('gives each failing outcome its own exit code', () => {
    expect(new Set(Object.values(EXIT_CODES)).size).toBe(Object.keys(EXIT_CODES).length);
    expect([exitCodeFor('failed'), exitCodeFor('rolled-back'), exitCodeFor('inconclusive'), exitCodeFor('cancelled')]).toEqual([
      1, 2, 3, 4,
    ]);
  });
});

describe('the summary of a canary-only analysis', () => {
  it('has a judgement table per step and the Mermaid chart of weight, error rate and p95 with the step verdicts', () => {
    const text = renderSummary({
      title: 'release prod/web',
      result: 'failed',
      headline: 'Canary analysis failed',
      steps: [{ traffic: podModeTraffic(10, 9), bakeMs: 2000, outcome: 'failed' }],
      analysis: [],
      timeline: new Timeline(() => undefined),
      facts: [],
      tracks: failingStep(),
    }).render();
    expect(text).toContain('### Canary-only analysis');
    expect(text).toContain('**Step 1** (10% of traffic), canary vs stable: **fail**');
    expect(text).toContain('| metric | canary | baseline | test | p-value | interval / ratio | verdict |');
    expect(text).toMatch(/\| error rate \(not HTTP 200\) \| 100\.0% \(120\/120\) \| 0% \(0\/120\) \| Fisher's exact test/);
    expect(text).toContain('```mermaid');
    expect(text).toContain('xychart-beta');
    expect(text).toMatch(/FAIL/);
  });
});
