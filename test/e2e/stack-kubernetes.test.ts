/**
 * Proves the local Kubernetes stack behaves like a cluster the deploy actions
 * can be tested against: the real deployment controller rolls Deployments on
 * KWOK's fake nodes, the image-tag fault convention produces the pod states a
 * broken release shows on EKS, and the deployer identity has exactly the
 * rights deploy/rbac/deployer.yaml grants.
 *
 * Everything here goes through test/stack's own small client, not the
 * product's, so these tests check the stack itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeconfigPath, deployerKubeconfigPath, KubeHttp, KubeHttpError } from '../stack/kube-http';
import { createTestNamespace, RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY, type TestNamespace } from '../stack/namespaces';
import { watchDeployment, type DeploymentObservation } from '../stack/watcher';

const IMAGE = 'flightdeck.local/flask-app';

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { containers: { image: string }[] };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      ready: boolean;
      restartCount: number;
      state: { running?: object; waiting?: { reason: string }; terminated?: object };
      lastState?: { terminated?: { exitCode: number; reason: string } };
    }[];
  };
}

function deployment(name: string, image: string, options: { replicas?: number; progressDeadlineSeconds?: number } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: options.replicas ?? 3,
      progressDeadlineSeconds: options.progressDeadlineSeconds ?? 600,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name } },
        // The test namespaces enforce the "restricted" Pod Security Standard, as app namespaces do.
        spec: {
          securityContext: RESTRICTED_POD_SECURITY,
          containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }], securityContext: RESTRICTED_CONTAINER_SECURITY }],
        },
      },
    },
  };
}

/** Complete in the sense of `kubectl rollout status`: the controller saw the latest spec and every replica is updated and available. */
const rolledOut = (replicas: number, image?: string) => (o: DeploymentObservation) =>
  o.observedGeneration >= o.generation &&
  o.generation > 0 &&
  o.replicas === replicas &&
  o.updatedReplicas === replicas &&
  o.availableReplicas === replicas &&
  (image === undefined || o.image === image);

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

