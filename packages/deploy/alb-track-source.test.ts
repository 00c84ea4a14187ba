import { describe, expect, it, vi } from 'vitest';
import type { MetricDataReader, MetricQuery } from '../analysis/alb-metrics';
import { judge } from '../analysis/judge';
import type { KubeClient } from '../kube';
import { AlbTrackSource } from './alb-track-source';
import type { DeployContext } from './context';
import { Timeline } from './timeline';

const ACCOUNT = '123456789012';
const tgArn = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/${name}/0123abcd`;
const LB = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/k8s-shop-web/50dc6c495c0c9188`;

const binding = (service: string) => ({
  apiVersion: 'elbv2.k8s.aws/v1beta1',
  kind: 'TargetGroupBinding',
  metadata: {
    name: `tgb-${service}`,
    namespace: 'shop',
    labels: { 'ingress.k8s.aws/stack-namespace': 'shop', 'ingress.k8s.aws/stack-name': 'web' },
  },
  spec: { targetGroupARN: tgArn(service), serviceRef: { name: service, port: 80 }, targetType: 'ip' },
});

function context(bindings: unknown[]): { ctx: DeployContext; list: ReturnType<typeof vi.fn> } {
  const list = vi.fn(async () => ({ items: bindings }));
  const client = {
    get: vi.fn(async () => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' } })),
    list,
  } as unknown as KubeClient;
  return {
    list,
    ctx: {
      client,
      namespace: 'shop',
      runUrl: 'https://run',
      timeline: new Timeline(() => {}),
      signal: new AbortController().signal,
      inputs: { deployment: 'd', namespace: 'n', manifests: 'm', service: 's', ingress: 'i', rolloutTimeout: 'r' },
    },
  };
}

const elb = {
  describeTargetGroups: vi.fn(async (arns: readonly string[]) => arns.map((arn) => ({ arn, loadBalancerArns: [LB] }))),
  describeLoadBalancers: vi.fn(async () => []),
};

/** CloudWatch per target group: the canary's 5xx are 20% of its requests, the stable's 0.1%. */
const reader: MetricDataReader = {
  async getMetricData(queries: MetricQuery[]) {
    const canary = (q: MetricQuery) => q.dimensions[0]!.value.includes('web-canary');
    return new Map(
      queries.map((q) => {
        const values =
          q.metricName === 'RequestCount'
            ? [500, 500, 500]
            : q.metricName === 'HTTPCode_Target_5XX_Count'
              ? [canary(q) ? 300 : 2]
              : [canary(q) ? 0.05 : 0.05];
        return [q.id, { timestamps: values.map(() => new Date()), values }];
      }),
    );
  },
};

const alb = { service: 'web', port: 80, ingresses: ['web'] };

describe('ALB metrics per target group', () => {
  it('finds the split Services’ target groups and judges the canary’s 5xx against the stable’s', async () => {
    const { ctx, list } = context([binding('web-canary'), binding('web-stable')]);
    const source = new AlbTrackSource(ctx, alb, { metrics: reader, elb });
    const metrics = await source.metrics(new Date(Date.now() - 180_000));
    expect(list).toHaveBeenCalledWith(
      { apiVersion: 'elbv2.k8s.aws/v1beta1', kind: 'TargetGroupBinding', namespace: 'shop' },
      expect.anything(),
    );
    expect(metrics.map((m) => [m.name, m.source])).toEqual([
      ['target 5xx rate', 'cloudwatch'],
      ['target response time p95', 'cloudwatch'],
    ]);
    const judgement = judge(metrics);
    expect(judgement.metrics[0]).toMatchObject({ verdict: 'fail', canary: { n: 1500 }, baseline: { n: 1500 } });
    // Discovery is done once: the next round only reads CloudWatch.
    await source.metrics(new Date());
    expect(list).toHaveBeenCalledTimes(1);
  });

  it('is inconclusive, with the reason, until the controller has made the target groups; then retries', async () => {
    const bindings: unknown[] = [];
    const { ctx, list } = context(bindings);
    const source = new AlbTrackSource(ctx, alb, { metrics: reader, elb });
    const before = judge(await source.metrics(new Date()));
    expect(before.verdict).toBe('inconclusive');
    expect(before.metrics[0]!.reason).toMatch(/ALB target groups: .*no TargetGroupBinding .*"web-canary"/);
    bindings.push(binding('web-canary'), binding('web-stable'));
    expect(judge(await source.metrics(new Date(Date.now() - 180_000))).verdict).toBe('fail');
    expect(list).toHaveBeenCalledTimes(2);
  });
});
