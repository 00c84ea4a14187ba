import * as core from '@actions/core';
import type { AlarmReader } from '../analysis/cloudwatch';
import type { CheckResult } from '../analysis/types';
import { ConfigurationError, errorMessage } from '../core/errors';
import { githubApiTarget } from '../core/github';
import { removeCanary } from '../deploy/canary';
import { canaryName } from '../deploy/keys';
import { promote } from '../deploy/promote';
import { rollback } from '../deploy/rollback';
import { planCanary, runCanary } from '../deploy/run-canary';
import { Timeline } from '../deploy/timeline';
import type {
  AlbMetricClients,
  CanaryOutcome,
  CanaryRequest,
  PromoteOutcome,
  PromoteRequest,
  RollbackRequest,
  StepRecord,
} from '../deploy/types';
import { analysisOutput, exitCodeFor } from './analysis-output';
import { isCancellation } from './cancel';
import {
  checkGatedImage,
  evidencePayload,
  lastPromoted,
  readEvidence,
  verifyEvidence,
  type EvidencePayload,
  type EvidenceSource,
} from './evidence';
import { GithubDeployment } from './github-deployment';
import {
  INPUT,
  type AnalysisInputs,
  type CanaryFlowInputs,
  type PromoteFlowInputs,
  type ReportingInputs,
  type RollbackFlowInputs,
} from './inputs';
import { confineToNamespace, loadDeploymentManifests, namespaceFrom, type DeploymentManifests } from './manifests-input';
import { clearOpenCanary, clearOpenPromotion, recordOpenCanary, recordOpenPromotion } from './post-state';
import { renderSummary, setOutputs, type DeployReport, type DeployResult } from './release-summary';
import { openSession, type Session } from './session';

async function alarmReader(analysis: AnalysisInputs, actionName: string): Promise<AlarmReader | undefined> {
  if (analysis.alarms.length === 0) return undefined;
  // The CloudWatch SDK is loaded only when alarms are named, to keep startup fast.
  const { cloudWatchAlarmReader } = await import('../analysis/cloudwatch-client');
  return cloudWatchAlarmReader(analysis.region!, actionName);
}

/** ALB mode's per-target-group metrics: CloudWatch and ELB readers, loaded only when asked for. */
async function albMetricClients(inputs: CanaryFlowInputs, actionName: string): Promise<AlbMetricClients | undefined> {
  const tracks = inputs.analysis.tracks;
  if (!tracks?.albMetrics) return undefined;
  if (inputs.traffic.mode !== 'alb')
    throw new ConfigurationError(
      `Input "${INPUT.albMetrics}" reads the ALB's target groups, which exist only with "${INPUT.traffic}: alb"; set that, or remove "${INPUT.albMetrics}".`,
      INPUT.albMetrics,
    );
  const [{ cloudWatchMetricReader }, { elbReader }] = await Promise.all([import('../analysis/cloudwatch-client'), import('../aws/elbv2')]);
  return { metrics: cloudWatchMetricReader(tracks.region!, actionName), elb: elbReader(tracks.region!, actionName) };
}

function githubDeployment(
  reporting: ReportingInputs,
  description: string,
  logUrl: string,
  payload?: EvidencePayload,
): GithubDeployment | undefined {
  if (!reporting.githubToken) return undefined;
  return new GithubDeployment({
    token: reporting.githubToken,
    environment: reporting.environment,
    environmentUrl: reporting.environmentUrl,
    logUrl,
    description,
    payload,
  });
}

/** Every image of a Deployment's pod template: init containers, containers and sidecars. */
function podImages(manifests: DeploymentManifests): string[] {
  const spec = manifests.deployment.spec?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => c.image ?? '');
}

/**
 * Evidence-gated promotion, before any cluster contact: with no images given,
 * take those the evidence environment last promoted; with images, only digests
 * of the repository it released; then every image of the rendered pod template
 * must be vouched for by a Deployment of that environment whose latest status is success.
 */
