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

/**
 * Give every namespaced object the target namespace. An object that names a
 * different namespace is an error, not silently moved or deployed elsewhere:
 * the deploy lock, the canary and the deployer Role are all per namespace,
 * so one run must stay in one namespace.
 */
export function applyNamespace(manifests: Manifest[], namespace: string, input = 'namespace'): Manifest[] {
  return manifests.map((manifest) => {
    const { object } = manifest;
    if (isClusterScoped(object.kind)) return manifest;
    const declared = object.metadata.namespace;
    if (declared && declared !== namespace) {
      throw new ConfigurationError(
        `Input "${input}" is "${namespace}", but ${object.kind} "${object.metadata.name}" at ${describeSource(manifest.source)} declares namespace "${declared}". ` +
          `Remove metadata.namespace from the manifest, or set "${input}" to "${declared}".`,
        input,
      );
    }
    return { ...manifest, object: { ...object, metadata: { ...object.metadata, namespace } } };
  });
}
