import type { KubeObject } from '../kube/types';

/**
 * Which ALB target groups serve which track, found from what the AWS Load
 * Balancer Controller leaves in the cluster: for every Service an Ingress
 * forwards to, it creates a TargetGroupBinding (same namespace) that names the
 * target group's ARN and the Service and port it registers, labelled with the
 * Ingress it came from; and it writes the ALB's DNS name into the Ingress
 * status. CloudWatch wants neither ARN but their suffixes: "targetgroup/…" and
 * "app/…", the dimension forms made here.
 */

export const TGB_API = { group: 'elbv2.k8s.aws', version: 'v1beta1', plural: 'targetgroupbindings' } as const;
const STACK_NAMESPACE_LABEL = 'ingress.k8s.aws/stack-namespace';
const STACK_NAME_LABEL = 'ingress.k8s.aws/stack-name';
const STACK_GROUP_LABEL = 'ingress.k8s.aws/stack';
const GROUP_ANNOTATION = 'alb.ingress.kubernetes.io/group.name';

export interface TargetGroupBinding extends KubeObject {
  spec?: {
    targetGroupARN?: string;
    serviceRef?: { name?: string; port?: number | string };
    targetType?: string;
    [field: string]: unknown;
  };
}

export interface AlbIngress extends KubeObject {
  status?: { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } };
}

/** The Service a track's target group registers, with its port as the Ingress or action names it. */
export interface TrackService {
  name: string;
  port: number;
  /** The port's name in the Service, when it has one: a binding may refer to it by name. */
  portName?: string;
}

export interface TrackTargetGroup {
  arn: string;
  /** CloudWatch's TargetGroup dimension: "targetgroup/<name>/<id>". */
  dimension: string;
  binding: string;
}

export interface AlbDiscovery {
  /** The ALB's DNS name from the Ingress status; empty until the controller has reconciled it. */
  hostname?: string;
  targetGroups: Record<string, TrackTargetGroup>;
}

const TG_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:(targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+)$/;
const LB_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/((app|net|gwy)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+)$/;

/** "arn:…:targetgroup/k8s-ns-svc-abc/0123" → "targetgroup/k8s-ns-svc-abc/0123". */
export function targetGroupDimension(arn: string): string {
  const match = TG_ARN.exec(arn);
  if (!match) throw new Error(`"${arn}" is not an Elastic Load Balancing target group ARN`);
  return match[1]!;
}

/** "arn:…:loadbalancer/app/k8s-ns-ing-abc/0123" → "app/k8s-ns-ing-abc/0123". Only ALBs ("app/") report HTTP metrics. */
export function loadBalancerDimension(arn: string): string {
  const match = LB_ARN.exec(arn);
  if (!match) throw new Error(`"${arn}" is not an Elastic Load Balancing load balancer ARN`);
  if (match[2] !== 'app')
    throw new Error(
      `"${arn}" is a ${match[2] === 'net' ? 'Network' : 'Gateway'} Load Balancer; only an ALB reports HTTP status codes and response times`,
    );
  return match[1]!;
}

function portMatches(ref: number | string | undefined, service: TrackService): boolean {
  if (ref === undefined) return false;
  if (typeof ref === 'number') return ref === service.port;
  // The controller turns "80" into 80 (for the old ALB ingress controller's string ports); a name is a name.
  return /^\d+$/.test(ref) ? Number(ref) === service.port : ref === service.portName;
}

/** Does the controller's label say this binding was made for this Ingress (or its IngressGroup)? */
function madeFor(binding: TargetGroupBinding, ingress: AlbIngress): boolean | undefined {
  const labels = binding.metadata.labels ?? {};
  const group = ingress.metadata.annotations?.[GROUP_ANNOTATION];
  if (labels[STACK_GROUP_LABEL] !== undefined) return group !== undefined && labels[STACK_GROUP_LABEL] === group;
  if (labels[STACK_NAME_LABEL] !== undefined || labels[STACK_NAMESPACE_LABEL] !== undefined) {
    return (
      group === undefined &&
      labels[STACK_NAME_LABEL] === ingress.metadata.name &&
      labels[STACK_NAMESPACE_LABEL] === ingress.metadata.namespace
    );
  }
  // Unlabelled: a binding someone wrote by hand for a target group made outside the cluster.
  return undefined;
}

/**
 * The target group of each track's Service. Throws with every problem at once
 * (a missing binding usually means the controller has not reconciled the
 * weighted Ingress yet, or the deployer may not list targetgroupbindings).
 */
