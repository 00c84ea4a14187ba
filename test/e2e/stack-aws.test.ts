/**
 * The AWS side of the local stack works end to end the way the actions use it:
 * moto answers ECR and EKS, and the token from ECR's GetAuthorizationToken logs
 * the real Docker engine into the TLS registry behind the ECR hostname, where a
 * pushed image really lands.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, DeleteRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateClusterCommand, DeleteClusterCommand, DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mustRun, runProgram } from '../stack/commands';
import { loadStackEnv, type StackEnv } from '../stack/env';

const stack: StackEnv = loadStackEnv();
const awsClientConfig = {
  region: stack.AWS_REGION,
  endpoint: stack.AWS_ENDPOINT_URL,
  credentials: { accessKeyId: stack.AWS_ACCESS_KEY_ID, secretAccessKey: stack.AWS_SECRET_ACCESS_KEY },
};
const suffix = randomBytes(4).toString('hex');

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request to the registry's HTTP API, trusting only the CA given. */
function registryRequest(
  method: 'GET' | 'DELETE',
  path: string,
  options: { auth?: string; accept?: string; ca?: Buffer | undefined } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: stack.ECR_REGISTRY,
        port: 443,
        path,
        method,
        ca: options.ca,
        headers: {
          ...(options.auth ? { authorization: `Basic ${Buffer.from(options.auth).toString('base64')}` } : {}),
          ...(options.accept ? { accept: options.accept } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const registryGet = (path: string, options: Parameters<typeof registryRequest>[2] = {}) => registryRequest('GET', path, options);

describe('local stack: environment', () => {
  it('reaches test workers through the global setup, as process.env and inject()', () => {
    for (const name of ['AWS_ENDPOINT_URL', 'ECR_REGISTRY', 'REGISTRY_CA_FILE', 'KUBECONFIG'] as const) {
      expect(process.env[name], name).toBe(stack[name]);
    }
    expect(inject('stackEnv')).toEqual(stack);
  });

  it('points an SDK client configured from the environment alone at moto', async () => {
    // How the actions build their clients: no endpoint in code, AWS_ENDPOINT_URL from the environment.
    const fromEnv = new ECRClient({});
    const answer = await fromEnv.send(new GetAuthorizationTokenCommand({}));
    expect(answer.authorizationData?.[0]?.proxyEndpoint).toBe(`https://${stack.ECR_REGISTRY}`);
  });
});

describe('local stack: ECR in moto, the TLS registry and the Docker engine', () => {
  const ecr = new ECRClient(awsClientConfig);
  const repositoryName = `stack-check/tiny-${suffix}`;
  const tag = `t-${suffix}`;
  const imageRef = `${stack.ECR_REGISTRY}/${repositoryName}:${tag}`;
  const ca = readFileSync(stack.REGISTRY_CA_FILE);
  // A private Docker config keeps this login out of the machine's ~/.docker.
  const dockerConfigDir = mkdtempSync(join(tmpdir(), 'flightdeck-docker-config-'));
  const dockerEnv = { ...process.env, DOCKER_CONFIG: dockerConfigDir };
  let registryUser = '';
  let registryPassword = '';
  let pushedDigest: string | undefined;

  beforeAll(async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
  });

  afterAll(async () => {
    // The registry keeps what was pushed; delete it so repeated runs leave nothing behind.
    if (pushedDigest) {
      await registryRequest('DELETE', `/v2/${repositoryName}/manifests/${pushedDigest}`, {
        ca,
        auth: `${registryUser}:${registryPassword}`,
      }).catch(() => undefined);
    }
    await ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true })).catch(() => undefined);
    runProgram('docker', ['image', 'rm', '--force', imageRef]);
    rmSync(dockerConfigDir, { recursive: true, force: true });
  });

  it('hands out an authorization token for the ECR hostname of the registry', async () => {
    const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = answer.authorizationData?.[0];
    expect(data?.proxyEndpoint).toBe(`https://${stack.ECR_REGISTRY}`);
    const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    registryUser = decoded.slice(0, separator);
    registryPassword = decoded.slice(separator + 1);
    expect(registryUser).toBe('AWS');
    expect(registryPassword.length).toBeGreaterThan(0);
  });

  it('serves the registry over TLS that only the stack CA verifies, with auth required', async () => {
    await expect(registryGet('/v2/')).rejects.toThrow(/certificate/i);
    expect((await registryGet('/v2/', { ca })).status).toBe(401);
    expect((await registryGet('/v2/', { ca, auth: 'AWS:not-the-token' })).status).toBe(401);
    expect((await registryGet('/v2/', { ca, auth: `${registryUser}:${registryPassword}` })).status).toBe(200);
  });

  it('refuses docker login with a wrong password', () => {
    const login = runProgram('docker', ['login', '--username', 'AWS', '--password-stdin', stack.ECR_REGISTRY], {
      input: 'not-the-token',
      env: dockerEnv,
    });
    expect(login.status).not.toBe(0);
    expect(login.stderr).toMatch(/unauthorized|401/i);
  });

  it('logs in with the ECR token and pushes an image that lands in the registry', async () => {
    // An image with one static file needs no base image (nothing can be pulled here).
    const rootfs = mkdtempSync(join(tmpdir(), 'flightdeck-tiny-image-'));
    try {
      writeFileSync(join(rootfs, 'hello.txt'), `flightdeck stack check ${suffix}\n`);
      const tarball = join(rootfs, 'rootfs.tar');
      mustRun('tar', ['-C', rootfs, '-cf', tarball, 'hello.txt']);
      mustRun('docker', ['import', tarball, imageRef], { env: dockerEnv });
    } finally {
      rmSync(rootfs, { recursive: true, force: true });
    }

    const login = mustRun('docker', ['login', '--username', registryUser, '--password-stdin', stack.ECR_REGISTRY], {
      input: registryPassword,
      env: dockerEnv,
    });
    expect(login).toMatch(/Login Succeeded/);

    const push = mustRun('docker', ['push', imageRef], { env: dockerEnv });
    pushedDigest = /digest: (sha256:[0-9a-f]{64})/.exec(push)?.[1];
    expect(pushedDigest).toBeDefined();

    const auth = `${registryUser}:${registryPassword}`;
    const tags = await registryGet(`/v2/${repositoryName}/tags/list`, { ca, auth });
    expect(tags.status).toBe(200);
    expect(JSON.parse(tags.body)).toEqual({ name: repositoryName, tags: [tag] });

    const manifest = await registryGet(`/v2/${repositoryName}/manifests/${tag}`, {
      ca,
      auth,
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers['docker-content-digest']).toBe(pushedDigest);
  });
});

