import * as core from '@actions/core';
import { readCanary, removeCanary } from '../deploy/canary';
import { ANNOTATION_RUN_URL, canaryName } from '../deploy/keys';
import { undoAfterCancel } from '../deploy/promote-cancel';
import { DeployLockHeldError, Kinds, revisionOf, type Deployment } from '../kube';
import type { ClusterInputs } from './inputs';
import { clearOpenPromotion, type OpenCanary, type OpenPromotion } from './post-state';
import { openSession, type Session } from './session';

/** The post step has no SIGTERM coming: it may wait longer for the restored pods than a cancelled main step. */
const POST_UNDO_BUDGET_MS = 30_000;

/**
 * The post step's frame: a session in the namespace the main step used, and this run's deploy lock (re-entrant for
 * its own Lease, and it takes over one that expired since the kill). When another run holds the lock, the notice
 * `leftAlone(holder)` says so and nothing is touched.
 */
async function underRunLock(
  actionName: string,
  cluster: ClusterInputs,
  open: { name: string; namespace: string },
  leftAlone: (holder: string) => string,
  work: (session: Session) => Promise<void>,
): Promise<void> {
  const session = await openSession(actionName, { ...cluster, namespace: open.namespace || cluster.namespace }, undefined);
  try {
    try {
      await session.lock(open.name);
    } catch (error) {
      if (!(error instanceof DeployLockHeldError)) throw error;
      core.notice(leftAlone(error.holder));
      return;
    }
    await work(session);
  } finally {
    await session.close();
  }
}

/**
 * The post step after a main step that was killed (SIGKILL, runner lost)
 * with its canary open: remove that canary, restore traffic and release this
 * run's deploy lock, so that the next pipeline is not refused for a minute.
 * It only touches what this run owns: under the lock, and only a canary
 * annotated with this run's URL.
 */
export async function cleanupFlow(actionName: string, cluster: ClusterInputs, open: OpenCanary): Promise<void> {
  await underRunLock(
    actionName,
    cluster,
    open,
    (holder) => `The canary "${canaryName(open.name)}" was left alone: ${holder} is deploying "${open.name}" now.`,
    async ({ ctx }) => {
      const canary = await readCanary(ctx, open.name);
      const owner = canary?.metadata.annotations?.[ANNOTATION_RUN_URL];
      if (canary && owner !== ctx.runUrl) {
        core.notice(`The canary "${canaryName(open.name)}" belongs to ${owner ?? 'another run'}, not this one; left alone.`);
        return;
      }
      const removal = await removeCanary(ctx, open.name, 5_000);
      if (removal.removed)
        core.warning(`The main step did not finish; its canary "${canaryName(open.name)}" was removed and traffic restored.`);
    },
  );
}

/**
 * The post step after a main step that was killed while the promotion rolled
 * out (on-cancel: undo): do what the cancel would have done. Put the stable
 * back on the revision it had, remove the canary, say so. Only when the
 * Deployment still carries this run's promotion (its run annotation, and a
 * revision past the recorded one), under the lock.
 */
export async function undoPromotionFlow(actionName: string, cluster: ClusterInputs, open: OpenPromotion): Promise<void> {
  await underRunLock(
    actionName,
    cluster,
    open,
    (holder) => `The promotion of "${open.name}" was left as it is: ${holder} is deploying it now.`,
    async ({ ctx }) => {
      const stable = await ctx.client.getIfExists<Deployment>({ ...Kinds.Deployment, namespace: ctx.namespace, name: open.name });
      const owner = stable?.metadata.annotations?.[ANNOTATION_RUN_URL];
      if (!stable || owner !== ctx.runUrl || revisionOf(stable) <= open.previousRevision) {
        core.notice(`The promotion of "${open.name}" was left as it is: the Deployment no longer runs this run's rollout.`);
        return;
      }
      const outcome = await undoAfterCancel(ctx, {
        name: open.name,
        previousRevision: open.previousRevision,
        previousImage: '',
        cancelledAt: performance.now(),
        budgetMs: POST_UNDO_BUDGET_MS,
        why: 'The main step was stopped before its promotion finished',
      });
      clearOpenPromotion();
      core.warning(outcome.failure!);
    },
  );
}
