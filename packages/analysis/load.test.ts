import { describe, expect, it } from 'vitest';
import { runLoad, type FetchLike } from './load';

const body = { arrayBuffer: async () => new ArrayBuffer(0) };

/** A fetch stand-in: canary answers 500, baseline 200, and every URL it was asked for is kept. */
function recordingFetch(): { fetch: FetchLike; urls: string[]; headers: Record<string, string>[] } {
  const urls: string[] = [];
  const headers: Record<string, string>[] = [];
  return {
    urls,
    headers,
    fetch: async (url, init) => {
      urls.push(url);
      headers.push(init.headers);
      return { status: url.includes('canary') ? 500 : 200, ...body };
    },
  };
}

const targets = [
  { name: 'canary', url: 'http://proxy/canary-probe/healthz' },
  { name: 'baseline', url: 'http://proxy/baseline-probe/healthz' },
];

describe('runLoad', () => {
  it('sends the same number of requests to each target and records status and latency per target', async () => {
    const stub = recordingFetch();
    const result = await runLoad({ targets, rps: 100, maxRequests: 12, maxDurationMs: 60_000, timeoutMs: 1000, fetch: stub.fetch });
    expect(result.stoppedBy).toBe('count');
    expect(result.targets.canary!.sent).toBe(12);
    expect(result.targets.baseline!.sent).toBe(12);
    expect(result.targets.canary!.samples.map((s) => s.status)).toEqual(Array(12).fill(500));
    expect(result.targets.baseline!.samples.map((s) => s.status)).toEqual(Array(12).fill(200));
    expect(result.targets.canary!.samples.every((s) => s.ms >= 0)).toBe(true);
    // Alternating order: the canary goes first on even ticks, the baseline on odd ones.
    expect(stub.urls.slice(0, 4)).toEqual([targets[0]!.url, targets[1]!.url, targets[1]!.url, targets[0]!.url]);
    expect(stub.headers[0]).toEqual({ 'user-agent': 'flightdeck-load' });
  });

  it('stops at the time cap, whatever the request cap, and never sends more than the rate allows', async () => {
    const stub = recordingFetch();
    const result = await runLoad({ targets, rps: 100, maxRequests: 100_000, maxDurationMs: 60, timeoutMs: 1000, fetch: stub.fetch });
    expect(result.stoppedBy).toBe('time');
    // Ticks at 0, 10, … ms: at most one per 10 ms of the 60 ms, plus the first.
    expect(result.targets.canary!.sent).toBeLessThanOrEqual(7);
    expect(result.targets.canary!.sent).toBeGreaterThanOrEqual(1);
  });

  it('skips and counts ticks while a slow target has maxInFlight requests waiting, and times them out', async () => {
    const slow: FetchLike = (url, init) =>
      url.includes('canary')
        ? new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true }))
        : Promise.resolve({ status: 200, ...body });
    const result = await runLoad({ targets, rps: 100, maxRequests: 10, maxDurationMs: 60_000, timeoutMs: 30, maxInFlight: 1, fetch: slow });
    const canary = result.targets.canary!;
    expect(canary.skipped).toBeGreaterThan(0);
    expect(canary.samples.filter((s) => s.status !== 'error' || s.error !== 'timed out after 30ms')).toEqual([]);
    expect(canary.samples.length).toBe(canary.sent);
    expect(result.targets.baseline!.skipped).toBe(0);
  });

  it('records transport errors with their cause', async () => {
    const refused: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    };
    const result = await runLoad({ targets: [targets[0]!], rps: 100, maxRequests: 2, maxDurationMs: 1000, timeoutMs: 100, fetch: refused });
    expect(result.targets.canary!.samples).toEqual([
      expect.objectContaining({ status: 'error', error: 'connect ECONNREFUSED 127.0.0.1:1' }),
      expect.objectContaining({ status: 'error', error: 'connect ECONNREFUSED 127.0.0.1:1' }),
    ]);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const stub = recordingFetch();
    const counting: FetchLike = async (url, init) => {
      if (stub.urls.length >= 3) controller.abort();
      return stub.fetch(url, init);
    };
    const result = await runLoad({
      targets,
      rps: 50,
      maxRequests: 1000,
      maxDurationMs: 60_000,
      timeoutMs: 100,
      fetch: counting,
      signal: controller.signal,
    });
    expect(result.stoppedBy).toBe('signal');
    expect(result.targets.canary!.sent).toBeLessThan(1000);
  });

  it('refuses settings without bounds', async () => {
    const stub = recordingFetch();
    await expect(runLoad({ targets, rps: 0, maxRequests: 0, maxDurationMs: 0, timeoutMs: 0, fetch: stub.fetch })).rejects.toThrow(
      /rps must be above 0 and at most 100; maxRequests must be a whole number from 1 to 100000; maxDurationMs must be above 0; timeoutMs must be above 0/,
    );
    await expect(
      runLoad({ targets: [targets[0]!, targets[0]!], rps: 1, maxRequests: 1, maxDurationMs: 1, timeoutMs: 1, fetch: stub.fetch }),
    ).rejects.toThrow(/target names repeat/);
  });
});
