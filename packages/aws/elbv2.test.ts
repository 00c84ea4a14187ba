import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { elbReader } from './elbv2';

type Sent = { constructor: { name: string }; input: Record<string, string[]> };

describe('elbReader', () => {
  it('asks for at most 20 ARNs per call and maps the answers', async () => {
    const sent: Sent[] = [];
    const sender = {
      send: async (command: unknown) => {
        const c = command as Sent;
        sent.push(c);
        const arns = c.input.TargetGroupArns ?? [];
        return { TargetGroups: arns.map((arn) => ({ TargetGroupArn: arn, LoadBalancerArns: ['lb'] })) };
      },
    };
    const arns = Array.from({ length: 25 }, (_, i) => `arn:tg/${i}`);
    const groups = await elbReader('us-east-1', 'test', sender as never).describeTargetGroups(arns);
    expect(sent.map((c) => [c.constructor.name, c.input.TargetGroupArns!.length])).toEqual([
      ['DescribeTargetGroupsCommand', 20],
      ['DescribeTargetGroupsCommand', 5],
    ]);
    expect(groups).toHaveLength(25);
    expect(groups[24]).toEqual({ arn: 'arn:tg/24', loadBalancerArns: ['lb'] });
  });

  it('reads DNS names, and turns a denial into a ConfigurationError naming the IAM action', async () => {
    const ok = { send: async () => ({ LoadBalancers: [{ LoadBalancerArn: 'arn:lb', DNSName: 'x.elb.amazonaws.com' }] }) };
    expect(await elbReader('us-east-1', 'test', ok as never).describeLoadBalancers(['arn:lb'])).toEqual([
      { arn: 'arn:lb', dnsName: 'x.elb.amazonaws.com' },
    ]);
    const denied = {
      send: async () => {
        throw Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
      },
    };
    const call = elbReader('us-east-1', 'test', denied as never).describeTargetGroups(['arn:tg/1']);
    await expect(call).rejects.toBeInstanceOf(ConfigurationError);
    await expect(call).rejects.toThrow(/elasticloadbalancing:DescribeTargetGroups/);
  });
});
