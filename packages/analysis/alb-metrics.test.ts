import { describe, expect, it } from 'vitest';
import { albQueries, albTrackMetrics, alignWindow, fetchAlbSeries, type MetricDataReader, type MetricQuery } from './alb-metrics';
import { judge } from './judge';

const LB = 'app/k8s-shop-web-0a1b2c3d4e/50dc6c495c0c9188';
const GROUPS = { canary: 'targetgroup/k8s-shop-appcanar/73e2d6bc24d8a067', stable: 'targetgroup/k8s-shop-appstabl/a1b2c3d4e5f60718' };

describe('alignWindow', () => {
  it('puts the window on whole minutes and keeps at least one period', () => {
    const w = alignWindow(new Date('2026-03-01T10:00:42Z'), new Date('2026-03-01T10:05:10Z'));
    expect([w.start.toISOString(), w.end.toISOString(), w.periodSeconds]).toEqual([
      '2026-03-01T10:00:00.000Z',
      '2026-03-01T10:06:00.000Z',
      60,
    ]);
    expect(alignWindow(new Date('2026-03-01T10:00:42Z'), new Date('2026-03-01T10:00:50Z'), 120).end.toISOString()).toBe(
      '2026-03-01T10:02:00.000Z',
    );
    expect(() => alignWindow(new Date(0), new Date(1), 30)).toThrow(/multiple of 60/);
  });
});

describe('albQueries', () => {
  it('asks for each group’s requests, 5xx and response time with both dimensions, per period and over the window', () => {
    const window = alignWindow(new Date('2026-03-01T10:00:00Z'), new Date('2026-03-01T10:05:00Z'));
    const queries = albQueries(LB, GROUPS, window, 99);
    expect(queries.map((q) => [q.id, q.metricName, q.stat, q.periodSeconds])).toEqual([
      ['requests_canary', 'RequestCount', 'Sum', 60],
      ['errors_canary', 'HTTPCode_Target_5XX_Count', 'Sum', 300],
      ['latency_canary', 'TargetResponseTime', 'p99', 60],
      ['latencywindow_canary', 'TargetResponseTime', 'p99', 300],
      ['requests_stable', 'RequestCount', 'Sum', 60],
      ['errors_stable', 'HTTPCode_Target_5XX_Count', 'Sum', 300],
      ['latency_stable', 'TargetResponseTime', 'p99', 60],
      ['latencywindow_stable', 'TargetResponseTime', 'p99', 300],
    ]);
    expect(queries[0]).toMatchObject({
      namespace: 'AWS/ApplicationELB',
      dimensions: [
        { name: 'TargetGroup', value: GROUPS.canary },
        { name: 'LoadBalancer', value: LB },
      ],
    });
  });
});

/** A CloudWatch stand-in that answers from fixed series per query id, as GetMetricData would. */
function reader(data: Record<string, number[]>): MetricDataReader & { asked: MetricQuery[] } {
  const asked: MetricQuery[] = [];
  return {
    asked,
    async getMetricData(queries) {
      asked.push(...queries);
      return new Map(
        queries.map((q) => [q.id, { timestamps: (data[q.id] ?? []).map((_, i) => new Date(i * 60_000)), values: data[q.id] ?? [] }]),
      );
    },
  };
}

