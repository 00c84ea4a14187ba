/**
 * What the platform does once per environment before the pipeline's first release there (docs/architecture.md,
 * "Deploying an environment"), done with the cluster admin's identity: the EKS access entry's group gets the
 * least-privilege deployer Role in the environment's namespace, and the release already running there (the
 * overlay the pipeline releases, with the image the environment runs now) is created and waited for. Shared by
 * the act e2e tests and the demo, so that a canary has a stable version to be judged against.
 */
import { loadManifests, substituteImages } from '../../packages/manifests';
import type { KubeHttp } from '../../test/stack/kube-http';
import { KubeHttpError } from '../../test/stack/kube-http';
import { watchDeployment } from '../../test/stack/watcher';

export const APP = 'flask-app';
/** The Kubernetes group an EKS access entry maps the deploy role to (infra/cloudformation/ci.yaml). */
export const DEPLOYER_GROUP = 'flightdeck-deployers';

export interface StableRelease {
  admin: KubeHttp;
  namespace: string;
  /** The repository whose overlay is rendered: the scratch repository the pipeline runs in. */
  repositoryDir: string;
  /** The overlay the pipeline releases to this environment, e.g. examples/flask-app/k8s/overlays/qa. */
  overlay: string;
  /** The image the environment runs before the pipeline's release, of the overlay's repository. */
  image: string;
  replicas: number;
  /** How long the stable pods may take to be available: KWOK's are instant, the real node's take seconds. */
  timeoutMs?: number;
}

function collection(apiVersion: string, kind: string, namespace: string): string {
  const plural = `${kind.toLowerCase()}${kind === 'Ingress' ? 'es' : 's'}`;
  const group = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  return `${group}/namespaces/${namespace}/${plural}`;
}

/** The deployer group's RoleBinding and the stable release, in a namespace that exists; returns when it is available. */
export async function prepareEnvironment(release: StableRelease): Promise<void> {
  const { admin, namespace } = release;
  await admin.post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'flightdeck-deployers', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flightdeck-deployer' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEPLOYER_GROUP }],
  });
  const rendered = loadManifests([release.overlay], { cwd: release.repositoryDir });
  const { manifests } = substituteImages(rendered, [release.image]);
  for (const { object } of manifests) {
    await admin.post(collection(object.apiVersion!, object.kind!, namespace), { ...object, metadata: { ...object.metadata, namespace } });
  }
  const watcher = await watchDeployment({ namespace, name: APP });
  try {
    await watcher.waitFor(
      (o) => o.availableReplicas === release.replicas && o.updatedReplicas === release.replicas && o.observedGeneration >= o.generation,
      { timeoutMs: release.timeoutMs ?? 120_000, what: `the stable ${APP} in ${namespace} fully available` },
    );
  } finally {
    await watcher.stop();
  }
}

export interface DeploymentView {
  image?: string;
  revision?: string;
  replicas?: number;
  availableReplicas?: number;
}

/** A Deployment's image, revision and availability as the admin reads them, or undefined when there is none. */
export async function readDeployment(admin: KubeHttp, namespace: string, name = APP): Promise<DeploymentView | undefined> {
  try {
    const deployment = await admin.get<{
      metadata: { annotations?: Record<string, string> };
      spec: { template: { spec: { containers: { name: string; image: string }[] } } };
      status?: { replicas?: number; availableReplicas?: number };
    }>(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
    return {
      image: deployment.spec.template.spec.containers.find((container) => container.name === APP)?.image,
      revision: deployment.metadata.annotations?.['deployment.kubernetes.io/revision'],
      replicas: deployment.status?.replicas,
      availableReplicas: deployment.status?.availableReplicas,
    };
  } catch (error) {
    if (error instanceof KubeHttpError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * What a release would change in the namespace, keyed by kind/name: each Deployment's generation (its spec: the
 * status of pods still terminating after a previous release keeps moving its resourceVersion), and the
 * resourceVersion of each Service, Ingress and Lease. Equal before and after a run means the run changed nothing.
 */
export async function namespaceSnapshot(admin: KubeHttp, namespace: string): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {};
  const items = async (path: string) =>
    (await admin.get<{ items: { metadata: { name: string; resourceVersion: string; generation?: number } }[] }>(path)).items;
  for (const item of await items(`/apis/apps/v1/namespaces/${namespace}/deployments`)) {
    snapshot[`deployments/${item.metadata.name}`] = `generation ${item.metadata.generation}`;
  }
  for (const [group, plural] of [
    ['/api/v1', 'services'],
    ['/apis/networking.k8s.io/v1', 'ingresses'],
    ['/apis/coordination.k8s.io/v1', 'leases'],
  ] as const) {
    for (const item of await items(`${group}/namespaces/${namespace}/${plural}`)) {
      snapshot[`${plural}/${item.metadata.name}`] = item.metadata.resourceVersion;
    }
  }
  return snapshot;
}