async function loadGatedManifests(inputs: CanaryFlowInputs): Promise<DeploymentManifests> {
  const from = inputs.reporting.requireEvidenceFrom;
  // The manifests are read before the GitHub API is asked: a mistake in them is refused without any request.
  const local = await loadDeploymentManifests(inputs.manifests, inputs.deployment, inputs.cluster.namespace);
  if (!from) return local;
  const source: EvidenceSource = {
    ...githubApiTarget(),
    environment: from,
    token: inputs.reporting.githubToken!,
  };
  const records = await readEvidence(source);
  let images = inputs.manifests.images;
  if (images.length === 0) {
    const last = lastPromoted(records);
    if (!last)
      throw new ConfigurationError(
        `"${INPUT.requireEvidenceFrom}: ${from}": "${INPUT.images}" is empty and no GitHub Deployment of environment "${from}" in ${source.repository} has a successful promotion to take the digest from. Release to "${from}" first, or give "${INPUT.images}".`,
        INPUT.requireEvidenceFrom,
      );
    images = last.payload.images;
    core.info(`"${INPUT.images}" is empty: taking ${images.join(', ')}, which "${from}" last promoted (${last.payload.runUrl}).`);
  } else {
    const expected = records.flatMap((r) => r.payload.images);
    for (const image of images) checkGatedImage(INPUT.images, INPUT.requireEvidenceFrom, image, expected);
  }
  const manifests = await loadDeploymentManifests({ ...inputs.manifests, images }, inputs.deployment, inputs.cluster.namespace);
  verifyEvidence(podImages(manifests), records, source, INPUT.requireEvidenceFrom);
  core.info(`Evidence: every image of the pod template was promoted in "${from}" and still is.`);
  return manifests;
}

/** A report that says "failed" until the flow proves otherwise. */
function newReport(
  actionName: string,
  session: Session,
  name: string,
  steps: StepRecord[] = [],
  analysis: CheckResult[] = [],
): DeployReport {
  const { ctx } = session;
  return {
    title: `${actionName} ${ctx.namespace}/${name}`,
    result: 'failed',
    headline: '',
    steps,
    analysis,
    timeline: ctx.timeline,
    facts: [
      ['cluster', session.connection.description],
      ['run', ctx.runUrl],
    ],
  };
}

/**
 * canary-deploy and the root release action: canary, analysis at each step,
 * then (auto-promote) promote; any failure rolls back. Everything that can be
 * validated is validated before the first request that changes the cluster.
 */
export async function canaryFlow(actionName: string, inputs: CanaryFlowInputs): Promise<void> {
  const timeline = new Timeline(core.info);
  const loaded = await loadGatedManifests(inputs);
  const name = loaded.deployment.metadata.name!;
  const session = await openSession(actionName, inputs.cluster, loaded.namespace, timeline);
  const { ctx } = session;
  const steps: StepRecord[] = [];
  const analysisLog: CheckResult[] = [];
  const report = newReport(actionName, session, name, steps, analysisLog);
  const gh = githubDeployment(
    inputs.reporting,
    `Canary of ${name}`,
    ctx.runUrl,
    evidencePayload(podImages(loaded), process.env.GITHUB_SHA ?? '', ctx.runUrl),
  );
  let canary: CanaryOutcome | undefined;
  let promoted: PromoteOutcome | undefined;
  let failure: string | undefined;
  try {
    // Every object in the run's namespace, where its lock is, or nothing is applied.
    const from = namespaceFrom(loaded.deployment, inputs.cluster.namespace, session.connection.defaultNamespace);
    const manifests = confineToNamespace(loaded, ctx.namespace, from);
    const alarms = await alarmReader(inputs.analysis, actionName);
    const albMetrics = await albMetricClients(inputs, actionName);
    const request: CanaryRequest = {
      desired: manifests.deployment,
      others: manifests.others,
      traffic: inputs.traffic,
      analysis: inputs.analysis,
      alarms,
      albMetrics,
      rolloutTimeoutMs: inputs.promote.timeoutMs,
    };
    const plan = await planCanary(ctx, request);
    // Said in the summary as well as the log: objects of the manifests this release does not apply.
    if (plan.kind !== 'first-release' && plan.changes.leftAlone.length > 0)
      report.facts.push(['left alone', plan.changes.leftAlone.map((l) => `${l.object}: ${l.reason}`).join('; ')]);
    await session.lock(name);
    recordOpenCanary({ name, namespace: ctx.namespace });
    await gh?.start();
    canary = await runCanary(ctx, request, plan, steps, analysisLog);
    report.result = canary.result;
    report.tracks = canary.tracks;
    if (canary.result === 'failed' || canary.result === 'inconclusive') {
      failure = `Canary analysis ${canary.result === 'failed' ? 'failed' : 'was inconclusive (too little evidence to promote)'}, so the canary was removed and traffic restored: ${canary.failure}`;
    } else if (canary.result === 'passed' && inputs.autoPromote) {
      promoted = await promote(ctx, { name, gitSha: process.env.GITHUB_SHA, ...inputs.promote, ...promotionState(ctx.namespace, name) });
      report.result = promoted.result;
      if (promoted.result !== 'promoted') failure = promotionFailure(promoted);
    }
    clearOpenCanary();
  } catch (error) {
    // Before the first step nothing of ours exists: the post step must not remove a canary another run owns.
    if (steps.length === 0) clearOpenCanary();
    if (isCancellation(error, ctx.signal)) {
      report.result = 'cancelled';
      failure = await cleanUpAfterCancel(session, name);
    } else {
      failure = errorMessage(error);
      // A canary half made by a crash must not linger; an error before it was made leaves nothing to remove.
      if (steps.length > 0) await removeAfterError(session, name);
      if (error instanceof ConfigurationError) {
        report.headline = failure;
        await finish(report, session, gh, { result: 'failed' });
        throw error;
      }
    }
  }
  report.headline = headline(report.result, name, canary, promoted, failure, inputs.autoPromote);
  await finish(report, session, gh, {
    result: report.result,
    canary: canary?.result === 'passed' && !inputs.autoPromote ? canaryName(name) : undefined,
    'traffic-percent': canary?.trafficPercent,
    image: promoted?.image ?? Object.values(canary?.images ?? {})[0],
    revision: promoted?.revision,
    'previous-image': promoted?.previousImage,
    analysis: JSON.stringify(analysisOutput(report.result, analysisLog, canary?.tracks)),
  });
  if (failure) {
    core.setFailed(failure);
    process.exitCode = exitCodeFor(report.result);
  }
}

