import type { Container, ContainerStatus, Pod } from '../kube/types';
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
  /** Pods stuck in a fatal waiting state, as "pod/container: reason", with the last exit when there was one. */
  fatal: string[];
  /** Every container of every live pod, init containers and sidecars included. */
  containers: ContainerSignal[];
  results: CheckResult[];
}

/** The fields of a container's termination we report; the apiserver sends them in state and lastState. */
interface Termination {
  reason?: string;
  exitCode?: number;
  signal?: number;
}

/** ContainerStatus as the apiserver sends it, with the last termination (kube/types.ts types only what the deploy reads). */
type FullStatus = ContainerStatus & {
  state?: ContainerStatus['state'] & { terminated?: Termination };
  lastState?: { terminated?: Termination };
};

/** The names of the Kubernetes checks, as the summary shows them. */
export const POD_CHECKS = {
  ready: 'canary pods Ready',
  restarts: 'container restarts',
  fatal: 'no crash loop or image pull error',
} as const;

const IMAGE_ERRORS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName']);
const CONFIG_ERRORS = new Set(['CreateContainerConfigError', 'CreateContainerError']);

/** What one container is doing, and what went wrong with it. */
export interface ContainerSignal {
  pod: string;
  container: string;
  /** "sidecar": an init container with restartPolicy Always, which runs beside the app (Kubernetes 1.29+). */
  kind: 'init' | 'sidecar' | 'app';
  ready: boolean;
  restarts: number;
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  waitingReason?: string;
  /** The current termination if it is terminated, else the last one (what made it restart). */
  termination?: Termination;
  oomKilled: boolean;
  crashLoop: boolean;
  imagePullError: boolean;
  configError: boolean;
}

function kindOf(pod: Pod, name: string, init: boolean): ContainerSignal['kind'] {
  if (!init) return 'app';
  const spec = pod.spec?.initContainers?.find((c: Container) => c.name === name);
  return spec?.restartPolicy === 'Always' ? 'sidecar' : 'init';
}

/** Every container of every pod not being deleted, init containers and sidecars first, as the kubelet starts them. */
export function containerSignals(pods: readonly Pod[]): ContainerSignal[] {
  const out: ContainerSignal[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const groups: [ContainerStatus[] | undefined, boolean][] = [
      [pod.status?.initContainerStatuses, true],
      [pod.status?.containerStatuses, false],
    ];
    for (const [list, init] of groups) {
      for (const status of (list ?? []) as FullStatus[]) {
        const waitingReason = status.state?.waiting?.reason;
        const termination = status.state?.terminated ?? status.lastState?.terminated;
        out.push({
          pod: pod.metadata.name ?? '',
          container: status.name,
          kind: kindOf(pod, status.name, init),
          ready: status.ready,
          restarts: status.restartCount ?? 0,
          state: status.state?.running
            ? 'running'
            : status.state?.waiting
              ? 'waiting'
              : status.state?.terminated
                ? 'terminated'
                : 'unknown',
          waitingReason,
          termination,
          oomKilled: termination?.reason === 'OOMKilled',
          crashLoop: waitingReason === 'CrashLoopBackOff',
          imagePullError: waitingReason !== undefined && IMAGE_ERRORS.has(waitingReason),
          configError: waitingReason !== undefined && CONFIG_ERRORS.has(waitingReason),
        });
      }
    }
  }
  return out;
}

