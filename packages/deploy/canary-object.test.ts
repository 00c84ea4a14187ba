import { describe, expect, it } from 'vitest';
import type { Deployment } from '../kube/types';
import { changedImages, deriveCanary, templateImages } from './canary-object';

const stable: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'flask-app', namespace: 'prod', uid: 'u1', resourceVersion: '42', generation: 3, labels: { app: 'flask-app' } },
  spec: {
    replicas: 4,
    selector: { matchLabels: { app: 'flask-app' } },
    template: {
      metadata: { labels: { app: 'flask-app' }, annotations: { 'kubectl.kubernetes.io/restartedAt': 'x', keep: 'me' } },
      spec: {
        initContainers: [{ name: 'migrate', image: 'repo/app:v1' }],
        containers: [
          { name: 'web', image: 'repo/app:v1' },
          { name: 'proxy', image: 'envoy:1' },
        ],
      },
    },
  },
  status: { replicas: 4 },
};

describe('deriveCanary', () => {
  const canary = deriveCanary(stable, {
    images: { web: 'repo/app@sha256:abc', migrate: 'repo/app@sha256:abc' },
    replicas: 1,
    runUrl: 'https://github.com/o/r/actions/runs/1',
  });

  it('names it <name>-canary and labels selector and pods with the canary track', () => {
    expect(canary.metadata.name).toBe('flask-app-canary');
    expect(canary.spec.selector?.matchLabels).toEqual({ app: 'flask-app', 'flightdeck.dev/track': 'canary' });
    expect(canary.spec.template.metadata?.labels).toEqual({ app: 'flask-app', 'flightdeck.dev/track': 'canary' });
  });

  it('keeps the stable pod labels, so the stable Service (selector app=flask-app) sends it traffic', () => {
    const service = { app: 'flask-app' };
    const labels = canary.spec.template.metadata!.labels!;
    expect(Object.entries(service).every(([k, v]) => labels[k] === v)).toBe(true);
  });

  it('swaps images in containers and init containers only where asked', () => {
    expect(templateImages(canary)).toEqual({ migrate: 'repo/app@sha256:abc', web: 'repo/app@sha256:abc', proxy: 'envoy:1' });
    expect(stable.spec.template.spec!.containers[0]!.image).toBe('repo/app:v1');
  });

  it('carries nothing the apiserver owns and records where it came from', () => {
    expect(canary.metadata.uid).toBeUndefined();
    expect(canary.metadata.resourceVersion).toBeUndefined();
    expect(canary.status).toBeUndefined();
    expect(canary.spec.replicas).toBe(1);
    expect(canary.metadata.annotations).toMatchObject({
      'flightdeck.dev/stable-deployment': 'flask-app',
      'flightdeck.dev/run-url': 'https://github.com/o/r/actions/runs/1',
    });
    expect(canary.spec.template.metadata!.annotations).toEqual({ keep: 'me' });
  });

  it('finds which images change', () => {
    expect(changedImages(templateImages(stable), templateImages(canary))).toEqual({
      migrate: 'repo/app@sha256:abc',
      web: 'repo/app@sha256:abc',
    });
  });
});

describe('deriveCanary from a release', () => {
  it('runs the release’s pod template (env, resources, new containers), keeping the stable selector', () => {
    const template = structuredClone(stable.spec.template);
    template.spec!.containers[0] = {
      ...template.spec!.containers[0]!,
      env: [{ name: 'MODE', value: 'b' }],
      resources: { limits: { cpu: '1' } },
    };
    template.spec!.containers.push({ name: 'sidecar', image: 'sidecar:1' });
    const canary = deriveCanary(stable, { images: {}, template, replicas: 1, runUrl: 'u' });
    expect(canary.spec.template.spec!.containers.map((c) => c.name)).toEqual(['web', 'proxy', 'sidecar']);
    expect(canary.spec.template.spec!.containers[0]).toMatchObject({
      env: [{ name: 'MODE', value: 'b' }],
      resources: { limits: { cpu: '1' } },
    });
    expect(canary.spec.selector?.matchLabels).toEqual({ app: 'flask-app', 'flightdeck.dev/track': 'canary' });
    expect(stable.spec.template.spec!.containers[0]).not.toHaveProperty('env');
  });
});
