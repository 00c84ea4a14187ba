import type { Container, Deployment } from '../kube/types';

/** The label that tells canary pods from stable ones. The stable Service's selector never names it, so canary pods join that Service. */
export const TRACK_LABEL = 'flightdeck.dev/track';
export const CANARY_TRACK = 'canary';
/** Annotations that say who made an object and why; rollback and the lock's refusal read them. */
export const ANNOTATION_RUN_URL = 'flightdeck.dev/run-url';
export const ANNOTATION_STABLE = 'flightdeck.dev/stable-deployment';
export const ANNOTATION_SHA = 'flightdeck.dev/git-sha';
export const ANNOTATION_IMAGE = 'flightdeck.dev/image';
export const MANAGED_BY = 'app.kubernetes.io/managed-by';

export function canaryName(stableName: string): string {
  return `${stableName}-canary`;
}

export interface CanaryOptions {
  /** Container name → image, for every container or init container whose image changes. */
  images: Record<string, string>;
  replicas: number;
  runUrl: string;
}

/**
 * Build the canary Deployment from the stable one: the same pod spec with the
 * new images, the track label added to its selector and pods, and nothing the
 * apiserver owns (status, uid, resourceVersion) carried over.
 */
export function deriveCanary(stable: Deployment, options: CanaryOptions): Deployment {
  const name = stable.metadata.name!;
  const template = structuredClone(stable.spec.template);
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
      labels: { ...(stable.metadata.labels ?? {}), [TRACK_LABEL]: CANARY_TRACK, [MANAGED_BY]: 'flightdeck' },
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

/** Container name → image of a Deployment's pod template, init containers included. */
export function templateImages(deployment: Deployment): Record<string, string> {
  const spec = deployment.spec.template.spec;
  const images: Record<string, string> = {};
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) if (c.image) images[c.name] = c.image;
  return images;
}

/** The images that differ between two templates: what the canary changes. */
export function changedImages(from: Record<string, string>, to: Record<string, string>): Record<string, string> {
  const changed: Record<string, string> = {};
  for (const [name, image] of Object.entries(to)) if (from[name] !== image) changed[name] = image;
  return changed;
}

/** Selector string for list/watch calls: "a=b,c=d". */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
