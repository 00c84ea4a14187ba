import type { ChartRound, ChartStep } from '../analysis/chart';
import type { HttpSample } from '../analysis/http-check';
import { httpTrackMetrics } from '../analysis/http-judge';
import { judge, nearestRank, type Judgement, type MetricInput } from '../analysis/judge';
import { prometheusTrackMetric, queryRangeByTrack } from '../analysis/prometheus-track';
import { judgementToCheckResults } from '../analysis/judge-results';
import type { CheckResult } from '../analysis/types';
import { ConfigurationError } from '../core/errors';
import { POD_TEMPLATE_HASH, type Deployment } from '../kube';
import { LOAD_LIMITS, runLoad } from '../analysis/load';
import { serviceProxyPath } from '../analysis/track-probe';
import type { DeployContext } from './context';
import { BASELINE_TRACK, CANARY_TRACK, TRACK_LABEL } from './keys';
import { applyProbeServices, waitForProbeEndpoints } from './probe-services';
import type { TrackMetricSource } from './alb-track-source';
import { probeTracks } from './track-round';

/** How the run uses the analysis: its looks per step (for α), other metric sources, and how long a load round lasts. */
export interface TrackRunSettings {
  looks?: number;
  sources?: readonly TrackMetricSource[];
  /** load-rps: how long each round's load runs. */
  loadMs?: number;
}
import type { StepJudgement, TrackAnalysisOptions, TrackReport } from './types';

interface ContainerPort {
  name?: string;
  containerPort?: number;
}

/**
 * The container port the probe reaches: the one given (a number, or a port
 * name some container declares), or the first declared port. Read-only, so the
 * plan can refuse a bad port before anything changes.
 */
export function resolveProbePort(stable: Deployment, port: number | string | undefined, inputName: string): number | string {
  const ports = (stable.spec.template.spec?.containers ?? []).flatMap((c) => (Array.isArray(c.ports) ? (c.ports as ContainerPort[]) : []));
  if (typeof port === 'number') return port;
  if (port !== undefined) {
    if (ports.some((p) => p.name === port)) return port;
    throw new ConfigurationError(
      `Input "${inputName}" names port "${port}", which no container of Deployment "${stable.metadata.name}" declares (${ports.map((p) => p.name ?? p.containerPort).join(', ') || 'none declared'}). Use one of those names, or a port number.`,
      inputName,
    );
  }
  const first = ports[0]?.containerPort;
  if (first === undefined)
    throw new ConfigurationError(
      `No container of Deployment "${stable.metadata.name}" declares a port, so the canary-only probe does not know where to send requests; set "${inputName}" to the port number.`,
      inputName,
    );
  return first;
}

/**
 * How many times a step's samples are judged: a round after every interval of
 * the bake and one at its end, twice that when an inconclusive step may be
 * extended. Each look may end the step, so each gets α / looks (Bonferroni):
 * with a look every interval, testing every look at α itself would fail a
 * healthy canary far more often than α.
 */
export function plannedLooks(bakeTimeMs: number, intervalMs: number, policy: TrackAnalysisOptions['onInconclusive']): number {
  const perBake = Math.max(1, Math.ceil(bakeTimeMs / intervalMs)) + 1;
  return policy === 'extend' ? 2 * perBake : perBake;
}

/**
 * Canary-only analysis of one run: probe Services for the canary and the
 * comparison track, samples kept per step, a judgement every round. A round
 * fails the bake only on a "fail" verdict: too few samples early in a step is
 * the normal state. The step's verdict is taken by conclude(), where
 * inconclusive is not a pass.
 */
export class TrackAnalysis {
  private canary: HttpSample[] = [];
  private baseline: HttpSample[] = [];
  private step = 0;
  private weight = 0;
  private stepStarted = new Date();
  private prometheusMetric: MetricInput | undefined;
  private sourceMetrics: MetricInput[] = [];
  private readonly started = Date.now();
  readonly rounds: ChartRound[] = [];
  readonly steps: ChartStep[] = [];
  readonly judgements: StepJudgement[] = [];
  readonly against: 'baseline' | 'stable';

  private constructor(
    private readonly ctx: DeployContext,
    private readonly options: TrackAnalysisOptions,
    private readonly services: { canary: string; baseline: string },
    private readonly looks: number,
    private readonly sources: readonly TrackMetricSource[],
    private readonly loadMs: number,
  ) {
    this.against = options.baseline ? 'baseline' : 'stable';
  }

