import { ConfigurationError } from '../core/errors';
import type { KubeClient } from './client';
import { Kinds } from './resources';
import type { Deployment, PodSpec } from './types';

export interface SetImagesOptions {
  /** Annotations to set on the Deployment in the same patch (git sha, run URL, digest). */
  annotations?: Record<string, string>;
  fieldManager?: string;
  signal?: AbortSignal;
  /** The input to name when a container does not exist (default "container"). */
  input?: string;
}

/** Images by container name, for containers and initContainers. */
export function imagesOf(spec: PodSpec | undefined): Record<string, string> {
  const images: Record<string, string> = {};
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) images[container.name] = container.image ?? '';
  return images;
}

/**
 * The strategic-merge patch that sets images by container name (containers
 * merge on their name, so other fields and containers are untouched). Throws
 * a ConfigurationError listing the containers when a name is unknown.
 */
export function imagePatch(
  deployment: Deployment,
  images: Record<string, string>,
  options: Pick<SetImagesOptions, 'annotations' | 'input'> = {},
): object {
  const spec = deployment.spec.template.spec;
  const containers: { name: string; image: string }[] = [];
  const initContainers: { name: string; image: string }[] = [];
  for (const [name, image] of Object.entries(images)) {
    if (spec?.containers.some((container) => container.name === name)) containers.push({ name, image });
    else if (spec?.initContainers?.some((container) => container.name === name)) initContainers.push({ name, image });
    else {
      const known = Object.keys(imagesOf(spec)).join(', ') || 'none';
      throw new ConfigurationError(
        `Deployment "${deployment.metadata.name}" has no container named "${name}" (its containers: ${known}). Set "${options.input ?? 'container'}" to one of them.`,
        options.input ?? 'container',
      );
    }
  }
  const podSpec: Record<string, unknown> = {};
  if (containers.length) podSpec.containers = containers;
  if (initContainers.length) podSpec.initContainers = initContainers;
  return {
    ...(options.annotations ? { metadata: { annotations: options.annotations } } : {}),
    spec: { template: { spec: podSpec } },
  };
}

/** `kubectl set image` for a Deployment: one GET (to check the names) and one strategic-merge PATCH. */
export async function setDeploymentImages(
  client: KubeClient,
  namespace: string,
  name: string,
  images: Record<string, string>,
  options: SetImagesOptions = {},
): Promise<Deployment> {
  const ref = { ...Kinds.Deployment, namespace, name };
  const deployment = await client.get<Deployment>(ref, options.signal);
  return client.patch<Deployment>(ref, imagePatch(deployment, images, options), 'strategic', {
    fieldManager: options.fieldManager,
    signal: options.signal,
  });
}
