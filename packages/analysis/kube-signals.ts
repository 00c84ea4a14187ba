import type { ContainerStatus, Pod } from '../kube/types';
import type { CheckResult } from './types';

/** Waiting reasons that never fix themselves: the canary is broken, so there is no point waiting for Ready. */
export const FATAL_WAITING_REASONS = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
];

export interface PodSignalOptions {
  /** Canary pods that must be Ready. */
  expectedReady: number;
  /** Container restarts allowed across all canary pods. */
  maxRestarts: number;
}

export interface PodSignals {
  ready: number;
  restarts: number;
  /** Pods stuck in a fatal waiting state, as "pod/container: reason". */
  fatal: string[];
  results: CheckResult[];
}

function isReady(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function statuses(pod: Pod): ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

/**
 * Judge the canary's pods as they are now. Readiness is reported but only
 * counts as a failure when `readyDeadlinePassed`, because new pods need time;
 * crash loops, image pull errors and too many restarts fail at once.
 */
export function evaluatePods(pods: Pod[], options: PodSignalOptions, readyDeadlinePassed: boolean): PodSignals {
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const ready = live.filter(isReady).length;
  let restarts = 0;
  const fatal: string[] = [];
  for (const pod of live) {
    for (const status of statuses(pod)) {
      restarts += status.restartCount ?? 0;
      const reason = status.state?.waiting?.reason;
      if (reason && FATAL_WAITING_REASONS.includes(reason)) fatal.push(`${pod.metadata.name}/${status.name}: ${reason}`);
    }
  }
  const results: CheckResult[] = [
    {
      source: 'kubernetes',
      name: 'canary pods Ready',
      passed: ready >= options.expectedReady || !readyDeadlinePassed,
      value: `${ready}/${options.expectedReady}`,
      threshold: `${options.expectedReady}/${options.expectedReady}`,
      detail:
        ready < options.expectedReady && readyDeadlinePassed
          ? 'pods did not become Ready in time; check their readiness probe and logs'
          : undefined,
    },
    {
      source: 'kubernetes',
      name: 'container restarts',
      passed: restarts <= options.maxRestarts,
      value: String(restarts),
      threshold: `≤ ${options.maxRestarts}`,
      detail: restarts > options.maxRestarts ? 'the new version keeps crashing; see `kubectl logs --previous`' : undefined,
    },
    {
      source: 'kubernetes',
      name: 'no crash loop or image pull error',
      passed: fatal.length === 0,
      value: fatal.length === 0 ? 'none' : fatal.slice(0, 3).join(', ') + (fatal.length > 3 ? ` and ${fatal.length - 3} more` : ''),
      threshold: 'none',
      detail: fatal.some((f) => /Pull|ImageName/.test(f))
        ? 'check the image reference and that the cluster can pull it'
        : fatal.length
          ? 'the container exits on start; see its logs'
          : undefined,
    },
  ];
  return { ready, restarts, fatal, results };
}
