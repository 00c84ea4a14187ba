import { isNotFound, Kinds, watchObjects, type Deployment, type Pod } from '../kube';
import { ANNOTATION_RUN_URL, canaryName, deriveCanary, labelSelector } from './canary-object';
import { FIELD_MANAGER, type DeployContext } from './context';
import type { StepTraffic, TrafficMode } from './plan';
import { restoreAlbTraffic, setAlbWeights, type AlbTarget } from './traffic';

/** On the canary Deployment: how its traffic was routed, so promote, rollback or a cancel in another run can undo it. */
export const ANNOTATION_TRAFFIC = 'flightdeck.dev/traffic';

export interface TrafficRecord {
  mode: TrafficMode;
  alb?: AlbTarget;
}

export function trafficRecordOf(canary: Deployment): TrafficRecord {
  const raw = canary.metadata.annotations?.[ANNOTATION_TRAFFIC];
  if (!raw) return { mode: 'pod' };
  try {
    return JSON.parse(raw) as TrafficRecord;
  } catch {
    return { mode: 'pod' };
  }
}

export async function readCanary(ctx: DeployContext, stableName: string): Promise<Deployment | undefined> {
  return ctx.client.getIfExists<Deployment>({ ...Kinds.Deployment, namespace: ctx.namespace, name: canaryName(stableName) }, ctx.signal);
}

/**
 * Scale the canary to a step: apply it server-side (creating it the first
 * time), then, in ALB mode, set the weights. Pods first, weights second, so
 * the load balancer never weighs a target group with no pods behind it... the
 * weights move once the caller has seen the pods Ready (see setStepWeights).
 */
export async function applyCanary(
  ctx: DeployContext,
  stable: Deployment,
  images: Record<string, string>,
  step: StepTraffic,
  traffic: TrafficRecord,
): Promise<Deployment> {
  const canary = deriveCanary(stable, { images, replicas: step.canaryReplicas, runUrl: ctx.runUrl });
  canary.metadata.annotations![ANNOTATION_TRAFFIC] = JSON.stringify(traffic);
  return ctx.client.apply(canary, { fieldManager: FIELD_MANAGER, force: true, signal: ctx.signal });
}

export async function setStepWeights(ctx: DeployContext, step: StepTraffic, traffic: TrafficRecord): Promise<void> {
  if (traffic.mode === 'alb' && traffic.alb && step.weights) await setAlbWeights(ctx, traffic.alb, step.weights);
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
  const canary = await ctx.client.getIfExists<Deployment>(ref);
  if (!canary) return { removed: false, podsGone: true };
  // Promotion restores ALB traffic before its rollout; weighing the Ingress again here would undo that.
  const traffic: TrafficRecord = options.trafficRestored ? { mode: 'pod' } : trafficRecordOf(canary);
  const cleanup = { ...ctx, signal: new AbortController().signal };
  if (traffic.mode === 'alb' && traffic.alb) await setAlbWeights(cleanup, traffic.alb, { stable: 100, canary: 0 });
  const selector = labelSelector(canary.spec.selector?.matchLabels ?? {});
  try {
    await ctx.client.delete(ref, { propagationPolicy: 'Background' });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const podsGone = await waitForNoPods(ctx, selector, waitMs);
  if (traffic.mode === 'alb' && traffic.alb) await restoreAlbTraffic(cleanup, traffic.alb);
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
