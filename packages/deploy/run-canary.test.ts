/**
 * runCanary with the canary-only analysis, over a fake cluster: the pods are
 * always Ready (PodMonitor is replaced), the API server's service proxy
 * answers per probe Service, and everything the run writes is recorded.
 */
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_JUDGE_OPTIONS } from '../analysis/judge';
import { evaluatePods } from '../analysis/kube-signals';
import type { CheckResult } from '../analysis/types';
import type { Deployment, KubeClient, KubeObject, Pod } from '../kube';
import type { DeployContext } from './context';
import { planCanary, runCanary } from './run-canary';
import { Timeline } from './timeline';
import type { CanaryRequest, StepRecord, TrackAnalysisOptions } from './types';

vi.mock('./pod-monitor', () => ({
  PodMonitor: class {
    private ready = 0;
    start() {}
    async stop() {}
    evaluate(expected: number, maxRestarts: number, deadlinePassed: boolean) {
      const pods: Pod[] = Array.from({ length: expected }, (_, i) => ({
        metadata: { name: `web-canary-${i}` },
        status: {
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }],
        },
      }));
      this.ready = expected;
      return evaluatePods(pods, { expectedReady: expected, maxRestarts }, deadlinePassed);
    }
    async until<T>(decide: (passed: boolean) => T | undefined, deadline: number, signal: AbortSignal): Promise<T> {
      for (;;) {
        signal.throwIfAborted();
        const decided = decide(Date.now() >= deadline);
        if (decided !== undefined) return decided;
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(20, deadline - Date.now()))));
      }
    }
  },
}));

const stable: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', annotations: { 'deployment.kubernetes.io/revision': '3' } },
  spec: {
    replicas: 9,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'repo/web:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
    },
  },
};

function fakeCluster(status: (service: string) => number) {
  const applied: KubeObject[] = [];
  const deleted: string[] = [];
  const replicaSet = {
    metadata: {
      name: 'web-abc',
      labels: { 'pod-template-hash': 'abc' },
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      ownerReferences: [{ controller: true, uid: 'u1' }],
    },
  };
  const client = {
    getIfExists: vi.fn(async (ref: { kind: string; name: string }) => {
      if (ref.kind === 'Deployment' && ref.name === 'web') return stable;
      if (ref.kind === 'Endpoints') return { subsets: [{ addresses: [{}] }] };
      // What the run applied and has not deleted: the canary, the baseline, the probe Services.
      return applied.findLast((o) => o.kind === ref.kind && o.metadata.name === ref.name && !deleted.includes(ref.name));
    }),
    list: vi.fn(async () => ({ items: [replicaSet] })),
    // A server-side dry run (the release plan's) changes nothing, so it is not recorded.
    apply: vi.fn(
      async (object: KubeObject, options?: { dryRun?: boolean }) => (options?.dryRun ? undefined : applied.push(object), object),
    ),
    delete: vi.fn(async (ref: { name: string }) => (deleted.push(ref.name), true)),
    proxyGet: vi.fn(async (path: string) => ({ status: status(path.split('/services/')[1]!.split(':')[0]!) })),
  } as unknown as KubeClient;
  const ctx: DeployContext = {
    client,
    namespace: 'shop',
    runUrl: 'https://github.com/o/r/actions/runs/1',
    timeline: new Timeline(() => {}),
    signal: new AbortController().signal,
    inputs: { deployment: 'd', namespace: 'n', manifests: 'm', service: 's', ingress: 'i', rolloutTimeout: 'r', httpPort: 'http-port' },
  };
  return { ctx, applied, deleted, client };
}

function request(tracks: Partial<TrackAnalysisOptions>, bakeTimeMs = 400): CanaryRequest {
  const desired = structuredClone(stable);
  desired.spec.template.spec!.containers[0]!.image = 'repo/web:2';
  return {
    desired,
    others: [],
    traffic: { mode: 'pod', steps: [10] },
    analysis: {
      bakeTimeMs,
      intervalMs: 50,
      readyTimeoutMs: 1000,
      maxRestarts: 0,
      alarms: [],
      tracks: {
        path: '/notes',
        requestsPerRound: 20,
        timeoutMs: 1000,
        expectedStatus: 200,
        judge: { ...DEFAULT_JUDGE_OPTIONS, minRequests: 40 },
        latencyFloorMs: 5,
        onInconclusive: 'fail',
        baseline: false,
        ...tracks,
      },
    },
    rolloutTimeoutMs: 1000,
  };
}

