/**
 * ALB target-group metrics for canary vs stable on moto (AWS_ENDPOINT_URL from
 * .stack/env): real ELBv2 target groups behind a real (moto) ALB with a weighted
 * forward listener, PutMetricData series in AWS/ApplicationELB with both
 * dimensions, then the path the engine takes: ELBv2 for the load balancer,
 * GetMetricData through the SDK, and the judge.
 *
 * moto 5.2.5 computes Sum, Average, Minimum, Maximum and SampleCount but no
 * percentile: GetMetricData with "p95" fails with HTTP 500 (it cannot serialize
 * the None it computes). The percentiles go in their own call, so on moto the
 * error rates stand and the latency metric is inconclusive with that reason;
 * the percentile path is unit-tested (alb-metrics.test.ts). Error rates are the
 * proof here.
 */
import { randomBytes } from 'node:crypto';
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbReader } from '../aws/elbv2';
import {
  discoverAlbTargets,
  loadBalancerDimension,
  resolveAlbMetricTargets,
  targetGroupDimension,
  type TargetGroupBinding,
} from './alb-discovery';
import { albTrackMetrics, alignWindow, fetchAlbSeries } from './alb-metrics';
import { cloudWatchMetricReader } from './cloudwatch-client';
import { judge } from './judge';

const region = process.env.AWS_REGION ?? 'us-east-1';
const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
const suffix = randomBytes(3).toString('hex');
const elb = new ElasticLoadBalancingV2Client({ region });
const cloudwatch = new CloudWatchClient({ region });
const created: { loadBalancer?: string; targetGroups: string[] } = { targetGroups: [] };

/** moto's default VPC has a subnet per zone; EC2's Query API answers without an SDK client (moto checks no signature). */
async function defaultSubnets(): Promise<string[]> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID ?? 'testing'}/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: 'Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=default-for-az&Filter.1.Value.1=true',
  });
  const ids = [...(await response.text()).matchAll(/<subnetId>(subnet-[0-9a-f]+)<\/subnetId>/g)].map((m) => m[1]!);
  if (ids.length < 2) throw new Error(`moto answered DescribeSubnets with ${ids.length} default subnet(s); an ALB needs two`);
  return ids.slice(0, 2);
}

/** A Service's target group as the AWS Load Balancer Controller would make it, with its TargetGroupBinding. */
async function targetGroup(service: string, vpcId: string): Promise<{ arn: string; binding: TargetGroupBinding }> {
  const name = `k8s-itg-${service.slice(0, 8)}-${suffix}`;
  const { TargetGroups } = await elb.send(
    new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 8080, VpcId: vpcId, TargetType: 'ip' }),
  );
  const arn = TargetGroups![0]!.TargetGroupArn!;
  created.targetGroups.push(arn);
  return {
    arn,
    binding: {
      apiVersion: 'elbv2.k8s.aws/v1beta1',
      kind: 'TargetGroupBinding',
      metadata: { name, namespace: 'shop', labels: { 'ingress.k8s.aws/stack-namespace': 'shop', 'ingress.k8s.aws/stack-name': 'web' } },
      spec: { targetGroupARN: arn, serviceRef: { name: service, port: 80 }, targetType: 'ip' },
    },
  };
}

let lbArn = '';
let hostname = '';
const groups: Record<string, { arn: string; binding: TargetGroupBinding }> = {};
const window = alignWindow(new Date(Date.now() - 7 * 60_000), new Date(Date.now() - 60_000));
/** One datapoint per minute of the window (6 or 7, by where in the minute the test starts). */
const MINUTES = (window.end.getTime() - window.start.getTime()) / 60_000;

/** Per-minute ALB datapoints for one group over the window: requests, 5xx (only when non-zero, as ALB reports them), response times. */
function minutes(arn: string, perMinute: { requests: number; errors: number; seconds: number }): MetricDatum[] {
  const dimensions = [
    { Name: 'TargetGroup', Value: targetGroupDimension(arn) },
    { Name: 'LoadBalancer', Value: loadBalancerDimension(lbArn) },
  ];
  const data: MetricDatum[] = [];
  for (let at = window.start.getTime() + 5_000; at < window.end.getTime(); at += 60_000) {
    const Timestamp = new Date(at);
    data.push({ MetricName: 'RequestCount', Dimensions: dimensions, Timestamp, Value: perMinute.requests, Unit: 'Count' });
    if (perMinute.errors > 0)
      data.push({ MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: dimensions, Timestamp, Value: perMinute.errors, Unit: 'Count' });
    data.push({
      MetricName: 'TargetResponseTime',
      Dimensions: dimensions,
      Timestamp,
      Values: [perMinute.seconds],
      Counts: [perMinute.requests],
      Unit: 'Seconds',
    });
  }
  return data;
}

