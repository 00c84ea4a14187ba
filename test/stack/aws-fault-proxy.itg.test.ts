/**
 * The fault proxy against moto: injected errors reach the SDK as AWS's would
 * (code, status, retry behaviour), and everything else passes through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeRepositoriesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { cborStringMap, startAwsFaultProxy, type AwsFaultProxy } from './aws-fault-proxy';

let proxy: AwsFaultProxy;

beforeAll(async () => {
  proxy = await startAwsFaultProxy({ target: process.env.AWS_ENDPOINT_URL });
});

afterAll(async () => proxy?.close());

function ecr(maxAttempts = 3): ECRClient {
  return new ECRClient({ region: 'us-east-1', endpoint: proxy.url, maxAttempts });
}

describe('aws-fault-proxy', () => {
  it('throttles an operation N times, after which the SDK retry reaches moto', async () => {
    proxy.clearRules();
    proxy.addRule({ operation: 'GetAuthorizationToken', times: 2, error: { code: 'ThrottlingException', message: 'Rate exceeded' } });
    const before = proxy.calls.length;
    const response = await ecr(3).send(new GetAuthorizationTokenCommand({}));
    expect(response.authorizationData?.[0]?.proxyEndpoint).toContain('.dkr.ecr.us-east-1.amazonaws.com');
    expect(proxy.calls.slice(before).map((call) => [call.operation, call.status, call.injected])).toEqual([
      ['GetAuthorizationToken', 400, true],
      ['GetAuthorizationToken', 400, true],
      ['GetAuthorizationToken', 200, false],
    ]);
  });

  it('gives up when throttling outlasts the attempts, with the AWS error code', async () => {
    proxy.clearRules();
    proxy.addRule({ operation: 'GetAuthorizationToken', error: { code: 'ThrottlingException' } });
    await expect(ecr(2).send(new GetAuthorizationTokenCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400, attempts: 2 },
    });
  });

  it('denies access once, which the SDK does not retry', async () => {
    proxy.clearRules();
    proxy.addRule({ operation: 'DescribeRepositories', error: { code: 'AccessDeniedException', message: 'not authorized' } });
    const before = proxy.count('DescribeRepositories');
    await expect(ecr(5).send(new DescribeRepositoriesCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'not authorized',
    });
    expect(proxy.count('DescribeRepositories') - before).toBe(1);
  });

  it('matches REST operations with a predicate and answers in REST JSON', async () => {
    proxy.clearRules();
    proxy.addRule({
      operation: (request) => request.method === 'GET' && request.path.startsWith('/clusters/prod'),
      error: { code: 'ResourceNotFoundException', message: 'No cluster found for name: prod.', status: 404 },
    });
    const eks = new EKSClient({ region: 'us-east-1', endpoint: proxy.url, maxAttempts: 1 });
    await expect(eks.send(new DescribeClusterCommand({ name: 'prod' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    eks.destroy();
  });

  it('answers query-protocol operations (Action= form field) with an XML error', async () => {
    proxy.clearRules();
    proxy.addRule({
      operation: 'GetCallerIdentity',
      error: { code: 'ExpiredToken', message: 'The security token included in the request is expired' },
    });
    const response = await fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(
      '<Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message>',
    );
  });

  it('answers Smithy RPC v2 CBOR operations in CBOR', async () => {
    proxy.clearRules();
    proxy.addRule({ operation: 'PutMetricData', error: { code: 'Throttling', message: 'slow down' } });
    const response = await fetch(`${proxy.url}/service/GraniteServiceVersion20100801/operation/PutMetricData`, {
      method: 'POST',
      headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' },
      body: new Uint8Array([0xa0]),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('smithy-protocol')).toBe('rpc-v2-cbor');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(cborStringMap({ __type: 'Throttling', message: 'slow down' }));
  });

  it('encodes CBOR text lengths past one byte', () => {
    const long = 'x'.repeat(300);
    const encoded = cborStringMap({ m: long });
    // map(1), text(1) "m", text header 0x79 + 2-byte length 300
    expect([...encoded.subarray(0, 6)]).toEqual([0xa1, 0x61, 0x6d, 0x79, 0x01, 0x2c]);
    expect(encoded.length).toBe(6 + 300);
  });
});
