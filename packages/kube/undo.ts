import { ConfigurationError } from '../core/errors';
import type { KubeClient } from './client';
import { Kinds, labelSelector } from './resources';
import { REVISION_ANNOTATION, revisionOf } from './rollout';
import type { Deployment, PodTemplateSpec, ReplicaSet } from './types';

/** The label the Deployment controller adds to each ReplicaSet's template; it must not be copied back. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

/**
 * Annotations an undo keeps from the Deployment instead of taking them from
 * the ReplicaSet, as kubectl does: the controller's own bookkeeping and
 * kubectl apply's record, which describe the Deployment, not a revision.
 */
const DEPLOYMENT_OWN_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export interface UndoOptions {
  /** Restore this revision; default: the newest one older than the current. */
  toRevision?: number;
  fieldManager?: string;
  signal?: AbortSignal;
}

export interface UndoResult {
  /** The revision whose template was restored. */
  restoredRevision: number;
  /** The revision that was current before the undo. */
  fromRevision: number;
  /** True when the current template already equalled the target (nothing was changed, as kubectl's "skipped rollback"). */
  skipped: boolean;
  /** Images of the restored template, by container name. */
  images: Record<string, string>;
  deployment: Deployment;
}

/** There is no earlier revision to go back to (or the asked one does not exist). */
export class NoPreviousRevisionError extends Error {
  override readonly name = 'NoPreviousRevisionError';
}

/** kubectl's refusal: a paused Deployment would not roll the restored template out, so the undo would only pretend. */
export class DeploymentPausedError extends ConfigurationError {
  constructor(readonly deployment: string) {
    super(
      `Deployment "${deployment}" is paused, and a paused Deployment cannot be rolled back: resume it first (kubectl rollout resume deployment/${deployment}) and try again.`,
    );
  }
}

/**
 * What `kubectl rollout undo` does: find the ReplicaSet of the previous
 * revision among those the Deployment owns, refuse a paused Deployment, and
 * put the revision's pod template and annotations back on the Deployment
 * (the controller copied the Deployment's annotations to that ReplicaSet when
 * it was current, so what they said then is said again). The controller then
 * rolls out that template as a new revision; wait for it with waitForRollout.
 */
export async function undoRollout(client: KubeClient, namespace: string, name: string, options: UndoOptions = {}): Promise<UndoResult> {
  const deployment = await client.get<Deployment>({ ...Kinds.Deployment, namespace, name }, options.signal);
  const owned = await ownedReplicaSets(client, deployment, options.signal);
  const current = revisionOf(deployment);
  const target = pickRevision(owned, current, options.toRevision);
  if (!target) {
    const known =
      owned
        .map(revisionOf)
        .sort((a, b) => a - b)
        .join(', ') || 'none';
    throw new NoPreviousRevisionError(
      options.toRevision
        ? `deployment "${name}" has no revision ${options.toRevision} to roll back to (known revisions: ${known})`
        : `deployment "${name}" has no revision before ${current} to roll back to (known revisions: ${known}); was it ever rolled out before?`,
    );
  }
  if (deployment.spec.paused) throw new DeploymentPausedError(name);
  const template = templateWithoutHash(target.spec.template);
  const restoredRevision = revisionOf(target);
  const images = Object.fromEntries((template.spec?.containers ?? []).map((container) => [container.name, container.image ?? '']));
  if (sameTemplate(template, deployment.spec.template)) {
    return { restoredRevision, fromRevision: current, skipped: true, images, deployment };
  }
  // A JSON-patch replace, not a merge: labels, env or annotations the newer revision added must go too.
  // The resourceVersion test makes a concurrent edit fail with a Conflict instead of being overwritten.
  // `add` sets /metadata/annotations whether or not the Deployment has any (a replace would need it to exist).
  const patched = await client.patch<Deployment>(
    { ...Kinds.Deployment, namespace, name },
    [
      { op: 'test', path: '/metadata/resourceVersion', value: deployment.metadata.resourceVersion },
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'add', path: '/metadata/annotations', value: restoredAnnotations(deployment, target) },
    ],
    'json',
    { fieldManager: options.fieldManager, signal: options.signal },
  );
  return { restoredRevision, fromRevision: current, skipped: false, images, deployment: patched };
}

/** The Deployment's annotations after an undo: its own bookkeeping, plus every other annotation of the target revision. */
export function restoredAnnotations(deployment: Deployment, target: ReplicaSet): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployment.metadata.annotations ?? {})) {
    if (DEPLOYMENT_OWN_ANNOTATIONS.has(key)) annotations[key] = value;
  }
  for (const [key, value] of Object.entries(target.metadata.annotations ?? {})) {
    if (!DEPLOYMENT_OWN_ANNOTATIONS.has(key)) annotations[key] = value;
  }
  return annotations;
}

/** ReplicaSets whose controller is this Deployment (same selector is not enough: another owner may match). */
export async function ownedReplicaSets(client: KubeClient, deployment: Deployment, signal?: AbortSignal): Promise<ReplicaSet[]> {
  const selector = labelSelector(deployment.spec.selector?.matchLabels ?? {});
  const list = await client.list<ReplicaSet>(
    { ...Kinds.ReplicaSet, namespace: deployment.metadata.namespace },
    { labelSelector: selector || undefined, signal },
  );
  return list.items.filter((rs) => rs.metadata.ownerReferences?.some((owner) => owner.controller && owner.uid === deployment.metadata.uid));
}

/** The ReplicaSet to restore: the asked revision, or the newest older than the current. */
export function pickRevision(replicaSets: ReplicaSet[], current: number, toRevision?: number): ReplicaSet | undefined {
  if (toRevision) return replicaSets.find((rs) => revisionOf(rs) === toRevision);
  return replicaSets.filter((rs) => revisionOf(rs) > 0 && revisionOf(rs) < current).sort((a, b) => revisionOf(b) - revisionOf(a))[0];
}

export function templateWithoutHash(template: PodTemplateSpec): PodTemplateSpec {
  const copy = structuredClone(template);
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH];
  }
  return copy;
}

function sameTemplate(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return stableJson(a) === stableJson(b);
}

/** JSON with sorted keys, so two equal templates compare equal whatever the key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)))
      : inner,
  );
}