/** "exit 137, OOMKilled" or "exit 1, Error" or "signal 9": what ended the container. */
export function describeTermination(t: Termination | undefined): string | undefined {
  if (!t) return undefined;
  const parts = [
    t.exitCode !== undefined ? `exit ${t.exitCode}` : t.signal !== undefined ? `signal ${t.signal}` : undefined,
    t.reason,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

function where(c: ContainerSignal): string {
  return `${c.pod}/${c.container}${c.kind === 'app' ? '' : ` (${c.kind} container)`}`;
}

/** Containers whose log is read for a failing verdict, at most this many (one request each). */
export const MAX_LOGGED_CONTAINERS = 3;

/**
 * The containers whose last log lines explain failing Kubernetes checks: those in a crash loop,
 * OOMKilled, ended with a non-zero exit, or (when the restarts check failed) restarted. A container
 * that never started (an image pull or config error) has no log. Worst first, at most
 * MAX_LOGGED_CONTAINERS; none when every Kubernetes check passed.
 */
export function containersToExplain(containers: readonly ContainerSignal[], results: readonly CheckResult[]): ContainerSignal[] {
  const failing = new Set(results.filter((r) => r.source === 'kubernetes' && !r.passed).map((r) => r.name));
  if (failing.size === 0) return [];
  const exited = (c: ContainerSignal) => c.termination?.exitCode !== undefined && c.termination.exitCode !== 0;
  return containers
    .filter((c) => !c.imagePullError && !c.configError)
    .filter((c) => c.crashLoop || c.oomKilled || exited(c) || (failing.has(POD_CHECKS.restarts) && c.restarts > 0))
    .sort((a, b) => Number(b.crashLoop || b.oomKilled) - Number(a.crashLoop || a.oomKilled) || b.restarts - a.restarts)
    .slice(0, MAX_LOGGED_CONTAINERS);
}

/**
 * Whether the log to read is the previous instance's: a restarted container that is not itself
 * terminated now is waiting (CrashLoopBackOff) or running again, and the instance that crashed is
 * the previous one. A terminated container's own log is the crash.
 */
export function previousInstance(c: ContainerSignal): boolean {
  return c.restarts > 0 && c.state !== 'terminated';
}

function isReady(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Judge the canary's pods as they are now. Readiness is reported but only
 * counts as a failure when `readyDeadlinePassed`, because new pods need time;
 * crash loops, image pull errors and too many restarts fail at once.
 */
export function evaluatePods(pods: Pod[], options: PodSignalOptions, readyDeadlinePassed: boolean): PodSignals {
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const ready = live.filter(isReady).length;
  const containers = containerSignals(live);
  const restarts = containers.reduce((n, c) => n + c.restarts, 0);
  const fatal = containers
    .filter((c) => c.waitingReason && FATAL_WAITING_REASONS.includes(c.waitingReason))
    .map((c) => {
      const last = describeTermination(c.termination);
      return `${c.pod}/${c.container}: ${c.waitingReason}${last ? ` (last ${last})` : ''}`;
    });
  const restarted = containers.filter((c) => c.restarts > 0).sort((a, b) => b.restarts - a.restarts);
  const restartDetail = restarted
    .slice(0, 3)
    .map((c) => {
      const last = describeTermination(c.termination);
      return `${where(c)} restarted ${c.restarts}×${last ? ` (last: ${last})` : ''}`;
    })
    .join(', ');
  const results: CheckResult[] = [
    {
      source: 'kubernetes',
      name: POD_CHECKS.ready,
      passed: ready >= options.expectedReady || !readyDeadlinePassed,
      // Not failed yet is not healthy: short of Ready before the deadline reads as waiting, not as a bare pass.
      value:
        ready < options.expectedReady && !readyDeadlinePassed
          ? `${ready}/${options.expectedReady} (still waiting for Ready)`
          : `${ready}/${options.expectedReady}`,
      threshold: `${options.expectedReady}/${options.expectedReady}`,
      detail:
        ready < options.expectedReady && readyDeadlinePassed
          ? 'pods did not become Ready in time; check their readiness probe and logs'
          : undefined,
    },
    {
      source: 'kubernetes',
      name: POD_CHECKS.restarts,
      passed: restarts <= options.maxRestarts,
      value: String(restarts),
      threshold: `≤ ${options.maxRestarts}`,
      detail:
        restarts > options.maxRestarts
          ? `${restartDetail}${restarted.length > 3 ? ` and ${restarted.length - 3} more` : ''}; ${
              restarted.some((c) => c.oomKilled) ? 'raise the memory limit or fix the leak' : 'the new version keeps crashing'
            }; see \`kubectl logs --previous\``
          : undefined,
    },
    {
      source: 'kubernetes',
      name: POD_CHECKS.fatal,
      passed: fatal.length === 0,
      value: fatal.length === 0 ? 'none' : fatal.slice(0, 3).join(', ') + (fatal.length > 3 ? ` and ${fatal.length - 3} more` : ''),
      threshold: 'none',
      detail: fatal.some((f) => /Pull|ImageName/.test(f))
        ? 'check the image reference and that the cluster can pull it'
        : fatal.some((f) => /CreateContainer/.test(f))
          ? 'a ConfigMap, Secret or volume the container needs is missing or wrong; see `kubectl describe pod`'
          : fatal.length
            ? 'the container exits on start; see its logs'
            : undefined,
    },
  ];
  return { ready, restarts, fatal, containers, results };
}
