import { ConfigurationError } from '../core/errors';
import type { Deployment, KubeObject } from '../kube/types';
import { loadManifests, requireDeployments, substituteImages } from '../manifests';
import { INPUT, type ManifestInputs } from './inputs';

export interface DeploymentManifests {
  /** The Deployment to canary, images substituted. */
  deployment: Deployment;
  others: KubeObject[];
  /** The Deployment's own namespace, when the manifest sets one. */
  namespace?: string;
}

/**
 * Read the manifests (files, directories, globs; multi-document YAML), pick
 * the Deployment to canary (the one named by "deployment", or the only one)
 * and substitute the images. All local: it runs before the cluster is touched.
 */
export async function loadDeploymentManifests(inputs: ManifestInputs, deploymentName: string | undefined): Promise<DeploymentManifests> {
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
  return { deployment, others: objects.filter((o) => o.kind !== 'Deployment'), namespace: deployment.metadata.namespace };
}
