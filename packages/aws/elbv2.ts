import type * as Elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsClientOptions } from './config';
import { explainAwsError } from './errors';

/**
 * The two read-only Elastic Load Balancing calls the ALB analysis needs: which
 * load balancer a target group sits behind (CloudWatch's per-target-group
 * metrics carry both dimensions), and the DNS names to choose one when there
 * are several. The SDK client is imported on first use, so actions that never
 * analyse ALB target groups do not load it.
 */
export interface ElbReader {
  describeTargetGroups(arns: readonly string[]): Promise<{ arn: string; loadBalancerArns: string[] }[]>;
  describeLoadBalancers(arns: readonly string[]): Promise<{ arn: string; dnsName?: string }[]>;
}

/** DescribeTargetGroups and DescribeLoadBalancers take at most 20 ARNs per call. */
const PAGE = 20;

/** @param sender a stand-in for the SDK client, for tests; the default is a client with the suite's options. */
export function elbReader(region: string, actionName: string, sender?: Pick<Elbv2.ElasticLoadBalancingV2Client, 'send'>): ElbReader {
  let loaded: Promise<{ client: Pick<Elbv2.ElasticLoadBalancingV2Client, 'send'>; sdk: typeof Elbv2 }> | undefined;
  // A type-only import above; the SDK itself loads here, on the first call.
  const load = () =>
    (loaded ??= import('@aws-sdk/client-elastic-load-balancing-v2').then((sdk) => ({
      client: sender ?? new sdk.ElasticLoadBalancingV2Client(awsClientOptions(region, actionName)),
      sdk,
    })));
  return {
    async describeTargetGroups(arns) {
      const { client, sdk } = await load();
      const found: { arn: string; loadBalancerArns: string[] }[] = [];
      for (let i = 0; i < arns.length; i += PAGE) {
        try {
          const page = await client.send(new sdk.DescribeTargetGroupsCommand({ TargetGroupArns: arns.slice(i, i + PAGE) }));
          for (const tg of page.TargetGroups ?? [])
            found.push({ arn: tg.TargetGroupArn ?? '', loadBalancerArns: tg.LoadBalancerArns ?? [] });
        } catch (error) {
          throw explainAwsError(error, 'elasticloadbalancing:DescribeTargetGroups');
        }
      }
      return found;
    },
    async describeLoadBalancers(arns) {
      const { client, sdk } = await load();
      const found: { arn: string; dnsName?: string }[] = [];
      for (let i = 0; i < arns.length; i += PAGE) {
        try {
          const page = await client.send(new sdk.DescribeLoadBalancersCommand({ LoadBalancerArns: arns.slice(i, i + PAGE) }));
          for (const lb of page.LoadBalancers ?? []) found.push({ arn: lb.LoadBalancerArn ?? '', dnsName: lb.DNSName });
        } catch (error) {
          throw explainAwsError(error, 'elasticloadbalancing:DescribeLoadBalancers');
        }
      }
      return found;
    },
  };
}