async function cleanUpAfterCancel(session: Session, name: string): Promise<string> {
  session.ctx.timeline.add('Cancelled: removing the canary and restoring traffic before exiting');
  try {
    const removal = await removeCanary(session.ctx, name, 5_000);
    session.ctx.timeline.add(removal.removed ? `Canary removed and traffic restored` : 'No canary was running');
    clearOpenCanary();
    return 'The run was cancelled; the canary was removed and traffic restored.';
  } catch (error) {
    return `The run was cancelled, and removing the canary failed: ${errorMessage(error)}. Run the rollback action for "${name}".`;
  }
}

async function removeAfterError(session: Session, name: string): Promise<void> {
  try {
    const removal = await removeCanary(session.ctx, name);
    if (removal.removed) session.ctx.timeline.add('Canary removed and traffic restored after the error');
    clearOpenCanary();
  } catch (error) {
    core.warning(`Could not remove the canary after the error: ${errorMessage(error)}. Run the rollback action for "${name}".`);
  }
}

function headline(
  result: DeployResult,
  name: string,
  canary: CanaryOutcome | undefined,
  promoted: PromoteOutcome | undefined,
  failure: string | undefined,
  autoPromote: boolean,
): string {
  switch (result) {
    case 'passed':
      return autoPromote
        ? `Canary of "${name}" passed.`
        : `Canary of "${name}" passed its analysis and is still running at ${canary?.trafficPercent}% of traffic. Promote it with rolling-promote, or remove it with rollback.`;
    case 'promoted':
      return `"${name}" now runs ${promoted?.image} (revision ${promoted?.revision}); it ran ${promoted?.previousImage} before.`;
    case 'deployed':
      return `First release of "${name}": the manifests were applied and rolled out (there was no stable version to compare a canary with).`;
    case 'skipped':
      return `Nothing in the manifests differs from what runs in the cluster for "${name}"; nothing to do.`;
    default:
      return failure ?? `Result: ${result}`;
  }
}

async function finish(
  report: DeployReport,
  session: Session,
  gh: GithubDeployment | undefined,
  outputs: Record<string, string | number | undefined>,
): Promise<void> {
  setOutputs(outputs);
  await renderSummary(report).write();
  // "success" only once the images run in the stable Deployment: it is the evidence promotion gates read.
  const ok = ['promoted', 'deployed', 'skipped', 'removed', 'nothing-to-do'].includes(report.result);
  await gh?.status(ok ? 'success' : report.result === 'passed' ? 'in_progress' : 'failure', report.headline);
  await session.close();
}

/**
 * While the stable rolls out, the post step must know, in case the main step is killed: it then
 * finishes what a cancel would have done (on-cancel: undo). Nothing is recorded with on-cancel: leave.
 */
function promotionState(namespace: string, name: string): Pick<PromoteRequest, 'rolloutStarted' | 'rolloutSettled'> {
  return {
    rolloutStarted: (previousRevision) => recordOpenPromotion({ name, namespace, previousRevision }),
    rolloutSettled: clearOpenPromotion,
  };
}