async function run(status: (service: string) => number, tracks: Partial<TrackAnalysisOptions>, bakeTimeMs?: number) {
  const cluster = fakeCluster(status);
  const req = request(tracks, bakeTimeMs);
  const plan = await planCanary(cluster.ctx, req);
  const steps: StepRecord[] = [];
  const log: CheckResult[] = [];
  const started = Date.now();
  const outcome = await runCanary(cluster.ctx, req, plan, steps, log);
  return { ...cluster, outcome, steps, log, elapsed: Date.now() - started };
}

describe('runCanary with the canary-only analysis', () => {
  it('catches a canary that fails its path within the step, and removes its probe Services with it', async () => {
    const { outcome, applied, deleted, elapsed } = await run((svc) => (svc === 'web-canary-probe' ? 500 : 200), {}, 10_000);
    expect(outcome.result).toBe('failed');
    expect(outcome.failure).toMatch(/error rate \(not HTTP 200\), canary vs baseline: 100\.0% \(40\/40\) vs 0% \(0\/40\)/);
    // Two rounds of 20 reach the minimum of 40: it fails there, long before the 10 s bake ends.
    expect(elapsed).toBeLessThan(3000);
    expect(applied.filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).toEqual(['web-canary-probe', 'web-stable-probe']);
    expect(deleted).toEqual(expect.arrayContaining(['web-canary-probe', 'web-baseline-probe', 'web-stable-probe']));
    expect(outcome.tracks?.judgements.map((j) => [j.step, j.judgement.verdict])).toEqual([[1, 'fail']]);
    expect(outcome.tracks?.rounds.length).toBeGreaterThanOrEqual(2);
  });

  it('passes a canary no worse than the stable, and promotes nothing on too little data: inconclusive, never a pass', async () => {
    const good = await run(() => 200, {});
    expect(good.outcome.result).toBe('passed');
    expect(good.outcome.tracks?.judgements[0]?.judgement.verdict).toBe('pass');

    // 20 requests a round over a bake of one round: under the 1000-request minimum.
    const thin = await run(() => 200, { judge: { ...DEFAULT_JUDGE_OPTIONS, minRequests: 1000 } }, 120);
    expect(thin.outcome.result).toBe('inconclusive');
    expect(thin.outcome.failure).toMatch(/inconclusive: too few requests/);
    expect(thin.steps[0]!.outcome).toBe('failed');
  });

  it('with "inconclusive: extend" bakes the step once more on the same samples before deciding', async () => {
    const thin = await run(() => 200, { onInconclusive: 'extend', judge: { ...DEFAULT_JUDGE_OPTIONS, minRequests: 1000 } }, 120);
    expect(thin.outcome.result).toBe('inconclusive');
    expect(thin.steps[0]!.bakeMs).toBe(240);
    expect(thin.outcome.tracks?.judgements).toMatchObject([{ step: 1, extended: true, judgement: { verdict: 'inconclusive' } }]);

    // Enough once extended: at most 3 rounds of 20 in the first bake, more in the second, against a minimum of 80.
    const enough = await run(() => 200, { onInconclusive: 'extend', judge: { ...DEFAULT_JUDGE_OPTIONS, minRequests: 80 } }, 120);
    expect(enough.outcome.result).toBe('passed');
    expect(enough.outcome.tracks?.judgements).toMatchObject([{ step: 1, extended: true, judgement: { verdict: 'pass' } }]);
  });

  it('with a baseline, starts <app>-baseline at the canary size with the stable images and probes it instead of the stable', async () => {
    const { outcome, applied, client, deleted } = await run((svc) => (svc === 'web-canary-probe' ? 500 : 200), { baseline: true }, 10_000);
    expect(outcome.result).toBe('failed');
    const baseline = applied.find((o) => o.metadata.name === 'web-baseline') as Deployment;
    expect(baseline.spec.replicas).toBe(1);
    expect(baseline.spec.template.spec!.containers[0]!.image).toBe('repo/web:1');
    expect(applied.filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).toEqual(['web-canary-probe', 'web-baseline-probe']);
    expect(vi.mocked(client.proxyGet).mock.calls.some(([path]) => path.includes('web-baseline-probe'))).toBe(true);
    expect(outcome.tracks?.judgements[0]?.against).toBe('baseline');
    // Removed with the canary, in the same cleanup.
    expect(deleted).toEqual(expect.arrayContaining(['web-baseline', 'web-canary', 'web-baseline-probe']));
  });

  it('refuses, before any change, a port name the Deployment does not declare', async () => {
    const cluster = fakeCluster(() => 200);
    await expect(planCanary(cluster.ctx, request({ port: 'metrics' }))).rejects.toThrow(/Input "http-port" names port "metrics"/);
    expect(cluster.applied).toEqual([]);
  });
});
