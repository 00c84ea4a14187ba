import { describe, expect, it } from 'vitest';
import type { Deployment } from '../kube/types';
import { ANNOTATION_IMAGE, ANNOTATION_RELEASED_IMAGES, ANNOTATION_RUN_URL, ANNOTATION_SHA } from './keys';
import { promotedDeploymentOf, splitRelease } from './promote-release';
import type { ReleaseRecord } from './types';

const DIGEST = `sha256:${'b'.repeat(64)}`;

function deployment(image: string, sidecar = 'envoy:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', annotations: { team: 'shop' } },
    spec: {
      replicas: 4,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        spec: {
          containers: [
            { name: 'web', image, env: [{ name: 'MODE', value: 'b' }], envFrom: [{ configMapRef: { name: 'web-config' } }] },
            { name: 'proxy', image: sidecar },
          ],
        },
      },
    },
  };
}

const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: {} };

describe('the Deployment a promotion applies', () => {
  const record: ReleaseRecord = { deployment: deployment('repo/web:2'), apply: [] };
  const stable = deployment('repo/web:1');

  it('is the whole rendered one, with the changed images pinned to what the canary ran and the tags remembered', () => {
    const promoted = promotedDeploymentOf(record, stable, {
      pinned: { web: `repo/web@${DIGEST}`, proxy: `envoy@${DIGEST}` },
      runUrl: 'https://github.com/o/r/actions/runs/3',
      gitSha: 'abc',
    });
    const [web, proxy] = promoted.spec.template.spec!.containers;
    expect(web).toMatchObject({ image: `repo/web@${DIGEST}`, env: [{ name: 'MODE', value: 'b' }] });
    // The sidecar's image did not change: it is left as the manifests name it.
    expect(proxy?.image).toBe('envoy:1');
    expect(promoted.metadata.annotations).toEqual({
      team: 'shop',
      [ANNOTATION_RUN_URL]: 'https://github.com/o/r/actions/runs/3',
      [ANNOTATION_IMAGE]: `repo/web@${DIGEST}`,
      [ANNOTATION_SHA]: 'abc',
      [ANNOTATION_RELEASED_IMAGES]: JSON.stringify({ web: 'repo/web:2' }),
    });
    expect(record.deployment.spec.template.spec!.containers[0]!.image).toBe('repo/web:2');
  });

  it('takes the asked maxSurge and keeps the manifest’s maxUnavailable', () => {
    const promoted = promotedDeploymentOf(record, stable, { pinned: {}, runUrl: 'u', maxSurge: '50%' });
    expect(promoted.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '50%', maxUnavailable: 0 } });
  });
});

describe('the order of a promotion', () => {
  it('applies the ConfigMaps the pods read before the rollout, and the rest after it', () => {
    const split = splitRelease({ deployment: deployment('repo/web:2'), apply: [service, configMap('web-config'), configMap('other')] });
    expect(split.before.map((o) => o.metadata.name)).toEqual(['web-config']);
    expect(split.after.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/web', 'ConfigMap/other']);
  });
});
