import { KubeApiError, Kinds, kubeStatusOf, watchObjects, type KubeClient, type Pod } from '../kube';
import { LOG_LIMIT_BYTES, LOG_TAIL_LINES, withContainerLogs, type ContainerLog } from '../analysis/container-report';
import {
  containerSignals,
  containersToExplain,
  evaluatePods,
  previousInstance,
  type ContainerSignal,
  type PodSignals,
} from '../analysis/kube-signals';
import type { CheckResult } from '../analysis/types';

/** How long the log reads of one failing verdict may take in all (they run side by side). */
export const LOG_READ_TIMEOUT_MS = 5000;

/**
 * The failing Kubernetes checks with the last log lines of the containers that explain them
 * (kube-signals.ts containersToExplain), read from pods/log side by side, each bounded in time and
 * size. A log that cannot be read (403, a pod gone, a timeout) says why in its place: reading logs
 * never fails, delays past the timeout or changes a verdict. Only a cancellation propagates.
 */
export async function explainWithLogs(
  client: Pick<KubeClient, 'podLog'>,
  namespace: string,
  pods: readonly Pod[],
  results: CheckResult[],
  signal?: AbortSignal,
): Promise<CheckResult[]> {
  const explained = containersToExplain(containerSignals(pods), results);
  if (explained.length === 0) return results;
  const logs = await Promise.all(
    explained.map(async (container) => ({ container, log: await readLog(client, namespace, container, signal) })),
  );
  signal?.throwIfAborted();
  return withContainerLogs(results, logs);
}

async function readLog(
  client: Pick<KubeClient, 'podLog'>,
  namespace: string,
  c: ContainerSignal,
  signal: AbortSignal | undefined,
): Promise<ContainerLog> {
  try {
    const log = await client.podLog(namespace, c.pod, {
      container: c.container,
      tailLines: LOG_TAIL_LINES,
      limitBytes: LOG_LIMIT_BYTES,
      previous: previousInstance(c),
      timeoutMs: LOG_READ_TIMEOUT_MS,
      signal,
    });
    return { log };
  } catch (error) {
    return { unavailable: unavailableReason(error) };
  }
}

function unavailableReason(error: unknown): string {
  const status = kubeStatusOf(error);
  if (status === 403) return 'the deployer may not get pods/log in this namespace (deploy/rbac/deployer.yaml grants it)';
  if (status === 401) return 'the apiserver rejected the credentials';
  if (status === 404) return 'the pod is gone';
  // The apiserver's own words for the rest, e.g. a 400 "previous terminated container ... not found".
  if (error instanceof KubeApiError) return `HTTP ${status}: ${error.body?.message ?? error.message}`;
  return (error as Error)?.message ?? String(error);
}

/**
 * Keeps a live view of the canary's pods from one watch (no polling) and
 * wakes waiters on every change, so a crash loop or a pull error is seen the
 * moment the kubelet reports it.
 */
export class PodMonitor {
  private readonly pods = new Map<string, Pod>();
  private readonly controller = new AbortController();
  private listeners = new Set<() => void>();
  private failure: Error | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly labelSelector: string,
  ) {}

  start(): void {
    this.running = (async () => {
      try {
        for await (const event of watchObjects<Pod>(
          this.client,
          { ...Kinds.Pod, namespace: this.namespace },
          { labelSelector: this.labelSelector, signal: this.controller.signal },
        )) {
          if (event.type === 'DELETED') this.pods.delete(event.object.metadata.name!);
          else this.pods.set(event.object.metadata.name!, event.object);
          this.notify();
        }
      } catch (error) {
        if (!this.controller.signal.aborted) {
          this.failure = error as Error;
          this.notify();
        }
      }
    })();
  }

  stop(): Promise<void> {
    this.controller.abort();
    return this.running ?? Promise.resolve();
  }

  snapshot(): Pod[] {
    if (this.failure) throw this.failure;
    return [...this.pods.values()];
  }

  evaluate(expectedReady: number, maxRestarts: number, readyDeadlinePassed: boolean): PodSignals {
    return evaluatePods(this.snapshot(), { expectedReady, maxRestarts }, readyDeadlinePassed);
  }

  /** The failing Kubernetes checks of `results`, their containers' last log lines added (explainWithLogs). */
  explain(results: CheckResult[], signal?: AbortSignal): Promise<CheckResult[]> {
    return explainWithLogs(this.client, this.namespace, [...this.pods.values()], results, signal);
  }

  /** Wake every waiter in until(), on a pod change or a watch failure. */
  private notify(): void {
    const waiting = this.listeners;
    this.listeners = new Set();
    for (const wake of waiting) wake();
  }

  /**
   * Wait until `decide` returns a value, re-checking on every pod event and at
   * `deadline` (ms since epoch). `decide` gets whether the deadline passed.
   * A failed watch wakes it at once, and evaluate() then throws the failure.
   */
  async until<T>(decide: (deadlinePassed: boolean) => T | undefined, deadline: number, signal: AbortSignal): Promise<T> {
    for (;;) {
      signal.throwIfAborted();
      const now = Date.now();
      const decided = decide(now >= deadline);
      if (decided !== undefined) return decided;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(done, Math.max(0, deadline - now));
        const onAbort = () => {
          clearTimeout(timer);
          this.listeners.delete(done);
          reject(signal.reason);
        };
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve();
        }
        this.listeners.add(done);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}
