import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { awsClientOptions, findRegion, resolveRegion } from './config';

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

  it('blames a bad AWS_REGION on the variable, not on the empty input', () => {
    expect(() => findRegion(undefined, 'aws-region', { AWS_REGION: 'US East' })).toThrow(
      /^The environment variable AWS_REGION is invalid: got "US East"\. Fix it where it is set .* or set input "aws-region", which takes precedence\.$/,
    );
    expect(() => resolveRegion('', 'aws-region', { AWS_DEFAULT_REGION: 'mars' })).toThrow(
      /^The environment variable AWS_DEFAULT_REGION is invalid/,
    );
    // The input wins over a bad variable, and is what an error about it names.
    expect(findRegion('eu-west-1', 'aws-region', { AWS_REGION: 'US East' })).toBe('eu-west-1');
    expect(() => findRegion('eu west', 'aws-region', { AWS_REGION: 'us-east-1' })).toThrow(/^Input "aws-region" is invalid: got "eu west"/);
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
