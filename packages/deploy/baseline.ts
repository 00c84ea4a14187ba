import { isNotFound, Kinds, type Deployment } from '../kube';
import { deriveCanary } from './canary-object';
import type { DeployContext } from './context';
import { ANNOTATION_RUN_URL, BASELINE_TRACK, baselineName, CANARY_TRACK, FIELD_MANAGER, TRACK_LABEL } from './keys';

/**
 * The baseline: <app>-baseline, the live stable spec at the canary's size,
 * started with the canary so both tracks are judged as equally fresh pods
 * (a stable pod that has run for days is no fair comparison for a cold one).
 * Same shape as the canary (deriveCanary), with the stable's images and the
 * baseline track label. Removed in the canary's cleanup.
 */
export function deriveBaseline(stable: Deployment, replicas: number, runUrl: string): Deployment {
  const baseline = deriveCanary(stable, { images: {}, replicas, runUrl });
  const relabel = (labels: Record<string, string> | undefined) => {
    if (labels?.[TRACK_LABEL] === CANARY_TRACK) labels[TRACK_LABEL] = BASELINE_TRACK;
  };
  baseline.metadata.name = baselineName(stable.metadata.name!);
  relabel(baseline.metadata.labels);
  relabel(baseline.spec.selector?.matchLabels);
  relabel(baseline.spec.template.metadata?.labels);
  return baseline;
}

export async function applyBaseline(ctx: DeployContext, stable: Deployment, replicas: number): Promise<Deployment> {
  return ctx.client.apply(deriveBaseline(stable, replicas, ctx.runUrl), { fieldManager: FIELD_MANAGER, force: true, signal: ctx.signal });
}

/**
 * Delete the baseline when this run (or the run that owns the canary) made it; part of the canary's cleanup, so it
 * takes no cancel signal. Returns whether one was deleted.
 */
export async function removeBaseline(ctx: DeployContext, stableName: string): Promise<boolean> {
  const ref = { ...Kinds.Deployment, namespace: ctx.namespace, name: baselineName(stableName) };
  const baseline = await ctx.client.getIfExists<Deployment>(ref);
  if (!baseline || baseline.metadata.labels?.[TRACK_LABEL] !== BASELINE_TRACK || !baseline.metadata.annotations?.[ANNOTATION_RUN_URL])
    return false;
  try {
    await ctx.client.delete(ref, { propagationPolicy: 'Background' });
    return true;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return false;
  }
}
