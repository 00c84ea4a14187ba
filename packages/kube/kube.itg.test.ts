/**
 * packages/kube against the real kube-apiserver of the local stack, as the
 * deployer ServiceAccount (least-privilege Role), with KWOK playing the pods.
 * Outcomes are checked with test/stack/kube-http (an independent client).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeconfigPath, deployerKubeconfigPath, KubeHttp } from '../../test/stack/kube-http';
import { RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY, useTestNamespace } from '../../test/stack/namespaces';
import { leaseName } from '../deploy/keys';
import { loadKubeconfig } from './kubeconfig';
import { clientOptionsFromKubeconfig } from './kubeconfig-client';
import { DeployLock, DeployLockHeldError } from './lease';
import { Kinds } from './resources';
import { findCondition, revisionOf, RolloutFailedError, rolloutStatus, waitForRollout } from './rollout';
import { setDeploymentImages } from './set-image';
import type { Deployment } from './types';
import { undoRollout } from './undo';
import { KubeClient } from './client';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/flask-app';
const FIELD_MANAGER = 'flightdeck-itg';

function deploymentManifest(name: string, tag: string, replicas = 3, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      // The test namespaces enforce the "restricted" Pod Security Standard, as app namespaces do.
      template: {
        metadata: { labels: { app: name } },
        spec: {
          securityContext: RESTRICTED_POD_SECURITY,
          containers: [{ name: 'app', image: `${IMAGE}:${tag}`, securityContext: RESTRICTED_CONTAINER_SECURITY }],
        },
      },
      ...extra,
    },
  };
}

const namespace = useTestNamespace('kube-itg');
let client: KubeClient;
let admin: KubeHttp;

beforeAll(async () => {
  client = new KubeClient({ ...clientOptionsFromKubeconfig(loadKubeconfig(deployerKubeconfigPath())), userAgent: 'flightdeck/itg' });
  admin = KubeHttp.fromKubeconfig(adminKubeconfigPath());
});
afterAll(() => client?.close());

async function applyAndWait(manifest: Deployment) {
  await client.apply(manifest, { fieldManager: FIELD_MANAGER, force: true, namespace: namespace.name });
  return waitForRollout(client, namespace.name, manifest.metadata.name!, { timeoutMs: 120_000 });
}

describe('rollout', () => {
  it('applies a Deployment server-side and sees its rollout complete by kubectl rules', async () => {
    // An independent watch (test/stack/kube-http) timestamps the event that completes the rollout,
    // so the figure printed below is this library's own detection delay.
    let independentlySeenAt: number | undefined;
    const oracle = admin.watch<Deployment>(
      `/apis/apps/v1/namespaces/${namespace.name}/deployments?fieldSelector=metadata.name%3Dweb`,
      (event) => {
        if (event.type !== 'BOOKMARK' && event.type !== 'ERROR' && rolloutStatus(event.object).done) independentlySeenAt ??= Date.now();
      },
    );
    await client.apply(deploymentManifest('web', '1.0.0'), { fieldManager: FIELD_MANAGER, namespace: namespace.name });
    const result = await waitForRollout(client, namespace.name, 'web', { timeoutMs: 120_000 });
    oracle.close();
    const seen = await admin.get<Deployment>(`/apis/apps/v1/namespaces/${namespace.name}/deployments/web`);
    expect(seen.status?.availableReplicas).toBe(3);
    expect(seen.status?.updatedReplicas).toBe(3);
    expect(result.progress.at(-1)).toBe('deployment "web" successfully rolled out');
    expect(result.progress.length).toBeGreaterThan(1);
    // One list plus one watch connection is the whole cost when nothing drops.
    expect(result.apiRequests).toBeLessThanOrEqual(3);
    const conditionTime = Date.parse(findCondition(result.deployment, 'Progressing')?.lastUpdateTime ?? '');
    console.log(
      `[itg] first rollout: ${result.elapsedMs} ms, ${result.apiRequests} API requests, ${result.reconnects} reconnects; ` +
        `detected ${independentlySeenAt === undefined ? '?' : result.completedAt - independentlySeenAt} ms after an independent watch saw it, ` +
        `${result.completedAt - conditionTime} ms after the Progressing condition's lastUpdateTime (1 s resolution)`,
    );
  });

  it('rolls out a new image, undoes it to the previous revision and waits for that too', async () => {
    const before = await client.get<Deployment>({ ...Kinds.Deployment, namespace: namespace.name, name: 'web' });
    await setDeploymentImages(
      client,
      namespace.name,
      'web',
      { app: `${IMAGE}:2.0.0` },
      { annotations: { 'flightdeck.dev/run': 'itg' }, fieldManager: FIELD_MANAGER },
    );
    const second = await waitForRollout(client, namespace.name, 'web', { timeoutMs: 120_000 });
    expect(revisionOf(second.deployment)).toBe(revisionOf(before) + 1);
    expect(second.deployment.metadata.annotations?.['flightdeck.dev/run']).toBe('itg');

    const undo = await undoRollout(client, namespace.name, 'web', { fieldManager: FIELD_MANAGER });
    expect(undo).toMatchObject({
      restoredRevision: revisionOf(before),
      fromRevision: revisionOf(before) + 1,
      skipped: false,
      images: { app: `${IMAGE}:1.0.0` },
    });
    const restored = await waitForRollout(client, namespace.name, 'web', { timeoutMs: 120_000 });
    const seen = await admin.get<Deployment>(`/apis/apps/v1/namespaces/${namespace.name}/deployments/web`);
    expect(seen.spec.template.spec?.containers[0]?.image).toBe(`${IMAGE}:1.0.0`);
    expect(seen.spec.template.metadata?.labels?.['pod-template-hash']).toBeUndefined();
    // The controller re-numbers the restored template as the newest revision, as with kubectl.
    expect(revisionOf(restored.deployment)).toBe(revisionOf(before) + 2);
  });

  it('fails on ProgressDeadlineExceeded when the new pods never become Ready', async () => {
    await applyAndWait(deploymentManifest('stuck', '1.0.0', 2, { progressDeadlineSeconds: 3 }));
    await setDeploymentImages(client, namespace.name, 'stuck', { app: `${IMAGE}:2.0.0-unready` }, { fieldManager: FIELD_MANAGER });
    const error = await waitForRollout(client, namespace.name, 'stuck', { timeoutMs: 120_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RolloutFailedError);
    expect((error as RolloutFailedError).reason).toBe('ProgressDeadlineExceeded');
    expect((error as Error).message).toMatch(/exceeded its progress deadline/);
    // The old pods are still serving: maxUnavailable 0.
    expect((error as RolloutFailedError).deployment?.status?.availableReplicas).toBe(2);
  });

  it('times out with the last status, and says when a Deployment is missing', async () => {
    await applyAndWait(deploymentManifest('slow', '1.0.0', 1));
    await setDeploymentImages(client, namespace.name, 'slow', { app: `${IMAGE}:2.0.0-unready` }, { fieldManager: FIELD_MANAGER });
    const timeout = await waitForRollout(client, namespace.name, 'slow', { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(RolloutFailedError);
    expect((timeout as RolloutFailedError).reason).toBe('Timeout');
    expect((timeout as Error).message).toMatch(/timed out after 2s .* last status: Waiting for deployment "slow"/);
    const missing = await waitForRollout(client, namespace.name, 'nope', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect((missing as Error).message).toBe(`deployment "nope" not found in namespace "${namespace.name}"`);
  });

  it('resumes its watch when the apiserver is restarted mid-rollout, and finishes correctly', async () => {
    // minReadySeconds keeps the rollout going for seconds: KWOK's pods are Ready at once, and a rollout done before
    // the restart begins would leave the watch nothing to resume.
    await applyAndWait(deploymentManifest('restart', '1.0.0', 3, { minReadySeconds: 2 }));
    await setDeploymentImages(client, namespace.name, 'restart', { app: `${IMAGE}:2.0.0` }, { fieldManager: FIELD_MANAGER });
    const waiting = waitForRollout(client, namespace.name, 'restart', { timeoutMs: 180_000 });
    await new Promise((r) => setTimeout(r, 200));
    const restarting = restartApiserver();
    // A plain call made while the apiserver is down is retried with backoff until it is back.
    await new Promise((r) => setTimeout(r, 500));
    const retriesBefore = client.retryCount;
    const duringOutage = await client.get<Deployment>({ ...Kinds.Deployment, namespace: namespace.name, name: 'restart' });
    expect(duringOutage.metadata.name).toBe('restart');
    expect(client.retryCount).toBeGreaterThan(retriesBefore);
    const restart = await restarting;
    const result = await waiting;
    console.log(
      `[itg] apiserver restart: ${restart.downMs} ms until k8s.sh up returned; rollout observed after ${result.elapsedMs} ms, ` +
        `${result.apiRequests} API requests, ${result.reconnects} reconnects; a GET during the outage needed ${client.retryCount - retriesBefore} retries`,
    );
    expect(result.reconnects).toBeGreaterThanOrEqual(1);
    const seen = await admin.get<Deployment>(`/apis/apps/v1/namespaces/${namespace.name}/deployments/restart`);
    expect(seen.spec.template.spec?.containers[0]?.image).toBe(`${IMAGE}:2.0.0`);
    expect(seen.status?.updatedReplicas).toBe(3);
    expect(seen.status?.availableReplicas).toBe(3);
    expect(seen.status?.replicas).toBe(3);
  });
});

/**
 * Kill the apiserver by its pid file and bring it back with the component
 * script (idempotent up). Asynchronous, so the code under test keeps running
 * (and meets refused connections) while the apiserver is down.
 */
