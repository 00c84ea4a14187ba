import { ConfigurationError, errorMessage } from '../core/errors';
import {
  imagePatch,
  Kinds,
  labelSelector,
  revisionOf,
  RolloutFailedError,
  undoRollout,
  waitForRollout,
  type Deployment,
  type KubeObject,
  type Pod,
} from '../kube';
import { readCanary, removeCanary, trafficRecordOf } from './canary';
import { changedImages, templateImages } from './canary-object';
import { withoutCancel, type DeployContext } from './context';
import { ANNOTATION_IMAGE, ANNOTATION_RUN_URL, ANNOTATION_SHA, canaryName, FIELD_MANAGER } from './keys';
import { undoAfterCancel } from './promote-cancel';
import { applyObjects, promotedDeploymentOf, releaseRecordOf, restoreObjects, splitRelease, type Previous } from './promote-release';
import { restoreAlbTraffic } from './traffic';
import type { PromoteOutcome, PromoteRequest } from './types';

/**
 * "repo:tag" → "repo@sha256:…" from what the kubelet reports it pulled, so
 * the stable pods run exactly the bytes the canary was judged on even if the
 * tag moves. Left as is when it is already pinned or no digest is known.
 */
export function pinToDigest(image: string, imageID: string | undefined): string {
  if (image.includes('@sha256:')) return image;
  const digest = /sha256:[a-f0-9]{64}/.exec(imageID ?? '')?.[0];
  if (!digest) return image;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const repository = colon > slash ? image.slice(0, colon) : image;
  return `${repository}@${digest}`;
}

async function canaryImageIds(ctx: DeployContext, canary: Deployment): Promise<Record<string, string>> {
  const pods = await ctx.client.list<Pod>(
    { ...Kinds.Pod, namespace: ctx.namespace },
    { labelSelector: labelSelector(canary.spec.selector?.matchLabels ?? {}), signal: ctx.signal },
  );
  const ids: Record<string, string> = {};
  for (const pod of pods.items) {
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      if (status.imageID) ids[status.name] ??= status.imageID;
    }
  }
  return ids;
}

/** The stable Deployment's main image: its first container's. */
function mainImage(deployment: Deployment): string {
  return deployment.spec.template.spec?.containers[0]?.image ?? '';
}

/**
 * Promote: give the stable Deployment the canary's images (pinned by digest),
 * with the asked maxSurge/maxUnavailable, and wait by kubectl's rules. On any
 * failure undo to the previous revision and wait for that too. Then remove the
 * canary and reset the traffic.
 */
