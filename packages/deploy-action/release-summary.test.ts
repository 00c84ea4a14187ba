import { describe, expect, it } from 'vitest';
import { podModeTraffic } from '../deploy/plan';
import { Timeline } from '../deploy/timeline';
import { latestByCheck, renderSummary } from './release-summary';

describe('renderSummary', () => {
  it('shows the true traffic share, the values against thresholds and the timeline', () => {
    const timeline = new Timeline(() => undefined);
    timeline.add('Canary created');
    const text = renderSummary({
      title: 'release prod/web',
      result: 'failed',
      headline: 'Canary analysis failed',
      steps: [{ traffic: podModeTraffic(10, 3), bakeMs: 60_000, outcome: 'failed' }],
      analysis: [
        {
          source: 'http',
          name: 'success rate',
          passed: false,
          value: '80% (16/20)',
          threshold: '≥ 95% answering 200',
          detail: 'answered HTTP 503',
        },
        { source: 'http', name: 'success rate', passed: true, value: '100% (20/20)', threshold: '≥ 95% answering 200' },
      ],
      timeline,
      facts: [['cluster', 'kind']],
    }).render();
    expect(text).toContain('❌ release prod/web: failed');
    expect(text).toContain('| 1 | 25% (asked 10%) | 1 | 60.0s | failed |');
    expect(text).toContain('| http | success rate | 80% (16/20) | ≥ 95% answering 200 | **fail**: answered HTTP 503 |');
    expect(text).toMatch(/\| \+0\.\ds \| Canary created \|/);
  });

  it('keeps a failure visible over a later pass of the same check', () => {
    const fail = { source: 'kubernetes' as const, name: 'restarts', passed: false, value: '3', threshold: '≤ 0' };
    expect(latestByCheck([fail, { ...fail, passed: true, value: '0' }])).toEqual([fail]);
  });
});