  /** Apply the probe Services: the canary's by its track label, the stable's by its pod-template-hash (or the baseline's by its track). */
  static async open(
    ctx: DeployContext,
    stable: Deployment,
    options: TrackAnalysisOptions & { port: number | string },
    stableHash: string,
    run: TrackRunSettings = {},
  ): Promise<TrackAnalysis> {
    const name = stable.metadata.name!;
    const match = stable.spec.selector?.matchLabels ?? {};
    const other = options.baseline
      ? { track: 'baseline' as const, selector: { ...match, [TRACK_LABEL]: BASELINE_TRACK } }
      : { track: 'stable' as const, selector: { ...match, [POD_TEMPLATE_HASH]: stableHash } };
    const [canary, baseline] = await applyProbeServices(
      ctx,
      name,
      [{ track: 'canary', selector: { ...match, [TRACK_LABEL]: CANARY_TRACK } }, other],
      options.port,
    );
    return new TrackAnalysis(ctx, options, { canary: canary!, baseline: baseline! }, run.looks ?? 1, run.sources ?? [], run.loadMs ?? 0);
  }

  /** A new step: its samples start empty. */
  startStep(index: number, weight: number): void {
    this.step = index;
    this.weight = weight;
    this.canary = [];
    this.baseline = [];
    this.stepStarted = new Date();
    this.prometheusMetric = undefined;
    this.sourceMetrics = [];
  }

  /** Wait for both probe Services to have a ready endpoint; a probe before then is the API server's 503, not the app's. */
  async waitForEndpoints(timeoutMs: number): Promise<boolean> {
    return waitForProbeEndpoints(this.ctx, [this.services.canary, this.services.baseline], timeoutMs);
  }

  /** One round: probe both tracks, keep the samples, judge all of the step's samples so far. */
  async round(signal: AbortSignal = this.ctx.signal): Promise<CheckResult[]> {
    // The bake may end early (the pods failed first): stop probing then, as on a cancel.
    const ctx = { ...this.ctx, signal };
    const { canary, baseline } = this.options.loadRps ? await this.load(ctx, this.options.loadRps) : await this.probe(ctx);
    this.canary.push(...canary);
    this.baseline.push(...baseline);
    if (this.options.prometheus) this.prometheusMetric = await this.queryPrometheus(ctx, this.options.prometheus);
    if (this.sources.length) this.sourceMetrics = (await Promise.all(this.sources.map((s) => s.metrics(this.stepStarted)))).flat();
    this.rounds.push({
      atMs: Date.now() - this.started,
      weight: this.weight,
      canaryErrorRate: errorRate(canary, this.options.expectedStatus),
      baselineErrorRate: errorRate(baseline, this.options.expectedStatus),
      canaryP95Ms: p95(canary),
      baselineP95Ms: p95(baseline),
    });
    const judgement = this.judge();
    return judgementToCheckResults(judgement).map((result, i) =>
      // Mid-step, too few samples is expected: only a "fail" ends the bake early.
      judgement.metrics[i]!.verdict === 'inconclusive'
        ? { ...result, passed: true, detail: `so far ${result.detail ?? ''}`.trim() }
        : result,
    );
  }

  /** The step's verdict on every sample it gathered; inconclusive is not a pass. */
  conclude(extended: boolean): { judgement: Judgement; results: CheckResult[] } {
    const judgement = this.judge();
    const previous = this.judgements.at(-1);
    const entry: StepJudgement = { step: this.step, weight: this.weight, against: this.against, judgement, extended };
    // An extended step replaces its first, inconclusive, verdict.
    if (previous?.step === this.step) this.judgements[this.judgements.length - 1] = entry;
    else this.judgements.push(entry);
    const mark: ChartStep = { index: this.step, endMs: this.rounds.at(-1)?.atMs ?? Date.now() - this.started, verdict: judgement.verdict };
    if (this.steps.at(-1)?.index === this.step) this.steps[this.steps.length - 1] = mark;
    else this.steps.push(mark);
    return { judgement, results: judgementToCheckResults(judgement) };
  }

  /** Record a step that ended on another check (pods, an alarm): its judgement so far. */
  recordUnfinished(): void {
    if (this.canary.length || this.baseline.length) this.conclude(false);
  }

  report(): TrackReport {
    return { judgements: this.judgements, rounds: this.rounds, steps: this.steps };
  }

  get policy(): TrackAnalysisOptions['onInconclusive'] {
    return this.options.onInconclusive;
  }

  private probe(ctx: DeployContext): Promise<{ canary: HttpSample[]; baseline: HttpSample[] }> {
    return probeTracks(ctx, {
      canaryService: this.services.canary,
      baselineService: this.services.baseline,
      path: this.options.path,
      requests: this.options.requestsPerRound,
      timeoutMs: this.options.timeoutMs,
      expectedStatus: this.options.expectedStatus,
    });
  }

