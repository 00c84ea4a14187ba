import { HttpTimeoutError, httpRequest } from '../core/http-request';
import { redactUrl, redactUrlsIn } from '../core/redact';
import type { CheckResult } from './types';

export interface PrometheusCheckOptions {
  url: string;
  query: string;
  /** The highest acceptable value: an error rate, a latency. */
  maxValue: number;
  timeoutMs: number;
  /** Sent with the query (the prometheus-headers input), e.g. Authorization for a protected Prometheus. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: 'vector' | 'scalar' | 'matrix' | 'string'; result: unknown };
}

/** The single number an instant query returned, or why there is none. */
export function extractValue(body: QueryResponse): { value: number } | { problem: string } {
  if (body.status !== 'success') return { problem: `query failed: ${body.error ?? 'unknown error'}` };
  const data = body.data;
  if (data?.resultType === 'scalar') return { value: Number((data.result as [number, string])[1]) };
  if (data?.resultType === 'vector') {
    const series = data.result as { value: [number, string] }[];
    if (series.length === 0) return { problem: 'the query returned no series; without data the canary cannot be judged' };
    if (series.length > 1) return { problem: `the query returned ${series.length} series; aggregate it to one (e.g. with sum())` };
    return { value: Number(series[0]!.value[1]) };
  }
  return { problem: `the query returned a ${data?.resultType ?? 'missing'} result; use an instant query that returns one number` };
}

export async function runPrometheusCheck(options: PrometheusCheckOptions): Promise<CheckResult> {
  const base: Omit<CheckResult, 'passed' | 'value'> = { source: 'prometheus', name: options.query, threshold: `≤ ${options.maxValue}` };
  const endpoint = new URL('api/v1/query', options.url.endsWith('/') ? options.url : `${options.url}/`);
  endpoint.searchParams.set('query', options.query);
  let body: QueryResponse;
  try {
    // node:http rather than fetch, so HTTPS_PROXY/NO_PROXY apply.
    const response = await httpRequest(endpoint, {
      headers: { accept: 'application/json', ...options.headers },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      maxBodyBytes: 8 * 1024 * 1024,
    });
    body = JSON.parse(response.body.toString('utf8')) as QueryResponse;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const why = error instanceof HttpTimeoutError ? `timed out after ${options.timeoutMs}ms` : redactUrlsIn((error as Error).message);
    return { ...base, passed: false, value: 'unreadable', detail: `could not query ${redactUrl(endpoint.origin)}: ${why}` };
  }
  const extracted = extractValue(body);
  if ('problem' in extracted) return { ...base, passed: false, value: 'no value', detail: extracted.problem };
  const { value } = extracted;
  return {
    ...base,
    passed: Number.isFinite(value) && value <= options.maxValue,
    value: String(value),
    detail: value > options.maxValue ? 'above the threshold' : undefined,
  };
}
