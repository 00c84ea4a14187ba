/**
 * One throwaway namespace per test, prepared the way a platform team would
 * prepare an application namespace for Flightdeck, from the files it ships:
 * deploy/rbac/app-namespace.yaml gives the namespace its Pod Security
 * "restricted" labels and the label that puts it under the admission policies
 * of deploy/rbac/admission-policy.yaml (applied once per run), and binds the
 * deployer ServiceAccount (flightdeck-system/flightdeck-deployer) there, and
 * only there, to the least-privilege ClusterRole `flightdeck-deployer`
 * (deploy/rbac/deployer.yaml). Created and deleted with the admin kubeconfig.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './env';
import { adminKubeconfigPath, deployerKubeconfigPath, KubeHttp, KubeHttpError } from './kube-http';

export const DEPLOYER_NAMESPACE = 'flightdeck-system';
export const DEPLOYER_SERVICE_ACCOUNT = 'flightdeck-deployer';
export const DEPLOYER_CLUSTER_ROLE = 'flightdeck-deployer';
/** Label on every namespace made here, so leftovers of crashed runs are easy to find and delete. */
export const TEST_NAMESPACE_LABEL = 'flightdeck.dev/e2e';

/** The label deploy/rbac/admission-policy.yaml's bindings select application namespaces by. */
export const APP_NAMESPACE_LABEL = 'flightdeck.dev/app-namespace';

/**
 * What a pod needs to pass the "restricted" Pod Security Standard the namespaces enforce: put
 * the first on the pod spec and the second on each container.
 */
export const RESTRICTED_POD_SECURITY = { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } };
export const RESTRICTED_CONTAINER_SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };

interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function platformObjects(file: string): ManifestObject[] {
  const text = readFileSync(resolve(REPO_ROOT, 'deploy/rbac', file), 'utf8');
  return parseAllDocuments(text).map((document) => document.toJS() as ManifestObject);
}

const ADMISSION_PATHS: Record<string, string> = {
  ValidatingAdmissionPolicy: '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings',
};

let admissionPolicies: Promise<void> | undefined;

/** Server-side apply of admission-policy.yaml, once per test process: the files as shipped, changes included. */
function applyAdmissionPolicies(admin: KubeHttp): Promise<void> {
  admissionPolicies ??= (async () => {
    for (const object of platformObjects('admission-policy.yaml')) {
      const collection = ADMISSION_PATHS[object.kind];
      if (!collection)
        throw new Error(`deploy/rbac/admission-policy.yaml holds a ${object.kind}; test/stack/namespaces.ts knows no path for it`);
      await admin.request(
        'PATCH',
        `${collection}/${object.metadata.name}?fieldManager=flightdeck-e2e&force=true`,
        object,
        'application/apply-patch+yaml',
      );
    }
  })();
  return admissionPolicies;
}

/**
 * The apiserver enforces a new or changed policy a moment after it is written. Probe with a
 * dry-run request the Service policy refuses, as the deployer, until it is refused.
 */
async function waitForAdmissionPolicies(namespace: string, timeoutMs = 30_000): Promise<void> {
  const deployer = KubeHttp.fromKubeconfig(deployerKubeconfigPath());
  const probe = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'admission-probe' },
    spec: { ports: [{ port: 80 }], externalIPs: ['192.0.2.1'] },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await deployer.post(`/api/v1/namespaces/${namespace}/services?dryRun=All`, probe);
    } catch (error) {
      if (error instanceof KubeHttpError && error.status === 422 && error.body.includes('flightdeck-deployer-services')) return;
      // 403 until the RoleBinding is effective; anything else is a real failure.
      if (!(error instanceof KubeHttpError && error.status === 403)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`deploy/rbac/admission-policy.yaml is not enforced in ${namespace} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

let policiesEnforced = false;

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
  await applyAdmissionPolicies(admin);
  const shipped = platformObjects('app-namespace.yaml');
  const namespaceObject = shipped.find((object) => object.kind === 'Namespace');
  const binding = shipped.find((object) => object.kind === 'RoleBinding');
  if (!namespaceObject || !binding) throw new Error('deploy/rbac/app-namespace.yaml must hold a Namespace and a RoleBinding');
  if (namespaceObject.metadata.labels?.[APP_NAMESPACE_LABEL] !== 'true') {
    throw new Error(`deploy/rbac/app-namespace.yaml's Namespace lacks the label ${APP_NAMESPACE_LABEL}: "true"`);
  }
  await admin.post('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...namespaceObject.metadata.labels, [TEST_NAMESPACE_LABEL]: 'true' } },
  });
  await admin.post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/rolebindings`, {
    ...binding,
    metadata: { ...binding.metadata, name: DEPLOYER_CLUSTER_ROLE, namespace: name },
  });
  // Pods are refused until the serviceaccount controller has made "default".
  await waitForDefaultServiceAccount(admin, name);
  if (!policiesEnforced) {
    await waitForAdmissionPolicies(name);
    policiesEnforced = true;
  }

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
