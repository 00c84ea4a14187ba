import { describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../core/errors';
import type { Deployment, KubeClient, KubeObject } from '../kube';
import { DEFAULT_JUDGE_OPTIONS } from '../analysis/judge';
import type { DeployContext } from './context';
import { Timeline } from './timeline';
import { plannedLooks, resolveProbePort, TrackAnalysis } from './track-analysis';
import type { TrackAnalysisOptions } from './types';

const stable: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    replicas: 9,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'proxy' }, { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] }] },
    },
  },
};

function fakeCluster(status: (path: string) => number, delayMs: (path: string) => number = () => 0) {
  const applied: KubeObject[] = [];
  const client = {
    apply: vi.fn(async (object: KubeObject) => (applied.push(object), object)),
    proxyGet: vi.fn(async (path: string) => {
      const delay = delayMs(path);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      return { status: status(path) };
    }),
    getIfExists: vi.fn(async () => ({ subsets: [{ addresses: [{}] }] })),
  } as unknown as KubeClient;
  const ctx: DeployContext = {
    client,
    namespace: 'shop',
    runUrl: 'https://github.com/o/r/actions/runs/1',
    timeline: new Timeline(() => {}),
    signal: new AbortController().signal,
    inputs: { deployment: 'd', namespace: 'n', manifests: 'm', service: 's', ingress: 'i', rolloutTimeout: 'r' },
  };
  return { ctx, applied, client };
}

const options = (over: Partial<TrackAnalysisOptions> = {}): TrackAnalysisOptions & { port: number | string } => ({
  path: '/notes',
  port: 'http',
  requestsPerRound: 30,
  timeoutMs: 1000,
  expectedStatus: 200,
  judge: { ...DEFAULT_JUDGE_OPTIONS, minRequests: 50 },
  latencyFloorMs: 5,
  onInconclusive: 'fail',
  baseline: false,
  ...over,
});

describe('resolveProbePort', () => {
  it('takes the first declared port, a declared name, or any number', () => {
    expect(resolveProbePort(stable, undefined, 'http-port')).toBe(8080);
    expect(resolveProbePort(stable, 'http', 'http-port')).toBe('http');
    expect(resolveProbePort(stable, 9000, 'http-port')).toBe(9000);
  });

  it('refuses a port name no container declares, naming the input and the ports there are', () => {
    expect(() => resolveProbePort(stable, 'metrics', 'http-port')).toThrow(ConfigurationError);
    expect(() => resolveProbePort(stable, 'metrics', 'http-port')).toThrow(/"http-port".*"metrics".*\(http\)/);
  });

  it('refuses to guess when no container declares a port', () => {
    const bare = structuredClone(stable);
    bare.spec.template.spec!.containers = [{ name: 'web' }];
    expect(() => resolveProbePort(bare, undefined, 'http-port')).toThrow(/set "http-port" to the port number/);
  });
});

