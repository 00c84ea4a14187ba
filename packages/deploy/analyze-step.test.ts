import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePods } from '../analysis/kube-signals';
import type { Pod } from '../kube/types';
import { bakeStep, waitForCanaryReady } from './analyze-step';
import type { PodMonitor } from './pod-monitor';
import type { AnalysisOptions } from './types';

/** A PodMonitor over a list the test changes, with the real wake-on-change wait. */
function fakeMonitor(initial: Pod[]): { monitor: PodMonitor; set: (pods: Pod[]) => void } {
  let pods = initial;
  let wake: (() => void)[] = [];
  const monitor = {
    evaluate: (expected: number, maxRestarts: number, deadlinePassed: boolean) =>
      evaluatePods(pods, { expectedReady: expected, maxRestarts }, deadlinePassed),
    async until<T>(decide: (passed: boolean) => T | undefined, deadline: number, signal: AbortSignal): Promise<T> {
      for (;;) {
        signal.throwIfAborted();
        const decided = decide(Date.now() >= deadline);
        if (decided !== undefined) return decided;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          wake.push(() => (clearTimeout(timer), resolve()));
          signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
        });
      }
    },
  } as unknown as PodMonitor;
  return {
    monitor,
    set: (next) => {
      pods = next;
      const waiting = wake;
      wake = [];
      waiting.forEach((w) => w());
    },
  };
}

const pod = (name: string, ready: boolean, waiting?: string, restarts = 0): Pod => ({
  metadata: { name },
  status: {
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: [
      { name: 'web', ready, restartCount: restarts, state: waiting ? { waiting: { reason: waiting } } : { running: {} } },
    ],
  },
});

const analysis = (over: Partial<AnalysisOptions> = {}): AnalysisOptions => ({
  bakeTimeMs: 300,
  intervalMs: 100,
  readyTimeoutMs: 300,
  maxRestarts: 0,
  alarms: [],
  ...over,
});

/** Longer than any test may run, so a test passes only when the code returns early. */
const HOUR = 3_600_000;

let server: Server;
let url = '';
let failing = false;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.statusCode = failing ? 500 : 200;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('waitForCanaryReady', () => {
  it('resolves as soon as the pods turn Ready', async () => {
    const { monitor, set } = fakeMonitor([pod('a', false)]);
    setTimeout(() => set([pod('a', true)]), 50);
    // A ready timeout far past the test's own timeout: only an early return can pass.
    const verdict = await waitForCanaryReady(monitor, 1, analysis({ readyTimeoutMs: HOUR }), new AbortController().signal);
    expect(verdict.passed).toBe(true);
  });

  it('fails at once on a pull error, without waiting for the ready timeout', async () => {
    const { monitor, set } = fakeMonitor([pod('a', false)]);
    setTimeout(() => set([pod('a', false, 'ErrImagePull')]), 30);
    const verdict = await waitForCanaryReady(monitor, 1, analysis({ readyTimeoutMs: HOUR }), new AbortController().signal);
    expect(verdict.passed).toBe(false);
  });

  it('fails never-Ready pods at the ready timeout', async () => {
    const { monitor } = fakeMonitor([pod('a', false)]);
    const verdict = await waitForCanaryReady(monitor, 1, analysis({ readyTimeoutMs: 200 }), new AbortController().signal);
    expect(verdict.results.find((r) => r.name === 'canary pods Ready')).toMatchObject({ passed: false, value: '0/1' });
  });
});

describe('bakeStep', () => {
  it('holds for the bake time and passes when everything stays healthy', async () => {
    failing = false;
    const { monitor } = fakeMonitor([pod('a', true)]);
    const started = Date.now();
    const verdict = await bakeStep(
      monitor,
      1,
      analysis({ bakeTimeMs: 400, http: { url, expectedStatus: 200, requests: 3, minSuccessRate: 100, maxP95Ms: 1000, timeoutMs: 1000 } }),
      undefined,
      new AbortController().signal,
    );
    expect(verdict.passed).toBe(true);
    // Correctness, not speed: the step is held for at least the bake time.
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(verdict.results.map((r) => r.name)).toContain('success rate');
  });

  it('sends its first requests one interval after Ready, when the Service has caught up with the pod', async () => {
    // A Service that refuses connections until 150 ms after Ready, as a node does before kube-proxy
    // has programmed the new endpoint.
    const readyAt = Date.now();
    const late = createServer((_req, res) => res.end());
    late.on('connection', (socket) => {
      if (Date.now() - readyAt < 150) socket.destroy();
    });
    await new Promise<void>((resolve) => late.listen(0, '127.0.0.1', resolve));
    const lateUrl = `http://127.0.0.1:${(late.address() as AddressInfo).port}/`;
    try {
      const { monitor } = fakeMonitor([pod('a', true)]);
      const rounds: number[] = [];
      const verdict = await bakeStep(
        monitor,
        1,
        analysis({
          bakeTimeMs: 500,
          intervalMs: 200,
          http: { url: lateUrl, expectedStatus: 200, requests: 2, minSuccessRate: 100, maxP95Ms: 1000, timeoutMs: 1000 },
        }),
        undefined,
        new AbortController().signal,
        () => rounds.push(Date.now() - readyAt),
      );
      expect(verdict.passed, JSON.stringify(verdict.results)).toBe(true);
      expect(rounds.length).toBeGreaterThan(0);
      expect(rounds[0]).toBeGreaterThanOrEqual(150);
    } finally {
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  });

  it('ends early when a pod starts crash looping mid-bake', async () => {
    const { monitor, set } = fakeMonitor([pod('a', true)]);
    setTimeout(() => set([pod('a', false, 'CrashLoopBackOff', 3)]), 100);
    const verdict = await bakeStep(monitor, 1, analysis({ bakeTimeMs: HOUR }), undefined, new AbortController().signal);
    expect(verdict.passed).toBe(false);
    expect(verdict.results.filter((r) => !r.passed).map((r) => r.name)).toEqual(
      expect.arrayContaining(['container restarts', 'no crash loop or image pull error']),
    );
  });

  it('ends early when the HTTP check fails', async () => {
    failing = true;
    const { monitor } = fakeMonitor([pod('a', true)]);
    const verdict = await bakeStep(
      monitor,
      1,
      analysis({
        bakeTimeMs: HOUR,
        http: { url, expectedStatus: 200, requests: 3, minSuccessRate: 100, maxP95Ms: 1000, timeoutMs: 1000 },
      }),
      undefined,
      new AbortController().signal,
    );
    expect(verdict.passed).toBe(false);
    expect(verdict.results.find((r) => r.name === 'success rate')).toMatchObject({ passed: false, value: '0% (0/3)' });
  });

  it('stops on cancellation with the signal reason', async () => {
    const { monitor } = fakeMonitor([pod('a', true)]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 50);
    await expect(bakeStep(monitor, 1, analysis({ bakeTimeMs: HOUR }), undefined, controller.signal)).rejects.toThrow('cancelled');
  });
});