async function restartApiserver(): Promise<{ downMs: number }> {
  const stackDir = process.env.STACK_DIR ?? resolve(process.cwd(), '.stack');
  const pid = Number(readFileSync(resolve(stackDir, 'pids/kube-apiserver.pid'), 'utf8').trim());
  const started = Date.now();
  process.kill(pid, 'SIGKILL');
  // Stay down a moment, so the calls under test really meet refused connections
  // rather than a new apiserver that is still loading its RBAC roles.
  await new Promise((r) => setTimeout(r, 1500));
  const up = spawn('bash', [resolve(process.cwd(), 'scripts/stack/components/k8s.sh'), 'up'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  up.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolveExit) => up.on('exit', resolveExit));
  if (code !== 0) throw new Error(`k8s.sh up failed: ${stderr}`);
  return { downMs: Date.now() - started };
}

describe('deploy lock (Lease)', () => {
  const runA = 'https://github.com/acme/shop/actions/runs/1';
  const runB = 'https://github.com/acme/shop/actions/runs/2';

  it('refuses a second holder, naming the first run, until it releases', async () => {
    const first = await DeployLock.acquire(client, { namespace: namespace.name, name: leaseName('shop'), holderIdentity: runA });
    try {
      const refused = await DeployLock.acquire(client, { namespace: namespace.name, name: leaseName('shop'), holderIdentity: runB }).catch(
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(DeployLockHeldError);
      expect((refused as Error).message).toContain(runA);
      // The same run (another stage action) may take it again.
      const again = await DeployLock.acquire(client, { namespace: namespace.name, name: leaseName('shop'), holderIdentity: runA });
      expect(await again.renew()).toBe(true);
    } finally {
      await first.release();
    }
    const second = await DeployLock.acquire(client, { namespace: namespace.name, name: leaseName('shop'), holderIdentity: runB });
    expect(second.tookOverFrom).toBeUndefined();
    await second.release();
    await expect(admin.get(`/apis/coordination.k8s.io/v1/namespaces/${namespace.name}/leases/flightdeck-shop`)).rejects.toThrow(/404/);
  });

  it("keeps a live holder's lease alive by renewing it past its duration", async () => {
    const holder = await DeployLock.acquire(client, {
      namespace: namespace.name,
      name: leaseName('renewed'),
      holderIdentity: runA,
      leaseDurationSeconds: 2,
      renewIntervalMs: 500,
    });
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      await expect(
        DeployLock.acquire(client, { namespace: namespace.name, name: leaseName('renewed'), holderIdentity: runB }),
      ).rejects.toThrow(runA);
    } finally {
      await holder.release();
    }
  });

  it('takes over a stale lease whose holder stopped renewing', async () => {
    let lost: string | undefined;
    const crashed = await DeployLock.acquire(client, {
      namespace: namespace.name,
      name: leaseName('stale'),
      holderIdentity: runA,
      leaseDurationSeconds: 1,
      // Never renews on its own: it stands for a runner that died.
      renewIntervalMs: 3_600_000,
      onLost: (holder) => (lost = holder),
    });
    expect(crashed.name).toBe('flightdeck-stale');
    await new Promise((r) => setTimeout(r, 1_500));
    const taker = await DeployLock.acquire(client, { namespace: namespace.name, name: leaseName('stale'), holderIdentity: runB });
    expect(taker.tookOverFrom).toBe(runA);
    // Were the presumed-dead holder alive after all, its next renewal finds out and stops.
    const stillMine = await crashed.renew();
    expect(stillMine).toBe(false);
    expect(lost).toBe(runB);
    const lease = await admin.get<{ spec: { holderIdentity: string; leaseTransitions: number } }>(
      `/apis/coordination.k8s.io/v1/namespaces/${namespace.name}/leases/flightdeck-stale`,
    );
    expect(lease.spec).toMatchObject({ holderIdentity: runB, leaseTransitions: 1 });
    await taker.release();
  });
});
