/**
 * Bad input, through the bundled actions as the runner runs them: each case
 * fails with an error that names the input, and the cluster is exactly as it
 * was (every Deployment, Service, Ingress and Lease keeps its resourceVersion).
 * Then the EKS path: an unknown cluster (moto's DescribeCluster), a cluster
 * still CREATING, and the bearer token an ACTIVE cluster's apiserver receives,
 * checked by aws-iam-authenticator's rules.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from '../../scripts/harness/run-step';
import { createTestNamespace, type TestNamespace } from '../stack/namespaces';
import { verifyEksToken } from '../support/eks-token-verifier';
import { baseInputs, createApp, IMAGE_REPO, snapshot, type App } from './deploy-support';

let namespace: TestNamespace;
let app: App;

beforeAll(async () => {
  namespace = await createTestNamespace('deploy-inputs');
  app = await createApp(namespace.name);
  const ws = app.workspace;
  writeFileSync(join(ws, 'broken.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n spec: [unclosed\n');
  writeFileSync(join(ws, 'service-only.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n');
  mkdirSync(join(ws, 'empty-dir'));
});

afterAll(async () => {
  await app?.watcher.stop();
  await namespace?.delete();
});

const GOOD = `${IMAGE_REPO}:9.9.9`;

/** input at fault, the inputs to change, what the message must say. */
const CASES: [string, string, Record<string, string | undefined>, RegExp][] = [
  ['percentage 0', 'percentage', { percentage: '0' }, /whole percentage from 1 to 100/],
  ['percentage 101', 'percentage', { percentage: '101' }, /whole percentage from 1 to 100/],
  ['percentage abc', 'percentage', { percentage: 'abc' }, /whole percentage from 1 to 100/],
  ['steps that do not increase', 'steps', { steps: '10,50,25' }, /must increase \(50 is followed by 25\)/],
  ['an unknown traffic mode', 'traffic', { traffic: 'istio' }, /Use one of: pod, alb/],
  ['missing manifests', 'manifests', { manifests: 'does-not-exist/' }, /does not exist/],
  ['malformed YAML', 'manifests', { manifests: 'broken.yaml' }, /malformed YAML/],
  ['manifests with no Deployment', 'manifests', { manifests: 'service-only.yaml' }, /contain no Deployment/],
  ['a directory with no YAML', 'manifests', { manifests: 'empty-dir' }, /holds no \.yaml, \.yml or \.json file/],
  ['an image not in the manifests', 'images', { images: 'other.local/api:1.0.0' }, /no container in the manifests uses "other.local\/api"/],
  ['a deployment not in the manifests', 'deployment', { deployment: 'api' }, /names "api", but the manifests define "web"/],
  ['both kubeconfig and cluster-name', 'cluster-name', { 'cluster-name': 'prod' }, /not both/],
  [
    'a kubeconfig that does not exist',
    'kubeconfig',
    { kubeconfig: '/nonexistent/kubeconfig' },
    /neither kubeconfig YAML or JSON, nor base64 of one, nor a readable file: no file at \/nonexistent\/kubeconfig\./,
  ],
  ['a negative bake time', 'bake-time', { 'bake-time': '-30s' }, /non-negative duration/],
  ['a negative ready timeout', 'ready-timeout', { 'ready-timeout': '-5m' }, /non-negative duration/],
  ['a negative rollout timeout', 'rollout-timeout', { 'rollout-timeout': '-1h' }, /non-negative duration/],
  ['a bad URL', 'http-url', { 'http-url': 'localhost:8080/health' }, /http:\/\/ or https/],
  ['a success rate over 100', 'http-success-rate', { 'http-url': 'http://127.0.0.1:1/', 'http-success-rate': '150' }, /from 0 to 100/],
  ['maxSurge and maxUnavailable both 0', 'max-unavailable', { 'max-surge': '0', 'max-unavailable': '0' }, /cannot both be 0/],
  [
    'half a Prometheus check',
    'prometheus-query',
    { 'prometheus-url': 'http://127.0.0.1:9090', 'prometheus-max': '0.01' },
    /required when any Prometheus input is set/,
  ],
  ['a bad namespace', 'namespace', { namespace: 'Not_A_Namespace' }, /namespace name/],
  ['ALB mode without an Ingress', 'ingress', { traffic: 'alb' }, /needs an Ingress that routes to Service "web"/],
];

