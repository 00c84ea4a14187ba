import { ConfigurationError } from '../core/errors';
import { Kinds, revisionOf, undoRollout, waitForRollout, type Deployment } from '../kube';
import { removeCanary } from './canary';
import type { DeployContext } from './context';
import { canaryName, FIELD_MANAGER } from './keys';
import type { RollbackOutcome, RollbackRequest } from './types';

/** Reject: remove the canary and restore traffic. With `undo`, also roll the stable Deployment back a revision and wait. */
export async function rollback(ctx: DeployContext, request: RollbackRequest): Promise<RollbackOutcome> {
  const { client, namespace, timeline } = ctx;
  const stable = await client.getIfExists<Deployment>({ ...Kinds.Deployment, namespace, name: request.name }, ctx.signal);
  if (!stable && request.undo)
    throw new ConfigurationError(
      `Deployment "${request.name}" does not exist in namespace "${namespace}"; there is nothing to undo.`,
      ctx.inputs.deployment,
    );
  const removal = await removeCanary(ctx, request.name);
  timeline.add(
    removal.removed
      ? `Canary "${canaryName(request.name)}" removed and traffic restored`
      : `No canary "${canaryName(request.name)}" to remove`,
  );
  if (!request.undo)
    return {
      result: removal.removed ? 'removed' : 'nothing-to-do',
      canaryRemoved: removal.removed,
      revision: stable ? revisionOf(stable) : undefined,
    };
  const undo = await undoRollout(client, namespace, request.name, {
    toRevision: request.toRevision,
    fieldManager: FIELD_MANAGER,
    signal: ctx.signal,
  });
  if (undo.skipped) timeline.add(`Revision ${undo.restoredRevision} already matches the current template; nothing to undo`);
  else timeline.add(`Undoing "${request.name}" from revision ${undo.fromRevision} to revision ${undo.restoredRevision}'s template`);
  const rollout = await waitForRollout(client, namespace, request.name, { timeoutMs: request.timeoutMs, signal: ctx.signal });
  timeline.add(`Rollback complete in ${(rollout.elapsedMs / 1000).toFixed(1)}s`);
  return {
    result: 'rolled-back',
    canaryRemoved: removal.removed,
    revision: revisionOf(rollout.deployment),
    image: rollout.deployment.spec.template.spec?.containers[0]?.image,
  };
}
