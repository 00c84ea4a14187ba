import { describe, expect, it } from 'vitest';
import {
  chooseLoadBalancer,
  discoverAlbTargets,
  loadBalancerDimension,
  resolveAlbMetricTargets,
  targetGroupDimension,
  type AlbIngress,
  type LoadBalancerLookup,
  type TargetGroupBinding,
} from './alb-discovery';

const ACCOUNT = '123456789012';
const tgArn = (name: string, id: string) => `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/${name}/${id}`;
const lbArn = (name: string, id: string) => `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/${name}/${id}`;

// Shaped like what the AWS Load Balancer Controller writes: binding named after the target group,
// labelled with the Ingress's stack, serviceRef.port as the Ingress (or the action, normalized) gives it.
function binding(name: string, service: string, port: number | string, arn: string, labels?: Record<string, string>): TargetGroupBinding {
  return {
    apiVersion: 'elbv2.k8s.aws/v1beta1',
    kind: 'TargetGroupBinding',
    metadata: {
      name,
      namespace: 'shop',
      labels: labels ?? { 'ingress.k8s.aws/stack-namespace': 'shop', 'ingress.k8s.aws/stack-name': 'web' },
    },
    spec: { targetGroupARN: arn, serviceRef: { name: service, port }, targetType: 'ip' },
  };
}

const ingress: AlbIngress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'shop' },
  status: { loadBalancer: { ingress: [{ hostname: 'k8s-shop-web-0a1b2c3d4e-1234567890.us-east-1.elb.amazonaws.com' }] } },
};

const tracks = { canary: { name: 'app-canary', port: 80, portName: 'http' }, stable: { name: 'app-stable', port: 80, portName: 'http' } };

describe('dimension forms', () => {
  it('turns ARNs into CloudWatch’s TargetGroup and LoadBalancer dimension values', () => {
    expect(targetGroupDimension(tgArn('k8s-shop-appcanar-5f0e2a9c1d', '73e2d6bc24d8a067'))).toBe(
      'targetgroup/k8s-shop-appcanar-5f0e2a9c1d/73e2d6bc24d8a067',
    );
    expect(loadBalancerDimension(lbArn('k8s-shop-web-0a1b2c3d4e', '50dc6c495c0c9188'))).toBe(
      'app/k8s-shop-web-0a1b2c3d4e/50dc6c495c0c9188',
    );
    expect(targetGroupDimension('arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/tg/0123abcd')).toBe(
      'targetgroup/tg/0123abcd',
    );
  });

  it('refuses what is not an ALB', () => {
    expect(() => targetGroupDimension('targetgroup/x/1')).toThrow(/not an Elastic Load Balancing target group ARN/);
    expect(() => loadBalancerDimension(`arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/net/nlb/0123`)).toThrow(
      /Network Load Balancer; only an ALB/,
    );
  });
});

describe('discoverAlbTargets', () => {
  const bindings = [
    binding('k8s-shop-appcanar-5f0e2a9c1d', 'app-canary', 80, tgArn('k8s-shop-appcanar-5f0e2a9c1d', '73e2d6bc24d8a067')),
    binding('k8s-shop-appstabl-9a8b7c6d5e', 'app-stable', 80, tgArn('k8s-shop-appstabl-9a8b7c6d5e', 'a1b2c3d4e5f60718')),
    // The same Service behind another Ingress: not ours.
    binding('k8s-shop-appcanar-0000000000', 'app-canary', 80, tgArn('k8s-shop-appcanar-0000000000', '0000000000000000'), {
      'ingress.k8s.aws/stack-namespace': 'shop',
      'ingress.k8s.aws/stack-name': 'admin',
    }),
    binding('k8s-other-x-1111111111', 'app-canary', 80, tgArn('k8s-other-x-1111111111', '1111111111111111')),
  ];
  bindings[3]!.metadata.namespace = 'other';

  it('finds each track’s target group through the controller’s bindings for this Ingress', () => {
    expect(discoverAlbTargets(ingress, bindings, tracks)).toEqual({
      hostname: 'k8s-shop-web-0a1b2c3d4e-1234567890.us-east-1.elb.amazonaws.com',
      targetGroups: {
        canary: {
          arn: tgArn('k8s-shop-appcanar-5f0e2a9c1d', '73e2d6bc24d8a067'),
          dimension: 'targetgroup/k8s-shop-appcanar-5f0e2a9c1d/73e2d6bc24d8a067',
          binding: 'k8s-shop-appcanar-5f0e2a9c1d',
        },
        stable: {
          arn: tgArn('k8s-shop-appstabl-9a8b7c6d5e', 'a1b2c3d4e5f60718'),
          dimension: 'targetgroup/k8s-shop-appstabl-9a8b7c6d5e/a1b2c3d4e5f60718',
          binding: 'k8s-shop-appstabl-9a8b7c6d5e',
        },
      },
    });
  });

  it('matches ports given by number, by digits or by name', () => {
    const byName = [binding('a', 'app-canary', 'http', tgArn('a', '01')), binding('b', 'app-stable', '80', tgArn('b', '02'))];
    expect(Object.keys(discoverAlbTargets(ingress, byName, tracks).targetGroups)).toEqual(['canary', 'stable']);
    expect(() => discoverAlbTargets(ingress, [binding('c', 'app-canary', 8080, tgArn('c', '03'))], { canary: tracks.canary })).toThrow(
      /no TargetGroupBinding in namespace "shop" registers Service "app-canary" port 80/,
    );
  });

  it('uses the IngressGroup label when the Ingress is in a group', () => {
    const grouped: AlbIngress = {
      ...ingress,
      metadata: { ...ingress.metadata, annotations: { 'alb.ingress.kubernetes.io/group.name': 'public' } },
    };
    const inGroup = [binding('g', 'app-canary', 80, tgArn('g', '0a'), { 'ingress.k8s.aws/stack': 'public' })];
    expect(discoverAlbTargets(grouped, inGroup, { canary: tracks.canary }).targetGroups.canary!.binding).toBe('g');
    expect(() => discoverAlbTargets(ingress, inGroup, { canary: tracks.canary })).toThrow(/for Ingress "web"/);
  });

  it('accepts a hand-written, unlabelled binding when the controller made none', () => {
    const handMade = [binding('manual', 'app-canary', 80, tgArn('manual', '0b'), {})];
    expect(discoverAlbTargets(ingress, handMade, { canary: tracks.canary }).targetGroups.canary!.binding).toBe('manual');
  });

  it('reports every problem at once: missing, ambiguous, malformed', () => {
    const twice = [binding('x1', 'app-canary', 80, tgArn('x1', '01')), binding('x2', 'app-canary', 80, tgArn('x2', '02'))];
    const broken = [binding('y', 'app-stable', 80, 'not-an-arn')];
    const call = () => discoverAlbTargets(ingress, [...twice, ...broken], tracks);
    expect(call).toThrow(
      /2 TargetGroupBindings register Service "app-canary" port 80 \(x1, x2\).*TargetGroupBinding "y": "not-an-arn" is not/,
    );
  });

  it('leaves the hostname empty while the controller has not written the status', () => {
    const fresh: AlbIngress = { ...ingress, status: {} };
    expect(discoverAlbTargets(fresh, bindings, tracks).hostname).toBeUndefined();
  });
});

