/**
 * The EKS path end to end: the cluster is a moto EKS cluster (CreateCluster,
 * DescribeCluster), whose answer is pointed at a local stand-in for EKS's
 * authenticating front (test/support/eks-front.ts). That front accepts the
 * action's token only by aws-iam-authenticator's rules, asks moto's STS who
 * the caller is, and hands the request to the real apiserver as that caller
 * in the deployer group, so the release runs under the least-privilege Role
 * with no kubeconfig at all.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterEach, describe, expect, it } from 'vitest';
import { runStep } from '../../scripts/harness/run-step';
import { startAwsFaultProxy, type AwsFaultProxy } from '../stack/aws-fault-proxy';
import { stackDir } from '../stack/env';
import { startEksFront, type EksFront } from '../support/eks-front';
import { admin, baseInputs, IMAGE_REPO, snapshot, STABLE_IMAGE, stableImage, useDeployScenarios } from './deploy-support';

const DEPLOYER_GROUP = 'flightdeck-deployers';
const scenario = useDeployScenarios();
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A moto EKS cluster, the front for it (expecting `frontClusterName`), and an AWS endpoint whose DescribeCluster points at the front. */
async function eksCluster(frontClusterName?: string): Promise<{ name: string; front: EksFront; aws: AwsFaultProxy }> {
  const name = `e2e-${randomBytes(4).toString('hex')}`;
  const eks = new EKSClient({ region: 'us-east-1' });
  await eks.send(
    new CreateClusterCommand({ name, roleArn: 'arn:aws:iam::123456789012:role/eks-cluster', resourcesVpcConfig: { subnetIds: [] } }),
  );
  eks.destroy();
  const front = await startEksFront({
    clusterName: frontClusterName ?? name,
    group: DEPLOYER_GROUP,
    pkiDir: join(stackDir(), 'k8s/pki'),
    apiserver: process.env.KUBE_APISERVER!,
    stsEndpoint: process.env.AWS_ENDPOINT_URL!,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,
  });
  closers.push(front.close);
  // moto's endpoint is a name nobody serves: keep its answer, but with the front's address and CA.
  const aws = await startAwsFaultProxy({
    rules: [
      {
        operation: (request) => request.method === 'GET' && request.path.startsWith(`/clusters/${name}`),
        transform: (body) => {
          const cluster = (body as { cluster: Record<string, unknown> }).cluster;
          return { cluster: { ...cluster, endpoint: front.url, certificateAuthority: { data: front.caData } } };
        },
      },
    ],
  });
  closers.push(aws.close);
  return { name, front, aws };
}

/** What an EKS access entry does for the pipeline's IAM role: the deployer Role, bound to its group in this namespace. */
async function bindDeployerGroup(namespace: string): Promise<void> {
  await admin().post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'flightdeck-deployers', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flightdeck-deployer' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEPLOYER_GROUP }],
  });
}

describe('EKS: cluster-name instead of a kubeconfig', () => {
  it('releases through DescribeCluster and an in-process token the cluster authenticates', async () => {
    const { namespace: ns, workspace } = await scenario.setUp('deploy-eks');
    await bindDeployerGroup(ns);
    const { name, front, aws } = await eksCluster();
    const run = await runStep('release', {
      cwd: workspace,
      env: { AWS_ENDPOINT_URL: aws.url },
      inputs: { ...baseInputs(scenario.app, `${IMAGE_REPO}:8.0.0`), kubeconfig: '', 'cluster-name': name, 'aws-region': 'us-east-1' },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('promoted');
    expect(await stableImage(ns)).toBe(`${IMAGE_REPO}:8.0.0`);
    expect(aws.calls.filter((c) => c.path.startsWith(`/clusters/${name}`)).length).toBe(1);
    // Every API request carried a token the front accepted, as moto's STS identity.
    expect(front.rejected).toEqual([]);
    expect(front.accepted.length).toBeGreaterThan(10);
    expect(new Set(front.accepted)).toEqual(new Set(['arn:aws:sts::123456789012:user/moto']));
    expect(run.stdout).toContain(`Connected to EKS cluster "${name}"`);
  });

  it('is refused by a cluster that is not the one its token names, and changes nothing', async () => {
    const { namespace: ns, workspace } = await scenario.setUp('deploy-eks-wrong');
    await bindDeployerGroup(ns);
    const { name, front, aws } = await eksCluster('some-other-cluster');
    const before = await snapshot(ns);
    const run = await runStep('release', {
      cwd: workspace,
      env: { AWS_ENDPOINT_URL: aws.url },
      inputs: { ...baseInputs(scenario.app, `${IMAGE_REPO}:8.0.1`), kubeconfig: '', 'cluster-name': name, 'aws-region': 'us-east-1' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /^Unauthorized: the apiserver rejected the credentials .*access entry on the cluster/,
    );
    expect(front.accepted).toEqual([]);
    expect(front.rejected[0]).toMatch(/signature does not match for cluster "some-other-cluster"/);
    expect(await snapshot(ns)).toEqual(before);
    expect(await stableImage(ns)).toBe(STABLE_IMAGE);
  });
});

describe('EKS: the kubeconfig aws eks update-kubeconfig writes', () => {
  it('releases with its exec user, whose token is made in-process (no aws binary is run)', async () => {
    const { namespace: ns, workspace } = await scenario.setUp('deploy-eks-exec');
    await bindDeployerGroup(ns);
    const { name, front } = await eksCluster();
    const arn = `arn:aws:eks:us-east-1:123456789012:cluster/${name}`;
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'fd-eks-kc-')), 'config');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `current-context: ${arn}`,
        `clusters: [{ name: "${arn}", cluster: { server: "${front.url}", certificate-authority-data: ${front.caData} } }]`,
        `contexts: [{ name: "${arn}", context: { cluster: "${arn}", user: "${arn}" } }]`,
        'users:',
        `- name: "${arn}"`,
        '  user:',
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1beta1',
        // Not on the runner's PATH here: the release must not try to run it.
        '      command: aws',
        `      args: [--region, us-east-1, eks, get-token, --cluster-name, ${name}, --output, json]`,
      ].join('\n'),
    );
    const run = await runStep('release', {
      cwd: workspace,
      env: { PATH: '/usr/bin:/bin' },
      inputs: { ...baseInputs(scenario.app, `${IMAGE_REPO}:8.1.0`), kubeconfig },
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('promoted');
    expect(await stableImage(ns)).toBe(`${IMAGE_REPO}:8.1.0`);
    expect(front.rejected).toEqual([]);
    expect(new Set(front.accepted)).toEqual(new Set(['arn:aws:sts::123456789012:user/moto']));
    expect(run.stdout).toContain(`EKS token for cluster "${name}" made in-process`);
  });
});