beforeAll(async () => {
  const { LoadBalancers } = await elb.send(
    new CreateLoadBalancerCommand({ Name: `k8s-itg-web-${suffix}`, Subnets: await defaultSubnets(), Type: 'application' }),
  );
  lbArn = LoadBalancers![0]!.LoadBalancerArn!;
  hostname = LoadBalancers![0]!.DNSName!;
  created.loadBalancer = lbArn;
  const vpcId = LoadBalancers![0]!.VpcId!;
  for (const service of ['app-stable', 'app-canary', 'app-clean', 'app-silent']) groups[service] = await targetGroup(service, vpcId);
  // The weighted forward action Flightdeck's ALB mode writes, as the controller turns it into a listener rule.
  await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: { TargetGroups: Object.values(groups).map(({ arn }, i) => ({ TargetGroupArn: arn, Weight: i === 0 ? 70 : 10 })) },
        },
      ],
    }),
  );
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/ApplicationELB',
      MetricData: [
        ...minutes(groups['app-stable']!.arn, { requests: 900, errors: 1, seconds: 0.05 }),
        ...minutes(groups['app-canary']!.arn, { requests: 100, errors: 8, seconds: 0.05 }),
        ...minutes(groups['app-clean']!.arn, { requests: 100, errors: 0, seconds: 0.05 }),
      ],
    }),
  );
});

afterAll(async () => {
  if (created.loadBalancer) await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: created.loadBalancer })).catch(() => undefined);
  for (const arn of created.targetGroups) await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })).catch(() => undefined);
  elb.destroy();
  cloudwatch.destroy();
});

async function judgeAgainstStable(service: string) {
  const ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop' },
    status: { loadBalancer: { ingress: [{ hostname }] } },
  };
  const discovery = discoverAlbTargets(
    ingress,
    Object.values(groups).map((g) => g.binding),
    { canary: { name: service, port: 80 }, stable: { name: 'app-stable', port: 80 } },
  );
  const lookup = elbReader(region, 'itg');
  const targets = await resolveAlbMetricTargets(discovery, lookup);
  expect(targets.loadBalancer).toBe(loadBalancerDimension(lbArn));
  expect(await lookup.describeLoadBalancers([lbArn])).toEqual([{ arn: lbArn, dnsName: hostname }]);
  // One attempt: moto's HTTP 500 on percentiles is retryable, and five attempts of backoff would only slow the test.
  const reader = cloudWatchMetricReader(region, 'itg', new CloudWatchClient({ region, maxAttempts: 1 }));
  const series = await fetchAlbSeries(reader, targets.loadBalancer, targets.targetGroups, window);
  return { series, judgement: judge(albTrackMetrics(series, { canary: 'canary', baseline: 'stable' })) };
}

describe('ALB target-group metrics on moto: canary vs stable', () => {
  it('a canary group with 5xx datapoints fails', async () => {
    const { series, judgement } = await judgeAgainstStable('app-canary');
    expect(series.canary).toMatchObject({ requests: Array(MINUTES).fill(100), errors: 8 * MINUTES });
    expect(series.stable).toMatchObject({ requests: Array(MINUTES).fill(900), errors: MINUTES });
    expect(judgement.verdict).toBe('fail');
    expect(judgement.metrics[0]).toMatchObject({
      name: 'target 5xx rate',
      verdict: 'fail',
      canary: { text: `8.00% (${8 * MINUTES}/${100 * MINUTES})` },
      baseline: { text: `0.11% (${MINUTES}/${900 * MINUTES})` },
    });
  });

  it('a group that matches the stable one passes on errors', async () => {
    const { judgement } = await judgeAgainstStable('app-clean');
    expect(judgement.metrics[0]).toMatchObject({ verdict: 'pass', canary: { text: `0% (0/${100 * MINUTES})` } });
    // moto has no percentiles: the response-time metric cannot be read, so the whole step is inconclusive, not a pass.
    expect(judgement.metrics[1]).toMatchObject({ verdict: 'inconclusive' });
    expect(judgement.metrics[1]!.reason).toMatch(/^response times unreadable: cloudwatch:GetMetricData failed/);
    expect(judgement.verdict).toBe('inconclusive');
  });

  it('a group with no datapoints is inconclusive', async () => {
    const { series, judgement } = await judgeAgainstStable('app-silent');
    expect(series.canary).toMatchObject({ requests: [], errors: 0, latencyPerPeriod: [] });
    expect(judgement.verdict).toBe('inconclusive');
    expect(judgement.metrics[0]).toMatchObject({ verdict: 'inconclusive', reason: 'no datapoints for the canary' });
  });
});
