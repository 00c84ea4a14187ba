/**
 * Where an object lives in the REST API. Common kinds are known statically, so
 * a rollout costs no discovery requests; other kinds are looked up once per
 * group/version through discovery (see KubeClient.resolve).
 */

/** Points at a kind (for list/watch), or at one object when name is set. */
export interface ResourceRef {
  /** e.g. "apps/v1" or "v1". */
  apiVersion: string;
  /** e.g. "Deployment". */
  kind: string;
  namespace?: string;
  name?: string;
}

export interface ResourceInfo {
  /** The plural resource name used in URLs and RBAC, e.g. "deployments". */
  plural: string;
  namespaced: boolean;
}

const KNOWN: Record<string, ResourceInfo> = {
  'v1/Pod': { plural: 'pods', namespaced: true },
  'v1/Service': { plural: 'services', namespaced: true },
  'v1/ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1/Secret': { plural: 'secrets', namespaced: true },
  'v1/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  'v1/Event': { plural: 'events', namespaced: true },
  'v1/Endpoints': { plural: 'endpoints', namespaced: true },
  'v1/PersistentVolumeClaim': { plural: 'persistentvolumeclaims', namespaced: true },
  'v1/Namespace': { plural: 'namespaces', namespaced: false },
  'v1/Node': { plural: 'nodes', namespaced: false },
  'apps/v1/Deployment': { plural: 'deployments', namespaced: true },
  'apps/v1/ReplicaSet': { plural: 'replicasets', namespaced: true },
  'apps/v1/StatefulSet': { plural: 'statefulsets', namespaced: true },
  'apps/v1/DaemonSet': { plural: 'daemonsets', namespaced: true },
  'batch/v1/Job': { plural: 'jobs', namespaced: true },
  'batch/v1/CronJob': { plural: 'cronjobs', namespaced: true },
  'coordination.k8s.io/v1/Lease': { plural: 'leases', namespaced: true },
  'networking.k8s.io/v1/Ingress': { plural: 'ingresses', namespaced: true },
  'networking.k8s.io/v1/NetworkPolicy': { plural: 'networkpolicies', namespaced: true },
  'policy/v1/PodDisruptionBudget': { plural: 'poddisruptionbudgets', namespaced: true },
  'autoscaling/v2/HorizontalPodAutoscaler': { plural: 'horizontalpodautoscalers', namespaced: true },
  'discovery.k8s.io/v1/EndpointSlice': { plural: 'endpointslices', namespaced: true },
  'rbac.authorization.k8s.io/v1/Role': { plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/v1/RoleBinding': { plural: 'rolebindings', namespaced: true },
  'rbac.authorization.k8s.io/v1/ClusterRole': { plural: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { plural: 'clusterrolebindings', namespaced: false },
};

export function knownResource(apiVersion: string, kind: string): ResourceInfo | undefined {
  return KNOWN[`${apiVersion}/${kind}`];
}

/** "/api/v1" for the core group, "/apis/<group>/<version>" otherwise. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The URL path of a collection (no name) or of one object. */
export function resourcePath(apiVersion: string, info: ResourceInfo, namespace: string | undefined, name?: string): string {
  let path = groupVersionPath(apiVersion);
  if (info.namespaced) {
    if (!namespace) throw new Error(`A namespace is required for ${info.plural} (${apiVersion}).`);
    path += `/namespaces/${encodeURIComponent(namespace)}`;
  }
  path += `/${info.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  return path;
}

/** Shorthands for the kinds the deploy actions touch, to spread into a ResourceRef. */
export const Kinds = {
  Deployment: { apiVersion: 'apps/v1', kind: 'Deployment' },
  ReplicaSet: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  Pod: { apiVersion: 'v1', kind: 'Pod' },
  Service: { apiVersion: 'v1', kind: 'Service' },
  ConfigMap: { apiVersion: 'v1', kind: 'ConfigMap' },
  Event: { apiVersion: 'v1', kind: 'Event' },
  Namespace: { apiVersion: 'v1', kind: 'Namespace' },
  Ingress: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  Lease: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
} as const satisfies Record<string, ResourceRef>;

/** A label selector for list and watch calls: { a: 'b', c: 'd' } → "a=b,c=d". */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
