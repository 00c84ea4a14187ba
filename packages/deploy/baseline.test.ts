import { describe, expect, it, vi } from 'vitest';
import type { Deployment, KubeClient } from '../kube';
import { deriveBaseline, removeBaseline } from './baseline';
import type { DeployContext } from './context';
import { Timeline } from './timeline';

const stable: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: {
    replicas: 9,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'repo/web:1' }] } },
  },
};

const ctx = (client: Partial<KubeClient>): DeployContext => ({
  client: client as KubeClient,
  namespace: 'shop',
  runUrl: 'https://github.com/o/r/actions/runs/1',
  timeline: new Timeline(() => {}),
  signal: new AbortController().signal,
  inputs: { deployment: 'd', namespace: 'n', manifests: 'm', service: 's', ingress: 'i', rolloutTimeout: 'r' },
});

describe('the baseline', () => {
  it('is the stable spec and images at the canary size, on its own track, selecting only its own pods', () => {
    const baseline = deriveBaseline(stable, 2, 'https://run');
    expect(baseline.metadata.name).toBe('web-baseline');
    expect(baseline.spec.replicas).toBe(2);
    expect(baseline.spec.template.spec!.containers[0]!.image).toBe('repo/web:1');
    expect(baseline.spec.selector?.matchLabels).toEqual({ app: 'web', 'flightdeck.dev/track': 'baseline' });
    expect(baseline.spec.template.metadata?.labels).toEqual({ app: 'web', 'flightdeck.dev/track': 'baseline' });
    expect(baseline.metadata.labels).toMatchObject({ 'flightdeck.dev/track': 'baseline', 'app.kubernetes.io/managed-by': 'flightdeck' });
    expect(baseline.metadata.annotations?.['flightdeck.dev/run-url']).toBe('https://run');
  });

  it('is removed only when it is ours: a Deployment of that name someone else made is left alone', async () => {
    const ours = deriveBaseline(stable, 1, 'https://run');
    const del = vi.fn(async () => true);
    expect(await removeBaseline(ctx({ getIfExists: vi.fn(async () => ours) as never, delete: del as never }), 'web')).toBe(true);
    expect(del).toHaveBeenCalledWith(expect.objectContaining({ name: 'web-baseline', namespace: 'shop' }), {
      propagationPolicy: 'Background',
    });

    const theirs = { ...stable, metadata: { name: 'web-baseline', labels: { app: 'web' } } };
    del.mockClear();
    expect(await removeBaseline(ctx({ getIfExists: vi.fn(async () => theirs) as never, delete: del as never }), 'web')).toBe(false);
    expect(del).not.toHaveBeenCalled();
    expect(await removeBaseline(ctx({ getIfExists: vi.fn(async () => undefined) as never, delete: del as never }), 'web')).toBe(false);
  });
});
