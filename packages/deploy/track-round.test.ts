import { describe, expect, it, vi } from 'vitest';
import type { KubeClient } from '../kube';
import type { DeployContext } from './context';
import { Timeline } from './timeline';
import { judgeTracks, probeTracks } from './track-round';

function context(proxyGet: KubeClient['proxyGet']): DeployContext {
  return {
    client: { proxyGet } as KubeClient,
    namespace: 'shop',
    runUrl: 'https://github.com/o/r/actions/runs/1',
    timeline: new Timeline(() => {}),
    signal: new AbortController().signal,
    inputs: { deployment: 'd', namespace: 'n', manifests: 'm', service: 's', ingress: 'i', rolloutTimeout: 'r' },
  };
}

describe('canary-only probing', () => {
  it('probes both tracks through the service proxy in the same round, and the judge catches a canary failing one path', async () => {
    const proxyGet = vi.fn(async (path: string) => ({ status: path.includes('canary-probe') ? 500 : 200 }));
    const samples = await probeTracks(context(proxyGet), {
      canaryService: 'flask-app-canary-probe',
      baselineService: 'flask-app-baseline-probe',
      path: '/notes',
      requests: 120,
      timeoutMs: 1000,
      expectedStatus: 200,
    });
    expect(proxyGet).toHaveBeenCalledWith('/api/v1/namespaces/shop/services/flask-app-canary-probe:80/proxy/notes', expect.anything());
    expect(samples.canary).toHaveLength(120);
    expect(samples.baseline).toHaveLength(120);
    const judgement = judgeTracks(samples.canary, samples.baseline, 200);
    expect(judgement.verdict).toBe('fail');
    expect(judgement.metrics[0]!.name).toMatch(/error rate/);
    expect(judgement.metrics[0]!.pValue).toBeLessThan(0.05);
  });

  it('is inconclusive, never a pass, below the minimum sample', async () => {
    const proxyGet = vi.fn(async () => ({ status: 200 }));
    const samples = await probeTracks(context(proxyGet), {
      canaryService: 'a-canary-probe',
      baselineService: 'a-stable-probe',
      path: '/',
      requests: 10,
      timeoutMs: 1000,
      expectedStatus: 200,
    });
    expect(judgeTracks(samples.canary, samples.baseline, 200).verdict).toBe('inconclusive');
  });

  it('counts a refused proxy request as an error of that track', async () => {
    const proxyGet = vi.fn(async () => {
      throw new Error('connect ECONNREFUSED');
    });
    const samples = await probeTracks(context(proxyGet), {
      canaryService: 'a-canary-probe',
      baselineService: 'a-stable-probe',
      path: '/',
      requests: 1,
      timeoutMs: 1000,
      expectedStatus: 200,
    });
    expect(samples.canary[0]).toMatchObject({ status: 'error', error: 'connect ECONNREFUSED' });
  });
});
