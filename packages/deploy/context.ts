import type { KubeClient } from '../kube';
import type { Timeline } from './timeline';
import type { InputNames } from './types';

/** What every deploy operation needs: where, as whom, on whose behalf, how to stop, and how to name the caller's inputs. */
export interface DeployContext {
  client: KubeClient;
  namespace: string;
  /** The run on whose behalf: the Lease holder, the canary's owner annotation. */
  runUrl: string;
  timeline: Timeline;
  /** Aborted on cancellation (SIGINT/SIGTERM). Cleanup runs without it: see withoutCancel. */
  signal: AbortSignal;
  inputs: InputNames;
}

/**
 * The same context with a signal that never aborts, for cleanup that must
 * finish after a cancel (remove the canary, restore traffic): the runner
 * gives a cancelled job a few seconds before SIGKILL, and a cleanup that
 * obeyed the cancel would leave the canary running. Go's context.WithoutCancel.
 */
export function withoutCancel(ctx: DeployContext): DeployContext {
  return { ...ctx, signal: new AbortController().signal };
}
