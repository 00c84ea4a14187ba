import type { HttpSample } from './http-check';
import type { DistributionMetric, RateMetric } from './judge';

/**
 * The judge's metrics from HTTP samples of each track (the service-proxy
 * probes or the runner's load): the error rate, where an error is any answer
 * other than the expected status, a timeout or a refused connection (as the
 * absolute HTTP check counts them), and the latency of the answered requests.
 */
export function httpTrackMetrics(
  canary: readonly HttpSample[],
  baseline: readonly HttpSample[],
  options: { expectedStatus: number; critical?: boolean },
): [RateMetric, DistributionMetric] {
  const counts = (samples: readonly HttpSample[]) =>
    samples.length === 0 ? undefined : { events: samples.filter((s) => s.status !== options.expectedStatus).length, total: samples.length };
  // A timeout's duration is the timeout, not the service's latency; it already counts as an error.
  const answered = (samples: readonly HttpSample[]) => samples.filter((s) => s.status !== 'error').map((s) => s.ms);
  return [
    {
      kind: 'rate',
      name: `error rate (not HTTP ${options.expectedStatus})`,
      source: 'http',
      canary: counts(canary),
      baseline: counts(baseline),
      critical: options.critical,
    },
    {
      kind: 'distribution',
      name: 'latency',
      source: 'http',
      unit: 'ms',
      canary: answered(canary),
      baseline: answered(baseline),
      critical: options.critical,
    },
  ];
}
