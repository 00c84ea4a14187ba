import { describeFailures, type CheckResult } from '../analysis/types';
import { ConfigurationError } from '../core/errors';
import { Kinds, labelSelector, type Deployment } from '../kube';
import { stepAction } from '../analysis/judge-results';
import { bakeStep, waitForCanaryReady, type StepVerdict } from './analyze-step';
import { AlbTrackSource } from './alb-track-source';
import { applyBaseline } from './baseline';
import { applyCanary, applyCanaryConfigMaps, readCanary, removeCanary, setStepWeights } from './canary';
import { changedImages, templateImages } from './canary-object';
import type { DeployContext } from './context';
import { planFirstRelease, runFirstRelease, type FirstReleasePlan } from './first-release';
import { ANNOTATION_RUN_URL, baselineName, CANARY_TRACK, canaryName, TRACK_LABEL } from './keys';
import { describeTraffic, planSteps } from './plan';
import { PodMonitor } from './pod-monitor';
import { plannedLooks, resolveProbePort, TrackAnalysis } from './track-analysis';
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
      /** The container port the canary-only probe reaches, when it runs. */
      probePort?: number | string;
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
  const tracks = request.analysis.tracks;
  const probePort = tracks ? resolveProbePort(stable, tracks.port, ctx.inputs.httpPort ?? 'http-port') : undefined;
  return {
    kind: 'canary',
    stable,
    images,
    traffic,
    steps: planSteps(traffic.mode, request.traffic.steps, stable.spec.replicas ?? 1),
    changes,
    probePort,
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
  const stableHash = traffic.mode === 'alb' || request.analysis.tracks ? await currentTemplateHash(ctx, stable) : undefined;
  timeline.add(describeChanges(name, changes));
  const spec = { images, template: changes.canaryTemplate, release: changes.release };
  if (traffic.mode === 'alb') {
    await ensureSplitServices(ctx, traffic.alb, stableHash!);
    timeline.add(
      `ALB mode: Services ${traffic.alb.service}-stable and ${traffic.alb.service}-canary in front of Ingress ${traffic.alb.ingresses.join(', ')}`,
    );
  }

  const trackOptions = request.analysis.tracks;
  const tracks = trackOptions
    ? await TrackAnalysis.open(ctx, stable, { ...trackOptions, port: canaryPlan.probePort ?? trackOptions.port! }, stableHash!, {
        looks: plannedLooks(request.analysis.bakeTimeMs, request.analysis.intervalMs, trackOptions.onInconclusive),
        sources:
          traffic.mode === 'alb' && trackOptions.albMetrics && request.albMetrics
            ? [new AlbTrackSource(ctx, traffic.alb, request.albMetrics)]
            : [],
        // Half of each interval under load, so rounds stay about an interval apart.
        loadMs: Math.min(request.analysis.intervalMs / 2, 30_000),
      })
    : undefined;
  if (tracks && trackOptions) {
    timeline.add(
      `Canary-only analysis: GET ${trackOptions.path} on the canary's pods and, in the same round, the ${trackOptions.baseline ? `baseline's ("${baselineName(name)}")` : "stable's"}, ${trackOptions.loadRps ? `${trackOptions.loadRps} request(s)/s each for ${formatAlpha(Math.min(request.analysis.intervalMs / 2, 30_000) / 1000)}s` : `${trackOptions.requestsPerRound} request(s) each`} per round, through the API server's service proxy; α = ${trackOptions.judge.alpha} split over the step's looks (${formatAlpha(tracks.alphaPerLook)} each)`,
    );
  }
  const tracksOutcome = () => (tracks ? { tracks: tracks.report() } : {});

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
      // The baseline starts with the canary, at its size, so both tracks are equally fresh.
      if (trackOptions?.baseline) await applyBaseline(ctx, stable, step.canaryReplicas);
      timeline.add(
        `Step ${index + 1}: canary${trackOptions?.baseline ? ' and baseline' : ''} scaled to ${step.canaryReplicas} pod(s), waiting for Ready`,
      );
      let verdict = await waitForCanaryReady(monitor, step.canaryReplicas, request.analysis, ctx.signal);
      let inconclusive = false;
      if (verdict.passed) {
        await setStepWeights(ctx, step, traffic);
        if (tracks) {
          // Before the bake, so its first round comes one interval after both tracks can be probed.
          tracks.startStep(index + 1, step.actual);
          verdict = await probeEndpointsReady(tracks, request.analysis.readyTimeoutMs);
        }
        if (verdict.passed) {
          timeline.add(
            `Step ${index + 1}: ${step.canaryReplicas} canary pod(s) Ready; ${describeTraffic(step)} of traffic; baking ${Math.round(request.analysis.bakeTimeMs / 1000)}s`,
          );
          const bake = () =>
            bakeStep(
              monitor,
              step.canaryReplicas,
              request.analysis,
              request.alarms,
              ctx.signal,
              (round) => analysisLog.push(...round),
              tracks,
            );
          verdict = await bake();
          // The step's canary-only verdict, on all its samples: a pass, a fail, or too little evidence.
          for (let extended = false; tracks && verdict.passed; extended = true) {
            const concluded = tracks.conclude(extended);
            const action = stepAction(concluded.judgement.verdict, tracks.policy, extended);
            if (action === 'next-step') {
              verdict = { passed: true, results: [...verdict.results, ...concluded.results] };
              break;
            }
            if (action === 'fail') {
              inconclusive = concluded.judgement.verdict === 'inconclusive';
              verdict = { passed: false, results: [...verdict.results, ...concluded.results] };
              break;
            }
            timeline.add(`Step ${index + 1}: canary-only analysis inconclusive (${concluded.judgement.reason}); baking once more`);
            record.bakeMs += request.analysis.bakeTimeMs;
            verdict = await bake();
          }
          if (tracks && !verdict.passed && !inconclusive) tracks.recordUnfinished();
        }
      }
      analysisLog.push(...verdict.results);
      if (!verdict.passed) {
        record.outcome = 'failed';
        const failure = describeFailures(verdict.results);
        timeline.add(`Step ${index + 1} ${inconclusive ? 'inconclusive' : 'failed'}: ${failure}`);
        await monitor.stop();
        const removal = await removeCanary(ctx, name);
        timeline.add(`Canary removed${removal.podsGone ? '' : ' (pods still terminating)'} and traffic restored to "${name}"`);
        return {
          result: inconclusive ? 'inconclusive' : 'failed',
          steps,
          analysis: analysisLog,
          images,
          failure,
          trafficPercent: 0,
          stable,
          ...tracksOutcome(),
        };
      }
      record.outcome = 'passed';
      timeline.add(`Step ${index + 1} passed`);
    }
  } finally {
    await monitor.stop();
  }
  return { result: 'passed', steps, analysis: analysisLog, images, trafficPercent: plan.at(-1)!.actual, stable, ...tracksOutcome() };
}

