import { parseJudgeInputs } from '../analysis/judge-options';
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
} as const;

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

export function readTrackAnalysisInputs(): TrackAnalysisOptions | undefined {
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
  };
}
