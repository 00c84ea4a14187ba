import { describe, expect, it } from 'vitest';
import { TokenRejected, verifyEksToken } from '../../test/support/eks-token-verifier';
import { createEksToken, EksTokenProvider, TOKEN_PREFIX } from './eks-token';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'testing' };
const signingDate = new Date('2026-11-29T10:00:00Z');

describe('createEksToken', () => {
  it('makes a token aws-iam-authenticator accepts for its cluster', async () => {
    const { token, expiresAt } = await createEksToken({ clusterName: 'flightdeck', region: 'us-east-1', credentials, signingDate });
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(token).not.toMatch(/=/);
    const verified = verifyEksToken(token, { clusterName: 'flightdeck', secretAccessKey: 'testing', now: signingDate });
    expect(verified).toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
      region: 'us-east-1',
      host: 'sts.us-east-1.amazonaws.com',
      expiresSeconds: 60,
    });
    expect(expiresAt.getTime() - signingDate.getTime()).toBe(15 * 60_000);
  });

  it('signs x-k8s-aws-id: the URL carries it only among the signed headers', async () => {
    const { token } = await createEksToken({ clusterName: 'flightdeck', region: 'eu-west-1', credentials, signingDate });
    const url = new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString());
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
  });

  it('is rejected by a cluster it was not made for', async () => {
    const { token } = await createEksToken({ clusterName: 'other-cluster', region: 'us-east-1', credentials, signingDate });
    expect(() => verifyEksToken(token, { clusterName: 'flightdeck', secretAccessKey: 'testing', now: signingDate })).toThrow(
      /signature does not match/,
    );
  });

  it('carries the session token of temporary credentials', async () => {
    const { token } = await createEksToken({
      clusterName: 'c',
      region: 'us-east-1',
      credentials: { ...credentials, sessionToken: 'SESSION/+=' },
      signingDate,
    });
    const url = new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString());
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('SESSION/+=');
    expect(verifyEksToken(token, { clusterName: 'c', secretAccessKey: 'testing', now: signingDate }).accessKeyId).toBe('AKIDEXAMPLE');
  });
});

describe('verifyEksToken rejects what the authenticator rejects', () => {
  const make = () => createEksToken({ clusterName: 'flightdeck', region: 'us-east-1', credentials, signingDate });
  const reencode = (token: string, edit: (url: URL) => void) => {
    const url = new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString());
    edit(url);
    return TOKEN_PREFIX + Buffer.from(url.toString()).toString('base64url');
  };
  const options = { clusterName: 'flightdeck', secretAccessKey: 'testing', now: signingDate };

  it('a missing prefix', async () => {
    const { token } = await make();
    expect(() => verifyEksToken(token.slice(TOKEN_PREFIX.length), options)).toThrow(TokenRejected);
  });
  it('padded or non-url base64', async () => {
    const { token } = await make();
    expect(() => verifyEksToken(`${token}==`, options)).toThrow(/base64url/);
  });
  it('a host that is not STS', async () => {
    const { token } = await make();
    expect(() =>
      verifyEksToken(
        reencode(token, (url) => (url.host = 'sts.evil.example.com')),
        options,
      ),
    ).toThrow(/STS host/);
  });
  it('another action', async () => {
    const { token } = await make();
    expect(() =>
      verifyEksToken(
        reencode(token, (url) => url.searchParams.set('Action', 'AssumeRole')),
        options,
      ),
    ).toThrow(/GetCallerIdentity/);
  });
  it('an expiry over 900 seconds', async () => {
    const { token } = await make();
    expect(() =>
      verifyEksToken(
        reencode(token, (url) => url.searchParams.set('X-Amz-Expires', '3600')),
        options,
      ),
    ).toThrow(/X-Amz-Expires/);
  });
  it('an unsigned cluster header', async () => {
    const { token } = await make();
    expect(() =>
      verifyEksToken(
        reencode(token, (url) => url.searchParams.set('X-Amz-SignedHeaders', 'host')),
        options,
      ),
    ).toThrow(/x-k8s-aws-id/);
  });
  it('a token older than 15 minutes', async () => {
    const { token } = await make();
    expect(() => verifyEksToken(token, { ...options, now: new Date(signingDate.getTime() + 16 * 60_000) })).toThrow(/15-minute/);
  });
  it('a wrong secret', async () => {
    const { token } = await make();
    expect(() => verifyEksToken(token, { ...options, secretAccessKey: 'other' })).toThrow(/signature/);
  });
});

describe('EksTokenProvider', () => {
  it('reuses a token for 10 minutes, then mints a new one; a forced refresh mints at once', async () => {
    let now = signingDate;
    const provider = new EksTokenProvider(
      { clusterName: 'flightdeck', region: 'us-east-1', credentials: async () => credentials },
      () => now,
    );
    const first = await provider.get();
    now = new Date(signingDate.getTime() + 9 * 60_000);
    expect(await provider.get()).toBe(first);
    now = new Date(signingDate.getTime() + 10 * 60_000 + 1000);
    const second = await provider.get();
    expect(second).not.toBe(first);
    verifyEksToken(second, { clusterName: 'flightdeck', secretAccessKey: 'testing', now });
    now = new Date(now.getTime() + 1000);
    expect(await provider.get(true)).not.toBe(second);
  });
});
