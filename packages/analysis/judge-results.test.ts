import { describe, expect, it } from 'vitest';
import { judge, type RateMetric } from './judge';
import { analysisRecord, judgementTable, judgementToCheckResults, stepAction } from './judge-results';

const rate = (canary: [number, number], baseline: [number, number], extra: Partial<RateMetric> = {}): RateMetric => ({
  kind: 'rate',
  name: '5xx rate',
  source: 'cloudwatch',
  canary: { events: canary[0], total: canary[1] },
  baseline: { events: baseline[0], total: baseline[1] },
  ...extra,
});

describe('stepAction', () => {
  it('extends an inconclusive step once under "extend", and fails the second time', () => {
    expect(stepAction('inconclusive', 'extend', false)).toBe('extend');
    expect(stepAction('inconclusive', 'extend', true)).toBe('fail');
    expect(stepAction('inconclusive', 'fail', false)).toBe('fail');
    expect(stepAction('pass', 'fail', false)).toBe('next-step');
    expect(stepAction('fail', 'extend', false)).toBe('fail');
  });
});

describe('judgementToCheckResults', () => {
  it('makes one summary row per metric; inconclusive is not passed', () => {
    const results = judgementToCheckResults(judge([rate([50, 1000], [5, 1000]), rate([0, 10], [0, 10], { name: 'tiny' })]));
    expect(results[0]).toMatchObject({
      source: 'cloudwatch',
      name: '5xx rate, canary vs baseline',
      passed: false,
      value: '5.00% (50/1000) vs 0.50% (5/1000)',
      threshold: "not significantly higher at α = 0.05, Fisher's exact test, one-sided (canary higher)",
    });
    expect(results[0]!.detail).toMatch(/^fail: /);
    expect(results[1]).toMatchObject({
      passed: false,
      detail: 'inconclusive: too few requests (canary 10, baseline 10; each needs at least 100)',
    });
  });

  it('a non-critical metric fails its row only when it fails', () => {
    const [soft] = judgementToCheckResults(judge([rate([0, 10], [0, 10], { critical: false })]));
    expect(soft).toMatchObject({ name: '5xx rate, canary vs baseline (non-critical)', passed: true });
  });
});

describe('analysisRecord', () => {
  it('is plain JSON with every figure, and survives a round trip', () => {
    const record = analysisRecord(judge([rate([50, 1000], [5, 1000])]));
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(record.metrics[0]).toMatchObject({ canary: { value: 0.05, n: 1000 }, baseline: { value: 0.005, n: 1000 }, ratio: null });
    expect(record.metrics[0]!.pValue).toBeLessThan(1e-8);
    expect(record.metrics[0]!.interval!.level).toBe(0.95);
  });

  it('writes an infinite ratio (baseline 0) as null', () => {
    const record = analysisRecord(
      judge([{ kind: 'distribution', name: 'p95', source: 'http', canary: Array(200).fill(5), baseline: Array(200).fill(0) }]),
    );
    expect(record.metrics[0]).toMatchObject({ ratio: null, verdict: 'fail' });
  });
});

describe('judgementTable', () => {
  it('shows the interval for rates and the ratio for distributions', () => {
    const table = judgementTable(judge([rate([50, 1000], [5, 1000])]));
    expect(table.header).toEqual(['metric', 'canary', 'baseline', 'test', 'p-value', 'interval / ratio', 'verdict']);
    expect(table.rows[0]![5]).toMatch(/^3\.\d\d% to 6\.\d\d% \(95%\)$/);
    expect(table.rows[0]![6]).toMatch(/^\*\*fail\*\*: /);
  });
});
