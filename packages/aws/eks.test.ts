import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { connectCluster } from '../kube/cluster';
import { verifyEksToken } from '../../test/support/eks-token-verifier';
import { describeEksCluster, type EksSender } from './eks';

/** A hand-written stand-in for EKSClient: answers DescribeCluster from a table (moto cannot make a cluster CREATING). */
function fakeEks(
  cluster: Record<string, unknown> | Error,
): EksSender & { config: { credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string }> } } {
  return {
    send: (async (command: { input: { name: string } }) => {
      if (cluster instanceof Error) throw cluster;
      return { cluster: { name: command.input.name, ...cluster } };
    }) as EksSender['send'],
    config: { credentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'testing' }) },
  };
}

const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n').toString('base64');

describe('describeEksCluster', () => {
  it('returns endpoint, decoded CA and status for an ACTIVE cluster', async () => {
    const info = await describeEksCluster(
      fakeEks({ status: 'ACTIVE', endpoint: 'https://abc.eks.amazonaws.com', certificateAuthority: { data: ca }, version: '1.34' }),
      'prod',
      'us-east-1',
    );
    expect(info).toMatchObject({ name: 'prod', endpoint: 'https://abc.eks.amazonaws.com', status: 'ACTIVE', version: '1.34' });
    expect(info.certificateAuthority.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('accepts UPDATING: the API stays up during a version update', async () => {
    await expect(
      describeEksCluster(fakeEks({ status: 'UPDATING', endpoint: 'https://x', certificateAuthority: { data: ca } }), 'prod', 'us-east-1'),
    ).resolves.toMatchObject({ status: 'UPDATING' });
  });

  it.each([
    ['CREATING', /is CREATING: it is still being created/],
    ['DELETING', /is DELETING: it is being deleted/],
    ['FAILED', /is FAILED: its creation failed/],
  ])('refuses a %s cluster and says why', async (status, message) => {
    const call = describeEksCluster(fakeEks({ status, endpoint: 'https://x', certificateAuthority: { data: ca } }), 'prod', 'us-east-1');
    await expect(call).rejects.toBeInstanceOf(ConfigurationError);
    await expect(call).rejects.toThrow(message);
    await expect(call).rejects.toThrow(/Input "cluster-name"/);
  });

  it('names an unknown cluster and the region', async () => {
    const notFound = Object.assign(new Error('No cluster found for name: nope.'), { name: 'ResourceNotFoundException' });
    await expect(describeEksCluster(fakeEks(notFound), 'nope', 'eu-west-1')).rejects.toThrow(
      /no EKS cluster named "nope" in region eu-west-1/,
    );
  });
});

describe('connectCluster', () => {
  it('refuses both kubeconfig and cluster-name, and neither', async () => {
    await expect(connectCluster({ kubeconfig: 'x', clusterName: 'prod', region: 'us-east-1' })).rejects.toThrow(/both given/);
    await expect(connectCluster({})).rejects.toThrow(/No cluster given/);
  });

  it('reaches an EKS cluster with a bearer token the authenticator accepts', async () => {
    let token = '';
    const server = createServer((request, response) => {
      token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'NamespaceList', metadata: {}, items: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const connection = await connectCluster({
        clusterName: 'prod',
        region: 'us-east-1',
        eks: fakeEks({ status: 'ACTIVE', endpoint, certificateAuthority: { data: ca } }),
      });
      expect(connection.description).toMatch(/EKS cluster "prod" \(ACTIVE/);
      await connection.client.list({ apiVersion: 'v1', kind: 'Namespace' });
      connection.client.close();
      expect(verifyEksToken(token, { clusterName: 'prod', secretAccessKey: 'testing' }).accessKeyId).toBe('AKIDTEST');
    } finally {
      server.close();
    }
  });
});
