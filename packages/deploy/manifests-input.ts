import { ConfigurationError } from '../core';
import type { Deployment, KubeObject } from '../kube';
import { INPUT, type ManifestInputs } from './inputs';
import { loadManifestObjects, unusedImagesError } from './manifests-local';

export interface DeploymentManifests {
  /** The Deployment to canary, images substituted. */
  deployment: Deployment;
  others: KubeObject[];
  /** The Deployment's own namespace, when the manifest sets one. */
  namespace?: string;
}

/**
 * Read the manifests (files, directories, globs; multi-document YAML),
 * substitute the images, and pick the Deployment to canary: the one named by
 * "deployment", or the only one. All local: it runs before the cluster is touched.
 */
export async function loadDeploymentManifests(inputs: ManifestInputs, deploymentName: string | undefined): Promise<DeploymentManifests> {
  const { objects, unusedImages } = await loadManifestObjects(inputs.manifests, inputs.images);
  const deployments = objects.filter((o): o is Deployment => o.kind === 'Deployment');
  if (deployments.length === 0) {
    throw new ConfigurationError(
      `Input "${INPUT.manifests}" has no Deployment (found ${objects.map((o) => o.kind).join(', ') || 'no objects'}). Point it at the files that define the app's Deployment.`,
      INPUT.manifests,
    );
  }
  let deployment: Deployment | undefined;
  if (deploymentName) {
    deployment = deployments.find((d) => d.metadata.name === deploymentName);
    if (!deployment) {
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
    deployment = deployments[0]!;
  }
  if (unusedImages.length) throw unusedImagesError(unusedImages);
  if (!deployment.spec?.template?.spec?.containers?.length) {
    throw new ConfigurationError(`Deployment "${deployment.metadata.name}" in the manifests has no containers.`, INPUT.manifests);
  }
  return {
    deployment,
    others: objects.filter((o) => o !== deployment && o.kind !== 'Deployment'),
    namespace: deployment.metadata.namespace,
  };
}
