import { describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { KubePermissionError, type KubeClient } from '../kube';
import type { Deployment, KubeObject } from '../kube/types';
import type { DeployContext } from './context';
import { ANNOTATION_CONFIG_HASH, ANNOTATION_RELEASED_IMAGES } from './keys';
import { planCanary } from './run-canary';
import { Timeline } from './timeline';
import type { CanaryRequest } from './types';

/**
 * A cluster in memory: GET answers the live objects; a dry-run apply answers the live object with the
 * applied fields merged in (maps merge, lists are replaced), as the apiserver would for these manifests;
 * a real apply is recorded. Kinds in `forbidden` answer 403.
 */
function cluster(objects: KubeObject[], forbidden: string[] = []) {
  const live = new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, structuredClone(o)]));
  const applied: KubeObject[] = [];
  const dryRuns: string[] = [];
  const refuse = (kind: string, verb: string) => {
    if (forbidden.includes(kind)) throw new KubePermissionError(`${verb} ${kind} is forbidden`, 403, 'Forbidden', { verb, resource: kind });
  };
  const client = {
    getIfExists: vi.fn(async (ref: { kind: string; name: string }) => {
      refuse(ref.kind, 'get');
      return structuredClone(live.get(`${ref.kind}/${ref.name}`));
    }),
    apply: vi.fn(async (object: KubeObject, options: { dryRun?: boolean }) => {
      refuse(object.kind!, 'patch');
      const key = `${object.kind}/${object.metadata.name}`;
      if (!options.dryRun) {
        applied.push(object);
        return object;
      }
      dryRuns.push(key);
      const before = live.get(key);
      const answer = merge(structuredClone(before ?? {}), structuredClone(object)) as KubeObject;
      answer.metadata.resourceVersion = '999';
      answer.metadata.managedFields = [{ manager: 'flightdeck', operation: 'Apply' }];
      return answer;
    }),
  };
  return { client: client as unknown as KubeClient, applied, dryRuns };
}

function merge(into: unknown, from: unknown): unknown {
  if (typeof into !== 'object' || into === null || Array.isArray(into) || typeof from !== 'object' || from === null || Array.isArray(from))
    return from;
  const target = into as Record<string, unknown>;
  for (const [key, value] of Object.entries(from)) target[key] = merge(target[key], value);
  return target;
}

function context(client: KubeClient): DeployContext {
  return {
    client,
    namespace: 'shop',
    runUrl: 'https://github.com/o/r/actions/runs/2',
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

function deployment(env: { name: string; value: string }[] = [{ name: 'MODE', value: 'a' }], image = 'repo/web:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image, env: [...env, { name: 'CONFIG', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'mode' } } }] },
          ],
        },
      },
    },
  };
}

/** The live one: what the apiserver adds on top of the manifest. */
function liveDeployment(desired = deployment()): Deployment {
  const live = structuredClone(desired);
  Object.assign(live.metadata, { uid: 'u1', resourceVersion: '7', generation: 3, managedFields: [{ manager: 'kubectl' }] });
  live.metadata.annotations = { 'deployment.kubernetes.io/revision': '3' };
  live.status = { replicas: 4, readyReplicas: 4 };
  return live;
}

const service = (targetPort = 8080): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort }] },
});
const configMap = (mode = 'a'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { mode } });
const secret = (name: string, value = 'a'): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { value } });
const ingress: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec: { rules: [] } };

function request(desired: Deployment, others: KubeObject[]): CanaryRequest {
  return {
    desired,
    others,
    traffic: { mode: 'pod', steps: [25, 100] },
    analysis: { bakeTimeMs: 1000, intervalMs: 100, readyTimeoutMs: 1000, maxRestarts: 0, alarms: [] },
    rolloutTimeoutMs: 60_000,
  };
}

