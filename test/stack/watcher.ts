/**
 * Records every status a Deployment goes through while a test runs, from the
 * apiserver's own watch stream, so a test can prove what happened during a
 * rollout (e.g. "availability never dropped below 3"), not only how it ended.
 *
 * It uses test/stack/kube-http.ts, not the product's client, so it is an
 * independent witness. It lists first and watches from the list's
 * resourceVersion, so no change between the two is missed, and resumes from
 * the last resourceVersion if the stream is cut or the apiserver restarts.
 */
import { adminKubeconfigPath, KubeHttp, KubeHttpError, type WatchEvent, type WatchHandle } from './kube-http';

export interface DeploymentObservation {
  /** When the event arrived (ms since the epoch). */
  at: number;
  event: WatchEvent<unknown>['type'] | 'LIST';
  resourceVersion: string;
  generation: number;
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  /** Deployment condition type → "status/reason", e.g. Progressing → "True/NewReplicaSetAvailable". */
  conditions: Record<string, string>;
  /** The first container's image in the pod template. */
  image: string | undefined;
}

interface DeploymentObject {
  metadata: { resourceVersion: string; generation?: number };
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string }[];
  };
}

interface DeploymentList {
  metadata: { resourceVersion: string };
  items: DeploymentObject[];
}

function observe(event: DeploymentObservation['event'], deployment: DeploymentObject): DeploymentObservation {
  const status = deployment.status ?? {};
  return {
    at: Date.now(),
    event,
    resourceVersion: deployment.metadata.resourceVersion,
    generation: deployment.metadata.generation ?? 0,
    observedGeneration: status.observedGeneration ?? 0,
    replicas: status.replicas ?? 0,
    updatedReplicas: status.updatedReplicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
    unavailableReplicas: status.unavailableReplicas ?? 0,
    conditions: Object.fromEntries((status.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason ?? ''}`])),
    image: deployment.spec?.template?.spec?.containers?.[0]?.image,
  };
}

/** How long the watcher keeps reconnecting to an apiserver that is down (restarts take seconds). */
const RECONNECT_WINDOW_MS = 120_000;

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** Connection failures and 5xx/429 answers end with the apiserver coming back; anything else is a bug. */
function isTransient(error: unknown): boolean {
  if (error instanceof KubeHttpError) return error.status >= 500 || error.status === 429;
  return true;
}

const formatObservation = (o: DeploymentObservation): string =>
  `${new Date(o.at).toISOString()} ${o.event} rv=${o.resourceVersion} gen=${o.generation}/${o.observedGeneration} ` +
  `replicas=${o.replicas} updated=${o.updatedReplicas} ready=${o.readyReplicas} available=${o.availableReplicas} ` +
  `unavailable=${o.unavailableReplicas} image=${o.image ?? '-'}`;

export class DeploymentWatcher {
  readonly observations: DeploymentObservation[] = [];
  private stream: WatchHandle | undefined;
  private stopped = false;
  private failure: unknown;
  private loop: Promise<void> = Promise.resolve();
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly client: KubeHttp,
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** Starts watching; resolves once the current state is recorded. */
  static async start(options: { namespace: string; name: string; kubeconfig?: string }): Promise<DeploymentWatcher> {
    const client = KubeHttp.fromKubeconfig(options.kubeconfig ?? adminKubeconfigPath());
    const watcher = new DeploymentWatcher(client, options.namespace, options.name);
    const resourceVersion = await watcher.list();
    watcher.loop = watcher.run(resourceVersion);
    return watcher;
  }

  private get collection(): string {
    return `/apis/apps/v1/namespaces/${this.namespace}/deployments?fieldSelector=${encodeURIComponent(`metadata.name=${this.name}`)}`;
  }

  private record(observation: DeploymentObservation): void {
    this.observations.push(observation);
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async list(): Promise<string> {
    const list = await this.client.get<DeploymentList>(this.collection);
    for (const item of list.items) this.record(observe('LIST', item));
    return list.metadata.resourceVersion;
  }

  private async run(fromResourceVersion: string): Promise<void> {
    let resourceVersion = fromResourceVersion;
    // When the apiserver went away (e.g. a test restarts it), or undefined.
    let outageSince: number | undefined;
    try {
      while (!this.stopped) {
        try {
          let expired = false;
          this.stream = this.client.watch<DeploymentObject>(`${this.collection}&resourceVersion=${resourceVersion}`, (event) => {
            outageSince = undefined;
            if (event.type === 'ERROR') {
              // 410 Gone: our resourceVersion was compacted away; list again.
              expired = true;
              return;
            }
            resourceVersion = event.object.metadata.resourceVersion;
            if (event.type !== 'BOOKMARK') this.record(observe(event.type, event.object));
          });
          await this.stream.done;
          if (expired && !this.stopped) resourceVersion = await this.list();
        } catch (error) {
          if (this.stopped) return;
          if (!isTransient(error)) throw error;
          outageSince ??= Date.now();
          if (Date.now() - outageSince > RECONNECT_WINDOW_MS) throw error;
        }
        // Never spin: a stream that ends at once is retried a moment later.
        if (!this.stopped) await sleep(200);
      }
    } catch (error) {
      if (!this.stopped) this.failure = error;
    } finally {
      for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /** The latest recorded state, if any. */
  get latest(): DeploymentObservation | undefined {
    return this.observations.at(-1);
  }

  /** Resolves with the first observation (already seen or future) that satisfies the predicate. */
  async waitFor(
    predicate: (observation: DeploymentObservation) => boolean,
    { timeoutMs = 60_000, what = 'the expected Deployment status' } = {},
  ): Promise<DeploymentObservation> {
    const deadline = Date.now() + timeoutMs;
    let checked = 0;
    for (;;) {
      for (; checked < this.observations.length; checked++) {
        const observation = this.observations[checked]!;
        if (predicate(observation)) return observation;
      }
      if (this.failure) throw this.failure instanceof Error ? this.failure : new Error(String(this.failure));
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.stopped) {
        throw new Error(
          `${this.namespace}/${this.name}: no ${what} within ${timeoutMs} ms; last seen: ${this.latest ? formatObservation(this.latest) : 'nothing'}`,
        );
      }
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  /**
   * Throws if any recorded state had fewer than `floor` available replicas.
   * Start the watcher once the Deployment is available, before the change under test.
   */
  assertNeverBelow(floor: number): void {
    if (this.observations.length === 0) {
      throw new Error(`${this.namespace}/${this.name}: nothing was observed, so availability cannot be asserted`);
    }
    const dips = this.observations.filter((o) => o.availableReplicas < floor);
    if (dips.length > 0) {
      throw new Error(
        `${this.namespace}/${this.name}: availableReplicas dropped below ${floor} in ${dips.length} of ` +
          `${this.observations.length} observed states:\n${dips.slice(0, 10).map(formatObservation).join('\n')}`,
      );
    }
  }

  /** Stops watching and returns everything observed. */
  async stop(): Promise<DeploymentObservation[]> {
    this.stopped = true;
    this.stream?.close();
    await this.loop;
    if (this.failure) throw this.failure instanceof Error ? this.failure : new Error(String(this.failure));
    return [...this.observations];
  }
}

/** Starts a DeploymentWatcher; see its methods. */
export function watchDeployment(options: { namespace: string; name: string; kubeconfig?: string }): Promise<DeploymentWatcher> {
  return DeploymentWatcher.start(options);
}

export { formatObservation, KubeHttpError };
