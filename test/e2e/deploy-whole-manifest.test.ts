/**
 * Releases of the whole manifest, not only its images: a change of the pod
 * template with the same image is canaried and promoted; a changed Service or
 * ConfigMap is applied at promotion and not before (the canary reads a copy
 * of the ConfigMap); nothing changed is skipped; a failed canary of a
 * config-only change leaves the stable Deployment and the ConfigMap as they
 * were; an Ingress in the manifests is left alone and said to be. Run by the
 * bundled actions as the least-privilege deployer, against the real
 * apiserver (KWOK pods), with the stable app's availability watched.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runStep } from '../../scripts/harness/run-step';
import { KubeHttpError } from '../stack/kube-http';
import {
  admin,
  APP,
  baseInputs,
  canaryPods,
  deploymentManifest,
  getDeployment,
  ingressManifest,
  serviceManifest,
  sleep,
  STABLE_IMAGE,
  useDeployScenarios,
  type App,
} from './deploy-support';

const scenario = useDeployScenarios();
const { setUp } = scenario;
const CONFIG = `${APP}-config`;

interface Container {
  name: string;
  image: string;
  env?: { name: string; value: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
}
interface LiveDeployment {
  metadata: { resourceVersion: string; generation: number; annotations?: Record<string, string> };
  spec: { template: { metadata?: { annotations?: Record<string, string> }; spec: { containers: Container[] } } };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
}
interface LiveObject {
  metadata: { name: string; resourceVersion: string; ownerReferences?: { kind: string; name: string }[] };
  data?: Record<string, string>;
  spec?: { ports?: { targetPort: number }[] };
}

interface Release {
  env?: { name: string; value: string }[];
  config?: Record<string, string>;
  targetPort?: number;
  ingressAnnotation?: string;
}

/** The app's manifests as a repository holds them (no namespace), written to the workspace's app.yaml. */
function writeRelease(app: App, release: Release): void {
  const deployment = deploymentManifest(app.namespace, STABLE_IMAGE);
  const container = deployment.spec.template.spec.containers[0] as Container;
  if (release.env) container.env = release.env;
  if (release.config) container.envFrom = [{ configMapRef: { name: CONFIG } }];
  const service = serviceManifest(app.namespace);
  if (release.targetPort) service.spec.ports[0]!.targetPort = release.targetPort;
  const docs: { metadata: { namespace?: string; annotations?: Record<string, string> } }[] = [deployment, service];
  if (release.config) docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG }, data: release.config } as never);
  if (release.ingressAnnotation) {
    const ingress = ingressManifest(app.namespace);
    (ingress.metadata.annotations as Record<string, string>)['alb.ingress.kubernetes.io/healthcheck-path'] = release.ingressAnnotation;
    docs.push(ingress);
  }
  for (const doc of docs) delete doc.metadata.namespace;
  writeFileSync(join(app.workspace, 'app.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

/** As the platform left it: the ConfigMap, and the stable pods reading it (admin identity), fully rolled out. */
async function addConfig(app: App, data: Record<string, string>): Promise<void> {
  const kube = admin();
  await kube.post(`/api/v1/namespaces/${app.namespace}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CONFIG },
    data,
  });
  const containers = deploymentManifest(app.namespace, STABLE_IMAGE).spec.template.spec.containers.map((c) => ({
    ...c,
    envFrom: [{ configMapRef: { name: CONFIG } }],
  }));
  await kube.patch(`/apis/apps/v1/namespaces/${app.namespace}/deployments/${APP}`, { spec: { template: { spec: { containers } } } });
  await rolledOut(app.namespace);
}

async function rolledOut(namespace: string): Promise<LiveDeployment> {
  for (let waited = 0; waited < 60_000; waited += 250) {
    const d = await live(namespace);
    const s = d.status ?? {};
    if ((s.observedGeneration ?? 0) >= d.metadata.generation && s.updatedReplicas === 4 && s.availableReplicas === 4 && s.replicas === 4)
      return d;
    await sleep(250);
  }
  throw new Error('the stable Deployment did not roll out in 60 s');
}

async function live(namespace: string, name = APP): Promise<LiveDeployment> {
  return (await getDeployment(namespace, name)) as unknown as LiveDeployment;
}

async function object(path: string): Promise<LiveObject | undefined> {
  try {
    return await admin().get<LiveObject>(path);
  } catch (error) {
    if (error instanceof KubeHttpError && error.status === 404) return undefined;
    throw error;
  }
}

const configMapPath = (ns: string, name = CONFIG) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
const servicePath = (ns: string) => `/api/v1/namespaces/${ns}/services/${APP}`;

async function canaryConfigMaps(ns: string): Promise<LiveObject[]> {
  const list = await admin().get<{ items: LiveObject[] }>(`/api/v1/namespaces/${ns}/configmaps`);
  return list.items.filter((c) => c.metadata.name.startsWith(`${CONFIG}-canary-`));
}

function promoteInputs(app: App): Record<string, string> {
  return { kubeconfig: baseInputs(app, '').kubeconfig!, namespace: app.namespace, deployment: APP };
}

describe('releases of the whole manifest', () => {
  it('a: an env-only change (same image) is canaried with the new env and promoted, not skipped', async () => {
    const app = await setUp('whole-env');
    writeRelease(app, { env: [{ name: 'FEATURE_FLAG', value: 'on' }] });
    const canary = await runStep('canary-deploy', { cwd: app.workspace, inputs: baseInputs(app, STABLE_IMAGE, { steps: '25' }) });
    expect(canary.exitCode, canary.stdout).toBe(0);
    expect(canary.outputs.result).toBe('passed');
    expect(canary.stdout).toContain('spec.template.spec.containers[0].env');
    const canaryDeployment = await live(app.namespace, `${APP}-canary`);
    expect(canaryDeployment.spec.template.spec.containers[0]!.env).toEqual([{ name: 'FEATURE_FLAG', value: 'on' }]);
    expect((await live(app.namespace)).spec.template.spec.containers[0]!.env).toBeUndefined();

    const promote = await runStep('rolling-promote', { cwd: app.workspace, inputs: promoteInputs(app) });
    expect(promote.exitCode, promote.stdout).toBe(0);
    expect(promote.outputs).toMatchObject({ result: 'promoted', revision: '2', image: STABLE_IMAGE });
    const stable = await live(app.namespace);
    expect(stable.spec.template.spec.containers[0]!.env).toEqual([{ name: 'FEATURE_FLAG', value: 'on' }]);
    expect(stable.metadata.annotations?.['flightdeck.dev/run-url']).toBeDefined();
    expect(await getDeployment(app.namespace, `${APP}-canary`)).toBeUndefined();

    // Released again, the same manifests change nothing.
    const again = await runStep('release', { cwd: app.workspace, inputs: baseInputs(app, STABLE_IMAGE) });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs.result).toBe('skipped');
    expect((await live(app.namespace)).metadata.resourceVersion).toBe(stable.metadata.resourceVersion);
  });

  it('b: a changed Service and ConfigMap are applied at promotion, not before; the canary reads a copy of the ConfigMap', async () => {
    const app = await setUp('whole-objects');
    await addConfig(app, { MODE: 'a' });
    const serviceBefore = (await object(servicePath(app.namespace)))!;
    const configBefore = (await object(configMapPath(app.namespace)))!;
    writeRelease(app, { config: { MODE: 'b' }, targetPort: 8081 });

    const canary = await runStep('canary-deploy', { cwd: app.workspace, inputs: baseInputs(app, STABLE_IMAGE, { steps: '25' }) });
    expect(canary.exitCode, canary.stdout).toBe(0);
    expect(canary.outputs.result).toBe('passed');
    expect(canary.stdout).toMatch(/applied at promotion, not before: .*Service "web": spec\.ports\[0\]\.targetPort/);
    // Not before: the live Service and ConfigMap are untouched while the canary runs.
    expect((await object(servicePath(app.namespace)))!.metadata.resourceVersion).toBe(serviceBefore.metadata.resourceVersion);
    expect((await object(configMapPath(app.namespace)))!.metadata.resourceVersion).toBe(configBefore.metadata.resourceVersion);
    const copies = await canaryConfigMaps(app.namespace);
    expect(copies.map((c) => c.data)).toEqual([{ MODE: 'b' }]);
    expect(copies[0]!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', name: `${APP}-canary` })]);
    const canaryPodsRead = (await live(app.namespace, `${APP}-canary`)).spec.template.spec.containers[0]!.envFrom;
    expect(canaryPodsRead).toEqual([{ configMapRef: { name: copies[0]!.metadata.name } }]);
    expect((await live(app.namespace)).spec.template.spec.containers[0]!.envFrom).toEqual([{ configMapRef: { name: CONFIG } }]);

    const promote = await runStep('rolling-promote', { cwd: app.workspace, inputs: promoteInputs(app) });
    expect(promote.exitCode, promote.stdout).toBe(0);
    expect(promote.outputs.result).toBe('promoted');
    expect((await object(servicePath(app.namespace)))!.spec!.ports![0]!.targetPort).toBe(8081);
    expect((await object(configMapPath(app.namespace)))!.data).toEqual({ MODE: 'b' });
    // The stable pods read the user's ConfigMap, and were rolled so they read its new content.
    const stable = await live(app.namespace);
    expect(stable.spec.template.spec.containers[0]!.envFrom).toEqual([{ configMapRef: { name: CONFIG } }]);
    expect(stable.spec.template.metadata?.annotations?.['flightdeck.dev/config-hash']).toMatch(/^[0-9a-f]{10}$/);
    expect(promote.outputs.revision).toBe('3');
    expect(await canaryConfigMaps(app.namespace)).toEqual([]);
    expect(await canaryPods(app.namespace)).toSatisfy((pods: { metadata: { deletionTimestamp?: string } }[]) =>
      pods.every((p) => p.metadata.deletionTimestamp),
    );

    const again = await runStep('release', { cwd: app.workspace, inputs: baseInputs(app, STABLE_IMAGE) });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs.result).toBe('skipped');
  });

  it('c: nothing changed in the manifests → skipped, and nothing is written', async () => {
    const app = await setUp('whole-same');
    const before = {
      deployment: (await live(app.namespace)).metadata.resourceVersion,
      service: (await object(servicePath(app.namespace)))!.metadata.resourceVersion,
    };
    writeRelease(app, {});
    const run = await runStep('release', { cwd: app.workspace, inputs: baseInputs(app, STABLE_IMAGE) });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('skipped');
    expect(run.summary).toContain('Nothing in the manifests differs from what runs in the cluster');
    expect((await live(app.namespace)).metadata.resourceVersion).toBe(before.deployment);
    expect((await object(servicePath(app.namespace)))!.metadata.resourceVersion).toBe(before.service);
    expect(await getDeployment(app.namespace, `${APP}-canary`)).toBeUndefined();
  });

  it('d: a failed canary of a config-only change leaves the stable Deployment and the ConfigMap as they were', async () => {
    const app = await setUp('whole-fail');
    await addConfig(app, { MODE: 'a' });
    const stableBefore = (await live(app.namespace)).metadata.resourceVersion;
    const configBefore = (await object(configMapPath(app.namespace)))!.metadata.resourceVersion;
    writeRelease(app, { config: { MODE: 'broken' }, env: [{ name: 'DB_CONNECT_TIMEOUT', value: '0' }] });
    // The canary's HTTP check answers 503: the config is judged bad.
    const server: Server = createServer((_req, res) => {
      res.statusCode = 503;
      res.end('unavailable');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
      const run = await runStep('release', {
        cwd: app.workspace,
        inputs: baseInputs(app, STABLE_IMAGE, { 'http-url': url, 'http-requests': '5', 'http-success-rate': '90' }),
      });
      expect(run.exitCode).toBe(1);
      expect(run.outputs.result).toBe('failed');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect((await live(app.namespace)).metadata.resourceVersion).toBe(stableBefore);
    const config = (await object(configMapPath(app.namespace)))!;
    expect(config.metadata.resourceVersion).toBe(configBefore);
    expect(config.data).toEqual({ MODE: 'a' });
    expect(await canaryConfigMaps(app.namespace)).toEqual([]);
    expect(await getDeployment(app.namespace, `${APP}-canary`)).toBeUndefined();
  });

  it('e: an Ingress in the manifests is left alone, and the log and summary say so', async () => {
    const app = await setUp('whole-ingress', { ingress: true });
    const ingressPath = `/apis/networking.k8s.io/v1/namespaces/${app.namespace}/ingresses/${APP}`;
    const before = (await object(ingressPath))!.metadata.resourceVersion;
    writeRelease(app, { ingressAnnotation: '/changed', env: [{ name: 'FEATURE_FLAG', value: 'on' }] });
    const run = await runStep('release', { cwd: app.workspace, inputs: baseInputs(app, STABLE_IMAGE) });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('promoted');
    expect(run.stdout).toContain('Left alone: Ingress "web"');
    expect(run.summary).toMatch(/left alone.*Ingress "web": an Ingress is the platform’s/);
    expect((await object(ingressPath))!.metadata.resourceVersion).toBe(before);
    expect((await live(app.namespace)).spec.template.spec.containers[0]!.env).toEqual([{ name: 'FEATURE_FLAG', value: 'on' }]);
  });
});
