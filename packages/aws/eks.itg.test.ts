/**
 * DescribeCluster against moto (AWS_ENDPOINT_URL from .stack/env): request and
 * response shapes through the real SDK client. moto makes clusters ACTIVE at
 * once and its CA is random text, so the refusal of CREATING clusters is a
 * unit test (eks.test.ts) and rollouts use the local apiserver.
 */
import { CreateClusterCommand, DeleteClusterCommand } from '@aws-sdk/client-eks';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyEksToken } from '../../test/support/eks-token-verifier';
import { ConfigurationError } from '../core/errors';
import { createEksClient, describeEksCluster } from './eks';
import { EksTokenProvider } from './eks-token';

const region = process.env.AWS_REGION ?? 'us-east-1';
const eks = createEksClient(region, 'itg');
const name = `flightdeck-itg-${randomBytes(3).toString('hex')}`;

afterAll(async () => {
  await eks.send(new DeleteClusterCommand({ name })).catch(() => undefined);
  eks.destroy();
});

describe('EKS on moto', () => {
  it('describes an ACTIVE cluster and signs a token with the client credentials', async () => {
    await eks.send(
      new CreateClusterCommand({
        name,
        roleArn: `arn:aws:iam::${process.env.AWS_ACCOUNT_ID ?? '123456789012'}:role/eks`,
        resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] },
      }),
    );
    const info = await describeEksCluster(eks, name, region);
    expect(info.status).toBe('ACTIVE');
    expect(info.endpoint).toMatch(/^https:\/\//);
    expect(info.certificateAuthority.length).toBeGreaterThan(0);

    const provider = new EksTokenProvider({ clusterName: name, region, credentials: eks.config.credentials });
    const token = await provider.get();
    const verified = verifyEksToken(token, { clusterName: name, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing' });
    expect(verified).toMatchObject({ accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'testing', region, expiresSeconds: 60 });
    expect(() => verifyEksToken(token, { clusterName: 'another-cluster', secretAccessKey: 'testing' })).toThrow(/signature/);
  });

  it('refuses an unknown cluster with a ConfigurationError naming the input', async () => {
    const call = describeEksCluster(eks, 'does-not-exist', region);
    await expect(call).rejects.toBeInstanceOf(ConfigurationError);
    await expect(call).rejects.toThrow(/no EKS cluster named "does-not-exist" in region us-east-1/);
  });
});
