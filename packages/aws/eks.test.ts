import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { ca, fakeEks } from '../../test/support/fake-eks';
import { describeEksCluster } from './eks';

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
