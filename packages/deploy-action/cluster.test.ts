import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { verifyEksToken } from '../../test/support/eks-token-verifier';
import { ca, fakeEks } from '../../test/support/fake-eks';
import { connectCluster } from './cluster';

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
