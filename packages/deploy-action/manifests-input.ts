import { ConfigurationError } from '../core/errors';
import type { Deployment, KubeObject } from '../kube/types';
import { applyNamespace, loadManifests, requireDeployments, substituteImages, type Manifest } from '../manifests';
import { INPUT, type ManifestInputs } from './inputs';

export interface DeploymentManifests {
  /** The Deployment to canary, images substituted. */
  deployment: Deployment;
  others: KubeObject[];
  /** The Deployment's own namespace, when the manifest sets one. */
  namespace?: string;
  /** Every object with the file it came from, images substituted: for confineToNamespace's refusals. */
  sources: Manifest[];
}

/**
 * The manifests, every object in the run's namespace; refused (ConfigurationError) before
 * anything is applied when one names another namespace or is cluster-scoped. `from` says how
 * the run came to that namespace, for the message.
 */
export function confineToNamespace(manifests: DeploymentManifests, namespace: string, from: string): DeploymentManifests {
  const confined = applyNamespace(manifests.sources, namespace, { input: INPUT.namespace, from }).map((m) => m.object);
  const deployment = confined.find(
    (o): o is Deployment => o.kind === 'Deployment' && o.metadata.name === manifests.deployment.metadata.name,
  )!;
  return { ...manifests, deployment, others: confined.filter((o) => o.kind !== 'Deployment') };
}

/**
 * Read the manifests (files, directories, globs; multi-document YAML), pick
 * the Deployment to canary (the one named by "deployment", or the only one)
 * and substitute the images. All local: it runs before the cluster is touched.
 */
export async function loadDeploymentManifests(
  inputs: ManifestInputs,
  deploymentName: string | undefined,
  namespaceInput?: string,
): Promise<DeploymentManifests> {
  const loaded = loadManifests(inputs.manifests, { input: INPUT.manifests });
  const deployments = requireDeployments(loaded, INPUT.manifests);
  let chosen: Deployment | undefined;
  if (deploymentName) {
    chosen = deployments.find((d) => d.metadata.name === deploymentName);
    if (!chosen) {
      throw new ConfigurationError(
        `Input "${INPUT.deployment}" names "${deploymentName}", but the manifests define ${deployments.map((d) => `"${d.metadata.name}"`).join(', ')}.`,
        INPUT.deployment,
      );
    }
  } else if (deployments.length > 1) {
    throw new ConfigurationError(
      `The manifests define ${deployments.length} Deployments (${deployments.map((d) => d.metadata.name).join(', ')}); set "${INPUT.deployment}" to the one to canary.`,
      INPUT.deployment,
    );
  } else {
    chosen = deployments[0]!;
  }
  const { manifests } = substituteImages(loaded, inputs.images, INPUT.images);
  const objects = manifests.map((m) => m.object);
  const deployment = objects.find((o): o is Deployment => o.kind === 'Deployment' && o.metadata.name === chosen.metadata.name)!;
  if (!deployment.spec?.template?.spec?.containers?.length) {
    throw new ConfigurationError(`Deployment "${deployment.metadata.name}" in the manifests has no containers.`, INPUT.manifests);
  }
  const loadedManifests: DeploymentManifests = {
    deployment,
    others: objects.filter((o) => o.kind !== 'Deployment'),
    namespace: deployment.metadata.namespace,
    sources: manifests,
  };
  // Refused here, before any network contact, when the namespace is already known; else once the session has it.
  const known = namespaceInput ?? deployment.metadata.namespace;
  if (known) confineToNamespace(loadedManifests, known, namespaceFrom(deployment, namespaceInput));
  return loadedManifests;
}

/** How the run came to its namespace, as openSession decides it: the input, the Deployment's, the kubeconfig context's, or "default". */
export function namespaceFrom(deployment: Deployment, namespaceInput?: string, contextNamespace?: string): string {
  if (namespaceInput) return `input "${INPUT.namespace}"`;
  if (deployment.metadata.namespace) return `Deployment "${deployment.metadata.name}"'s metadata.namespace`;
  if (contextNamespace) return "the kubeconfig context's namespace";
  return 'the default, as nothing else named one';
}