describe('TrackAnalysis', () => {
  it('probes the canary by track label and the stable by pod-template-hash, and fails the round only on a "fail" verdict', async () => {
    const { ctx, applied, client } = fakeCluster((path) => (path.includes('web-canary-probe') ? 500 : 200));
    const analysis = await TrackAnalysis.open(ctx, stable, options(), 'abc123');
    expect(applied.map((s) => [s.metadata.name, (s.spec as { selector: unknown }).selector])).toEqual([
      ['web-canary-probe', { app: 'web', 'flightdeck.dev/track': 'canary' }],
      ['web-stable-probe', { app: 'web', 'pod-template-hash': 'abc123' }],
    ]);
    analysis.startStep(1, 10);
    expect(await analysis.waitForEndpoints(1000)).toBe(true);

    // 30 each: under the 50-request minimum, so the round is inconclusive, which does not end the bake.
    const first = await analysis.round();
    expect(first.every((r) => r.passed)).toBe(true);
    expect(first[0]!.detail).toMatch(/^so far inconclusive: too few requests/);
    // 60 each: 100% errors against 0% is a fail.
    const second = await analysis.round();
    expect(second[0]!.passed).toBe(false);
    expect(second[0]!.detail).toMatch(/^fail: 100.0% \(60\/60\) vs 0% \(0\/60\): significantly higher/);
    expect(client.proxyGet).toHaveBeenCalledWith('/api/v1/namespaces/shop/services/web-stable-probe:80/proxy/notes', expect.anything());

    const { judgement } = analysis.conclude(false);
    expect(judgement.verdict).toBe('fail');
    const report = analysis.report();
    expect(report.judgements).toHaveLength(1);
    expect(report.judgements[0]).toMatchObject({ step: 1, weight: 10, against: 'stable', extended: false });
    expect(report.rounds.map((r) => [r.weight, r.canaryErrorRate, r.baselineErrorRate])).toEqual([
      [10, 1, 0],
      [10, 1, 0],
    ]);
    expect(report.steps).toEqual([{ index: 1, endMs: report.rounds[1]!.atMs, verdict: 'fail' }]);
  });

  it('compares with the baseline track when asked, and a new step starts with no samples', async () => {
    const { ctx, applied } = fakeCluster(() => 200);
    const analysis = await TrackAnalysis.open(ctx, stable, options({ baseline: true }), 'abc123');
    expect(applied[1]!.metadata.name).toBe('web-baseline-probe');
    expect((applied[1]!.spec as { selector: unknown }).selector).toEqual({ app: 'web', 'flightdeck.dev/track': 'baseline' });
    analysis.startStep(1, 10);
    await analysis.round();
    await analysis.round();
    expect(analysis.conclude(false).judgement.verdict).toBe('pass');
    analysis.startStep(2, 50);
    await analysis.round();
    // 30 samples of step 2 alone: too few, so the strict verdict is inconclusive, never a pass.
    const step2 = analysis.conclude(false);
    expect(step2.judgement.verdict).toBe('inconclusive');
    expect(step2.results[0]!.passed).toBe(false);
    // An extension keeps the samples and replaces the step's verdict.
    await analysis.round();
    expect(analysis.conclude(true).judgement.verdict).toBe('pass');
    expect(analysis.report().judgements.map((j) => [j.step, j.against, j.judgement.verdict, j.extended])).toEqual([
      [1, 'baseline', 'pass', false],
      [2, 'baseline', 'pass', true],
    ]);
    expect(analysis.report().steps.map((s) => [s.index, s.verdict])).toEqual([
      [1, 'pass'],
      [2, 'pass'],
    ]);
  });
});

describe('repeated looks', () => {
  it('are counted per step: a round every interval and one at the end, twice over when a step may be extended', () => {
    expect(plannedLooks(60_000, 10_000, 'fail')).toBe(7);
    expect(plannedLooks(60_000, 10_000, 'extend')).toBe(14);
    expect(plannedLooks(5_000, 10_000, 'fail')).toBe(2);
  });

  it('share the step’s α, so each look is tested at α / looks', async () => {
    const { ctx } = fakeCluster(() => 200);
    const analysis = await TrackAnalysis.open(ctx, stable, options(), 'abc', { looks: 10 });
    expect(analysis.alphaPerLook).toBeCloseTo(0.005);
    analysis.startStep(1, 10);
    await analysis.round();
    await analysis.round();
    const { judgement } = analysis.conclude(false);
    expect(judgement.metrics.map((m) => m.alpha)).toEqual([0.005, 0.005]);
  });

  it('never fail a canary on a latency difference under the floor, however significant', async () => {
    const slower = (path: string) => (path.includes('canary-probe') ? 3 : 0);
    const judged = async (latencyFloorMs: number) => {
      const { ctx } = fakeCluster(() => 200, slower);
      const analysis = await TrackAnalysis.open(ctx, stable, { ...options(), latencyFloorMs }, 'abc');
      analysis.startStep(1, 10);
      await analysis.round();
      await analysis.round();
      return analysis.conclude(false).judgement.metrics[1]!;
    };
    const floored = await judged(50);
    expect(floored.verdict).toBe('pass');
    expect(floored.reason).toMatch(/but by less than 50 ms/);
    expect((await judged(0)).verdict).toBe('fail');
  });
});

