import { describe, expect, it } from 'vitest';
import type { KubeObject, PodSpec } from '../kube/types';
import { comparable, contentHash, differences, referencedConfig, renameConfigMaps, stampConfig } from './release-diff';

const live: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u1',
    resourceVersion: '41',
    generation: 2,
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{ manager: 'kubectl' }],
    annotations: { 'flightdeck.dev/run-url': 'https://github.com/o/r/actions/runs/1', team: 'shop' },
  },
  spec: { ports: [{ port: 80, targetPort: 8080 }] },
  status: { loadBalancer: {} },
};

describe('differences between a live object and the dry-run answer', () => {
  it('are none when only what the apiserver or Flightdeck bookkeeping rewrites differs', () => {
    const answer = structuredClone(live);
    answer.metadata.resourceVersion = '42';
    answer.metadata.generation = 3;
    answer.metadata.managedFields = [{ manager: 'flightdeck' }];
    answer.metadata.annotations = { 'flightdeck.dev/run-url': 'https://github.com/o/r/actions/runs/2', team: 'shop' };
    delete answer.status;
    expect(differences(live, answer)).toEqual([]);
  });

  it('name each changed path, and a removed annotation', () => {
    const answer = structuredClone(live);
    (answer.spec as { ports: { targetPort: number }[] }).ports[0]!.targetPort = 9090;
    answer.metadata.annotations = {};
    expect(differences(live, answer)).toEqual(['metadata.annotations', 'spec.ports[0].targetPort']);
  });

  it('see a list that grew (a new env var or container) as a change of the list', () => {
    const a = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, env: [{ name: 'A' }] };
    expect(differences(a, { ...a, env: [{ name: 'A' }, { name: 'B' }] })).toEqual(['env']);
  });

  it('comparable leaves the input alone', () => {
    comparable(live);
    expect(live.metadata.resourceVersion).toBe('41');
  });
});

const spec: PodSpec = {
  initContainers: [{ name: 'migrate', image: 'a', envFrom: [{ configMapRef: { name: 'migrate-config' } }] }],
  containers: [
    {
      name: 'web',
      image: 'a',
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'mode' } } },
        { name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } },
        { name: 'PLAIN', value: 'x' },
      ],
      envFrom: [{ secretRef: { name: 'api-keys' } }],
    },
  ],
  volumes: [
    { name: 'files', configMap: { name: 'web-files' } },
    { name: 'tls', secret: { secretName: 'tls' } },
    { name: 'all', projected: { sources: [{ configMap: { name: 'projected-config' } }, { secret: { name: 'projected-secret' } }] } },
  ],
};

describe('the config a pod template reads', () => {
  it('is found in env, envFrom, volumes and projected volumes, of every container', () => {
    const found = referencedConfig(spec);
    expect([...found.ConfigMap].sort()).toEqual(['migrate-config', 'projected-config', 'web-config', 'web-files']);
    expect([...found.Secret].sort()).toEqual(['api-keys', 'db', 'projected-secret', 'tls']);
  });

  it('is renamed for the canary where asked, and nowhere else', () => {
    const renamed = renameConfigMaps(spec, { 'web-config': 'web-config-canary-0123456789', 'web-files': 'web-files-canary-abcdefabcd' });
    const found = referencedConfig(renamed);
    expect([...found.ConfigMap].sort()).toEqual([
      'migrate-config',
      'projected-config',
      'web-config-canary-0123456789',
      'web-files-canary-abcdefabcd',
    ]);
    expect([...found.Secret].sort()).toEqual(['api-keys', 'db', 'projected-secret', 'tls']);
    // The stable spec is not touched.
    expect(referencedConfig(spec).ConfigMap.has('web-config')).toBe(true);
  });
});

describe('contentHash', () => {
  const configMap = (data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-config' },
    data,
  });

  it('depends on the content, not on the order of keys or objects', () => {
    expect(contentHash([configMap({ a: '1', b: '2' })])).toBe(contentHash([configMap({ b: '2', a: '1' })]));
    expect(contentHash([configMap({ a: '1' })])).not.toBe(contentHash([configMap({ a: '2' })]));
    expect(contentHash([configMap({ a: '1' })])).toMatch(/^[0-9a-f]{10}$/);
  });

  it('stamps a template without touching the original', () => {
    const template = { metadata: { labels: { app: 'web' } }, spec };
    const stamped = stampConfig(template, 'abc');
    expect(stamped.metadata?.annotations).toEqual({ 'flightdeck.dev/config-hash': 'abc' });
    expect(template.metadata).toEqual({ labels: { app: 'web' } });
  });
});
