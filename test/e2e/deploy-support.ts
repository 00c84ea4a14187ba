/**
 * Shared set-up for the deploy e2e suites: an app (Deployment + Service, and
 * an Ingress for ALB mode) created with the admin identity in a throwaway
 * namespace, its manifests written to a workspace for the action to read, and
 * the inputs every scenario shares. The actions themselves run bundled,
 * through the runner harness, as the least-privilege deployer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, expect } from 'vitest';
import { createTestNamespace, RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY, type TestNamespace } from '../stack/namespaces';
import { adminKubeconfigPath, deployerKubeconfigPath, KubeHttp, KubeHttpError } from '../stack/kube-http';
import { watchDeployment, type DeploymentWatcher } from '../stack/watcher';

export const APP = 'web';
export const IMAGE_REPO = 'flightdeck.local/web';
export const STABLE_IMAGE = `${IMAGE_REPO}:1.0.0`;
/** The run URL the harness's GITHUB_* variables make: the Lease holder and the canary's annotation. */
export const HARNESS_RUN_URL = 'https://github.com/flightdeck-dev/sample/actions/runs/4242';
/** The Lease holder the harness's job makes: the run attempt, the job and a random id of this job instance. */
export const HARNESS_LOCK_HOLDER =
  /^https:\/\/github\.com\/flightdeck-dev\/sample\/actions\/runs\/4242\/attempts\/1 \(job "e2e", instance [0-9a-f]{8}\)$/;

export interface AppOptions {
  replicas?: number;
  maxSurge?: number;
  maxUnavailable?: number;
  minReadySeconds?: number;
  progressDeadlineSeconds?: number;
  ingress?: boolean;
}

export function admin(): KubeHttp {
  return KubeHttp.fromKubeconfig(adminKubeconfigPath());
}

export function deploymentManifest(namespace: string, image: string, options: AppOptions = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APP, namespace, labels: { app: APP } },
    spec: {
      replicas: options.replicas ?? 4,
      progressDeadlineSeconds: options.progressDeadlineSeconds ?? 600,
      minReadySeconds: options.minReadySeconds ?? 0,
      selector: { matchLabels: { app: APP } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: options.maxSurge ?? 1, maxUnavailable: options.maxUnavailable ?? 0 } },
      template: {
        metadata: { labels: { app: APP } },
        // The test namespaces enforce the "restricted" Pod Security Standard, as app namespaces do.
        spec: {
          securityContext: RESTRICTED_POD_SECURITY,
          containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }], securityContext: RESTRICTED_CONTAINER_SECURITY }],
        },
      },
    },
  };
}

export function serviceManifest(namespace: string) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: APP, namespace },
    spec: { selector: { app: APP }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

export function ingressManifest(namespace: string) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: APP,
      namespace,
      annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/target-type': 'ip' },
    },
    spec: {
      ingressClassName: 'alb',
      rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: APP, port: { number: 80 } } } }] } }],
    },
  };
}

export interface App {
  namespace: string;
  /** A workspace with app.yaml: the Deployment and Service as a user's repository holds them. */
  workspace: string;
  watcher: DeploymentWatcher;
  /** replicas − maxUnavailable: what the stable Deployment must never drop below. */
  floor: number;
}

/** Create the stable app, wait for it to be fully available, start the availability watcher. */
export async function createApp(namespace: string, options: AppOptions = {}): Promise<App> {
  const kube = admin();
  await kube.post(`/apis/apps/v1/namespaces/${namespace}/deployments`, deploymentManifest(namespace, STABLE_IMAGE, options));
  await kube.post(`/api/v1/namespaces/${namespace}/services`, serviceManifest(namespace));
  if (options.ingress) await kube.post(`/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`, ingressManifest(namespace));
  const replicas = options.replicas ?? 4;
  const setup = await watchDeployment({ namespace, name: APP });
  await setup.waitFor(
    (o) =>
      o.observedGeneration >= o.generation && o.availableReplicas === replicas && o.updatedReplicas === replicas && o.replicas === replicas,
    { timeoutMs: 60_000, what: 'the stable app fully available' },
  );
  await setup.stop();
  // The witness starts once the app is fully available: from here on it must never dip below the floor.
  const watcher = await watchDeployment({ namespace, name: APP });

  const workspace = mkdtempSync(join(tmpdir(), 'fd-deploy-ws-'));
  writeManifests(workspace, namespace, options);
  return { namespace, workspace, watcher, floor: replicas - (options.maxUnavailable ?? 0) };
}