describe('fetchAlbSeries and albTrackMetrics', () => {
  const window = alignWindow(new Date('2026-03-01T10:00:00Z'), new Date('2026-03-01T10:05:00Z'));
  const steady = [400, 410, 395, 405, 390];

  it('a canary group with 5xx datapoints fails against a clean stable group', async () => {
    const series = await fetchAlbSeries(
      reader({
        requests_canary: [40, 42, 39, 41, 38],
        errors_canary: [12],
        latency_canary: [0.05, 0.052, 0.049, 0.051, 0.05],
        latencywindow_canary: [0.052],
        requests_stable: steady,
        latency_stable: [0.05, 0.051, 0.05, 0.049, 0.05],
        latencywindow_stable: [0.051],
      }),
      LB,
      GROUPS,
      window,
    );
    expect(series.canary).toEqual({
      requests: [40, 42, 39, 41, 38],
      errors: 12,
      latencyPerPeriod: [50, 52, 49, 51, 50],
      latencyWindow: 52,
    });
    // The stable group reported no 5xx datapoint while it served 2000 requests: zero errors, not missing data.
    expect(series.stable!.errors).toBe(0);
    const result = judge(albTrackMetrics(series, { canary: 'canary', baseline: 'stable' }));
    expect(result.verdict).toBe('fail');
    expect(result.metrics[0]).toMatchObject({
      name: 'target 5xx rate',
      verdict: 'fail',
      canary: { text: '6.00% (12/200)' },
      baseline: { text: '0% (0/2000)' },
    });
    expect(result.metrics[1]).toMatchObject({ name: 'target response time p95', verdict: 'pass', canary: { value: 52 } });
  });

  it('matching groups pass', async () => {
    const series = await fetchAlbSeries(
      reader({
        requests_canary: [200, 210, 190, 205, 195],
        errors_canary: [1],
        latency_canary: [0.05, 0.051, 0.049, 0.05, 0.052],
        latencywindow_canary: [0.051],
        requests_stable: steady,
        errors_stable: [2],
        latency_stable: [0.05, 0.05, 0.051, 0.049, 0.05],
        latencywindow_stable: [0.05],
      }),
      LB,
      GROUPS,
      window,
    );
    expect(judge(albTrackMetrics(series, { canary: 'canary', baseline: 'stable' })).verdict).toBe('pass');
  });

  it('no datapoints is inconclusive, for errors and latency alike', async () => {
    const series = await fetchAlbSeries(
      reader({ requests_stable: steady, latency_stable: [0.05, 0.05, 0.05, 0.05, 0.05] }),
      LB,
      GROUPS,
      window,
    );
    expect(series.canary).toEqual({ requests: [], errors: 0, latencyPerPeriod: [], latencyWindow: undefined });
    const result = judge(albTrackMetrics(series, { canary: 'canary', baseline: 'stable' }));
    expect(result.verdict).toBe('inconclusive');
    expect(result.metrics.map((m) => [m.verdict, m.reason])).toEqual([
      ['inconclusive', 'no datapoints for the canary'],
      ['inconclusive', 'no datapoints for the canary'],
    ]);
  });

  it('drops values CloudWatch (or moto) gives as null instead of counting them as 0', async () => {
    const series = await fetchAlbSeries(
      reader({ requests_canary: [10, 10, 10], latency_canary: [NaN, NaN, NaN] }),
      LB,
      { canary: GROUPS.canary },
      window,
    );
    expect(series.canary!.latencyPerPeriod).toEqual([]);
  });

  it('a failing percentile call leaves the error rate standing and makes latency inconclusive with the reason', async () => {
    const counts = reader({ requests_canary: [300, 300, 300], requests_stable: [300, 300, 300], errors_canary: [40] });
    const flaky: MetricDataReader = {
      async getMetricData(queries, start, end) {
        if (queries.some((q) => q.metricName === 'TargetResponseTime'))
          throw new Error('cloudwatch:GetMetricData failed (InternalFailure)');
        return counts.getMetricData(queries, start, end);
      },
    };
    const series = await fetchAlbSeries(flaky, LB, GROUPS, window);
    expect(series.canary!.latencyProblem).toBe('cloudwatch:GetMetricData failed (InternalFailure)');
    const result = judge(albTrackMetrics(series, { canary: 'canary', baseline: 'stable' }));
    expect(result.metrics.map((m) => [m.verdict, m.reason.slice(0, 28)])).toEqual([
      ['fail', '4.44% (40/900) vs 0% (0/900)'],
      ['inconclusive', 'response times unreadable: c'],
    ]);
    expect(result.verdict).toBe('fail');
  });
});
