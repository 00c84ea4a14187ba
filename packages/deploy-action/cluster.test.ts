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

  it("makes the token of `aws eks update-kubeconfig`'s exec user in-process, for its cluster name and region, running nothing", async () => {
    let token = '';
    const server = createServer((request, response) => {
      token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'NamespaceList', metadata: {}, items: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const kubeconfig = [
        'apiVersion: v1',
        'kind: Config',
        'current-context: eks',
        `clusters: [{ name: eks, cluster: { server: "${endpoint}" } }]`,
        'users:',
        '- name: eks',
        '  user:',
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1beta1',
        // A command that does not exist here: it would fail if anything tried to run it.
        '      command: /nonexistent/aws',
        '      args: [--region, eu-west-1, eks, get-token, --cluster-name, shop, --output, json]',
        'contexts: [{ name: eks, context: { cluster: eks, user: eks } }]',
      ].join('\n');
      const connection = await connectCluster({
        kubeconfig,
        allowInsecure: true,
        eks: fakeEks({ status: 'ACTIVE', endpoint, certificateAuthority: { data: ca } }),
      });
      expect(connection.description).toContain('EKS token for cluster "shop" made in-process');
      await connection.client.list({ apiVersion: 'v1', kind: 'Namespace' });
      connection.client.close();
      const verified = verifyEksToken(token, { clusterName: 'shop', secretAccessKey: 'testing' });
      expect(verified).toMatchObject({ accessKeyId: 'AKIDTEST', region: 'eu-west-1', host: 'sts.eu-west-1.amazonaws.com' });
      expect(() => verifyEksToken(token, { clusterName: 'other', secretAccessKey: 'testing' })).toThrow();
    } finally {
      server.close();
    }
  });

  it('refuses an EKS exec user with no region anywhere, naming the inputs to set', async () => {
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'current-context: eks',
      'clusters: [{ name: eks, cluster: { server: "https://eks.example" } }]',
      'users: [{ name: eks, user: { exec: { command: aws, args: [eks, get-token, --cluster-name, shop] } } }]',
      'contexts: [{ name: eks, context: { cluster: eks, user: eks } }]',
    ].join('\n');
    const saved = { region: process.env.AWS_REGION, fallback: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      await expect(connectCluster({ kubeconfig })).rejects.toThrow(/names no region\. Set "aws-region" or AWS_REGION/);
    } finally {
      if (saved.region !== undefined) process.env.AWS_REGION = saved.region;
      if (saved.fallback !== undefined) process.env.AWS_DEFAULT_REGION = saved.fallback;
    }
  });
});
