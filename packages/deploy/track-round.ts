import type { HttpSample } from '../analysis/http-check';
import { httpTrackMetrics } from '../analysis/http-judge';
import { judge, type Judgement, type JudgeOptions } from '../analysis/judge';
import { serviceProxyPath } from '../analysis/track-probe';
import type { DeployContext } from './context';

/**
 * One analysis round of canary-only HTTP probing: the same path on the
 * canary's and the baseline's (or the stable's) probe Service, through the
 * API server's service proxy, interleaved so both tracks see the same moment.
 */
export interface TrackRoundOptions {
  /** Probe Service names, canary first. */
  canaryService: string;
  baselineService: string;
  path: string;
  /** Requests per track in this round. */
  requests: number;
  timeoutMs: number;
  expectedStatus: number;
}

export async function probeTracks(
  ctx: DeployContext,
  options: TrackRoundOptions,
): Promise<{ canary: HttpSample[]; baseline: HttpSample[] }> {
  const canary: HttpSample[] = [];
  const baseline: HttpSample[] = [];
  for (let i = 0; i < options.requests; i++) {
    ctx.signal.throwIfAborted();
    // Alternate which track goes first, so neither always meets the warmer connection.
    const order: [string, HttpSample[]][] = [
      [options.canaryService, canary],
      [options.baselineService, baseline],
    ];
    if (i % 2) order.reverse();
    for (const [service, into] of order) into.push(await probeOnce(ctx, service, options));
  }
  return { canary, baseline };
}

async function probeOnce(ctx: DeployContext, service: string, options: TrackRoundOptions): Promise<HttpSample> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const { status } = await ctx.client.proxyGet(serviceProxyPath(ctx.namespace, service, options.path), {
      signal: AbortSignal.any([ctx.signal, timeout]),
    });
    return { status, ms: performance.now() - started };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    return {
      status: 'error',
      ms: performance.now() - started,
      error: timeout.aborted ? `timed out after ${options.timeoutMs}ms` : (error as Error).message,
    };
  }
}

/** Judge the samples gathered so far in a step: error rate (Fisher) and latency (Mann–Whitney plus the ratio bound). */
export function judgeTracks(
  canary: readonly HttpSample[],
  baseline: readonly HttpSample[],
  expectedStatus: number,
  options: Partial<JudgeOptions> = {},
): Judgement {
  return judge(httpTrackMetrics(canary, baseline, { expectedStatus }), options);
}