async function pollUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last).slice(0, 800)}`);
    await sleep(100);
    last = await read();
  }
  return last;
}

describe('local Kubernetes stack', () => {
  let admin: KubeHttp;
  let namespace: TestNamespace;
  let ns: string;
  const deployments = () => `/apis/apps/v1/namespaces/${ns}/deployments`;
  const podsOf = async (app: string) =>
    (await admin.get<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`)).items;

  beforeAll(async () => {
    admin = KubeHttp.fromKubeconfig(adminKubeconfigPath());
    namespace = await createTestNamespace('stack-k8s');
    ns = namespace.name;
  });

  afterAll(async () => {
    await namespace?.delete();
  });

  it('serves the pinned Kubernetes version', async () => {
    const version = await admin.get<{ gitVersion: string }>('/version');
    expect(version.gitVersion).toMatch(/^v1\.34\.\d+$/);
    if (process.env.KUBERNETES_VERSION) expect(version.gitVersion).toBe(process.env.KUBERNETES_VERSION);
    const nodes = await admin.get<{ items: { status: { conditions: { type: string; status: string }[] } }[] }>(
      '/api/v1/nodes?labelSelector=type%3Dkwok',
    );
    expect(nodes.items.length).toBeGreaterThanOrEqual(2);
    for (const node of nodes.items) {
      expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
  });

  it('rolls a 3-replica Deployment out, then changes its image without ever dropping below 3 available', async () => {
    await admin.post(deployments(), deployment('web', `${IMAGE}:1.0.0`));
    const watcher = await watchDeployment({ namespace: ns, name: 'web' });
    const complete = await watcher.waitFor(rolledOut(3), { timeoutMs: 60_000, what: 'completed rollout' });
    expect(complete.conditions.Progressing).toBe('True/NewReplicaSetAvailable');
    await watcher.stop();

    const pods = await podsOf('web');
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.podIP).toMatch(/^10\.244\./);
      expect(pod.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(pod.status.containerStatuses?.[0]?.ready).toBe(true);
    }

    // The change under test starts with the watcher already recording.
    const rolling = await watchDeployment({ namespace: ns, name: 'web' });
    await admin.patch(`${deployments()}/web`, {
      spec: {
        template: { spec: { containers: [{ name: 'web', image: `${IMAGE}:1.0.1`, securityContext: RESTRICTED_CONTAINER_SECURITY }] } },
      },
    });
    await rolling.waitFor(rolledOut(3, `${IMAGE}:1.0.1`), { timeoutMs: 60_000, what: 'completed rollout of 1.0.1' });
    const observed = await rolling.stop();

    rolling.assertNeverBelow(3);
    // (status.replicas is not checked against maxSurge: it sums the
    // ReplicaSets' own status, which lags their scale-downs, so 5 can show
    // for a moment while the controller never runs more than 4.)
    // The controller went through intermediate states, not one jump.
    expect(observed.length).toBeGreaterThan(3);
    // Old pods were deleted, not left Terminating (KWOK plays the kubelet).
    const after = await pollUntil(
      'old pods to be gone',
      () => podsOf('web'),
      (p) => p.length === 3,
    );
    expect(after.map((p) => p.spec.containers[0]?.image)).toEqual(Array(3).fill(`${IMAGE}:1.0.1`));
  });

  it('stalls an -unready rollout with the old pods serving, until ProgressDeadlineExceeded', async () => {
    await admin.post(deployments(), deployment('stall', `${IMAGE}:1.0.0`, { progressDeadlineSeconds: 8 }));
    const first = await watchDeployment({ namespace: ns, name: 'stall' });
    await first.waitFor(rolledOut(3), { what: 'completed rollout' });
    await first.stop();

    const watcher = await watchDeployment({ namespace: ns, name: 'stall' });
    await admin.patch(`${deployments()}/stall`, {
      spec: {
        template: {
          spec: { containers: [{ name: 'web', image: `${IMAGE}:2.0.0-unready`, securityContext: RESTRICTED_CONTAINER_SECURITY }] },
        },
      },
    });
    const stalled = await watcher.waitFor((o) => o.conditions.Progressing === 'False/ProgressDeadlineExceeded', {
      timeoutMs: 60_000,
      what: 'Progressing=False/ProgressDeadlineExceeded',
    });
    await watcher.stop();

    expect(stalled.availableReplicas).toBe(3);
    expect(stalled.updatedReplicas).toBe(1);
    watcher.assertNeverBelow(3);
    const pods = await podsOf('stall');
    const unready = pods.filter((p) => p.spec.containers[0]?.image.endsWith('-unready'));
    expect(unready).toHaveLength(1);
    expect(unready[0]?.status.phase).toBe('Running');
    expect(unready[0]?.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(unready[0]?.status.containerStatuses?.[0]).toMatchObject({ ready: false, state: { running: {} } });
    const serving = pods.filter((p) => p.spec.containers[0]?.image === `${IMAGE}:1.0.0`);
    expect(serving).toHaveLength(3);
  });

  it('restarts -crashloop containers and shows CrashLoopBackOff', async () => {
    await admin.post(deployments(), deployment('crash', `${IMAGE}:3.0.0-crashloop`, { replicas: 1 }));
    const [pod] = await pollUntil(
      'a restart count of 2 or more',
      () => podsOf('crash'),
      (pods) => (pods[0]?.status.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
    );
    const backingOff = await pollUntil(
      'the CrashLoopBackOff waiting state',
      () => podsOf('crash'),
      (pods) => pods[0]?.status.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff',
    );
    expect(pod?.status.phase).toBe('Running');
    const status = backingOff[0]?.status;
    expect(status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(status?.containerStatuses?.[0]).toMatchObject({ ready: false, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
    const deploymentNow = await admin.get<{ status: { availableReplicas?: number } }>(`${deployments()}/crash`);
    expect(deploymentNow.status.availableReplicas ?? 0).toBe(0);
  });

  it('never starts -pullerror containers: ErrImagePull, then ImagePullBackOff', async () => {
    await admin.post(deployments(), deployment('pull', `${IMAGE}:4.0.0-pullerror`, { replicas: 1 }));
    const seen: string[] = [];
    await pollUntil(
      'ErrImagePull followed by ImagePullBackOff',
      async () => {
        const [pod] = await podsOf('pull');
        const reason = pod?.status.containerStatuses?.[0]?.state.waiting?.reason;
        if (reason && seen.at(-1) !== reason) seen.push(reason);
        expect(pod?.status.containerStatuses?.[0]?.state.running).toBeUndefined();
        return pod;
      },
      () => seen.includes('ErrImagePull') && seen.includes('ImagePullBackOff'),
    );
    expect(seen.indexOf('ErrImagePull')).toBeLessThan(seen.indexOf('ImagePullBackOff'));
    const [pod] = await podsOf('pull');
    expect(pod?.status.phase).toBe('Pending');
    expect(pod?.status.containerStatuses?.[0]).toMatchObject({ ready: false, restartCount: 0 });
  });

  describe('the deployer identity', () => {
    let deployer: KubeHttp;
    let unbound: TestNamespace;

    beforeAll(async () => {
      deployer = KubeHttp.fromKubeconfig(deployerKubeconfigPath());
      // A namespace where nobody bound the deployer.
      unbound = await createTestNamespace('stack-k8s-unbound');
      await admin.request('DELETE', `/apis/rbac.authorization.k8s.io/v1/namespaces/${unbound.name}/rolebindings/flightdeck-deployer`);
    });

    afterAll(async () => {
      await unbound?.delete();
    });

    const refused = async (what: Promise<unknown>) => {
      const error = await what.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, 'the request should have been refused').toBeInstanceOf(KubeHttpError);
      expect((error as KubeHttpError).status).toBe(403);
    };

    it('does what the Role allows in its namespace', async () => {
      await deployer.post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment('by-deployer', `${IMAGE}:1.0.0`, { replicas: 1 }));
      await deployer.patch(`/apis/apps/v1/namespaces/${ns}/deployments/by-deployer`, {
        spec: {
          template: { spec: { containers: [{ name: 'web', image: `${IMAGE}:1.0.1`, securityContext: RESTRICTED_CONTAINER_SECURITY }] } },
        },
      });
      await deployer.get(`/apis/apps/v1/namespaces/${ns}/replicasets`);
      await deployer.get(`/api/v1/namespaces/${ns}/pods`);
      await deployer.get(`/api/v1/namespaces/${ns}/events`);
      await deployer.post(`/api/v1/namespaces/${ns}/services`, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'by-deployer-canary' },
        spec: { selector: { app: 'by-deployer' }, ports: [{ port: 80, targetPort: 8080 }] },
      });
      await deployer.delete(`/api/v1/namespaces/${ns}/services/by-deployer-canary`);
      await deployer.post(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'by-deployer-lock' },
        spec: { holderIdentity: 'e2e', leaseDurationSeconds: 30 },
      });
      await deployer.delete(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/by-deployer-lock`);
      await deployer.delete(`/apis/apps/v1/namespaces/${ns}/deployments/by-deployer`);
    });

    it('is refused Secrets, ConfigMaps, pod creation, RBAC and anything cluster-wide', async () => {
      await refused(deployer.get(`/api/v1/namespaces/${ns}/secrets`));
      await refused(deployer.get(`/api/v1/namespaces/${ns}/configmaps`));
      await refused(
        deployer.post(`/api/v1/namespaces/${ns}/pods`, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'sneaky' },
          spec: { containers: [{ name: 'c', image: `${IMAGE}:1.0.0` }] },
        }),
      );
      await refused(deployer.get(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`));
      await refused(deployer.get('/api/v1/namespaces'));
      await refused(deployer.get('/api/v1/nodes'));
      await refused(deployer.get('/apis/apps/v1/deployments'));
    });

    it('is refused everything in a namespace it is not bound in', async () => {
      await refused(deployer.get(`/apis/apps/v1/namespaces/${unbound.name}/deployments`));
      await refused(deployer.get(`/api/v1/namespaces/${unbound.name}/pods`));
      await refused(
        deployer.post(`/apis/apps/v1/namespaces/${unbound.name}/deployments`, deployment('nope', `${IMAGE}:1.0.0`, { replicas: 1 })),
      );
    });
  });
});
