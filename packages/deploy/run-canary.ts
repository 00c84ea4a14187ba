import { describeFailures, type CheckResult } from '../analysis/types';
import { ConfigurationError } from '../core/errors';
import { Kinds, labelSelector, type Deployment } from '../kube';
import { bakeStep, waitForCanaryReady } from './analyze-step';
import { applyCanary, applyCanaryConfigMaps, readCanary, removeCanary, setStepWeights } from './canary';
import { changedImages, templateImages } from './canary-object';
import type { DeployContext } from './context';
import { planFirstRelease, runFirstRelease, type FirstReleasePlan } from './first-release';
import { ANNOTATION_RUN_URL, CANARY_TRACK, canaryName, TRACK_LABEL } from './keys';
import { describeTraffic, planSteps } from './plan';
import { PodMonitor } from './pod-monitor';
import { planRelease } from './release-plan';
import { currentTemplateHash, ensureSplitServices, resolveAlbTarget } from './traffic';
import type { CanaryOutcome, CanaryRequest, ReleaseChanges, StepRecord, StepTraffic, TrafficRecord } from './types';

/** Refuse to step on a canary another run left behind: it may be waiting for its own promotion. */
export function assertNoForeignCanary(existing: Deployment | undefined, runUrl: string, stableName: string): void {
  const owner = existing?.metadata.annotations?.[ANNOTATION_RUN_URL];
  if (existing && owner !== runUrl) {
    throw new ConfigurationError(
      `A canary "${canaryName(stableName)}" from ${owner ?? 'another run'} is still running. Promote it with rolling-promote or remove it with rollback before starting a new one.`,
    );
  }
}

export type CanaryPlan =
  | FirstReleasePlan
  | { kind: 'skip'; stable: Deployment; images: Record<string, string>; changes: ReleaseChanges }
  | {
      kind: 'canary';
      stable: Deployment;
      images: Record<string, string>;
      traffic: TrafficRecord;
      steps: StepTraffic[];
      changes: ReleaseChanges;
    };

/**
 * Everything the canary needs to know, read-only: the stable Deployment, what
 * the whole rendered manifests change against the live objects (release-plan.ts),
 * the Service and Ingress for ALB mode. A mistake found here changes nothing.
 */
export async function planCanary(ctx: DeployContext, request: CanaryRequest): Promise<CanaryPlan> {
  const name = request.desired.metadata.name!;
  const stable = await ctx.client.getIfExists<Deployment>({ ...Kinds.Deployment, namespace: ctx.namespace, name }, ctx.signal);
  if (!stable) return planFirstRelease(ctx, request.desired, request.others);
  const changes = await planRelease(ctx, request.desired, request.others, stable);
  const stableImages = templateImages(stable);
  // Skipped only when nothing in the manifests would change; an image-less change (env, resources, probes) is canaried too.
  if (changes.deploymentChanges.length === 0 && changes.objectChanges.length === 0)
    return { kind: 'skip', stable, images: stableImages, changes };
  const changed = changedImages(stableImages, templateImages(changes.release.deployment));
  const images = Object.keys(changed).length > 0 ? changed : templateImages(changes.release.deployment);
  const traffic: TrafficRecord =
    request.traffic.mode === 'alb'
      ? { mode: 'alb', alb: await resolveAlbTarget(ctx, stable, request.traffic.service, request.traffic.ingress) }
      : { mode: 'pod' };
  return {
    kind: 'canary',
    stable,
    images,
    traffic,
    steps: planSteps(traffic.mode, request.traffic.steps, stable.spec.replicas ?? 1),
    changes,
  };
}

/**
 * The canary: create <name>-canary from the stable Deployment with the new
 * images, step it through the traffic plan, and analyse each step. A failed
 * step removes the canary and restores traffic before returning. Cancellation
 * propagates as the signal's reason; the caller removes the canary then.
 */
