import { describe, expect, it } from 'vitest';
import type { HttpSample } from './http-check';
import { httpTrackMetrics } from './http-judge';
import { judge } from './judge';

const ok = (ms: number): HttpSample => ({ status: 200, ms });

describe('httpTrackMetrics', () => {
  it('counts wrong statuses and transport errors as errors, and keeps only answered latencies', () => {
    const canary: HttpSample[] = [ok(10), { status: 500, ms: 12 }, { status: 'error', ms: 5000, error: 'timed out after 5000ms' }];
    const [errors, latency] = httpTrackMetrics(canary, [ok(9), ok(11)], { expectedStatus: 200 });
    expect(errors).toMatchObject({ kind: 'rate', canary: { events: 2, total: 3 }, baseline: { events: 0, total: 2 } });
    expect(latency).toMatchObject({ kind: 'distribution', unit: 'ms', canary: [10, 12], baseline: [9, 11] });
  });

  it('a track without samples has no data, which the judge calls inconclusive', () => {
    const result = judge(
      httpTrackMetrics(
        [],
        Array.from({ length: 200 }, () => ok(10)),
        { expectedStatus: 200 },
      ),
    );
    expect(result.verdict).toBe('inconclusive');
    expect(result.metrics.map((m) => m.reason)).toEqual(['no datapoints for the canary', 'no datapoints for the canary']);
  });

  it('a canary that answers 500 to every request fails against a healthy baseline', () => {
    const canary = Array.from({ length: 150 }, (): HttpSample => ({ status: 500, ms: 3 }));
    const baseline = Array.from({ length: 150 }, (_, i) => ok(20 + (i % 7)));
    const result = judge(httpTrackMetrics(canary, baseline, { expectedStatus: 200 }));
    expect(result.verdict).toBe('fail');
    expect(result.reason).toMatch(/^error rate \(not HTTP 200\): 100\.0% \(150\/150\) vs 0% \(0\/150\)/);
  });
});
