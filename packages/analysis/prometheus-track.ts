import { ConfigurationError } from '../core/errors';
import type { Direction, DistributionMetric } from './judge';

/**
 * Prometheus by track: one query with a {{track}} placeholder, run as a range
 * query once per track over the bake window, so the canary is compared with
 * the baseline on exactly the same expression. Each track's series feeds the
 * judge as a distribution (one sample per step).
 */

export const TRACK_PLACEHOLDER = '{{track}}';
const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/**
 * Checks a query before anything runs: it must name {{track}} (else every
 * track would get the same numbers), and no other placeholder, which would be
 * a typo sent to Prometheus as text.
 */
export function validateTrackQuery(query: string, inputName: string): void {
  const names = [...query.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const unknown = [...new Set(names.filter((n) => n !== 'track'))];
  if (unknown.length) {
    throw new ConfigurationError(
      `Input "${inputName}" has the placeholder ${unknown.map((n) => `{{${n}}}`).join(', ')}; the only one is ${TRACK_PLACEHOLDER}, e.g. sum(rate(http_requests_total{track="${TRACK_PLACEHOLDER}",code=~"5.."}[1m])).`,
      inputName,
    );
  }
  if (names.length === 0) {
    throw new ConfigurationError(
      `Input "${inputName}" has no ${TRACK_PLACEHOLDER} placeholder, so the canary and the baseline would be judged on the same series. Select the track with it, e.g. {track="${TRACK_PLACEHOLDER}"} on a label your pods carry.`,
      inputName,
    );
  }
}

/** The query for one track. Track names are ours (canary, baseline, stable), so nothing needs escaping. */
export function renderTrackQuery(query: string, track: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(track)) throw new RangeError(`renderTrackQuery: "${track}" is not a track name`);
  return query.replace(PLACEHOLDER, track);
}

export type FetchJson = (url: URL, init: { signal: AbortSignal }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

export interface TrackRangeOptions {
  url: string;
  query: string;
  tracks: readonly string[];
  /** The window: start and end as Date, and the resolution in seconds. */
  start: Date;
  end: Date;
  stepSeconds: number;
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: FetchJson;
}

export type TrackSeries = { values: number[] } | { problem: string };

interface RangeResponse {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; values?: [number, string][] }[] };
}

/** The samples of a range query that returned one series; NaN steps (0/0 with no traffic) are dropped, not counted as 0. */
export function extractSeries(body: RangeResponse): TrackSeries {
  if (body.status !== 'success') return { problem: `query failed: ${body.error ?? 'unknown error'}` };
  if (body.data?.resultType !== 'matrix') return { problem: `expected a range vector (matrix), got ${body.data?.resultType ?? 'nothing'}` };
  const series = body.data.result ?? [];
  if (series.length === 0) return { values: [] };
  if (series.length > 1) return { problem: `the query returned ${series.length} series per track; aggregate it to one (e.g. with sum())` };
  return { values: (series[0]!.values ?? []).map(([, v]) => Number(v)).filter((v) => Number.isFinite(v)) };
}

export async function queryRangeByTrack(options: TrackRangeOptions): Promise<Record<string, TrackSeries>> {
  const doFetch: FetchJson = options.fetch ?? ((url, init) => fetch(url, init));
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const entries = await Promise.all(
    options.tracks.map(async (track): Promise<[string, TrackSeries]> => {
      const endpoint = new URL('api/v1/query_range', base);
      endpoint.searchParams.set('query', renderTrackQuery(options.query, track));
      endpoint.searchParams.set('start', String(options.start.getTime() / 1000));
      endpoint.searchParams.set('end', String(options.end.getTime() / 1000));
      endpoint.searchParams.set('step', `${options.stepSeconds}s`);
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      try {
        const response = await doFetch(endpoint, { signal });
        // Prometheus answers 400 and 422 with a JSON error body worth reading.
        return [track, extractSeries((await response.json()) as RangeResponse)];
      } catch (error) {
        if (options.signal?.aborted) throw error;
        const why = timeout.aborted ? `timed out after ${options.timeoutMs}ms` : (error as Error).message;
        return [track, { problem: `could not query ${endpoint.origin}: ${why}` }];
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * The judge's metric from the canary's and the baseline's series. The ratio
 * bound compares the medians of the steps by default: a per-step series is an
 * aggregate already, and its median is steadier than its tail.
 */
export function prometheusTrackMetric(
  name: string,
  series: Record<string, TrackSeries>,
  settings: { canary: string; baseline: string; direction?: Direction; critical?: boolean; percentile?: number; minSteps?: number },
): DistributionMetric | { problem: string } {
  const canary = series[settings.canary];
  const baseline = series[settings.baseline];
  for (const [track, s] of [
    [settings.canary, canary],
    [settings.baseline, baseline],
  ] as const) {
    if (!s) return { problem: `no series was fetched for track "${track}"` };
    if ('problem' in s) return { problem: `${track}: ${s.problem}` };
  }
  return {
    kind: 'distribution',
    name,
    source: 'prometheus',
    canary: (canary as { values: number[] }).values,
    baseline: (baseline as { values: number[] }).values,
    direction: settings.direction,
    critical: settings.critical,
    percentile: settings.percentile ?? 50,
    minSamples: settings.minSteps ?? 3,
  };
}