export function discoverAlbTargets(
  ingress: AlbIngress,
  bindings: readonly TargetGroupBinding[],
  tracks: Record<string, TrackService>,
): AlbDiscovery {
  const namespace = ingress.metadata.namespace;
  const problems: string[] = [];
  const targetGroups: Record<string, TrackTargetGroup> = {};
  for (const [track, service] of Object.entries(tracks)) {
    const candidates = bindings.filter(
      (b) =>
        b.metadata.namespace === namespace && b.spec?.serviceRef?.name === service.name && portMatches(b.spec.serviceRef.port, service),
    );
    const labelled = candidates.filter((b) => madeFor(b, ingress) === true);
    const unlabelled = candidates.filter((b) => madeFor(b, ingress) === undefined);
    const chosen = labelled.length ? labelled : unlabelled;
    if (chosen.length === 0) {
      problems.push(
        `no TargetGroupBinding in namespace "${namespace}" registers Service "${service.name}" port ${service.port}${candidates.length ? ` for Ingress "${ingress.metadata.name}"` : ''}; the AWS Load Balancer Controller makes one when it reconciles the Ingress`,
      );
      continue;
    }
    if (chosen.length > 1) {
      problems.push(
        `${chosen.length} TargetGroupBindings register Service "${service.name}" port ${service.port} (${chosen.map((b) => b.metadata.name).join(', ')}); cannot tell which target group is the ${track}'s`,
      );
      continue;
    }
    const binding = chosen[0]!;
    const arn = binding.spec?.targetGroupARN ?? '';
    try {
      targetGroups[track] = { arn, dimension: targetGroupDimension(arn), binding: binding.metadata.name ?? '' };
    } catch (error) {
      problems.push(`TargetGroupBinding "${binding.metadata.name}": ${(error as Error).message}`);
    }
  }
  if (problems.length) throw new Error(`Cannot find the ALB target groups of Ingress "${ingress.metadata.name}": ${problems.join('; ')}.`);
  const hostname = ingress.status?.loadBalancer?.ingress?.find((i) => i.hostname)?.hostname;
  return { hostname, targetGroups };
}

/**
 * The one load balancer in front of every track's target group, in its
 * dimension form. A target group can sit behind several ALBs; then the
 * Ingress status's DNS name decides.
 */
export function chooseLoadBalancer(
  groups: readonly { arn: string; loadBalancerArns: readonly string[] }[],
  balancers: readonly { arn: string; dnsName?: string }[],
  hostname: string | undefined,
): { arn: string; dimension: string } {
  const common = groups.reduce<string[] | undefined>(
    (shared, g) => (shared === undefined ? [...g.loadBalancerArns] : shared.filter((arn) => g.loadBalancerArns.includes(arn))),
    undefined,
  );
  if (!common || common.length === 0) {
    const detached = groups.filter((g) => g.loadBalancerArns.length === 0).map((g) => g.arn);
    throw new Error(
      detached.length
        ? `target group(s) ${detached.join(', ')} are not attached to a load balancer yet; the controller attaches them when it writes the listener rules`
        : 'the tracks’ target groups share no load balancer, so their metrics cannot be compared',
    );
  }
  let arn = common[0]!;
  if (common.length > 1) {
    const named = balancers.filter(
      (b) => common.includes(b.arn) && hostname !== undefined && b.dnsName?.toLowerCase() === hostname.toLowerCase(),
    );
    if (named.length !== 1)
      throw new Error(
        `the target groups sit behind ${common.length} load balancers and the Ingress status names ${hostname ? `"${hostname}", which matches ${named.length}` : 'none'}`,
      );
    arn = named[0]!.arn;
  }
  return { arn, dimension: loadBalancerDimension(arn) };
}

/** The ELBv2 reads, as packages/aws/elbv2.ts makes them. */
export interface LoadBalancerLookup {
  describeTargetGroups(arns: readonly string[]): Promise<{ arn: string; loadBalancerArns: string[] }[]>;
  describeLoadBalancers(arns: readonly string[]): Promise<{ arn: string; dnsName?: string }[]>;
}

/** Every dimension the CloudWatch queries need: the load balancer and each track's target group. */
export interface AlbMetricTargets {
  loadBalancer: string;
  targetGroups: Record<string, string>;
}

export async function resolveAlbMetricTargets(discovery: AlbDiscovery, elb: LoadBalancerLookup): Promise<AlbMetricTargets> {
  const tracks = Object.entries(discovery.targetGroups);
  const groups = await elb.describeTargetGroups(tracks.map(([, tg]) => tg.arn));
  const missing = tracks.filter(([, tg]) => !groups.some((g) => g.arn === tg.arn)).map(([track, tg]) => `${track} (${tg.arn})`);
  if (missing.length)
    throw new Error(`Elastic Load Balancing does not know the target group(s) of ${missing.join(', ')}; they may have been deleted`);
  const candidates = [...new Set(groups.flatMap((g) => g.loadBalancerArns))];
  const balancers = candidates.length > 1 ? await elb.describeLoadBalancers(candidates) : [];
  const { dimension } = chooseLoadBalancer(groups, balancers, discovery.hostname);
  return { loadBalancer: dimension, targetGroups: Object.fromEntries(tracks.map(([track, tg]) => [track, tg.dimension])) };
}