describe('chooseLoadBalancer and resolveAlbMetricTargets', () => {
  const lbA = lbArn('k8s-shop-web-0a1b2c3d4e', '50dc6c495c0c9188');
  const lbB = lbArn('k8s-shop-other-9f8e7d6c5b', '60dc6c495c0c9188');

  it('takes the one load balancer both target groups sit behind', () => {
    expect(
      chooseLoadBalancer(
        [
          { arn: 'c', loadBalancerArns: [lbA] },
          { arn: 's', loadBalancerArns: [lbA] },
        ],
        [],
        undefined,
      ),
    ).toEqual({
      arn: lbA,
      dimension: 'app/k8s-shop-web-0a1b2c3d4e/50dc6c495c0c9188',
    });
  });

  it('asks the Ingress status’s DNS name when there are several, and says what is wrong otherwise', () => {
    const groups = [
      { arn: 'c', loadBalancerArns: [lbA, lbB] },
      { arn: 's', loadBalancerArns: [lbA, lbB] },
    ];
    const balancers = [
      { arn: lbA, dnsName: 'K8S-SHOP-WEB-0A1B2C3D4E-1234567890.us-east-1.elb.amazonaws.com' },
      { arn: lbB, dnsName: 'other.elb.amazonaws.com' },
    ];
    expect(chooseLoadBalancer(groups, balancers, ingress.status!.loadBalancer!.ingress![0]!.hostname).arn).toBe(lbA);
    expect(() => chooseLoadBalancer(groups, balancers, undefined)).toThrow(/sit behind 2 load balancers and the Ingress status names none/);
    expect(() => chooseLoadBalancer([{ arn: 'c', loadBalancerArns: [] }], [], undefined)).toThrow(/not attached to a load balancer yet/);
    expect(() =>
      chooseLoadBalancer(
        [
          { arn: 'c', loadBalancerArns: [lbA] },
          { arn: 's', loadBalancerArns: [lbB] },
        ],
        [],
        undefined,
      ),
    ).toThrow(/share no load balancer/);
  });

  it('resolves the dimensions through the ELBv2 reads, calling DescribeLoadBalancers only when needed', async () => {
    const calls: string[] = [];
    const elb: LoadBalancerLookup = {
      describeTargetGroups: async (arns) => {
        calls.push(`tg:${arns.length}`);
        return arns.map((arn) => ({ arn, loadBalancerArns: [lbA] }));
      },
      describeLoadBalancers: async () => {
        calls.push('lb');
        return [];
      },
    };
    const discovery = discoverAlbTargets(ingress, bindings_(), tracks);
    expect(await resolveAlbMetricTargets(discovery, elb)).toEqual({
      loadBalancer: 'app/k8s-shop-web-0a1b2c3d4e/50dc6c495c0c9188',
      targetGroups: { canary: 'targetgroup/cg/0c', stable: 'targetgroup/sg/0d' },
    });
    expect(calls).toEqual(['tg:2']);
    await expect(resolveAlbMetricTargets(discovery, { ...elb, describeTargetGroups: async () => [] })).rejects.toThrow(
      /does not know the target group\(s\) of canary .*, stable/,
    );
  });
});

function bindings_(): TargetGroupBinding[] {
  return [binding('cg', 'app-canary', 80, tgArn('cg', '0c')), binding('sg', 'app-stable', 80, tgArn('sg', '0d'))];
}
