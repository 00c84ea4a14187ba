import { parseJudgeInputs } from '../analysis/judge-options';
import { findRegion } from '../aws/config';
import { LOAD_LIMITS } from '../analysis/load';
import { validateTrackQuery } from '../analysis/prometheus-track';
import { parseHttpPath } from '../analysis/track-probe';
import { ConfigurationError, invalidInput } from '../core/errors';
import { getBoolean, getDuration, getNumber, getOptional } from '../core/inputs';
import type { TrackAnalysisOptions } from '../deploy/types';

/**
 * The canary-only analysis' inputs: `http-path` turns it on; the others tune
 * it and are refused without it, so a setting never silently does nothing.
 * Every problem names its input, before anything touches the cluster.
 */
export const ANALYSIS_INPUT = {
  httpPath: 'http-path',
  httpPort: 'http-port',
  probeRequests: 'probe-requests',
  probeTimeout: 'probe-timeout',
  probeExpectedStatus: 'probe-expected-status',
  inconclusive: 'inconclusive',
  baseline: 'baseline',
  judgeAlpha: 'judge-alpha',
  judgeMinRequests: 'judge-min-requests',
  judgeErrorFloor: 'judge-error-floor',
  judgeLatencyRatio: 'judge-latency-ratio',
  judgeLatencyPercentile: 'judge-latency-percentile',
  judgeLatencyFloor: 'judge-latency-floor',
  prometheusTrackQuery: 'prometheus-track-query',
  prometheusTrackUrl: 'prometheus-track-url',
  prometheusTrackStep: 'prometheus-track-step',
  albMetrics: 'alb-metrics',
  loadRps: 'load-rps',
} as const;

/** Read here, declared (and validated for the absolute check) in inputs.ts: the track query defaults to its server. */
const PROMETHEUS_URL = 'prometheus-url';
/** Read here for alb-metrics' CloudWatch and ELB clients; declared in inputs.ts. */
const AWS_REGION = 'aws-region';

/** The canary-only analysis' settings, and what the adapter needs to make its AWS clients. */
export type TrackAnalysisInputs = TrackAnalysisOptions & {
  /** alb-metrics: the region of the ALB's CloudWatch metrics. */
  region?: string;
};

const A = ANALYSIS_INPUT;

/** Default requests to each track per round: two rounds reach the judge's default minimum of 100. */
export const DEFAULT_PROBE_REQUESTS = 50;

export function parseHttpPort(raw: string): number | string {
  const text = raw.trim();
  if (/^\d+$/.test(text)) {
    const port = Number(text);
    if (port >= 1 && port <= 65_535) return port;
  } else if (/^[a-z0-9]([a-z0-9-]{0,13})$/.test(text) && /[a-z]/.test(text) && !text.includes('--') && !text.endsWith('-')) {
    return text;
  }
  throw invalidInput(
    A.httpPort,
    raw,
    'Use a container port number from 1 to 65535, or the name of a port the container declares (at most 15 lower-case letters, digits and "-"), such as "http".',
  );
}

