/**
 * Shared set-up for the real-node suites (node-*.test.ts): the sample app's images built and pushed
 * with the bundled build-push-ecr action, its own manifests placed on flightdeck-node through the
 * test overlay (test/fixtures/real-node), a host-side request loop, and small readers of what the
 * node's pods report. Pods here are real: they pull the image, run gunicorn, answer the probes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { REPO_ROOT, runStep } from '../../scripts/harness/run-step';
import { mustRun, runProgram } from '../stack/commands';
import { adminKubeconfigPath, KubeHttp } from '../stack/kube-http';

export const APP = 'flask-app';
export const OVERLAY = resolve(REPO_ROOT, 'test/fixtures/real-node');
/** The label the product puts on canary pods (actions/canary-deploy/README.md). */
export const TRACK_LABEL = 'flightdeck.dev/track';

/** The node's facts, from the node component's env file (scripts/stack/components/node.sh). */
export function realNode(): {
  name: string;
  ip: string;
  podCidr: string;
  taintKey: string;
  bridge: string;
  guardChain: string;
  cri: string;
} {
  const get = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not in .stack/env: the real node is not up; run scripts/stack/up.sh (node is on by default)`);
    return value;
  };
  return {
    name: get('REAL_NODE_NAME'),
    ip: get('REAL_NODE_IP'),
    podCidr: get('REAL_NODE_POD_CIDR'),
    taintKey: get('REAL_NODE_TAINT_KEY'),
    bridge: get('REAL_NODE_BRIDGE'),
    guardChain: get('REAL_NODE_GUARD_CHAIN'),
    cri: get('REAL_NODE_CRI_ENDPOINT'),
  };
}

/**
 * The real-node suites run when the node is part of the stack: always by default. Only a
 * STACK_COMPONENTS that leaves `node` out skips them, and says so.
 */
export function nodeSelected(): boolean {
  const selected = process.env.STACK_COMPONENTS?.trim();
  const on = !selected || selected.split(/\s+/).includes('node');
  if (!on) process.stderr.write(`[e2e] STACK_COMPONENTS="${selected}" leaves out the real node: the node-* suites are skipped\n`);
  return on;
}

export function admin(): KubeHttp {
  return KubeHttp.fromKubeconfig(adminKubeconfigPath());
}

export function sleep(ms: number): Promise<void> {
  return new Promise((wake) => setTimeout(wake, ms));
}

// --- images ----------------------------------------------------------------------------------

/** Builds of the sample app: a version, and the build args that make a release good or bad. */
export const BUILDS = {
  good: { APP_VERSION: '1.0.0' },
  next: { APP_VERSION: '1.1.0' },
  // A database URL baked into the image, to a loopback port with nothing on it: /readyz never passes.
  'bad-database': { APP_VERSION: '1.2.0', DEFAULT_DATABASE_URL: 'postgresql://flask@127.0.0.1:1/notes' },
  'notes-500': { APP_VERSION: '1.3.0', APP_DEFECT: 'notes-500' },
  'crash-on-start': { APP_VERSION: '1.4.0', APP_DEFECT: 'crash-on-start' },
  'slow-notes': { APP_VERSION: '1.5.0', APP_DEFECT: 'slow-notes' },
  // Slow enough for any latency test, fast enough that a round of sequential probes stays short.
  'slow-notes-300': { APP_VERSION: '1.6.0', APP_DEFECT: 'slow-notes:300' },
} as const satisfies Record<string, Record<string, string>>;
export type BuildName = keyof typeof BUILDS;

/** The local base image (scripts/base-image.sh): the app's Dockerfile builds FROM it. */
function ensureBaseImage(): void {
  mustRun('bash', [resolve(REPO_ROOT, 'scripts/base-image.sh')], { timeoutMs: 1_200_000 });
}

/**
 * Builds each asked build of examples/flask-app with the bundled build-push-ecr, as a release
 * would, into the ECR repository `flask-app` (the manifests' image name, which the deploy actions match); returns each one's immutable image reference.
 */
export async function buildApp(names: BuildName[]): Promise<Record<BuildName, string>> {
  ensureBaseImage();
  const dockerConfig = mkdtempSync(join(tmpdir(), 'fd-node-docker-'));
  const refs = {} as Record<BuildName, string>;
  for (const name of names) {
    const args = { BASE_IMAGE: 'localhost/flightdeck/python-base:bookworm', ...BUILDS[name] };
    const run = await runStep('build-push-ecr', {
      cwd: REPO_ROOT,
      env: { DOCKER_CONFIG: dockerConfig },
      inputs: {
        repository: APP,
        context: 'examples/flask-app',
        'create-repository': 'true',
        'immutable-tags': 'false',
        'auto-tags': 'none',
        tags: `node-${name}`,
        'build-args': Object.entries(args)
          .map(([key, value]) => `${key}=${value}`)
          .join('\n'),
      },
      timeoutMs: 600_000,
    });
    if (run.exitCode !== 0 || !run.outputs['image-ref']) {
      throw new Error(
        `build-push-ecr of the ${name} build failed (exit ${run.exitCode}):\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`,
      );
    }
    refs[name] = run.outputs['image-ref'];
  }
  return refs;
}

// --- manifests -------------------------------------------------------------------------------

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** The product's Deployment and Service as the overlay renders them (`kubectl kustomize`). */
export function renderManifests(): KubeObject[] {
  const rendered = mustRun('kubectl', ['kustomize', OVERLAY]);
  return parseAllDocuments(rendered)
    .map((doc) => doc.toJSON() as KubeObject)
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Service');
}

/** A workspace holding app.yaml (the rendered Deployment and Service), for the actions' `manifests` input. */
export function writeWorkspace(): string {
  const workspace = mkdtempSync(join(tmpdir(), 'fd-node-ws-'));
  writeFileSync(
    join(workspace, 'app.yaml'),
    renderManifests()
      .map((o) => stringify(o))
      .join('---\n'),
  );
  return workspace;
}

interface DeploymentLike {
  spec: { template: { spec: { containers: { name: string; image: string }[] } } };
}

/** Creates the stable app (Deployment + Service) with the admin identity, the Deployment running `image`. */
export async function createStableApp(namespace: string, image: string): Promise<void> {
  const kube = admin();
  for (const object of renderManifests()) {
    const body = structuredClone(object) as KubeObject & Partial<DeploymentLike>;
    body.metadata.namespace = namespace;
    if (object.kind === 'Deployment') {
      for (const container of body.spec!.template.spec.containers) if (container.name === APP) container.image = image;
      await kube.post(`/apis/apps/v1/namespaces/${namespace}/deployments`, body);
    } else {
      await kube.post(`/api/v1/namespaces/${namespace}/services`, body);
    }
  }
}

/**
 * A ClusterIP Service in front of the canary's pods only, for the HTTP analysis (`http-url`): the
 * stable Service mixes both tracks, so a check through it would mostly see the stable pods.
 *
 * publishNotReadyAddresses: the analysis samples the moment the canary pod turns Ready, which is
 * before the EndpointSlice controller and kube-proxy have put a Ready pod behind a Service (about
 * a second here); its first requests would be refused. Published from its start, the pod is
 * routed to by the time it is Ready, and the analysis judges the app, not that delay.
 */
export async function createCanaryCheckService(namespace: string): Promise<string> {
  const service = await admin().post<{ spec: { clusterIP: string } }>(`/api/v1/namespaces/${namespace}/services`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${APP}-canary-check`, namespace },
    spec: {
      selector: { app: APP, [TRACK_LABEL]: 'canary' },
      publishNotReadyAddresses: true,
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  });
  return service.spec.clusterIP;
}