export function writeManifests(workspace: string, namespace: string, options: AppOptions = {}): void {
  const docs = [
    deploymentManifest(namespace, STABLE_IMAGE, options),
    serviceManifest(namespace),
    ...(options.ingress ? [ingressManifest(namespace)] : []),
  ];
  // Written without the namespace, as most repositories keep them; the action's "namespace" input places them.
  for (const doc of docs) delete (doc.metadata as { namespace?: string }).namespace;
  writeFileSync(join(workspace, 'app.yaml'), docs.map((d) => stringify(d)).join('---\n'));
}

/** The inputs every scenario passes: the deployer identity, the namespace, the manifests, quick timings. */
export function baseInputs(app: App, image: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    kubeconfig: deployerKubeconfigPath(),
    namespace: app.namespace,
    manifests: 'app.yaml',
    images: image,
    'bake-time': '2s',
    'analysis-interval': '1s',
    'ready-timeout': '20s',
    'rollout-timeout': '60s',
    ...extra,
  };
}

export async function getDeployment(
  namespace: string,
  name = APP,
): Promise<
  | {
      metadata: { resourceVersion: string; annotations?: Record<string, string> };
      spec: { template: { spec: { containers: { image: string }[] } } };
    }
  | undefined
> {
  try {
    return await admin().get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  } catch (error) {
    if (error instanceof KubeHttpError && error.status === 404) return undefined;
    throw error;
  }
}

export async function stableImage(namespace: string): Promise<string | undefined> {
  return (await getDeployment(namespace))?.spec.template.spec.containers[0]?.image;
}

export async function canaryPods(namespace: string): Promise<{ metadata: { name: string; deletionTimestamp?: string } }[]> {
  const list = await admin().get<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>(
    `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent('flightdeck.dev/track=canary')}`,
  );
  return list.items;
}

/** Every object the actions could change, by kind/name → resourceVersion: equal before and after means nothing changed. */
export async function snapshot(namespace: string): Promise<Record<string, string>> {
  const kube = admin();
  const found: Record<string, string> = {};
  for (const [kind, path] of [
    ['Deployment', `/apis/apps/v1/namespaces/${namespace}/deployments`],
    ['Service', `/api/v1/namespaces/${namespace}/services`],
    ['Ingress', `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`],
    ['Lease', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`],
  ] as const) {
    const list = await kube.get<{ items: { metadata: { name: string; resourceVersion: string } }[] }>(path);
    for (const item of list.items) found[`${kind}/${item.metadata.name}`] = item.metadata.resourceVersion;
  }
  return found;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One scenario per test: a fresh namespace with the deployer bound and the stable app in it, watched
 * from outside. After each test the watcher must have seen the Deployment, and its availability must
 * never have dropped below the app's floor; then the namespace goes.
 */
export function useDeployScenarios(): { setUp(prefix: string, options?: AppOptions): Promise<App>; readonly app: App } {
  let namespace: TestNamespace | undefined;
  let app: App | undefined;
  afterEach(async () => {
    try {
      if (app) {
        const observed = await app.watcher.stop();
        expect(observed.length).toBeGreaterThan(0);
        app.watcher.assertNeverBelow(app.floor);
      }
    } finally {
      await namespace?.delete();
      namespace = undefined;
      app = undefined;
    }
  });
  return {
    async setUp(prefix, options = {}) {
      namespace = await createTestNamespace(prefix);
      app = await createApp(namespace.name, options);
      return app;
    },
    get app() {
      if (!app) throw new Error('call setUp() first');
      return app;
    },
  };
}
