/**
 * One throwaway namespace per test, prepared the way a platform team would
 * prepare an application namespace for Flightdeck: the deployer
 * ServiceAccount (flightdeck-system/flightdeck-deployer) is bound there, and
 * only there, to the least-privilege ClusterRole `flightdeck-deployer`
 * (deploy/rbac/deployer.yaml). Created and deleted with the admin kubeconfig.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { adminKubeconfigPath, KubeHttp, KubeHttpError } from './kube-http';

export const DEPLOYER_NAMESPACE = 'flightdeck-system';
export const DEPLOYER_SERVICE_ACCOUNT = 'flightdeck-deployer';
export const DEPLOYER_CLUSTER_ROLE = 'flightdeck-deployer';
/** Label on every namespace made here, so leftovers of crashed runs are easy to find and delete. */
export const TEST_NAMESPACE_LABEL = 'flightdeck.dev/e2e';

export interface TestNamespace {
  name: string;
  /** Deletes the namespace; waits until it is gone when `wait` is set. Safe to call twice. */
  delete(options?: { wait?: boolean; timeoutMs?: number }): Promise<void>;
}

/** A DNS-1123 label: lower-case, at most 63 characters, unique per call. */
function uniqueName(prefix: string): string {
  const cleaned = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  if (!cleaned) throw new Error(`namespace prefix "${prefix}" has no letters or digits; pass e.g. "rollout"`);
  return `${cleaned}-${randomBytes(4).toString('hex')}`;
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

export async function createTestNamespace(prefix: string, admin = KubeHttp.fromKubeconfig(adminKubeconfigPath())): Promise<TestNamespace> {
  const name = uniqueName(prefix);
  await admin.post('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' } },
  });
  await admin.post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: DEPLOYER_CLUSTER_ROLE, namespace: name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: DEPLOYER_CLUSTER_ROLE },
    subjects: [{ kind: 'ServiceAccount', name: DEPLOYER_SERVICE_ACCOUNT, namespace: DEPLOYER_NAMESPACE }],
  });
  // Pods are refused until the serviceaccount controller has made "default".
  await waitForDefaultServiceAccount(admin, name);

  let deleted = false;
  return {
    name,
    async delete({ wait = false, timeoutMs = 60_000 } = {}) {
      if (!deleted) {
        deleted = true;
        await admin.delete(`/api/v1/namespaces/${name}`).catch((error: unknown) => {
          if (!(error instanceof KubeHttpError && error.status === 404)) throw error;
        });
      }
      if (!wait) return;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await admin.get(`/api/v1/namespaces/${name}`);
        } catch (error) {
          if (error instanceof KubeHttpError && error.status === 404) return;
          throw error;
        }
        if (Date.now() > deadline) throw new Error(`namespace ${name} still exists ${timeoutMs} ms after its deletion`);
        await sleep(250);
      }
    },
  };
}

async function waitForDefaultServiceAccount(admin: KubeHttp, namespace: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.get(`/api/v1/namespaces/${namespace}/serviceaccounts/default`);
      return;
    } catch (error) {
      if (!(error instanceof KubeHttpError && error.status === 404)) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(`namespace ${namespace} has no "default" ServiceAccount after ${timeoutMs} ms; is kube-controller-manager running?`);
    }
    await sleep(100);
  }
}

/**
 * vitest convenience: a namespace for the whole file, created in beforeAll and
 * deleted in afterAll. Read `.name` inside tests, not at module load.
 */
export function useTestNamespace(prefix: string): { readonly name: string } {
  let namespace: TestNamespace | undefined;
  beforeAll(async () => {
    namespace = await createTestNamespace(prefix);
  });
  afterAll(async () => {
    await namespace?.delete();
  });
  return {
    get name() {
      if (!namespace) throw new Error('the test namespace is created in beforeAll; read .name inside a test');
      return namespace.name;
    },
  };
}