export async function runCanary(
  ctx: DeployContext,
  request: CanaryRequest,
  canaryPlan: CanaryPlan,
  steps: StepRecord[],
  analysisLog: CheckResult[],
): Promise<CanaryOutcome> {
  const { client, namespace, timeline } = ctx;
  const name = request.desired.metadata.name!;
  if (canaryPlan.kind === 'first-release') {
    return { ...(await runFirstRelease(ctx, canaryPlan, request.rolloutTimeoutMs)), steps, analysis: analysisLog };
  }
  for (const { object, reason } of canaryPlan.changes.leftAlone) timeline.add(`Left alone: ${object} (${reason})`);
  if (canaryPlan.kind === 'skip') {
    timeline.add(
      `Nothing in the manifests differs from the live objects (a server-side dry run of each changes nothing): "${name}" keeps running ${Object.values(canaryPlan.images).join(', ')}; no canary needed.`,
    );
    return { result: 'skipped', steps, analysis: analysisLog, images: canaryPlan.images, stable: canaryPlan.stable };
  }
  const { stable, images, traffic, steps: plan, changes } = canaryPlan;
  // Checked under the lock, so a concurrent run is refused by the Lease (naming its holder) before it gets here.
  assertNoForeignCanary(await readCanary(ctx, name), ctx.runUrl, name);
  timeline.add(
    `Canary "${canaryName(name)}" with ${Object.entries(images)
      .map(([c, i]) => `${c}=${i}`)
      .join(', ')}; ${plan.length} step(s): ${plan.map(describeTraffic).join(' → ')}`,
  );
  timeline.add(describeChanges(name, changes));
  const spec = { images, template: changes.canaryTemplate, release: changes.release };
  if (traffic.mode === 'alb') {
    await ensureSplitServices(ctx, traffic.alb, await currentTemplateHash(ctx, stable));
    timeline.add(
      `ALB mode: Services ${traffic.alb.service}-stable and ${traffic.alb.service}-canary in front of Ingress ${traffic.alb.ingresses.join(', ')}`,
    );
  }

  const selector = labelSelector({ ...(stable.spec.selector?.matchLabels ?? {}), [TRACK_LABEL]: CANARY_TRACK });
  const monitor = new PodMonitor(client, namespace, selector);
  monitor.start();
  try {
    for (const [index, step] of plan.entries()) {
      const record: StepRecord = { traffic: step, bakeMs: request.analysis.bakeTimeMs, outcome: 'running' };
      steps.push(record);
      // The ConfigMap copies first (the canary's pods read them at start), then owned by the canary so they go with it.
      if (index === 0 && changes.canaryConfigMaps.length > 0) {
        await applyCanaryConfigMaps(ctx, changes.canaryConfigMaps);
        timeline.add(
          `The canary reads ${changes.canaryConfigMaps.map((c) => `ConfigMap "${c.metadata.name}"`).join(', ')}, copies of the changed ones; the stable pods keep the live ones until promotion`,
        );
      }
      const canary = await applyCanary(ctx, stable, spec, step, traffic);
      if (index === 0 && changes.canaryConfigMaps.length > 0) await applyCanaryConfigMaps(ctx, changes.canaryConfigMaps, canary);
      timeline.add(`Step ${index + 1}: canary scaled to ${step.canaryReplicas} pod(s), waiting for Ready`);
      let verdict = await waitForCanaryReady(monitor, step.canaryReplicas, request.analysis, ctx.signal);
      if (verdict.passed) {
        await setStepWeights(ctx, step, traffic);
        timeline.add(
          `Step ${index + 1}: ${step.canaryReplicas} canary pod(s) Ready; ${describeTraffic(step)} of traffic; baking ${Math.round(request.analysis.bakeTimeMs / 1000)}s`,
        );
        verdict = await bakeStep(monitor, step.canaryReplicas, request.analysis, request.alarms, ctx.signal, (round) =>
          analysisLog.push(...round),
        );
      }
      analysisLog.push(...verdict.results);
      if (!verdict.passed) {
        record.outcome = 'failed';
        const failure = describeFailures(verdict.results);
        timeline.add(`Step ${index + 1} failed: ${failure}`);
        await monitor.stop();
        const removal = await removeCanary(ctx, name);
        timeline.add(`Canary removed${removal.podsGone ? '' : ' (pods still terminating)'} and traffic restored to "${name}"`);
        return { result: 'failed', steps, analysis: analysisLog, images, failure, trafficPercent: 0, stable };
      }
      record.outcome = 'passed';
      timeline.add(`Step ${index + 1} passed`);
    }
  } finally {
    await monitor.stop();
  }
  return { result: 'passed', steps, analysis: analysisLog, images, trafficPercent: plan.at(-1)!.actual, stable };
}

/** One line for the log and summary: what the release changes, and that the other objects wait for promotion. */
export function describeChanges(name: string, changes: ReleaseChanges): string {
  const deployment = changes.deploymentChanges.length
    ? `Deployment "${name}" changes at ${changes.deploymentChanges.slice(0, 4).join(', ')}${changes.deploymentChanges.length > 4 ? ` and ${changes.deploymentChanges.length - 4} more` : ''}`
    : `Deployment "${name}" is unchanged`;
  const others = changes.objectChanges.length ? `; applied at promotion, not before: ${changes.objectChanges.join('; ')}` : '';
  return `${deployment}${others}`;
}
