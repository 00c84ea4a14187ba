import type { KubeClient } from './client';
import { Kinds } from './resources';
import type { Deployment, DeploymentCondition } from './types';
import { watchObjects } from './watch';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export interface RolloutStatus {
  /** The rollout finished: all replicas updated, old ones gone, updated ones available. */
  done: boolean;
  /** The controller gave up (ProgressDeadlineExceeded). */
  failed: boolean;
  /** kubectl-style progress line, e.g. `2 of 3 updated replicas are available`. */
  message: string;
}

/**
 * kubectl's `rollout status` rules for a Deployment, in kubectl's order:
 * 1. until the controller has observed the latest spec (generation ≤ observedGeneration), wait;
 * 2. a Progressing condition with reason ProgressDeadlineExceeded is a failure;
 * 3. updatedReplicas < spec.replicas: new replicas are still being created;
 * 4. status.replicas > updatedReplicas: old replicas are pending termination;
 * 5. availableReplicas < updatedReplicas: updated replicas are not available yet;
 * otherwise the rollout is complete.
 */
export function rolloutStatus(deployment: Deployment): RolloutStatus {
  const name = deployment.metadata.name ?? '';
  const status = deployment.status ?? {};
  const generation = deployment.metadata.generation ?? 0;
  if (generation > (status.observedGeneration ?? 0)) {
    return waiting('Waiting for deployment spec update to be observed...');
  }
  const progressing = findCondition(deployment, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      done: false,
      failed: true,
      message: `deployment "${name}" exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ''}`,
    };
  }
  const updated = status.updatedReplicas ?? 0;
  const desired = deployment.spec.replicas;
  if (desired !== undefined && updated < desired) {
    return waiting(`Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...`);
  }
  const total = status.replicas ?? 0;
  if (total > updated) {
    return waiting(`Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`);
  }
  const available = status.availableReplicas ?? 0;
  if (available < updated) {
    return waiting(`Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`);
  }
  return { done: true, failed: false, message: `deployment "${name}" successfully rolled out` };
}

function waiting(message: string): RolloutStatus {
  return { done: false, failed: false, message };
}

export function findCondition(deployment: Deployment, type: string): DeploymentCondition | undefined {
  return deployment.status?.conditions?.find((condition) => condition.type === type);
}

/** The Deployment's (or ReplicaSet's) revision number, 0 when it has none yet. */
export function revisionOf(object: { metadata: { annotations?: Record<string, string> } }): number {
  const value = Number(object.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

export type RolloutFailureReason = 'ProgressDeadlineExceeded' | 'Timeout' | 'Deleted';

/** The rollout did not complete. `reason` says how; the deploy actions undo on any of them. */
export class RolloutFailedError extends Error {
  override readonly name = 'RolloutFailedError';
  constructor(
    message: string,
    readonly reason: RolloutFailureReason,
    /** The last state seen, for the summary (undefined if never read). */
    readonly deployment: Deployment | undefined,
    readonly elapsedMs: number,
  ) {
    super(message);
  }
}

export interface WaitForRolloutOptions {
  /** Give up after this long with RolloutFailedError reason "Timeout". */
  timeoutMs: number;
  /** Cancellation: aborting rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called when the kubectl-style progress message changes. */
  onProgress?: (status: RolloutStatus, deployment: Deployment) => void;
}

export interface RolloutResult {
  deployment: Deployment;
  /** Wall-clock time (ms since epoch) at which the completing event was received. */
  completedAt: number;
  elapsedMs: number;
  /** API requests this wait made (list, watch connections, reconnects). */
  apiRequests: number;
  /** Watch connections re-opened (dropped connection or routine server timeout). */
  reconnects: number;
  /** Distinct progress messages, in order. */
  progress: string[];
}

/**
 * Wait for a Deployment's rollout by kubectl's rules, driven by a watch (one
 * list, then events; no polling). Survives apiserver restarts: the watch
 * resumes from its last resourceVersion, and re-lists after 410 Gone.
 * Resolves when complete; rejects with RolloutFailedError on
 * ProgressDeadlineExceeded, timeout or deletion.
 */
export async function waitForRollout(
  client: KubeClient,
  namespace: string,
  name: string,
  options: WaitForRolloutOptions,
): Promise<RolloutResult> {
  const started = performance.now();
  const requestsBefore = client.requestCount;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const progress: string[] = [];
  let reconnects = 0;
  let last: Deployment | undefined;

  const elapsed = () => Math.round(performance.now() - started);
  const events = watchObjects<Deployment>(
    client,
    { ...Kinds.Deployment, namespace },
    {
      name,
      signal,
      onReconnect: () => reconnects++,
      onListed: (found) => {
        if (found.length === 0)
          throw new RolloutFailedError(`deployment "${name}" not found in namespace "${namespace}"`, 'Deleted', undefined, elapsed());
      },
    },
  );
  try {
    for await (const event of events) {
      if (event.type === 'DELETED') {
        throw new RolloutFailedError(
          `deployment "${name}" in namespace "${namespace}" was deleted during the rollout`,
          'Deleted',
          event.object,
          elapsed(),
        );
      }
      last = event.object;
      const status = rolloutStatus(last);
      if (progress.at(-1) !== status.message) {
        progress.push(status.message);
        options.onProgress?.(status, last);
      }
      if (status.failed) throw new RolloutFailedError(status.message, 'ProgressDeadlineExceeded', last, elapsed());
      if (status.done) {
        return {
          deployment: last,
          completedAt: Date.now(),
          elapsedMs: elapsed(),
          apiRequests: client.requestCount - requestsBefore,
          reconnects,
          progress,
        };
      }
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    // Past the deadline, whatever was in flight (an aborted request) is reported as the timeout below.
    if (error instanceof RolloutFailedError || !timeout.aborted) throw error;
  } finally {
    await events.return(undefined);
  }
  if (options.signal?.aborted) throw options.signal.reason;
  throw new RolloutFailedError(
    `timed out after ${Number((options.timeoutMs / 1000).toFixed(1))}s waiting for deployment "${name}" to roll out; last status: ${progress.at(-1) ?? 'never read'}`,
    'Timeout',
    last,
    elapsed(),
  );
}
