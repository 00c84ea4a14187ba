import type { HttpSample } from './http-check';

/**
 * Runner-driven load: steady requests to several targets (the canary and the
 * baseline, through the same path) so that a service with little traffic of
 * its own can still be judged. Bounded three ways: requests per target, wall
 * time, and requests in flight per target (a slow target is not buried under
 * a growing queue; the ticks it misses are counted, never hidden).
 */

/** The part of fetch the generator uses; the engine passes one that goes through the API server's service proxy. */
export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string>; redirect: 'manual' },
) => Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

export interface LoadTarget {
  /** The track, e.g. "canary" or "baseline". */
  name: string;
  url: string;
}

export interface LoadOptions {
  targets: LoadTarget[];
  /** Requests per second to each target. */
  rps: number;
  /** Requests per target, at most. */
  maxRequests: number;
  /** Wall time, at most; requests still in flight then get up to timeoutMs to finish. */
  maxDurationMs: number;
  /** Per request. */
  timeoutMs: number;
  /** Requests in flight per target before a tick is skipped; default max(2, rps). */
  maxInFlight?: number;
  fetch: FetchLike;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Monotonic milliseconds; default performance.now. */
  now?: () => number;
}

export interface TargetLoad {
  samples: HttpSample[];
  sent: number;
  /** Ticks not sent because maxInFlight requests were still waiting: the target was slower than the load. */
  skipped: number;
}

export interface LoadResult {
  targets: Record<string, TargetLoad>;
  stoppedBy: 'count' | 'time' | 'signal';
  durationMs: number;
  /** Ticks dropped because the runner itself fell more than a tick behind: never sent in a burst to catch up. */
  missedTicks: number;
}

export const LOAD_LIMITS = { maxRps: 100, maxRequests: 100_000 } as const;

function validate(options: LoadOptions): void {
  const problems: string[] = [];
  if (options.targets.length === 0) problems.push('no targets');
  if (new Set(options.targets.map((t) => t.name)).size !== options.targets.length) problems.push('target names repeat');
  if (!(options.rps > 0 && options.rps <= LOAD_LIMITS.maxRps)) problems.push(`rps must be above 0 and at most ${LOAD_LIMITS.maxRps}`);
  if (!(Number.isInteger(options.maxRequests) && options.maxRequests >= 1 && options.maxRequests <= LOAD_LIMITS.maxRequests))
    problems.push(`maxRequests must be a whole number from 1 to ${LOAD_LIMITS.maxRequests}`);
  if (!(options.maxDurationMs > 0)) problems.push('maxDurationMs must be above 0');
  if (!(options.timeoutMs > 0)) problems.push('timeoutMs must be above 0');
  if (problems.length) throw new RangeError(`runLoad: ${problems.join('; ')}`);
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  validate(options);
  const now = options.now ?? (() => performance.now());
  const maxInFlight = options.maxInFlight ?? Math.max(2, Math.ceil(options.rps));
  const interval = 1000 / options.rps;
  const headers = { 'user-agent': 'flightdeck-load', ...options.headers };
  const state = new Map(options.targets.map((t) => [t.name, { load: { samples: [], sent: 0, skipped: 0 } as TargetLoad, inFlight: 0 }]));
  const pending = new Set<Promise<void>>();
  const started = now();
  let stoppedBy: LoadResult['stoppedBy'] = 'count';
  let missedTicks = 0;
  let nextAt = started;

  const send = (target: LoadTarget) => {
    const entry = state.get(target.name)!;
    entry.load.sent++;
    entry.inFlight++;
    const request = probe(target.url, options, headers, now).then((sample) => {
      entry.load.samples.push(sample);
      entry.inFlight--;
    });
    pending.add(request);
    void request.finally(() => pending.delete(request));
  };

  for (let tick = 0; ; tick++) {
    nextAt += interval;
    if (options.signal?.aborted) {
      stoppedBy = 'signal';
      break;
    }
    const open = options.targets.filter((t) => state.get(t.name)!.load.sent < options.maxRequests);
    if (open.length === 0) break;
    if (now() - started >= options.maxDurationMs) {
      stoppedBy = 'time';
      break;
    }
    // Alternate which target goes first, so neither always meets a warmer connection or a busier node.
    const order = tick % 2 === 0 ? open : [...open].reverse();
    for (const target of order) {
      const entry = state.get(target.name)!;
      if (entry.inFlight >= maxInFlight) entry.load.skipped++;
      else send(target);
    }
    // Pace against a fixed schedule so that slow ticks do not drift the rate; a runner more than a tick
    // behind drops the ticks it missed rather than bursting. Always yield, so answers land between ticks.
    const late = now() - nextAt;
    if (late > interval) {
      const dropped = Math.floor(late / interval);
      missedTicks += dropped;
      nextAt += dropped * interval;
    }
    await sleep(Math.max(0, nextAt - now()), options.signal);
  }
  await Promise.all(pending);
  return {
    targets: Object.fromEntries([...state].map(([name, entry]) => [name, entry.load])),
    stoppedBy,
    durationMs: now() - started,
    missedTicks,
  };
}

async function probe(url: string, options: LoadOptions, headers: Record<string, string>, now: () => number): Promise<HttpSample> {
  const begin = now();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await options.fetch(url, { signal, headers, redirect: 'manual' });
    await response.arrayBuffer();
    return { status: response.status, ms: now() - begin };
  } catch (error) {
    const message = timeout.aborted
      ? `timed out after ${options.timeoutMs}ms`
      : options.signal?.aborted
        ? 'cancelled'
        : (((error as Error).cause as Error | undefined)?.message ?? (error as Error).message);
    return { status: 'error', ms: now() - begin, error: message };
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
