import { Kinds, watchObjects, type KubeClient, type Pod } from '../kube';
import { evaluatePods, type PodSignals } from '../analysis/kube-signals';

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