describe('local stack: EKS in moto', () => {
  const eks = new EKSClient(awsClientConfig);
  const clusterName = `stack-check-${suffix}`;

  afterAll(async () => {
    await eks.send(new DeleteClusterCommand({ name: clusterName })).catch(() => undefined);
  });

  it('describes a cluster it created', async () => {
    await eks.send(
      new CreateClusterCommand({
        name: clusterName,
        roleArn: `arn:aws:iam::${stack.AWS_ACCOUNT_ID}:role/flightdeck-eks-cluster`,
        resourcesVpcConfig: { subnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'] },
      }),
    );
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: clusterName }));
    expect(cluster?.name).toBe(clusterName);
    expect(cluster?.status).toBe('ACTIVE');
    expect(cluster?.arn).toBe(`arn:aws:eks:${stack.AWS_REGION}:${stack.AWS_ACCOUNT_ID}:cluster/${clusterName}`);
    expect(cluster?.endpoint).toMatch(/^https:\/\//);
  });
});

describe('local stack: CloudWatch in moto', () => {
  const cloudwatch = new CloudWatchClient(awsClientConfig);
  const alarmName = `stack-check-${suffix}`;

  afterAll(async () => {
    await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [alarmName] })).catch(() => undefined);
  });

  // Guards the wire protocol: some client versions speak Smithy RPC v2 CBOR, which moto does not answer.
  it('stores an alarm and the state it is set to, over the protocol the pinned client speaks', async () => {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        Namespace: 'Flightdeck/StackCheck',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'stack check' }));
    const { MetricAlarms } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }));
    expect(MetricAlarms?.map((alarm) => [alarm.AlarmName, alarm.StateValue])).toEqual([[alarmName, 'ALARM']]);
  });
});
