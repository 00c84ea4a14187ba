import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startConnectProxy, type ConnectProxy } from '../../test/support/connect-proxy';
import { cloudWatchAlarmReader } from '../analysis/cloudwatch-client';
import { createEcrClient } from './ecr';
import { awsClientOptions } from './config';
import { createEksClient, describeEksCluster } from './eks';
import { awsProxyOptions } from './proxy';

/** An endpoint standing in for the AWS APIs: EKS DescribeCluster, and an empty answer for anything else. */
let endpoint: Server;
let proxy: ConnectProxy;
const saved = { ...process.env };

beforeEach(async () => {
  endpoint = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    if (request.url?.startsWith('/clusters/')) {
      response.end(
        JSON.stringify({
          cluster: { name: 'prod', status: 'ACTIVE', endpoint: 'https://prod.eks.example', certificateAuthority: { data: 'Q0E=' } },
        }),
      );
    } else {
      response.end('{}');
    }
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  proxy = await startConnectProxy();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
    AWS_MAX_ATTEMPTS: '1',
    HTTP_PROXY: proxy.url,
  });
  delete process.env.NO_PROXY;
  delete process.env.no_proxy;
});

afterEach(async () => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  endpoint.closeAllConnections();
  await new Promise((resolve) => endpoint.close(resolve));
  await proxy.close();
});

describe('AWS SDK clients behind a proxy', () => {
  it('send EKS, ECR and CloudWatch calls through HTTP_PROXY', async () => {
    const eks = createEksClient('eu-west-1', 'test');
    expect((await describeEksCluster(eks, 'prod', 'eu-west-1')).endpoint).toBe('https://prod.eks.example');
    await createEcrClient(awsClientOptions('eu-west-1', 'test'))
      .send(new (await import('@aws-sdk/client-ecr')).DescribeRepositoriesCommand({}))
      .catch(() => undefined);
    await cloudWatchAlarmReader('eu-west-1', 'test')
      .describeAlarms(['cpu'])
      .catch(() => undefined);
    const origin = process.env.AWS_ENDPOINT_URL!;
    expect(proxy.requests.map(({ method, target }) => `${method} ${target.startsWith(origin) ? 'endpoint' : target}`)).toEqual([
      'GET endpoint',
      'POST endpoint',
      'POST endpoint',
    ]);
    expect(proxy.requests[0]!.target).toBe(`${origin}/clusters/prod`);
  });

  it('go direct to a host in NO_PROXY', async () => {
    process.env.NO_PROXY = '127.0.0.1';
    await describeEksCluster(createEksClient('eu-west-1', 'test'), 'prod', 'eu-west-1');
    expect(proxy.requests).toEqual([]);
  });

  it('keep the SDK defaults when no proxy is set', () => {
    expect(awsProxyOptions({})).toEqual({});
    expect(awsProxyOptions({ https_proxy: 'http://proxy:3128' }).requestHandler?.httpsAgent).toMatchObject({
      keepAlive: true,
      proxyEnv: { https_proxy: 'http://proxy:3128' },
    });
  });
});