describe('the Prometheus query per track', () => {
  it('is run over the step for the canary and the comparison track, and judged beside the probes', async () => {
    const queries: string[] = [];
    vi.stubGlobal('fetch', async (url: URL) => {
      const query = url.searchParams.get('query')!;
      queries.push(query);
      // The canary's 5xx rate is ten times the baseline's, at every step of the range.
      const value = query.includes('"canary"') ? 0.5 : 0.05;
      const values = Array.from({ length: 8 }, (_, i) => [i, String(value + i / 1000)]);
      return { ok: true, status: 200, json: async () => ({ status: 'success', data: { resultType: 'matrix', result: [{ values }] } }) };
    });
    try {
      const { ctx } = fakeCluster(() => 200);
      const prometheus = { url: 'http://prom:9090/', query: 'sum(rate(errors{track="{{track}}"}[1m]))', stepSeconds: 10 };
      const analysis = await TrackAnalysis.open(ctx, stable, { ...options({ baseline: true }), prometheus }, 'abc');
      analysis.startStep(1, 10);
      await analysis.round();
      await analysis.round();
      const { judgement } = analysis.conclude(false);
      expect(queries).toContain('sum(rate(errors{track="canary"}[1m]))');
      expect(queries).toContain('sum(rate(errors{track="baseline"}[1m]))');
      const metric = judgement.metrics.find((m) => m.source === 'prometheus')!;
      expect(metric).toMatchObject({ verdict: 'fail', canary: { n: 8 }, baseline: { n: 8 } });
      expect(judgement.verdict).toBe('fail');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('that cannot be read makes the step inconclusive, never a pass', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new Error('connection refused');
    });
    try {
      const { ctx } = fakeCluster(() => 200);
      const prometheus = { url: 'http://prom:9090/', query: 'up{track="{{track}}"}', stepSeconds: 10 };
      const analysis = await TrackAnalysis.open(ctx, stable, { ...options(), prometheus }, 'abc');
      analysis.startStep(1, 10);
      await analysis.round();
      await analysis.round();
      const { judgement } = analysis.conclude(false);
      expect(judgement.metrics.find((m) => m.source === 'prometheus')).toMatchObject({ verdict: 'inconclusive' });
      expect(judgement.metrics.find((m) => m.source === 'prometheus')!.reason).toMatch(/connection refused/);
      expect(judgement.verdict).toBe('inconclusive');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('load-rps', () => {
  it('sends a steady rate to both tracks through the service proxy for the round, and judges those answers', async () => {
    const { ctx, client } = fakeCluster((path) => (path.includes('canary-probe') ? 503 : 200));
    const analysis = await TrackAnalysis.open(ctx, stable, { ...options(), loadRps: 40 }, 'abc', { loadMs: 1000 });
    analysis.startStep(1, 10);
    const started = Date.now();
    const results = await analysis.round();
    const elapsed = Date.now() - started;
    // 40 per second for a second: at most 40 to each track, paced, not a burst (a busy runner drops ticks, never bursts).
    expect(elapsed).toBeGreaterThanOrEqual(900);
    const calls = vi.mocked(client.proxyGet).mock.calls.map(([path]) => path);
    const canary = calls.filter((p) => p.includes('web-canary-probe')).length;
    expect(canary).toBeGreaterThanOrEqual(25);
    expect(canary).toBeLessThanOrEqual(40);
    expect(calls.filter((p) => p.includes('web-stable-probe'))).toHaveLength(canary);
    expect(calls[0]).toBe('/api/v1/namespaces/shop/services/web-canary-probe:80/proxy/notes');
    // Under the minimum of 50 after one round: not judged yet, and no failure.
    expect(results.every((r) => r.passed)).toBe(true);
    await analysis.round();
    const [errors] = analysis.conclude(false).judgement.metrics;
    expect(errors).toMatchObject({ verdict: 'fail', canary: { value: 1 }, baseline: { value: 0 } });
    expect(errors!.canary.n).toBeGreaterThanOrEqual(50);
  });
});

describe('a round', () => {
  it('stops probing when the bake ends early, instead of finishing its requests', async () => {
    const { ctx, client } = fakeCluster(
      () => 200,
      () => 20,
    );
    const analysis = await TrackAnalysis.open(ctx, stable, { ...options(), requestsPerRound: 1000 }, 'abc');
    analysis.startStep(1, 10);
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('the pods failed first')), 100);
    const started = Date.now();
    await expect(analysis.round(stop.signal)).rejects.toThrow('the pods failed first');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(vi.mocked(client.proxyGet).mock.calls.length).toBeLessThan(20);
  });
});

describe('a comparison track that fails too', () => {
  it('makes the step inconclusive, naming its answers, where "no worse than the stable" would have passed a broken canary', async () => {
    // The deployer may not use the service proxy: every probe of both tracks is a 403.
    const { ctx } = fakeCluster(() => 403);
    const analysis = await TrackAnalysis.open(ctx, stable, options(), 'abc');
    analysis.startStep(1, 10);
    await analysis.round();
    await analysis.round();
    const { judgement } = analysis.conclude(false);
    expect(judgement.verdict).toBe('inconclusive');
    expect(judgement.metrics[0]!.reason).toMatch(/the stable's pods failed 60\/60 probes of \/notes too \(HTTP 403 ×60\)/);
    expect(judgement.metrics[1]!.verdict).toBe('inconclusive');
  });

  it('is not called broken for a few errors', async () => {
    let n = 0;
    const { ctx } = fakeCluster(() => (++n % 10 === 0 ? 500 : 200));
    const analysis = await TrackAnalysis.open(ctx, stable, options(), 'abc');
    analysis.startStep(1, 10);
    await analysis.round();
    await analysis.round();
    expect(analysis.conclude(false).judgement.verdict).toBe('pass');
  });
});
