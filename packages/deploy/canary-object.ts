import { imagesOf } from '../kube/set-image';
import type { Container, Deployment, PodTemplateSpec } from '../kube/types';
import { ANNOTATION_RUN_URL, ANNOTATION_STABLE, CANARY_TRACK, canaryName, managedByFlightdeck, TRACK_LABEL } from './keys';

export interface CanaryOptions {
  /** Container name → image, for every container or init container whose image changes. */
  images: Record<string, string>;
  replicas: number;
  runUrl: string;
  /**
   * The pod template to run: the release's rendered one (release-plan.ts), so env, resources, probes and
   * new containers are canaried too. Without it, the stable one's (a canary made by hand or by a test).
   */
  template?: PodTemplateSpec;
}

/**
 * Build the canary Deployment beside the stable one: the release's pod
 * template (or the stable one's) with the new images, the track label added
 * to the stable selector and the pods, and nothing the apiserver owns
 * (status, uid, resourceVersion) carried over.
 */
export function deriveCanary(stable: Deployment, options: CanaryOptions): Deployment {
  const name = stable.metadata.name!;
  const template = structuredClone(options.template ?? stable.spec.template);
  const podLabels = { ...(template.metadata?.labels ?? {}), [TRACK_LABEL]: CANARY_TRACK };
  const podAnnotations = { ...(template.metadata?.annotations ?? {}) };
  // A kubectl restart stamp would be meaningless on a fresh Deployment.
  delete podAnnotations['kubectl.kubernetes.io/restartedAt'];
  const spec = template.spec!;
  spec.containers = spec.containers.map((c) => withImage(c, options.images));
  if (spec.initContainers) spec.initContainers = spec.initContainers.map((c) => withImage(c, options.images));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: canaryName(name),
      namespace: stable.metadata.namespace,
      labels: { ...(stable.metadata.labels ?? {}), [TRACK_LABEL]: CANARY_TRACK, ...managedByFlightdeck() },
      annotations: { [ANNOTATION_STABLE]: name, [ANNOTATION_RUN_URL]: options.runUrl },
    },
    spec: {
      replicas: options.replicas,
      selector: {
        ...structuredClone(stable.spec.selector ?? {}),
        matchLabels: { ...(stable.spec.selector?.matchLabels ?? {}), [TRACK_LABEL]: CANARY_TRACK },
      },
      template: { metadata: { labels: podLabels, annotations: podAnnotations }, spec },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      progressDeadlineSeconds: stable.spec.progressDeadlineSeconds,
      minReadySeconds: stable.spec.minReadySeconds,
      revisionHistoryLimit: 1,
    },
  };
}

function withImage(container: Container, images: Record<string, string>): Container {
  const image = images[container.name];
  return image === undefined ? container : { ...container, image };
}

/** Container name → image of a Deployment's pod template, init containers included; a container without an image changes nothing. */
export function templateImages(deployment: Deployment): Record<string, string> {
  return Object.fromEntries(Object.entries(imagesOf(deployment.spec.template.spec)).filter(([, image]) => image));
}

/** The images that differ between two templates: what the canary changes. */
export function changedImages(from: Record<string, string>, to: Record<string, string>): Record<string, string> {
  const changed: Record<string, string> = {};
  for (const [name, image] of Object.entries(to)) if (from[name] !== image) changed[name] = image;
  return changed;
}
