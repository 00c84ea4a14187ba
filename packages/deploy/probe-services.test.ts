import { describe, expect, it, vi } from 'vitest';
import type { KubeClient } from '../kube';
import type { DeployContext } from './context';
import { applyProbeServices, probeServiceNames, removeProbeServices, waitForProbeEndpoints } from './probe-services';
import { Timeline } from './timeline';

function context(client: Partial<KubeClient>): DeployContext {
  return {
    client: client as KubeClient,
    namespace: 'shop',
    runUrl: 'https://github.com/o/r/actions/runs/1',
    timeline: new Timeline(() => {}),
    signal: new AbortController().signal,
    inputs: {
      deployment: 'deployment',
      namespace: 'namespace',
      manifests: 'manifests',
      service: 'service',
      ingress: 'ingress',
      rolloutTimeout: 'rollout-timeout',
    },
  };
}

describe('probe Services', () => {
  it('are named in keys.ts, one per track', () => {
    expect(probeServiceNames('flask-app')).toEqual(['flask-app-canary-probe', 'flask-app-baseline-probe', 'flask-app-stable-probe']);
  });

  it('applies one ClusterIP Service per track, managed by Flightdeck, selecting that track', async () => {
    const apply = vi.fn(async (o: unknown) => o);
    const names = await applyProbeServices(
      context({ apply } as Partial<KubeClient>),
      'flask-app',
      [
        { track: 'canary', selector: { app: 'flask-app', 'flightdeck.dev/track': 'canary' } },
        { track: 'baseline', selector: { app: 'flask-app', 'flightdeck.dev/track': 'baseline' } },
      ],
      'http',
    );
    expect(names).toEqual(['flask-app-canary-probe', 'flask-app-baseline-probe']);
    expect(apply).toHaveBeenCalledTimes(2);
    const first = apply.mock.calls[0]![0] as { metadata: { labels: Record<string, string> }; spec: { selector: Record<string, string> } };
    expect(first.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'flightdeck' });
    expect(first.spec.selector['flightdeck.dev/track']).toBe('canary');
  });

  it('waits for every probe Service to have an endpoint before the first round', async () => {
    let calls = 0;
    const getIfExists = vi.fn(async () => {
      calls++;
      // The endpoint appears on the second poll, as on the stack where a pod is Ready before its endpoint exists.
      return calls <= 2 ? { subsets: [] } : { subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] };
    });
    await expect(waitForProbeEndpoints(context({ getIfExists } as Partial<KubeClient>), ['a', 'b'], 5_000, 1)).resolves.toBe(true);
    await expect(
      waitForProbeEndpoints(context({ getIfExists: vi.fn(async () => undefined) } as Partial<KubeClient>), ['a'], 5, 1),
    ).resolves.toBe(false);
  });

  it('removes those that exist and ignores the rest', async () => {
    const remove = vi.fn(async (ref: { name: string }) => ref.name !== 'flask-app-stable-probe');
    const removed = await removeProbeServices(context({ delete: remove } as Partial<KubeClient>), 'flask-app');
    expect(removed).toEqual(['flask-app-canary-probe', 'flask-app-baseline-probe']);
    expect(remove).toHaveBeenCalledTimes(3);
  });
});
