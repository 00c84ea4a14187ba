import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as KubeModule from '../kube';
import { RolloutFailedError, undoRollout, waitForRollout, type KubeClient } from '../kube';
import type { Deployment, KubeObject } from '../kube/types';
import type * as CanaryModule from './canary';
import { removeCanary } from './canary';
import type { DeployContext } from './context';
import { ANNOTATION_RELEASE, ANNOTATION_TRAFFIC } from './keys';
import { promote } from './promote';
import { encodeReleaseRecord } from './records';
import { Timeline } from './timeline';

vi.mock('../kube', async (importOriginal) => ({
  ...(await importOriginal<typeof KubeModule>()),
  waitForRollout: vi.fn(),
  undoRollout: vi.fn(),
}));
vi.mock('./canary', async (importOriginal) => ({
  ...(await importOriginal<typeof CanaryModule>()),
  removeCanary: vi.fn(async () => ({ removed: true, podsGone: true })),
}));

function deployment(name: string, env: string, configMap = 'web-config'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', annotations: { 'deployment.kubernetes.io/revision': '4' } },
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'web', image: 'repo/web:1', env: [{ name: 'MODE', value: env }], envFrom: [{ configMapRef: { name: configMap } }] },
          ],
        },
      },
    },
  };
}

const configMap = (mode: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-config', namespace: 'shop' },
  data: { mode },
});
const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { ports: [{ port: 80, targetPort: 8081 }] },
};

/** The cluster as promotion sees it: a stable Deployment, its canary with a release record, the live ConfigMap. */
function setUp() {
  const stable = deployment('web', 'a');
  const canary = deployment('web-canary', 'b', 'web-config-canary-0123456789');
  canary.metadata.annotations = {
    [ANNOTATION_TRAFFIC]: '{"v":1,"mode":"pod"}',
    [ANNOTATION_RELEASE]: encodeReleaseRecord({ deployment: deployment('web', 'b'), apply: [service, configMap('b')] }),
  };
  const calls: string[] = [];
  const applied: KubeObject[] = [];
  const client = {
    getIfExists: vi.fn(async (ref: { kind: string; name: string }) => {
      if (ref.kind === 'Deployment') return structuredClone(ref.name === 'web' ? stable : canary);
      if (ref.kind === 'ConfigMap') return configMap('a');
      return undefined;
    }),
    list: vi.fn(async () => ({ metadata: {}, items: [] })),
    apply: vi.fn(async (object: KubeObject) => {
      calls.push(`apply ${object.kind}/${object.metadata.name}`);
      applied.push(object);
      return object;
    }),
    patch: vi.fn(async () => {
      throw new Error('a whole-manifest release is applied, not patched');
    }),
  };
  const ctx: DeployContext = {
    client: client as unknown as KubeClient,
    namespace: 'shop',
    runUrl: 'https://github.com/o/r/actions/runs/9',
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
  return { ctx, calls, applied };
}

beforeEach(() => {
  vi.mocked(waitForRollout).mockReset();
  vi.mocked(undoRollout).mockReset();
  vi.mocked(removeCanary).mockClear();
});

describe('promoting a whole-manifest release', () => {
  it('applies the ConfigMap the pods read, then the whole rendered Deployment, then the other objects once the rollout is through', async () => {
    const { ctx, calls, applied } = setUp();
    vi.mocked(waitForRollout).mockImplementation(async () => {
      calls.push('rollout');
      return { deployment: deployment('web', 'b'), elapsedMs: 1000, apiRequests: 3, reconnects: 0 } as never;
    });
    const outcome = await promote(ctx, { name: 'web', timeoutMs: 60_000 });
    expect(outcome.result).toBe('promoted');
    expect(calls).toEqual(['apply ConfigMap/web-config', 'apply Deployment/web', 'rollout', 'apply Service/web']);
    const promoted = applied.find((o) => o.kind === 'Deployment') as Deployment;
    // The whole template, with the user's ConfigMap name: not the canary's copy, not only images.
    expect(promoted.spec.template.spec!.containers[0]).toMatchObject({
      env: [{ name: 'MODE', value: 'b' }],
      envFrom: [{ configMapRef: { name: 'web-config' } }],
    });
    expect(removeCanary).toHaveBeenCalledOnce();
  });

  it('on a failed rollout puts the ConfigMap back before undoing, and applies none of the other objects', async () => {
    const { ctx, calls, applied } = setUp();
    vi.mocked(waitForRollout)
      .mockImplementationOnce(async () => {
        calls.push('rollout');
        throw new RolloutFailedError('stuck', 'ProgressDeadlineExceeded', undefined, 1000);
      })
      .mockImplementationOnce(async () => {
        calls.push('rollout back');
        return { deployment: deployment('web', 'a'), elapsedMs: 1000, apiRequests: 3, reconnects: 0 } as never;
      });
    vi.mocked(undoRollout).mockImplementation(async () => {
      calls.push('undo');
      return { restoredRevision: 4, images: { web: 'repo/web:1' } } as never;
    });
    const outcome = await promote(ctx, { name: 'web', timeoutMs: 60_000 });
    expect(outcome.result).toBe('rolled-back');
    expect(calls).toEqual([
      'apply ConfigMap/web-config',
      'apply Deployment/web',
      'rollout',
      'apply ConfigMap/web-config',
      'undo',
      'rollout back',
    ]);
    expect(applied.at(-1)).toMatchObject({ kind: 'ConfigMap', data: { mode: 'a' } });
    expect(calls).not.toContain('apply Service/web');
  });
});
