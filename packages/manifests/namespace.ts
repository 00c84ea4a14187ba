import { ConfigurationError } from '../core/errors';
import { describeSource, type Manifest } from './parse';

/** Kinds that live outside namespaces: they get no namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'IngressClass',
  'PriorityClass',
  'RuntimeClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
]);

export function isClusterScoped(kind: string | undefined): boolean {
  return CLUSTER_SCOPED.has(kind ?? '');
}

/** Where the run's namespace came from, for the refusal: `input "namespace"`, `the kubeconfig context "ci"`, … */
export interface NamespaceOrigin {
  /** The input that changes it, named in the fix. */
  input: string;
  /** How the run came to deploy there, e.g. `input "namespace"` or `the kubeconfig context's namespace`. */
  from?: string;
}

/**
 * Confine the manifests to the run's namespace: give every object without
 * one the target namespace, and refuse, before anything is applied, an
 * object that names another namespace (it would otherwise be applied there,
 * outside the deploy lock, the canary and the deployer Role, which are all
 * per namespace), and cluster-scoped kinds (a Namespace, a ClusterRole: they
 * are not the app's to change, and the least-privilege deployer may not).
 * Kinds unknown here (custom resources) are taken as namespaced; the
 * apiserver refuses a namespace on a cluster-scoped one.
 */
export function applyNamespace(manifests: Manifest[], namespace: string, origin: string | NamespaceOrigin = 'namespace'): Manifest[] {
  const { input, from } = typeof origin === 'string' ? { input: origin, from: undefined } : origin;
  const where = from ?? `input "${input}"`;
  return manifests.map((manifest) => {
    const { object } = manifest;
    const what = `${object.kind} "${object.metadata.name}" at ${describeSource(manifest.source)}`;
    if (isClusterScoped(object.kind)) {
      throw new ConfigurationError(
        `Input "${input}": ${what} is cluster-scoped, and a release changes only namespace "${namespace}" (from ${where}). ` +
          `Apply it once with an administrator identity (kubectl apply) and remove it from the manifests.`,
        input,
      );
    }
    const declared = object.metadata.namespace;
    if (declared && declared !== namespace) {
      throw new ConfigurationError(
        `Input "${input}": ${what} declares namespace "${declared}", but this run deploys to namespace "${namespace}" (from ${where}), ` +
          `where its deploy lock is. Nothing was applied: an object is never moved to another namespace, nor applied outside the run's. ` +
          `Remove metadata.namespace from the manifest, or set "${input}" to "${declared}" and release that namespace's objects in their own run.`,
        input,
      );
    }
    return { ...manifest, object: { ...object, metadata: { ...object.metadata, namespace } } };
  });
}
