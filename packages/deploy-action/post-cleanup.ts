import * as core from '@actions/core';
import { readCanary, removeCanary } from '../deploy/canary';
import { ANNOTATION_RUN_URL, canaryName } from '../deploy/keys';
import { DeployLockHeldError } from '../kube';
import type { ClusterInputs } from './inputs';
import type { OpenCanary } from './post-state';
import { openSession } from './session';

/**
 * The post step after a main step that was killed (SIGKILL, runner lost)
 * with its canary open: remove that canary, restore traffic and release this
 * run's deploy lock, so that the next pipeline is not refused for a minute.
 * It only touches what this run owns: under the lock, and only a canary
 * annotated with this run's URL.
 */
export async function cleanupFlow(actionName: string, cluster: ClusterInputs, open: OpenCanary): Promise<void> {
  const session = await openSession(actionName, { ...cluster, namespace: open.namespace || cluster.namespace }, undefined);
  const { ctx } = session;
  try {
    try {
      // Re-entrant for this run's own Lease, and takes over one that expired since the kill.
      await session.lock(open.name);
    } catch (error) {
      if (!(error instanceof DeployLockHeldError)) throw error;
      core.notice(`The canary "${canaryName(open.name)}" was left alone: ${error.holder} is deploying "${open.name}" now.`);
      return;
    }
    const canary = await readCanary(ctx, open.name);
    const owner = canary?.metadata.annotations?.[ANNOTATION_RUN_URL];
    if (canary && owner !== ctx.runUrl) {
      core.notice(`The canary "${canaryName(open.name)}" belongs to ${owner ?? 'another run'}, not this one; left alone.`);
      return;
    }
    const removal = await removeCanary(ctx, open.name, 5_000);
    if (removal.removed)
      core.warning(`The main step did not finish; its canary "${canaryName(open.name)}" was removed and traffic restored.`);
  } finally {
    await session.close();
  }
}
