import { isNotFound, Kinds, labelSelector, watchObjects, type Deployment, type KubeObject, type Pod, type PodTemplateSpec } from '../kube';
import { deriveCanary } from './canary-object';
import { withoutCancel, type DeployContext } from './context';
import { ANNOTATION_RELEASE, ANNOTATION_RUN_URL, ANNOTATION_TRAFFIC, canaryConfigMapName, canaryName, FIELD_MANAGER } from './keys';
import { removeBaseline } from './baseline';
import { removeProbeServices } from './probe-services';
import { referencedConfig } from './release-diff';
import { restoreAlbTraffic, setAlbWeights } from './traffic';
import { encodeReleaseRecord, encodeTrafficRecord, parseTrafficRecord } from './records';
import type { ReleaseRecord, StepTraffic, TrafficRecord } from './types';

/** What the canary runs: the images that change and, for a whole-manifest release, its pod template and the release to promote. */
export interface CanarySpec {
  images: Record<string, string>;
  template?: PodTemplateSpec;
  release?: ReleaseRecord;
}

/** How the canary's traffic was routed; a canary without a record (made by hand, or by a test) is in pod mode. */
export function trafficRecordOf(canary: Deployment): TrafficRecord {
  const raw = canary.metadata.annotations?.[ANNOTATION_TRAFFIC];
  return raw ? parseTrafficRecord(raw, canary) : { mode: 'pod' };
}

export async function readCanary(ctx: DeployContext, stableName: string): Promise<Deployment | undefined> {
  return ctx.client.getIfExists<Deployment>({ ...Kinds.Deployment, namespace: ctx.namespace, name: canaryName(stableName) }, ctx.signal);
}

/**
 * Scale the canary to a step: apply it server-side, creating it the first
 * time, with its traffic record. It moves no traffic: in ALB mode the caller
 * sets the weights with setStepWeights once it has seen the pods Ready, so
 * the load balancer never weighs a target group with no pods behind it.
 */
export async function applyCanary(
  ctx: DeployContext,
  stable: Deployment,
  spec: CanarySpec,
  step: StepTraffic,
  traffic: TrafficRecord,
): Promise<Deployment> {
  const canary = deriveCanary(stable, { images: spec.images, template: spec.template, replicas: step.canaryReplicas, runUrl: ctx.runUrl });
  canary.metadata.annotations![ANNOTATION_TRAFFIC] = encodeTrafficRecord(traffic);
  if (spec.release) canary.metadata.annotations![ANNOTATION_RELEASE] = encodeReleaseRecord(spec.release);
  return ctx.client.apply(canary, { fieldManager: FIELD_MANAGER, force: true, signal: ctx.signal });
}

/**
 * The canary's ConfigMap copies: applied before the canary (its pods read them at start), then again
 * owned by it once it exists, so they go with it even when no run is left to delete them.
 */
export async function applyCanaryConfigMaps(ctx: DeployContext, copies: KubeObject[], owner?: Deployment): Promise<void> {
  for (const copy of copies) {
    const object = owner?.metadata.uid
      ? {
          ...copy,
          metadata: {
            ...copy.metadata,
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner.metadata.name!, uid: owner.metadata.uid }],
          },
        }
      : copy;
    await ctx.client.apply(object, { fieldManager: FIELD_MANAGER, force: true, namespace: ctx.namespace, signal: ctx.signal });
  }
}

const CANARY_CONFIG_MAP = new RegExp(`^.+${canaryConfigMapName('', '[0-9a-f]{10}')}$`);

/** The ConfigMap copies a canary reads (their names say so): deleted with it. */
export function canaryConfigMapsOf(canary: Deployment): string[] {
  return [...referencedConfig(canary.spec.template.spec).ConfigMap].filter((name) => CANARY_CONFIG_MAP.test(name));
}

export async function setStepWeights(ctx: DeployContext, step: StepTraffic, traffic: TrafficRecord): Promise<void> {
  if (traffic.mode === 'alb' && step.weights) await setAlbWeights(ctx, traffic.alb, step.weights);
}

export interface RemovalResult {
  /** A canary Deployment existed and was deleted. */
  removed: boolean;
  /** Its pods were seen gone (false: still terminating when we stopped waiting). */
  podsGone: boolean;
  runUrl?: string;
}

/**
 * Take the canary out: in ALB mode send it no traffic first, then delete the
 * canary Deployment and wait (bounded) for its pods to go, then restore the
 * Ingress and delete the split Services. Used by reject, promote, rollback and
 * the cancellation handler, so it takes no cancel signal of its own.
 */
export async function removeCanary(
  ctx: DeployContext,
  stableName: string,
  waitMs = 30_000,
  options: { trafficRestored?: boolean } = {},
): Promise<RemovalResult> {
  const ref = { ...Kinds.Deployment, namespace: ctx.namespace, name: canaryName(stableName) };
  // The probe Services go in the same cleanup, even when the canary is already gone.
  await removeProbeServices(withoutCancel(ctx), stableName);
  // So does the baseline, which only exists beside a canary.
  await removeBaseline(withoutCancel(ctx), stableName);
  const canary = await ctx.client.getIfExists<Deployment>(ref);
  if (!canary) return { removed: false, podsGone: true };
  // Promotion restores ALB traffic before its rollout; weighing the Ingress again here would undo that.
  const traffic: TrafficRecord = options.trafficRestored ? { mode: 'pod' } : trafficRecordOf(canary);
  const cleanup = withoutCancel(ctx);
  if (traffic.mode === 'alb') await setAlbWeights(cleanup, traffic.alb, { stable: 100, canary: 0 });
  const selector = labelSelector(canary.spec.selector?.matchLabels ?? {});
  try {
    await ctx.client.delete(ref, { propagationPolicy: 'Background' });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  // Also garbage-collected through their owner reference; deleted here so they are gone when the run ends.
  for (const name of canaryConfigMapsOf(canary)) {
    try {
      await ctx.client.delete({ ...Kinds.ConfigMap, namespace: ctx.namespace, name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  const podsGone = await waitForNoPods(ctx, selector, waitMs);
  if (traffic.mode === 'alb') await restoreAlbTraffic(cleanup, traffic.alb);
  return { removed: true, podsGone, runUrl: canary.metadata.annotations?.[ANNOTATION_RUN_URL] };
}

const NO_PODS_LEFT = Symbol('no pods left');

/** Watch until no pod matches the selector, or the time is up. */
export async function waitForNoPods(ctx: DeployContext, selector: string, waitMs: number): Promise<boolean> {
  const signal = AbortSignal.timeout(waitMs);
  const live = new Set<string>();
  try {
    const events = watchObjects<Pod>(
      ctx.client,
      { ...Kinds.Pod, namespace: ctx.namespace },
      {
        labelSelector: selector,
        signal,
        onListed: (pods) => {
          // Ends the watch at once when the list is already empty.
          if (pods.length === 0) throw NO_PODS_LEFT;
        },
      },
    );
    for await (const event of events) {
      if (event.type === 'DELETED') live.delete(event.object.metadata.name!);
      else live.add(event.object.metadata.name!);
      if (event.type === 'DELETED' && live.size === 0) return true;
    }
  } catch (error) {
    if (error === NO_PODS_LEFT) return true;
    // Any other watch failure only means we stop waiting; the Deployment is already deleted.
  }
  return false;
}