export function readTrackAnalysisInputs(): TrackAnalysisInputs | undefined {
  const rawPath = getOptional(A.httpPath);
  if (rawPath === undefined) {
    for (const dependent of Object.values(A)) {
      if (dependent !== A.httpPath && getOptional(dependent) !== undefined) {
        throw new ConfigurationError(
          `Input "${dependent}" is set but "${A.httpPath}" is empty. Give "${A.httpPath}" (such as "/readyz") to enable the canary-only analysis.`,
          A.httpPath,
        );
      }
    }
    return undefined;
  }
  const path = parseHttpPath(rawPath, A.httpPath);
  const port = getOptional(A.httpPort);
  const { options: judge, onInconclusive } = parseJudgeInputs(
    {
      alpha: getOptional(A.judgeAlpha),
      minRequests: getOptional(A.judgeMinRequests),
      errorFloor: getOptional(A.judgeErrorFloor),
      latencyRatio: getOptional(A.judgeLatencyRatio),
      latencyPercentile: getOptional(A.judgeLatencyPercentile),
      onInconclusive: getOptional(A.inconclusive),
    },
    {
      alpha: A.judgeAlpha,
      minRequests: A.judgeMinRequests,
      errorFloor: A.judgeErrorFloor,
      latencyRatio: A.judgeLatencyRatio,
      latencyPercentile: A.judgeLatencyPercentile,
      onInconclusive: A.inconclusive,
    },
  );
  const timeoutMs = getDuration(A.probeTimeout, 5_000);
  if (timeoutMs <= 0 || timeoutMs > 60_000)
    throw invalidInput(A.probeTimeout, getOptional(A.probeTimeout) ?? '', 'Use a duration above zero and at most 60s, such as "5s".');
  const latencyFloorMs = getDuration(A.judgeLatencyFloor, 5);
  if (latencyFloorMs < 0 || latencyFloorMs > 60_000)
    throw invalidInput(
      A.judgeLatencyFloor,
      getOptional(A.judgeLatencyFloor) ?? '',
      'Use a duration from 0 to 60s, such as "5ms" or "20ms".',
    );
  return {
    path,
    port: port === undefined ? undefined : parseHttpPort(port),
    requestsPerRound: getNumber(A.probeRequests, DEFAULT_PROBE_REQUESTS, { min: 1, max: 1_000, integer: true }),
    timeoutMs,
    expectedStatus: getNumber(A.probeExpectedStatus, 200, { min: 100, max: 599, integer: true }),
    judge,
    latencyFloorMs,
    onInconclusive,
    baseline: getBoolean(A.baseline, false),
    prometheus: readTrackPrometheus(),
    loadRps: readLoadRps(),
    ...readAlbMetrics(),
  };
}

/** load-rps: bounded by load.ts's own limit, so the runner never floods the API server or the pods. */
function readLoadRps(): number | undefined {
  const raw = getOptional(A.loadRps);
  if (raw === undefined) return undefined;
  if (getOptional(A.probeRequests) !== undefined)
    throw new ConfigurationError(
      `Inputs "${A.loadRps}" and "${A.probeRequests}" were both given: a round either sends a steady rate for half the interval (${A.loadRps}) or a number of probes (${A.probeRequests}). Keep one.`,
      A.loadRps,
    );
  return getNumber(A.loadRps, 0, { min: 1, max: LOAD_LIMITS.maxRps });
}

/** alb-metrics needs a region for CloudWatch and ELB; whether traffic is "alb" is checked where both are known (flows.ts). */
function readAlbMetrics(): { albMetrics?: boolean; region?: string } {
  if (!getBoolean(A.albMetrics, false)) return {};
  const region = findRegion(getOptional(AWS_REGION), AWS_REGION);
  if (!region) throw new ConfigurationError(`"${A.albMetrics}" reads CloudWatch: set "${AWS_REGION}" or AWS_REGION.`, AWS_REGION);
  return { albMetrics: true, region };
}

function readTrackPrometheus(): TrackAnalysisOptions['prometheus'] {
  const query = getOptional(A.prometheusTrackQuery);
  if (query === undefined) {
    for (const dependent of [A.prometheusTrackUrl, A.prometheusTrackStep]) {
      if (getOptional(dependent) !== undefined)
        throw new ConfigurationError(
          `Input "${dependent}" is set but "${A.prometheusTrackQuery}" is empty. Give the query, with {{track}} where the track goes.`,
          A.prometheusTrackQuery,
        );
    }
    return undefined;
  }
  validateTrackQuery(query, A.prometheusTrackQuery);
  const rawUrl = getOptional(A.prometheusTrackUrl) ?? getOptional(PROMETHEUS_URL);
  if (!rawUrl)
    throw new ConfigurationError(
      `Input "${A.prometheusTrackQuery}" needs a Prometheus server: set "${A.prometheusTrackUrl}" (or "${PROMETHEUS_URL}").`,
      A.prometheusTrackUrl,
    );
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw invalidInput(A.prometheusTrackUrl, rawUrl, 'Use the Prometheus base URL, such as "http://prometheus:9090".');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidInput(A.prometheusTrackUrl, rawUrl, 'Use an http:// or https:// URL.');
  const stepMs = getDuration(A.prometheusTrackStep, 10_000);
  if (stepMs < 1000 || stepMs > 600_000)
    throw invalidInput(A.prometheusTrackStep, getOptional(A.prometheusTrackStep) ?? '', 'Use a resolution from 1s to 10m, such as "15s".');
  return { url: url.toString(), query, stepSeconds: Math.round(stepMs / 1000) };
}