describe('planning a release of the whole manifest', () => {
  it('skips only when nothing in the manifests would change, and applies nothing to find out', async () => {
    const { client, applied, dryRuns } = cluster([liveDeployment(), service(), configMap()]);
    const plan = await planCanary(context(client), request(deployment(), [service(), configMap()]));
    expect(plan.kind).toBe('skip');
    expect(dryRuns.sort()).toEqual(['ConfigMap/web-config', 'Deployment/web', 'Service/web']);
    expect(applied).toEqual([]);
  });

  it('canaries an env-only change (same image) with the rendered pod template, instead of skipping it', async () => {
    const { client } = cluster([liveDeployment(), service(), configMap()]);
    const plan = await planCanary(context(client), request(deployment([{ name: 'MODE', value: 'b' }]), [service(), configMap()]));
    expect(plan.kind).toBe('canary');
    if (plan.kind !== 'canary') return;
    expect(plan.changes.deploymentChanges).toEqual(['spec.template.spec.containers[0].env[0].value']);
    expect(plan.changes.canaryTemplate.spec?.containers[0]?.env).toContainEqual({ name: 'MODE', value: 'b' });
    expect(plan.changes.release.apply).toEqual([]);
    // No image changes: the canary reports the images it runs.
    expect(plan.images).toEqual({ web: 'repo/web:1' });
  });

  it('canaries a new sidecar container', async () => {
    const { client } = cluster([liveDeployment()]);
    const desired = deployment();
    desired.spec.template.spec!.containers.push({ name: 'proxy', image: 'envoy:1' });
    const plan = await planCanary(context(client), request(desired, []));
    expect(plan.kind).toBe('canary');
    if (plan.kind !== 'canary') return;
    expect(plan.images).toEqual({ proxy: 'envoy:1' });
    expect(plan.changes.canaryTemplate.spec?.containers.map((c) => c.name)).toEqual(['web', 'proxy']);
  });

  it('releases a changed Service, to be applied at promotion: the plan only dry-runs it', async () => {
    const { client, applied } = cluster([liveDeployment(), service()]);
    const plan = await planCanary(context(client), request(deployment(), [service(9090)]));
    expect(plan.kind).toBe('canary');
    if (plan.kind !== 'canary') return;
    expect(plan.changes.deploymentChanges).toEqual([]);
    expect(plan.changes.objectChanges).toEqual(['Service "web": spec.ports[0].targetPort']);
    expect(plan.changes.release.apply).toEqual([service(9090)]);
    expect(applied).toEqual([]);
  });

  it('gives the canary a copy of a changed ConfigMap its pods read, and stamps the promoted template so the stable pods roll', async () => {
    const { client } = cluster([liveDeployment(), configMap('a')]);
    const plan = await planCanary(context(client), request(deployment(), [configMap('b')]));
    expect(plan.kind).toBe('canary');
    if (plan.kind !== 'canary') return;
    const [copy] = plan.changes.canaryConfigMaps;
    expect(copy?.metadata.name).toMatch(/^web-config-canary-[0-9a-f]{10}$/);
    expect(copy?.data).toEqual({ mode: 'b' });
    expect(copy?.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'flightdeck' });
    const canaryRef = (plan.changes.canaryTemplate.spec?.containers[0]?.env as unknown[])[1];
    expect(canaryRef).toEqual({ name: 'CONFIG', valueFrom: { configMapKeyRef: { name: copy?.metadata.name, key: 'mode' } } });
    // Promotion keeps the user's name, and the stamp makes a config-only change roll the pods.
    const promoted = plan.changes.release.deployment;
    expect((promoted.spec.template.spec?.containers[0]?.env as unknown[])[1]).toEqual({
      name: 'CONFIG',
      valueFrom: { configMapKeyRef: { name: 'web-config', key: 'mode' } },
    });
    expect(promoted.spec.template.metadata?.annotations?.[ANNOTATION_CONFIG_HASH]).toMatch(/^[0-9a-f]{10}$/);
    expect(plan.changes.deploymentChanges).toContain('spec.template.metadata.annotations');
  });

  it('leaves an Ingress alone without asking the cluster, and says why', async () => {
    const { client, dryRuns } = cluster([liveDeployment(), ingress]);
    const plan = await planCanary(context(client), request(deployment(), [{ ...ingress, spec: { rules: [{ host: 'x' }] } }]));
    expect(plan.kind).toBe('skip');
    expect(dryRuns).not.toContain('Ingress/web');
    expect(plan.kind !== 'first-release' && plan.changes.leftAlone).toEqual([
      { object: 'Ingress "web"', reason: expect.stringContaining('Flightdeck only weighs its backends') },
    ]);
  });

  it('leaves alone an object the deploy identity may not patch, and says so', async () => {
    const policy: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web' }, spec: {} };
    const { client } = cluster([liveDeployment(), policy], ['NetworkPolicy']);
    const plan = await planCanary(context(client), request(deployment(), [policy]));
    expect(plan.kind).toBe('skip');
    expect(plan.kind !== 'first-release' && plan.changes.leftAlone[0]).toEqual({
      object: 'NetworkPolicy "web"',
      reason: expect.stringContaining('may not read or patch it'),
    });
  });

  it('refuses a changed Secret the pods read, before changing anything, and leaves another changed Secret alone', async () => {
    const desired = deployment();
    desired.spec.template.spec!.containers[0]!.envFrom = [{ secretRef: { name: 'api-keys' } }];
    const { client, applied } = cluster([liveDeployment(desired), secret('api-keys'), secret('unrelated')]);
    const refusal = await planCanary(context(client), request(desired, [secret('api-keys', 'b')])).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect((refusal as Error).message).toMatch(/changes Secret "api-keys", which the pods of "web" read/);
    expect((refusal as Error).message).not.toContain('"b"');
    expect(applied).toEqual([]);
    const plan = await planCanary(context(client), request(desired, [secret('unrelated', 'b')]));
    expect(plan.kind).toBe('skip');
    expect(plan.kind !== 'first-release' && plan.changes.leftAlone[0]?.object).toBe('Secret "unrelated"');
  });

  it('sees a tag the last promotion pinned by digest as unchanged', async () => {
    const pinned = `repo/web@sha256:${'a'.repeat(64)}`;
    const live = liveDeployment(deployment(undefined, pinned));
    live.metadata.annotations![ANNOTATION_RELEASED_IMAGES] = JSON.stringify({ web: 'repo/web:1' });
    const { client } = cluster([live]);
    expect((await planCanary(context(client), request(deployment(undefined, 'repo/web:1'), []))).kind).toBe('skip');
    const next = await planCanary(context(client), request(deployment(undefined, 'repo/web:2'), []));
    expect(next.kind === 'canary' && next.images).toEqual({ web: 'repo/web:2' });
  });

  it('leaves the replica count to an autoscaler of the manifests, instead of resetting it at every release', async () => {
    const hpa: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10 },
    };
    const scaled = liveDeployment();
    scaled.spec.replicas = 7;
    const { client } = cluster([scaled, hpa]);
    const plan = await planCanary(context(client), request(deployment(), [hpa]));
    expect(plan.kind).toBe('skip');
    expect(plan.kind !== 'first-release' && plan.changes.release.deployment.spec).not.toHaveProperty('replicas');
  });
});