/** How a TCP connect from the host ended: the errno code, or "connected". */
export function tcpConnect(host: string, port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolveConnect) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs);
    const done = (outcome: string) => {
      socket.destroy();
      resolveConnect(outcome);
    };
    socket.once('connect', () => done('connected'));
    socket.once('timeout', () => done('timeout'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/**
 * Waits until a Service has no endpoints left and kube-proxy has caught up (a connect to its
 * ClusterIP is refused by kube-proxy's rule for a Service without endpoints): a canary pod of the
 * previous scenario, just gone, must not answer (or fail to answer) this one's checks.
 */
export async function waitForNoEndpoints(namespace: string, service: string, ip: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const slices = await admin().get<{ items: { endpoints?: unknown[] }[] }>(
      `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service}`)}`,
    );
    const endpoints = slices.items.reduce((sum, slice) => sum + (slice.endpoints?.length ?? 0), 0);
    if (endpoints === 0 && (await tcpConnect(ip, 80)) === 'ECONNREFUSED') return;
    if (Date.now() > deadline) throw new Error(`Service ${namespace}/${service} still has ${endpoints} endpoint(s) after ${timeoutMs} ms`);
    await sleep(250);
  }
}

export async function clusterIP(namespace: string, service = APP): Promise<string> {
  return (await admin().get<{ spec: { clusterIP: string } }>(`/api/v1/namespaces/${namespace}/services/${service}`)).spec.clusterIP;
}

export interface PodView {
  name: string;
  node?: string;
  phase?: string;
  ready: boolean;
  restarts: number;
  containerID?: string;
  imageID?: string;
  track?: string;
}

export async function appPods(namespace: string): Promise<PodView[]> {
  const list = await admin().get<{
    items: {
      metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
      spec: { nodeName?: string };
      status: {
        phase?: string;
        conditions?: { type: string; status: string }[];
        containerStatuses?: { restartCount: number; containerID?: string; imageID?: string }[];
      };
    }[];
  }>(`/api/v1/namespaces/${namespace}/pods?labelSelector=app%3D${APP}`);
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      node: p.spec.nodeName,
      phase: p.status.phase,
      ready: p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
      restarts: p.status.containerStatuses?.[0]?.restartCount ?? 0,
      containerID: p.status.containerStatuses?.[0]?.containerID,
      imageID: p.status.containerStatuses?.[0]?.imageID,
      track: p.metadata.labels?.[TRACK_LABEL],
    }));
}

export async function deploymentImage(namespace: string, name = APP): Promise<string | undefined> {
  const deployment = await admin().get<DeploymentLike>(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  return deployment.spec.template.spec.containers.find((c) => c.name === APP)?.image;
}

// --- traffic from the host -------------------------------------------------------------------

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One GET on a fresh connection (so kube-proxy balances each request), with a timeout. */
export function httpGet(url: string, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolveGet, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface LoopReport {
  requests: number;
  failures: { at: string; error: string }[];
  /** The app versions that answered (/version), in order of first appearance. */
  versions: string[];
}

/**
 * A steady loop of GET <base>/version from the host, one request at a time, until stopped. Any
 * answer but 200, or any connection error, is a failed request.
 */
export function startRequestLoop(base: string, pauseMs = 50): { stop(): Promise<LoopReport> } {
  const report: LoopReport = { requests: 0, failures: [], versions: [] };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      report.requests += 1;
      try {
        const answer = await httpGet(`${base}/version`);
        if (answer.status !== 200) {
          report.failures.push({ at: new Date().toISOString(), error: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` });
        } else {
          const version = (JSON.parse(answer.body) as { version: string }).version;
          if (!report.versions.includes(version)) report.versions.push(version);
        }
      } catch (error) {
        report.failures.push({ at: new Date().toISOString(), error: (error as Error).message });
      }
      await sleep(pauseMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return report;
    },
  };
}

// --- the node, from the host -----------------------------------------------------------------

/** `kubectl` as the cluster admin, for what the apiserver proxies to the kubelet (logs, exec). */
export function kubectl(args: string[], options: { input?: string } = {}): ReturnType<typeof runProgram> {
  return runProgram('kubectl', ['--kubeconfig', adminKubeconfigPath(), ...args], { input: options.input, timeoutMs: 120_000 });
}

/** The host pid of a running container, from the node's containerd (`ctr task ls`). */
export function containerPid(containerID: string): number {
  const id = containerID.replace(/^containerd:\/\//, '');
  const socket = realNode().cri.replace(/^unix:\/\//, '');
  const tasks = mustRun('ctr', ['--address', socket, '--namespace', 'k8s.io', 'task', 'ls']);
  const line = tasks.split('\n').find((l) => l.startsWith(id));
  if (!line) throw new Error(`container ${id} has no running task on the node:\n${tasks}`);
  return Number(line.trim().split(/\s+/)[1]);
}
