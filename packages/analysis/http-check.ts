import { HttpTimeoutError, httpRequest } from '../core/http-request';
import { redactUrl, redactUrlsIn } from '../core/redact';
import type { CheckResult } from './types';

export interface HttpCheckOptions {
  url: string;
  expectedStatus: number;
  requests: number;
  /** Percent of requests that must answer with the expected status. */
  minSuccessRate: number;
  /** Highest acceptable 95th-percentile latency, in ms. */
  maxP95Ms: number;
  timeoutMs: number;
  /** Sent with every request (the http-headers input): how a protected endpoint is authenticated, never a URL's userinfo. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpSample {
  status: number | 'error';
  ms: number;
  error?: string;
}

/** Nearest-rank percentile, the definition CloudWatch and most load tools use. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

async function probe(options: HttpCheckOptions): Promise<HttpSample> {
  const started = performance.now();
  try {
    // Through node:http rather than fetch, so HTTPS_PROXY/NO_PROXY apply as they do for kubectl and curl.
    const response = await httpRequest(new URL(options.url), {
      headers: { 'user-agent': 'flightdeck-analysis', ...options.headers },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    return { status: response.status, ms: performance.now() - started };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const message = error instanceof HttpTimeoutError ? `timed out after ${options.timeoutMs}ms` : redactUrlsIn((error as Error).message);
    return { status: 'error', ms: performance.now() - started, error: message };
  }
}

/** Judge a set of samples: success rate and p95 latency against their thresholds. */
export function judgeHttp(
  samples: HttpSample[],
  options: Pick<HttpCheckOptions, 'url' | 'expectedStatus' | 'minSuccessRate' | 'maxP95Ms'>,
): CheckResult[] {
  const ok = samples.filter((s) => s.status === options.expectedStatus).length;
  const rate = samples.length === 0 ? 0 : (100 * ok) / samples.length;
  const p95 = percentile(
    samples.map((s) => s.ms),
    95,
  );
  const wrong = samples.filter((s) => s.status !== options.expectedStatus);
  const seen = [...new Set(wrong.map((s) => (s.status === 'error' ? s.error : `HTTP ${s.status}`)))].slice(0, 3).join(', ');
  return [
    {
      source: 'http',
      name: 'success rate',
      passed: rate >= options.minSuccessRate,
      value: `${Math.round(rate * 10) / 10}% (${ok}/${samples.length})`,
      threshold: `≥ ${options.minSuccessRate}% answering ${options.expectedStatus}`,
      detail: wrong.length ? `${redactUrl(options.url)} answered ${seen}` : undefined,
    },
    {
      source: 'http',
      name: 'p95 latency',
      passed: p95 <= options.maxP95Ms,
      value: `${Math.round(p95)}ms`,
      threshold: `≤ ${options.maxP95Ms}ms`,
      detail: p95 > options.maxP95Ms ? `${redactUrl(options.url)} is slower than allowed` : undefined,
    },
  ];
}

/** Send N requests, a few at a time so one slow answer does not stretch the whole check. */
export async function runHttpCheck(options: HttpCheckOptions, concurrency = 4): Promise<CheckResult[]> {
  const samples: HttpSample[] = [];
  let next = 0;
  const worker = async () => {
    while (next < options.requests) {
      next += 1;
      samples.push(await probe(options));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, options.requests) }, worker));
  return judgeHttp(samples, options);
}