  /**
   * load-rps: steady requests at the given rate to both tracks for part of the interval, through the same
   * service proxy path, bounded in count and time (load.ts); the answers are the round's samples.
   */
  private async load(ctx: DeployContext, rps: number): Promise<{ canary: HttpSample[]; baseline: HttpSample[] }> {
    const durationMs = Math.max(1000, this.loadMs);
    const path = (service: string) => serviceProxyPath(this.ctx.namespace, service, this.options.path);
    const result = await runLoad({
      targets: [
        { name: 'canary', url: path(this.services.canary) },
        { name: 'baseline', url: path(this.services.baseline) },
      ],
      rps,
      maxRequests: Math.min(LOAD_LIMITS.maxRequests, Math.ceil((rps * durationMs) / 1000)),
      maxDurationMs: durationMs,
      timeoutMs: this.options.timeoutMs,
      signal: ctx.signal,
      fetch: async (url, init) => {
        const { status } = await ctx.client.proxyGet(url, { signal: init.signal });
        return { status, arrayBuffer: async () => new ArrayBuffer(0) };
      },
    });
    ctx.signal.throwIfAborted();
    return { canary: result.targets.canary!.samples, baseline: result.targets.baseline!.samples };
  }

  /** The step's window so far, once per track: Prometheus keeps the series, so each round re-reads the whole step. */
  private async queryPrometheus(ctx: DeployContext, options: NonNullable<TrackAnalysisOptions['prometheus']>): Promise<MetricInput> {
    const name = `prometheus ${options.query}`;
    const series = await queryRangeByTrack({
      url: options.url,
      query: options.query,
      tracks: [CANARY_TRACK, this.against],
      start: this.stepStarted,
      end: new Date(),
      stepSeconds: options.stepSeconds,
      timeoutMs: 10_000,
      signal: ctx.signal,
    });
    const metric = prometheusTrackMetric(name, series, { canary: CANARY_TRACK, baseline: this.against });
    return 'problem' in metric && !('kind' in metric)
      ? { kind: 'distribution', name, source: 'prometheus', canary: [], baseline: [], problem: metric.problem }
      : metric;
  }

  /** The significance level of each look: the step's α split over its planned looks. */
  get alphaPerLook(): number {
    return this.options.judge.alpha / this.looks;
  }

  private judge(): Judgement {
    const [errors, latency] = httpTrackMetrics(this.canary, this.baseline, { expectedStatus: this.options.expectedStatus });
    // A comparison track that fails too proves nothing: "no worse than a broken baseline" is no pass.
    const problem = brokenComparison(this.baseline, this.against, this.options.expectedStatus, this.options.path);
    const metrics: MetricInput[] = [
      { ...errors, problem },
      { ...latency, minDifference: this.options.latencyFloorMs, problem },
    ];
    if (this.prometheusMetric) metrics.push(this.prometheusMetric);
    metrics.push(...this.sourceMetrics);
    return judge(metrics, {
      ...this.options.judge,
      alpha: this.alphaPerLook,
    });
  }
}

/** Samples of the comparison track before it can be called broken, and the error share that does. */
const BROKEN_MIN_SAMPLES = 10;
const BROKEN_ERROR_RATE = 0.5;

/**
 * Why the comparison track cannot vouch for anything: most of its probes failed (a 403 from the service proxy, a
 * 503 without endpoints, a path the app does not serve). The answers are named, since they say what to fix.
 */
export function brokenComparison(samples: readonly HttpSample[], track: string, expected: number, path: string): string | undefined {
  const wrong = samples.filter((s) => s.status !== expected);
  if (samples.length < BROKEN_MIN_SAMPLES || wrong.length / samples.length <= BROKEN_ERROR_RATE) return undefined;
  const counts = new Map<string, number>();
  for (const s of wrong) {
    const key = s.status === 'error' ? (s.error ?? 'no answer') : `HTTP ${s.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const seen = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([what, n]) => `${what} ×${n}`)
    .join(', ');
  return `the ${track}'s pods failed ${wrong.length}/${samples.length} probes of ${path} too (${seen}), so they cannot show the canary is no worse; check the probed path and port, and that the deployer may get services/proxy on the probe Services`;
}

function errorRate(samples: readonly HttpSample[], expected: number): number | undefined {
  if (samples.length === 0) return undefined;
  return samples.filter((s) => s.status !== expected).length / samples.length;
}

function p95(samples: readonly HttpSample[]): number | undefined {
  const ms = samples.filter((s) => s.status !== 'error').map((s) => s.ms);
  return ms.length ? nearestRank(ms, 95) : undefined;
}
