import { isNotFound, refOf, type Deployment, type KubeObject } from '../kube';
import { changedImages, templateImages } from './canary-object';
import type { DeployContext } from './context';
import {
  ANNOTATION_IMAGE,
  ANNOTATION_RELEASE,
  ANNOTATION_RELEASED_IMAGES,
  ANNOTATION_RUN_URL,
  ANNOTATION_SHA,
  FIELD_MANAGER,
} from './keys';
import { parseReleaseRecord } from './records';
import { comparable, referencedConfig } from './release-diff';
import { describeObject } from './release-plan';
import type { PromoteRequest, ReleaseRecord } from './types';

/**
 * Promotion of a whole-manifest release (the canary carries its ReleaseRecord): the rendered Deployment
 * applied server-side with the field manager, the ConfigMaps its pods read applied just before it (so the
 * new pods start with them), every other changed object once the rollout is through. A canary without a
 * record (made by hand, or by an older Flightdeck) is promoted by its images, as before.
 */

export function releaseRecordOf(canary: Deployment): ReleaseRecord | undefined {
  const raw = canary.metadata.annotations?.[ANNOTATION_RELEASE];
  return raw ? parseReleaseRecord(raw, canary) : undefined;
}

export interface PromotedDeploymentOptions {
  /** Container → the canary's image pinned by digest (pinToDigest), for the images the release changes. */
  pinned: Record<string, string>;
  runUrl: string;
  gitSha?: string;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
}

/**
 * The Deployment promotion applies: the recorded one with the changed images pinned by digest, Flightdeck's
 * bookkeeping annotations (what it runs, from which run and commit, and what the manifests named each pinned
 * image, so the same manifests released again are seen to change nothing) and the asked surge.
 */
export function promotedDeploymentOf(record: ReleaseRecord, stable: Deployment, options: PromotedDeploymentOptions): Deployment {
  const deployment = structuredClone(record.deployment);
  const annotations = { ...(deployment.metadata.annotations ?? {}) };
  let released: Record<string, string> = {};
  try {
    released = JSON.parse(annotations[ANNOTATION_RELEASED_IMAGES] ?? '{}') as Record<string, string>;
  } catch {
    // A record edited by hand: start again from this release's images.
  }
  const changed = changedImages(templateImages(stable), templateImages(deployment));
  const spec = deployment.spec.template.spec;
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    const pinned = options.pinned[container.name];
    if (container.name in changed && pinned && container.image) {
      released[container.name] = container.image;
      container.image = pinned;
    }
  }
  annotations[ANNOTATION_RUN_URL] = options.runUrl;
  annotations[ANNOTATION_IMAGE] = spec?.containers[0]?.image ?? '';
  annotations[ANNOTATION_RELEASED_IMAGES] = JSON.stringify(released);
  if (options.gitSha) annotations[ANNOTATION_SHA] = options.gitSha;
  else delete annotations[ANNOTATION_SHA];
  deployment.metadata.annotations = annotations;
  if (options.maxSurge !== undefined || options.maxUnavailable !== undefined) {
    const current = deployment.spec.strategy?.rollingUpdate ?? stable.spec.strategy?.rollingUpdate ?? {};
    deployment.spec.strategy = {
      type: 'RollingUpdate',
      rollingUpdate: {
        ...current,
        ...(options.maxSurge !== undefined ? { maxSurge: options.maxSurge } : {}),
        ...(options.maxUnavailable !== undefined ? { maxUnavailable: options.maxUnavailable } : {}),
      },
    };
  }
  return deployment;
}

/** The recorded objects split: those the pods read (applied before the rollout) and the rest (after it). */
export function splitRelease(record: ReleaseRecord): { before: KubeObject[]; after: KubeObject[] } {
  const read = referencedConfig(record.deployment.spec.template.spec);
  const before = record.apply.filter((o) => o.kind === 'ConfigMap' && read.ConfigMap.has(o.metadata.name!));
  return { before, after: record.apply.filter((o) => !before.includes(o)) };
}

/** What an object was before promotion changed it: its content to put back, or undefined when it did not exist. */
export interface Previous {
  object: KubeObject;
  live?: KubeObject;
}

/** Apply objects server-side with the field manager, keeping what each was, so a failed rollout can put them back. */
export async function applyObjects(ctx: DeployContext, objects: KubeObject[], request: Pick<PromoteRequest, 'name'>): Promise<Previous[]> {
  const previous: Previous[] = [];
  for (const object of objects) {
    const live = await ctx.client.getIfExists(refOf(object, ctx.namespace), ctx.signal);
    await ctx.client.apply(object, { fieldManager: FIELD_MANAGER, force: true, namespace: ctx.namespace, signal: ctx.signal });
    previous.push({ object, live });
    ctx.timeline.add(`Applied ${describeObject(object)} (release of "${request.name}")`);
  }
  return previous;
}

/** Put back what applyObjects changed: the earlier content re-applied, or the object deleted when it was new. */
export async function restoreObjects(ctx: DeployContext, previous: Previous[]): Promise<void> {
  for (const { object, live } of [...previous].reverse()) {
    const ref = refOf(object, ctx.namespace);
    if (live) {
      const restored = comparable(live);
      delete restored.metadata.ownerReferences;
      await ctx.client.apply(restored, { fieldManager: FIELD_MANAGER, force: true, namespace: ctx.namespace });
    } else {
      try {
        await ctx.client.delete(ref);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    ctx.timeline.add(`Restored ${describeObject(object)} as it was before the promotion`);
  }
}