async function probeEndpointsReady(tracks: TrackAnalysis, timeoutMs: number): Promise<StepVerdict> {
  if (await tracks.waitForEndpoints(timeoutMs)) return { passed: true, results: [] };
  return {
    passed: false,
    results: [
      {
        source: 'http',
        name: `probe Services (canary, ${tracks.against})`,
        passed: false,
        value: 'no ready endpoint',
        threshold: 'a ready endpoint on each',
        detail: `the ${tracks.against} or the canary has no Ready pod behind its probe Service after ${Math.round(timeoutMs / 1000)}s`,
      },
    ],
  };
}

function formatAlpha(alpha: number): string {
  return String(Number(alpha.toPrecision(2)));
}

/** One line for the log and summary: what the release changes, and that the other objects wait for promotion. */
export function describeChanges(name: string, changes: ReleaseChanges): string {
  const deployment = changes.deploymentChanges.length
    ? `Deployment "${name}" changes at ${changes.deploymentChanges.slice(0, 4).join(', ')}${changes.deploymentChanges.length > 4 ? ` and ${changes.deploymentChanges.length - 4} more` : ''}`
    : `Deployment "${name}" is unchanged`;
  const others = changes.objectChanges.length ? `; applied at promotion, not before: ${changes.objectChanges.join('; ')}` : '';
  return `${deployment}${others}`;
}