export async function promote(ctx: DeployContext, request: PromoteRequest): Promise<PromoteOutcome> {
  const { client, namespace, timeline, inputs } = ctx;
  const ref = { ...Kinds.Deployment, namespace, name: request.name };
  const stable = await client.getIfExists<Deployment>(ref, ctx.signal);
  if (!stable)
    throw new ConfigurationError(
      `Deployment "${request.name}" does not exist in namespace "${namespace}"; there is nothing to promote. Check "${inputs.deployment}" and "${inputs.namespace}".`,
      inputs.deployment,
    );
  const canary = await readCanary(ctx, request.name);
  if (!canary) {
    throw new ConfigurationError(
      `No canary "${canaryName(request.name)}" in namespace "${namespace}" to promote. Run canary-deploy first (it leaves the canary running when its analysis passes).`,
      inputs.deployment,
    );
  }
  const ids = await canaryImageIds(ctx, canary);
  const images = Object.fromEntries(
    Object.entries(changedImages(templateImages(stable), templateImages(canary))).map(([container, image]) => [
      container,
      pinToDigest(image, ids[container]),
    ]),
  );
  const previousImage = mainImage(stable);

  const traffic = trafficRecordOf(canary);
  if (traffic.mode === 'alb') {
    // The -stable Service pins the old pods' template hash, which the rollout retires: route by the app's Service first.
    await restoreAlbTraffic(withoutCancel(ctx), traffic.alb);
    timeline.add(`ALB traffic back on Service "${traffic.alb.service}" for the rollout`);
  }

  const record = releaseRecordOf(canary);
  const previousRevision = revisionOf(stable);
  // Not aborted half-way: a cancel during a request could not tell whether the rollout started. Once sent, the
  // writes complete, and a cancel is seen by the wait below, which undoes them.
  ctx.signal.throwIfAborted();
  let patched: Deployment;
  let restore: Previous[] = [];
  let after: KubeObject[] = [];
  if (record) {
    // The whole rendered Deployment, server-side: env, resources, probes and containers are promoted, not only images.
    const split = splitRelease(record);
    after = split.after;
    const desired = promotedDeploymentOf(record, stable, {
      pinned: Object.fromEntries(Object.entries(templateImages(canary)).map(([c, i]) => [c, pinToDigest(i, ids[c])])),
      runUrl: ctx.runUrl,
      gitSha: request.gitSha,
      maxSurge: intOrPercent(request.maxSurge),
      maxUnavailable: intOrPercent(request.maxUnavailable),
    });
    // The ConfigMaps the new pods read go first, so those pods start with them; they are put back if the rollout is undone.
    restore = await applyObjects(withoutCancel(ctx), split.before, request);
    patched = await client.apply(desired, { fieldManager: FIELD_MANAGER, force: true, namespace });
  } else {
    const annotations: Record<string, string> = {
      [ANNOTATION_RUN_URL]: ctx.runUrl,
      [ANNOTATION_IMAGE]: Object.values(images)[0] ?? previousImage,
    };
    if (request.gitSha) annotations[ANNOTATION_SHA] = request.gitSha;
    const patch = imagePatch(stable, images, { annotations, input: inputs.deployment }) as { spec: Record<string, unknown> };
    if (request.maxSurge !== undefined || request.maxUnavailable !== undefined) {
      patch.spec.strategy = {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: intOrPercent(request.maxSurge), maxUnavailable: intOrPercent(request.maxUnavailable) },
      };
    }
    patched = await client.patch<Deployment>(ref, patch, 'strategic', { fieldManager: FIELD_MANAGER });
  }
  request.rolloutStarted?.(previousRevision);
  const image = mainImage(patched);
  timeline.add(
    `Promoting "${request.name}" to ${
      Object.entries(images)
        .map(([c, i]) => `${c}=${i}`)
        .join(', ') || (record ? 'the canary’s pod template (images unchanged)' : 'the canary images')
    }`,
  );

  let outcome: PromoteOutcome;
  try {
    const rollout = await waitForRollout(client, namespace, request.name, {
      timeoutMs: request.timeoutMs,
      signal: ctx.signal,
      onProgress: (s) => timeline.add(s.message),
    });
    request.rolloutSettled?.();
    outcome = { result: 'promoted', revision: revisionOf(rollout.deployment), previousImage, image };
    timeline.add(
      `Rollout complete in ${(rollout.elapsedMs / 1000).toFixed(1)}s (${rollout.apiRequests} API requests, ${rollout.reconnects} watch reconnects)`,
    );
    // Services, budgets, autoscalers: once the pods that go with them serve.
    await applyObjects(ctx, after, request);
  } catch (error) {
    if (ctx.signal.aborted && request.onCancel !== 'leave') {
      const cancelledAt = performance.now();
      // The config first, so the pods the undo starts read what the stable ones read before.
      await restoreObjects(withoutCancel(ctx), restore);
      const undone = await undoAfterCancel(ctx, { name: request.name, previousRevision, previousImage, cancelledAt });
      request.rolloutSettled?.();
      return undone;
    }
    if (!(error instanceof RolloutFailedError)) throw error;
    timeline.add(`Rollout failed: ${error.message}; undoing to the previous revision`);
    // The config first, so the pods the undo starts read what the stable ones read before.
    await restoreObjects(withoutCancel(ctx), restore);
    const undo = await undoRollout(client, namespace, request.name, { fieldManager: FIELD_MANAGER });
    request.rolloutSettled?.();
    const back = await waitForRollout(client, namespace, request.name, { timeoutMs: request.timeoutMs });
    timeline.add(
      `Undone to revision ${undo.restoredRevision}'s template (now revision ${revisionOf(back.deployment)}); ${Object.values(undo.images).join(', ')} is serving`,
    );
    outcome = {
      result: 'rolled-back',
      revision: revisionOf(back.deployment),
      previousImage,
      image: mainImage(back.deployment),
      failure: `the rollout of "${request.name}" failed (${error.reason}: ${errorMessage(error)}) and was undone to the previous revision. Check the new pods' events and readiness.`,
    };
  }
  const removal = await removeCanary(ctx, request.name, 30_000, { trafficRestored: true });
  if (removal.removed) timeline.add(`Canary "${canaryName(request.name)}" removed and traffic reset`);
  return outcome;
}

function intOrPercent(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return value.endsWith('%') ? value : Number(value);
}
