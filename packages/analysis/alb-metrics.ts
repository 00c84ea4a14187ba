import type { DistributionMetric, RateMetric } from './judge';

/**
 * ALB metrics per target group from CloudWatch (namespace AWS/ApplicationELB,
 * dimensions TargetGroup and LoadBalancer), for the judge: 5xx answers of the
 * targets against requests, and the targets' response time, per period and
 * over the whole window.
 */

export const ALB_NAMESPACE = 'AWS/ApplicationELB';

export interface MetricQuery {
  id: string;
  namespace: string;
  metricName: string;
  dimensions: { name: string; value: string }[];
  /** "Sum", "Average", or an extended statistic such as "p95". */
  stat: string;
  periodSeconds: number;
}

export interface MetricSeries {
  timestamps: Date[];
  values: number[];
}

/** GetMetricData, whichever client makes it; cloudwatch-client.ts has the SDK one. */
export interface MetricDataReader {
  getMetricData(queries: MetricQuery[], start: Date, end: Date): Promise<Map<string, MetricSeries>>;
}

export interface AlbWindow {
  start: Date;
  end: Date;
  /** The period of the per-period series; a multiple of 60 (ALB metrics are per minute). */
  periodSeconds: number;
}

export interface AlbTrackSeries {
  /** RequestCount per period; empty when the group served nothing in the window (or has no datapoints yet). */
  requests: number[];
  /** HTTPCode_Target_5XX_Count over the window (ALB reports it only when non-zero, so absent means 0). */
  errors: number;
  /** TargetResponseTime at the percentile per period, in ms. */
  latencyPerPeriod: number[];
  /** TargetResponseTime at the percentile over the whole window, in ms. */
  latencyWindow?: number;
  /** Why the response times could not be read, when the counts could. */
  latencyProblem?: string;
}

/** The window, on whole minutes: CloudWatch returns ALB datapoints on minute boundaries. */
export function alignWindow(start: Date, end: Date, periodSeconds = 60): AlbWindow {
  if (!Number.isInteger(periodSeconds) || periodSeconds < 60 || periodSeconds % 60 !== 0) {
    throw new RangeError(`periodSeconds must be a multiple of 60, got ${periodSeconds}`);
  }
  const minute = 60_000;
  const from = Math.floor(start.getTime() / minute) * minute;
  const to = Math.max(from + periodSeconds * 1000, Math.ceil(end.getTime() / minute) * minute);
  return { start: new Date(from), end: new Date(to), periodSeconds };
}

const ID_SAFE = /[^a-zA-Z0-9_]/g;

/** The GetMetricData queries for each track's target group; ids are "<kind>_<track>". */
export function albQueries(loadBalancer: string, targetGroups: Record<string, string>, window: AlbWindow, percentile = 95): MetricQuery[] {
  const windowSeconds = Math.round((window.end.getTime() - window.start.getTime()) / 1000);
  const stat = `p${percentile}`;
  return Object.entries(targetGroups).flatMap(([track, targetGroup]) => {
    const key = track.replace(ID_SAFE, '_');
    const dimensions = [
      { name: 'TargetGroup', value: targetGroup },
      { name: 'LoadBalancer', value: loadBalancer },
    ];
    const query = (id: string, metricName: string, statistic: string, periodSeconds: number): MetricQuery => ({
      id: `${id}_${key}`,
      namespace: ALB_NAMESPACE,
      metricName,
      dimensions,
      stat: statistic,
      periodSeconds,
    });
    return [
      query('requests', 'RequestCount', 'Sum', window.periodSeconds),
      query('errors', 'HTTPCode_Target_5XX_Count', 'Sum', windowSeconds),
      query('latency', 'TargetResponseTime', stat, window.periodSeconds),
      query('latencywindow', 'TargetResponseTime', stat, windowSeconds),
    ];
  });
}

/**
 * Two GetMetricData calls: the counts, then the percentiles. A failure of the
 * second (moto 5.2.5 answers any percentile statistic with HTTP 500) leaves
 * the error rates standing and makes the latency metric inconclusive with the
 * reason; a failure of the first is the caller's error, as any AWS call's.
 */
export async function fetchAlbSeries(
  reader: MetricDataReader,
  loadBalancer: string,
  targetGroups: Record<string, string>,
  window: AlbWindow,
  percentile = 95,
): Promise<Record<string, AlbTrackSeries>> {
  const queries = albQueries(loadBalancer, targetGroups, window, percentile);
  const isLatency = (q: MetricQuery) => q.metricName === 'TargetResponseTime';
  const counts = await reader.getMetricData(
    queries.filter((q) => !isLatency(q)),
    window.start,
    window.end,
  );
  let latency = new Map<string, MetricSeries>();
  let latencyProblem: string | undefined;
  try {
    latency = await reader.getMetricData(queries.filter(isLatency), window.start, window.end);
  } catch (error) {
    latencyProblem = (error as Error).message;
  }
  const values = (id: string) => ((counts.get(id) ?? latency.get(id))?.values ?? []).filter((v) => Number.isFinite(v));
  return Object.fromEntries(
    Object.keys(targetGroups).map((track) => {
      const key = track.replace(ID_SAFE, '_');
      const windowLatency = values(`latencywindow_${key}`);
      const series: AlbTrackSeries = {
        requests: values(`requests_${key}`),
        errors: values(`errors_${key}`).reduce((a, b) => a + b, 0),
        // CloudWatch reports seconds; the judge and the summary speak milliseconds like the HTTP check.
        latencyPerPeriod: values(`latency_${key}`).map((s) => s * 1000),
        // One datapoint on a minute-aligned window; should CloudWatch split it in two, the higher is the cautious one.
        latencyWindow: windowLatency.length ? Math.max(...windowLatency) * 1000 : undefined,
      };
      if (latencyProblem) series.latencyProblem = latencyProblem;
      return [track, series];
    }),
  );
}

/**
 * The judge's metrics for one pair of tracks. A track with no RequestCount
 * datapoints has no data (inconclusive), not zero errors; a track that served
 * requests and reported no 5xx datapoint had no 5xx answers.
 */
export function albTrackMetrics(
  series: Record<string, AlbTrackSeries>,
  tracks: { canary: string; baseline: string },
  options: { percentile?: number; critical?: boolean } = {},
): [RateMetric, DistributionMetric] {
  const percentile = options.percentile ?? 95;
  const canary = series[tracks.canary];
  const baseline = series[tracks.baseline];
  const latencyProblem = canary?.latencyProblem ?? baseline?.latencyProblem;
  const total = (s: AlbTrackSeries | undefined) => (s ? Math.round(s.requests.reduce((a, b) => a + b, 0)) : 0);
  const counts = (s: AlbTrackSeries | undefined) =>
    s && s.requests.length ? { events: Math.min(Math.round(s.errors), total(s)), total: total(s) } : undefined;
  return [
    {
      kind: 'rate',
      name: 'target 5xx rate',
      source: 'cloudwatch',
      canary: counts(canary),
      baseline: counts(baseline),
      critical: options.critical,
    },
    {
      kind: 'distribution',
      name: `target response time p${percentile}`,
      source: 'cloudwatch',
      unit: 'ms',
      percentile,
      canary: canary?.latencyPerPeriod ?? [],
      baseline: baseline?.latencyPerPeriod ?? [],
      canaryValue: canary?.latencyWindow,
      baselineValue: baseline?.latencyWindow,
      requests: { canary: total(canary), baseline: total(baseline) },
      critical: options.critical,
      problem: latencyProblem ? `response times unreadable: ${latencyProblem}` : undefined,
    },
  ];
}