describe('bad input changes nothing', () => {
  it.each(CASES)('refuses %s, naming "%s"', async (_name, input, change, message) => {
    const before = await snapshot(namespace.name);
    const inputs: Record<string, string> = { ...baseInputs(app, GOOD) };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) delete inputs[key];
      else inputs[key] = value;
    }
    const run = await runStep('canary-deploy', { cwd: app.workspace, inputs, post: false });
    expect(run.exitCode).toBe(1);
    const error = run.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toContain(`"${input}"`);
    expect(error).toMatch(message);
    expect(await snapshot(namespace.name)).toEqual(before);
  });

  it('the root action validates the same way', async () => {
    const before = await snapshot(namespace.name);
    const run = await runStep('release', { cwd: app.workspace, inputs: { ...baseInputs(app, GOOD), steps: '50,25' }, post: false });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toMatch(/Input "steps" is invalid/);
    expect(await snapshot(namespace.name)).toEqual(before);
  });
});

/** A stand-in for the EKS API (DescribeCluster is GET /clusters/<name>) and, for an ACTIVE cluster, an apiserver that records the token. */
async function fakeEks(status: string): Promise<{ url: string; tokens: string[]; close: () => Promise<void> }> {
  const tokens: string[] = [];
  let base = '';
  const server: Server = createServer((req: IncomingMessage, res) => {
    res.setHeader('content-type', 'application/json');
    const cluster = /^\/clusters\/([^/?]+)/.exec(req.url ?? '');
    if (cluster) {
      res.end(
        JSON.stringify({
          cluster: {
            name: decodeURIComponent(cluster[1]!),
            status,
            endpoint: `${base}/k8s`,
            certificateAuthority: { data: Buffer.from('not used over http').toString('base64') },
            version: '1.34',
          },
        }),
      );
      return;
    }
    tokens.push((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    res.statusCode = 401;
    res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, tokens, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('EKS cluster access', () => {
  it('refuses an unknown cluster (moto DescribeCluster), changing nothing', async () => {
    const before = await snapshot(namespace.name);
    const run = await runStep('canary-deploy', {
      cwd: app.workspace,
      inputs: { ...baseInputs(app, GOOD), kubeconfig: '', 'cluster-name': 'no-such-cluster', 'aws-region': 'us-east-1' },
      post: false,
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toMatch(/Input "cluster-name": no EKS cluster named "no-such-cluster" in region us-east-1/);
    expect(await snapshot(namespace.name)).toEqual(before);
  });

  it('refuses a cluster that is still CREATING, changing nothing', async () => {
    const eks = await fakeEks('CREATING');
    try {
      const before = await snapshot(namespace.name);
      const run = await runStep('canary-deploy', {
        cwd: app.workspace,
        env: { AWS_ENDPOINT_URL: eks.url },
        inputs: { ...baseInputs(app, GOOD), kubeconfig: '', 'cluster-name': 'prod', 'aws-region': 'us-east-1' },
        post: false,
      });
      expect(run.exitCode).toBe(1);
      expect(run.annotations[0]?.message).toMatch(/EKS cluster "prod" is CREATING: it is still being created/);
      expect(eks.tokens).toEqual([]);
      expect(await snapshot(namespace.name)).toEqual(before);
    } finally {
      await eks.close();
    }
  });

  it('sends an ACTIVE cluster a bearer token that aws-iam-authenticator accepts for that cluster only', async () => {
    const eks = await fakeEks('ACTIVE');
    try {
      const run = await runStep('rollback', {
        env: { AWS_ENDPOINT_URL: eks.url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
        inputs: { 'cluster-name': 'prod', 'aws-region': 'us-east-1', namespace: namespace.name, deployment: 'web' },
      });
      expect(run.exitCode).toBe(1);
      expect(run.annotations[0]?.message).toMatch(/Unauthorized/);
      expect(eks.tokens.length).toBeGreaterThan(0);
      const token = eks.tokens[0]!;
      // Masked: the token appears only in the ::add-mask:: command the runner consumes.
      const printed = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
      expect(printed.join('\n')).not.toContain(token.slice(12, 60));
      expect(run.stdout).toContain(`::add-mask::${token}`);
      const verified = verifyEksToken(token, { clusterName: 'prod', secretAccessKey: 'testing' });
      expect(verified).toMatchObject({ accessKeyId: 'testing', region: 'us-east-1' });
      expect(verified.expiresSeconds).toBe(60);
      expect(() => verifyEksToken(token, { clusterName: 'staging', secretAccessKey: 'testing' })).toThrow();
    } finally {
      await eks.close();
    }
  });
});
