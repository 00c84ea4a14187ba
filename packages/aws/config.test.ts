import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { awsClientOptions, resolveRegion } from './config';

describe('resolveRegion', () => {
  it('prefers the input, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(resolveRegion('eu-west-1', 'region', { AWS_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(resolveRegion(undefined, 'region', { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'us-west-2' })).toBe('us-east-2');
    expect(resolveRegion(undefined, 'region', { AWS_DEFAULT_REGION: 'us-west-2' })).toBe('us-west-2');
  });

  it('says how to set a missing region, naming the input', () => {
    let error: unknown;
    try {
      resolveRegion(undefined, 'region', {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).input).toBe('region');
    expect((error as Error).message).toContain('configure-aws-credentials');
  });

  it('rejects something that is not a region code', () => {
    expect(() => resolveRegion('US East', 'region', {})).toThrow(/Input "region" is invalid/);
  });
});

describe('awsClientOptions', () => {
  it('retries with standard backoff and identifies the action', () => {
    expect(awsClientOptions('us-east-1', 'build-push-ecr', {})).toEqual({
      region: 'us-east-1',
      maxAttempts: 5,
      retryMode: 'standard',
      customUserAgent: 'flightdeck/build-push-ecr',
    });
  });

  it('honours the SDK retry variables', () => {
    expect(awsClientOptions('us-east-1', 'x', { AWS_RETRY_MODE: 'adaptive', AWS_MAX_ATTEMPTS: '8' })).toMatchObject({
      retryMode: 'adaptive',
      maxAttempts: 8,
    });
  });
});
