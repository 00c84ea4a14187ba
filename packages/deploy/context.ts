import type { KubeClient } from '../kube';
import type { Timeline } from './timeline';

/** The field manager every write of ours carries, so `kubectl get --show-managed-fields` says who changed what. */
export const FIELD_MANAGER = 'flightdeck';

/** What every deploy operation needs: where, as whom, on whose behalf, and how to stop. */
export interface DeployContext {
  client: KubeClient;
  namespace: string;
  runUrl: string;
  timeline: Timeline;
  /** Aborted on cancellation (SIGINT/SIGTERM). Cleanup runs without it. */
  signal: AbortSignal;
}

/** The workflow run's URL: the Lease holder, the canary's annotation, the Deployment's annotation. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return `${server}/local-run/${process.pid}`;
  return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}