function promotionFailure(outcome: PromoteOutcome): string {
  return outcome.result === 'cancelled' ? outcome.failure! : `Promotion failed: ${outcome.failure}`;
}

/** rolling-promote: the stable Deployment takes the canary's images; undo on failure. */
export async function promoteFlow(actionName: string, inputs: PromoteFlowInputs): Promise<void> {
  const session = await openSession(actionName, inputs.cluster, undefined);
  const { ctx } = session;
  const report = newReport(actionName, session, inputs.deployment);
  const gh = githubDeployment(inputs.reporting, `Promote ${inputs.deployment}`, ctx.runUrl);
  let outcome: PromoteOutcome | undefined;
  let failure: string | undefined;
  try {
    await session.lock(inputs.deployment);
    await gh?.start();
    outcome = await promote(ctx, {
      name: inputs.deployment,
      gitSha: process.env.GITHUB_SHA,
      ...inputs.promote,
      ...promotionState(ctx.namespace, inputs.deployment),
    });
    report.result = outcome.result;
    if (outcome.result !== 'promoted') failure = promotionFailure(outcome);
  } catch (error) {
    failure = isCancellation(error, ctx.signal)
      ? `The run was cancelled during the promotion${inputs.promote.onCancel === 'leave' ? ` (${INPUT.onCancel}: leave)` : ''}; the Deployment keeps rolling out on its own. Check it, or run rollback with undo: true.`
      : errorMessage(error);
    report.result = isCancellation(error, ctx.signal) ? 'cancelled' : 'failed';
    if (error instanceof ConfigurationError) {
      report.headline = failure;
      await finish(report, session, gh, { result: 'failed' });
      throw error;
    }
  }
  report.headline = report.result === 'promoted' ? headline('promoted', inputs.deployment, undefined, outcome, undefined, true) : failure!;
  await finish(report, session, gh, {
    result: report.result,
    revision: outcome?.revision,
    'previous-image': outcome?.previousImage,
    image: outcome?.image,
  });
  if (failure) core.setFailed(failure);
}

/** rollback: remove the canary and restore traffic; with undo, also roll the stable Deployment back. */
export async function rollbackFlow(actionName: string, inputs: RollbackFlowInputs): Promise<void> {
  const session = await openSession(actionName, inputs.cluster, undefined);
  const { ctx } = session;
  const report = newReport(actionName, session, inputs.deployment);
  const gh = inputs.undo ? githubDeployment(inputs.reporting, `Roll back ${inputs.deployment}`, ctx.runUrl) : undefined;
  const request: RollbackRequest = {
    name: inputs.deployment,
    undo: inputs.undo,
    toRevision: inputs.toRevision,
    timeoutMs: inputs.timeoutMs,
  };
  try {
    await session.lock(inputs.deployment);
    await gh?.start();
    const outcome = await rollback(ctx, request);
    report.result = outcome.result === 'nothing-to-do' ? 'skipped' : outcome.result;
    report.headline =
      outcome.result === 'rolled-back'
        ? `"${inputs.deployment}" was rolled back to ${outcome.image} (revision ${outcome.revision})${outcome.canaryRemoved ? ', and its canary removed' : ''}.`
        : outcome.canaryRemoved
          ? `The canary of "${inputs.deployment}" was removed and traffic restored.`
          : `There was no canary of "${inputs.deployment}" to remove.`;
    if (outcome.result === 'rolled-back' && gh) await retireRolledBack(inputs.reporting, gh, outcome.image);
    await finish(report, session, gh, {
      result: outcome.result,
      revision: outcome.revision,
      'canary-removed': String(outcome.canaryRemoved),
      image: outcome.image,
    });
  } catch (error) {
    report.headline = errorMessage(error);
    await finish(report, session, gh, { result: 'failed' });
    throw error;
  }
}

/**
 * After an undo, the environment's newest successful release no longer runs:
 * its Deployment becomes "inactive", so it is no longer evidence for a gate.
 */
async function retireRolledBack(reporting: ReportingInputs, gh: GithubDeployment, restored: string | undefined): Promise<void> {
  try {
    const records = await readEvidence({
      ...githubApiTarget(),
      environment: reporting.environment,
      token: reporting.githubToken!,
    });
    const current = lastPromoted(records);
    if (current && !(restored && current.payload.images.includes(restored)))
      await gh.status('inactive', `Rolled back: ${current.payload.images.join(', ')} no longer runs`, current.deploymentId);
  } catch (error) {
    core.warning(`Could not mark the rolled-back GitHub Deployment inactive: ${errorMessage(error)}`);
  }
}
