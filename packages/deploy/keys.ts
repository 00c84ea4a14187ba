/**
 * Every name Flightdeck writes on the cluster, in one place. Other runs read
 * them back, and so do other Flightdeck versions pinned by other pipelines:
 * the lock, the canary and its owner, the record of how to undo its traffic.
 * Renaming one is a format change, and so is changing the JSON behind
 * RECORD_VERSION (see records.ts).
 */

/** The field manager of every write, so `kubectl get --show-managed-fields` says who changed what. */
export const FIELD_MANAGER = 'flightdeck';

/** The standard label, set to FLIGHTDECK on the objects Flightdeck creates (canary, split Services, Lease). */
export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const FLIGHTDECK = 'flightdeck';

export function managedByFlightdeck(): Record<string, string> {
  return { [MANAGED_BY]: FLIGHTDECK };
}

/** The label that tells canary pods from stable ones. The stable Service's selector never names it, so canary pods join that Service. */
export const TRACK_LABEL = 'flightdeck.dev/track';
export const CANARY_TRACK = 'canary';

/** Who made an object and why; rollback, the post step and the lock's refusal read them. */
export const ANNOTATION_RUN_URL = 'flightdeck.dev/run-url';
/** On the canary: the stable Deployment it was derived from. */
export const ANNOTATION_STABLE = 'flightdeck.dev/stable-deployment';
/** On the stable Deployment after a promotion: what it runs and from which commit. */
export const ANNOTATION_SHA = 'flightdeck.dev/git-sha';
export const ANNOTATION_IMAGE = 'flightdeck.dev/image';
/**
 * On the stable Deployment after a promotion: container → image as the manifests named it (JSON), before it
 * was pinned by digest, so the next release of the same manifests is seen to change nothing.
 */
export const ANNOTATION_RELEASED_IMAGES = 'flightdeck.dev/released-images';
/** On the canary: the release to promote (the rendered Deployment and the other objects to apply), a ReleaseRecord. */
export const ANNOTATION_RELEASE = 'flightdeck.dev/release';
/**
 * On a pod template: a hash of the changed ConfigMaps and Secrets it reads, set at promotion so a
 * config-only change rolls the pods (they read their config when they start).
 */
export const ANNOTATION_CONFIG_HASH = 'flightdeck.dev/config-hash';
/** On the canary: a TrafficRecord, JSON. */
export const ANNOTATION_TRAFFIC = 'flightdeck.dev/traffic';
/** On a weighted Ingress: the backends it had before the canary, JSON. */
export const ANNOTATION_ORIGINAL_BACKENDS = 'flightdeck.dev/original-backends';

/** The format version of the JSON in ANNOTATION_TRAFFIC and ANNOTATION_ORIGINAL_BACKENDS, written as `"v"`. */
export const RECORD_VERSION = 1;

/** The AWS Load Balancer Controller's keys that ALB mode writes: a forward action, named by a backend with this port name. */
export const ALB_ACTION_ANNOTATION_PREFIX = 'alb.ingress.kubernetes.io/actions.';
export const ALB_USE_ANNOTATION_PORT = 'use-annotation';

/** The deploy lock of an app: one pipeline per app and namespace. */
export function leaseName(app: string): string {
  return `flightdeck-${app}`;
}

export function canaryName(stableName: string): string {
  return `${stableName}-canary`;
}

/**
 * The canary's copy of a ConfigMap the release changes, so the stable pods keep reading the live one until
 * promotion. Owned by the canary Deployment (garbage-collected with it) and deleted with it.
 */
export function canaryConfigMapName(configMap: string, hash: string): string {
  return `${configMap}-canary-${hash}`;
}

/** ALB mode's two target-group Services. */
export function stableServiceName(service: string): string {
  return `${service}-stable`;
}
export function canaryServiceName(service: string): string {
  return `${service}-canary`;
}

/** The forward action's name; rules refer to it as a service name with port ALB_USE_ANNOTATION_PORT. */
export function weightedActionName(service: string): string {
  return `${service}-weighted`;
}

/** The track of the baseline Deployment (<app>-baseline): the live stable spec at the canary's size. */
export const BASELINE_TRACK = 'baseline';

export function baselineName(stableName: string): string {
  return `${stableName}-baseline`;
}

/** The short-lived ClusterIP Services the canary analysis probes through the API server's service proxy (track-probe.ts). */
export function canaryProbeServiceName(stableName: string): string {
  return `${stableName}-canary-probe`;
}
export function baselineProbeServiceName(stableName: string): string {
  return `${stableName}-baseline-probe`;
}
export function stableProbeServiceName(stableName: string): string {
  return `${stableName}-stable-probe`;
}
