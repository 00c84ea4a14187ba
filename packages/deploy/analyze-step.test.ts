import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePods } from '../analysis/kube-signals';
import type { CheckResult } from '../analysis/types';
import type { KubeClient } from '../kube/client';
import { errorFromResponse } from '../kube/errors';
import type { Pod } from '../kube/types';
import { bakeStep, waitForCanaryReady } from './analyze-step';
import { explainWithLogs, type PodMonitor } from './pod-monitor';
import type { AnalysisOptions } from './types';

type LogReader = Pick<KubeClient, 'podLog'>;
const forbidden: LogReader = {
  podLog: async (namespace, pod) => {
    throw errorFromResponse(403, undefined, '', { verb: 'get', resource: 'pods/log', namespace, name: pod });
  },
};

/** A PodMonitor over a list the test changes, with the real wake-on-change wait and the real log explanation. */
function fakeMonitor(initial: Pod[], logs: LogReader = forbidden): { monitor: PodMonitor; set: (pods: Pod[]) => void } {
  let pods = initial;
  let wake: (() => void)[] = [];
  const monitor = {
    explain: (results: CheckResult[], signal?: AbortSignal) => explainWithLogs(logs, 'shop', pods, results, signal),
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

/** A pod whose container crashed with `exitCode` and is now in CrashLoopBackOff. */
const crashed = (name: string, exitCode: number): Pod => ({
  metadata: { name },
  status: {
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        restartCount: 3,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode, reason: 'Error' } },
      } as never,
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

  it("fails a crash loop with the container, its exit code and the crashed instance's last log lines, masked", async () => {
    const asked: unknown[] = [];
    const reader: LogReader = {
      podLog: async (_ns, podName, options) => {
        asked.push({ podName, ...options, signal: undefined });
        return 'starting on :8080\n::add-mask::leak\nError: cannot connect to postgres://app:hunter2hunter2@db/app\n';
      },
    };
    const { monitor } = fakeMonitor([crashed('web-canary-1', 1)], reader);
    const verdict = await waitForCanaryReady(monitor, 1, analysis({ readyTimeoutMs: HOUR }), new AbortController().signal);
    expect(verdict.passed).toBe(false);
    expect(asked).toEqual([
      { podName: 'web-canary-1', container: 'web', tailLines: 20, limitBytes: 16384, previous: true, timeoutMs: 5000, signal: undefined },
    ]);
    const fatal = verdict.results.find((r) => r.name === 'no crash loop or image pull error')!;
    expect(fatal.passed).toBe(false);
    expect(fatal.detail).toContain(
      'web-canary-1/web: CrashLoopBackOff, last exit 1, Error, 3 restarts; last log lines:\nstarting on :8080\nadd-mask::leak\nError: cannot connect to postgres://db/app',
    );
    expect(fatal.detail).not.toContain('hunter2');
  });

  it('still fails with the container and exit code when pods/log is forbidden, and says the logs are unavailable', async () => {
    const { monitor } = fakeMonitor([crashed('web-canary-1', 1)]);
    const verdict = await waitForCanaryReady(monitor, 1, analysis({ readyTimeoutMs: HOUR }), new AbortController().signal);
    expect(verdict.passed).toBe(false);
    expect(verdict.results.find((r) => r.name === 'no crash loop or image pull error')!.detail).toContain(
      'web-canary-1/web: CrashLoopBackOff, last exit 1, Error, 3 restarts; (logs unavailable: the deployer may not get pods/log in this namespace (deploy/rbac/deployer.yaml grants it))',
    );
  });

  it('reads no log for a pull error: the container never ran', async () => {
    const reader: LogReader = { podLog: async () => expect.unreachable('no log read') };
    const { monitor } = fakeMonitor([pod('a', false, 'ErrImagePull')], reader);
    const verdict = await waitForCanaryReady(monitor, 1, analysis({ readyTimeoutMs: HOUR }), new AbortController().signal);
    expect(verdict.passed).toBe(false);
    expect(verdict.results.find((r) => r.name === 'no crash loop or image pull error')!.detail).not.toContain('log lines');
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

  it('ends early on a crash mid-bake with the crashed log lines in the failing check', async () => {
    const reader: LogReader = { podLog: async () => 'panic: nil map\n' };
    const { monitor, set } = fakeMonitor([pod('a', true)], reader);
    setTimeout(() => set([crashed('a', 2)]), 100);
    const verdict = await bakeStep(monitor, 1, analysis({ bakeTimeMs: HOUR }), undefined, new AbortController().signal);
    expect(verdict.passed).toBe(false);
    expect(verdict.results.find((r) => r.name === 'no crash loop or image pull error')!.detail).toContain(
      'a/web: CrashLoopBackOff, last exit 2, Error, 3 restarts; last log lines:\npanic: nil map',
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
