import {
  discoverAlbTargets,
  resolveAlbMetricTargets,
  TGB_API,
  type AlbIngress,
  type AlbMetricTargets,
  type TargetGroupBinding,
} from '../analysis/alb-discovery';
import { alignWindow, albTrackMetrics, fetchAlbSeries } from '../analysis/alb-metrics';
import type { MetricInput } from '../analysis/judge';
import { errorMessage } from '../core/errors';
import { Kinds } from '../kube';
import type { DeployContext } from './context';
import { canaryServiceName, stableServiceName } from './keys';
import type { AlbMetricClients, AlbTarget } from './types';

/** A source of judge metrics beside the probes, read once per analysis round over the step so far. */
export interface TrackMetricSource {
  metrics(stepStarted: Date): Promise<MetricInput[]>;
}

const TGB_KIND = { apiVersion: `${TGB_API.group}/${TGB_API.version}`, kind: 'TargetGroupBinding' };

/**
 * ALB mode: the canary's and the stable's own target groups (the split
 * Services' TargetGroupBindings, made by the AWS Load Balancer Controller),
 * read from CloudWatch per round. The bindings appear only once the controller
 * has reconciled the weighted Ingress, so discovery is retried each round
 * until it succeeds; until then, and while CloudWatch has no datapoints yet
 * (ALB metrics are per minute and arrive late), the metrics are inconclusive.
 */
export class AlbTrackSource implements TrackMetricSource {
  private targets: AlbMetricTargets | undefined;

  constructor(
    private readonly ctx: DeployContext,
    private readonly alb: AlbTarget,
    private readonly clients: AlbMetricClients,
    private readonly percentile = 95,
  ) {}

  async metrics(stepStarted: Date): Promise<MetricInput[]> {
    try {
      this.targets ??= await this.discover();
      const series = await fetchAlbSeries(
        this.clients.metrics,
        this.targets.loadBalancer,
        this.targets.targetGroups,
        alignWindow(stepStarted, new Date()),
        this.percentile,
      );
      return albTrackMetrics(series, { canary: 'canary', baseline: 'stable' }, { percentile: this.percentile });
    } catch (error) {
      if (this.ctx.signal.aborted) throw error;
      const problem = `ALB target groups: ${errorMessage(error)}`;
      const [rate, latency] = albTrackMetrics({}, { canary: 'canary', baseline: 'stable' }, { percentile: this.percentile });
      return [
        { ...rate, problem },
        { ...latency, problem },
      ];
    }
  }

  private async discover(): Promise<AlbMetricTargets> {
    const { client, namespace, signal } = this.ctx;
    const ingress = await client.get<AlbIngress>({ ...Kinds.Ingress, namespace, name: this.alb.ingresses[0]! }, signal);
    const bindings = await client.list<TargetGroupBinding>({ ...TGB_KIND, namespace }, { signal });
    const discovery = discoverAlbTargets(ingress, bindings.items, {
      canary: { name: canaryServiceName(this.alb.service), port: this.alb.port },
      stable: { name: stableServiceName(this.alb.service), port: this.alb.port },
    });
    return resolveAlbMetricTargets(discovery, this.clients.elb);
  }
}
