import { errorMessage } from '../core/errors';
import { revisionOf, RolloutFailedError, undoRollout, waitForRollout, type Deployment } from '../kube';
import { removeCanary } from './canary';
import { withoutCancel, type DeployContext } from './context';
import { canaryName, FIELD_MANAGER } from './keys';
import type { PromoteOutcome } from './types';

/**
 * How long the undo after a cancel may take, from the cancel: the runner sends
 * SIGINT, SIGTERM 7.5 s later and SIGKILL 2.5 s after that; the action absorbs
 * both signals, so the undo, the canary's removal, the summary and the lock's
 * release must fit in about 10 s. The wait for the restored pods gets what is
 * left of this; whatever it does not see finish, the controller finishes alone.
 */
export const CANCEL_UNDO_BUDGET_MS = 6_000;

export interface CancelUndoRequest {
  name: string;
  /** The stable's revision before the promotion patched it: the one to go back to. */
  previousRevision: number;
  previousImage: string;
  /** When the cancel was seen (performance.now()). */
  cancelledAt: number;
  budgetMs?: number;
  /** The first words of what is said: why the rollout is undone. */
  why?: string;
}

/**
 * The run was cancelled while the promotion rolled out: put the stable
 * Deployment back on the template it had before (not "one revision back",
 * which after a partial undo would be the new one again), remove the canary,
 * and wait for the restored pods for what is left of the grace period. None
 * of it obeys the cancel (withoutCancel). Returns what was done, for the log
 * and the summary.
 */
export async function undoAfterCancel(ctx: DeployContext, request: CancelUndoRequest): Promise<PromoteOutcome> {
  const cleanup = withoutCancel(ctx);
  const { client, namespace, timeline } = cleanup;
  const budget = request.budgetMs ?? CANCEL_UNDO_BUDGET_MS;
  const why = request.why ?? 'The run was cancelled during the promotion';
  // Whole milliseconds: AbortSignal.timeout refuses fractions.
  const left = () => Math.max(500, Math.round(budget - (performance.now() - request.cancelledAt)));
  timeline.add(`Cancelled during the rollout: undoing "${request.name}" to revision ${request.previousRevision} and removing the canary`);
  let undo;
  try {
    undo = await undoRollout(client, namespace, request.name, { toRevision: request.previousRevision, fieldManager: FIELD_MANAGER });
  } catch (error) {
    const failure = `${why}, and undoing "${request.name}" to revision ${request.previousRevision} failed: ${errorMessage(error)}. The canary "${canaryName(request.name)}" was left as it was. Run rollback for "${request.name}" with undo: true.`;
    timeline.add(failure);
    return { result: 'cancelled', revision: request.previousRevision, previousImage: request.previousImage, image: '', failure };
  }
  const restored = Object.values(undo.images)[0] ?? request.previousImage;
  timeline.add(
    undo.skipped
      ? `"${request.name}" already had revision ${undo.restoredRevision}'s template`
      : `"${request.name}" is back on revision ${undo.restoredRevision}'s template (${Object.values(undo.images).join(', ')})`,
  );
  const [removal, rollout] = await Promise.all([
    removeCanary(cleanup, request.name, left(), { trafficRestored: true }).catch((error: unknown) => error as Error),
    waitForRollout(client, namespace, request.name, { timeoutMs: left() }).catch((error: unknown) => error as Error),
  ]);
  const said: string[] = [`"${request.name}" was undone to revision ${undo.restoredRevision}'s template (${restored})`];
  if (removal instanceof Error) said.push(`removing the canary failed (${errorMessage(removal)}): run rollback for "${request.name}"`);
  else said.push(removal.removed ? `its canary "${canaryName(request.name)}" removed` : 'there was no canary left to remove');
  let deployment: Deployment = undo.deployment;
  if (rollout instanceof Error && !(rollout instanceof RolloutFailedError)) {
    said.push(`waiting for the rollback failed (${errorMessage(rollout)}); the Deployment controller rolls it out by itself`);
  } else if (rollout instanceof Error) {
    if (rollout.deployment) deployment = rollout.deployment;
    const status = deployment.status ?? {};
    said.push(
      `the rollback was still rolling out when the step had to exit (${status.updatedReplicas ?? 0} of ${deployment.spec.replicas ?? '?'} pods on the restored template, ${status.availableReplicas ?? 0} available); the Deployment controller finishes it`,
    );
  } else {
    deployment = rollout.deployment;
    said.push(`the rollback finished in ${(rollout.elapsedMs / 1000).toFixed(1)}s`);
  }
  const summary = `${why}: ${said.join('; ')}.`;
  timeline.add(summary);
  return { result: 'cancelled', revision: revisionOf(deployment), previousImage: request.previousImage, image: restored, failure: summary };
}
