import { describe, expect, it } from 'vitest';
import { ImageAlreadyExistsException, ImageTagAlreadyExistsException } from '@aws-sdk/client-ecr';
import { ConfigurationError } from '../core/errors';
import { awsErrorCode, explainAwsError } from './errors';

const metadata = { httpStatusCode: 400, requestId: 'req-1' };

/** The shape the SDK gives a service error it has no class for (ECR models no AccessDeniedException). */
function serviceError(name: string, message: string) {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: metadata });
}

describe('explainAwsError', () => {
  it('turns AccessDenied into a ConfigurationError naming the IAM action', () => {
    const error = explainAwsError(serviceError('AccessDeniedException', 'User is not authorized'), 'ecr:GetAuthorizationToken');
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(
      'AWS denied ecr:GetAuthorizationToken: User is not authorized (request id req-1). Grant "ecr:GetAuthorizationToken"',
    );
  });

  it('explains an expired session', () => {
    const expired = serviceError('ExpiredTokenException', 'The security token included in the request is expired');
    const error = explainAwsError(expired, 'ecr:DescribeRepositories');
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('rejected the credentials for ecr:DescribeRepositories (ExpiredTokenException)');
  });

  it('explains missing credentials', () => {
    const missing = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(explainAwsError(missing, 'ecr:GetAuthorizationToken').message).toContain('No AWS credentials were found');
  });

  it('explains an unreachable endpoint from the socket error code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' });
    expect(explainAwsError(refused, 'ecr:GetAuthorizationToken').message).toContain(
      'Could not reach the AWS endpoint for ecr:GetAuthorizationToken (ECONNREFUSED)',
    );
  });

  it('keeps the AWS code of anything else', () => {
    const error = explainAwsError(new ImageTagAlreadyExistsException({ message: 'tag exists', $metadata: metadata }), 'ecr:PutImage');
    expect(error).not.toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe('ecr:PutImage failed (ImageTagAlreadyExistsException): tag exists (request id req-1)');
  });

  it('reads the code of both the AWS and the moto spelling of a tag conflict', () => {
    expect(awsErrorCode(new ImageAlreadyExistsException({ message: 'x', $metadata: metadata }))).toBe('ImageAlreadyExistsException');
    expect(awsErrorCode(new ImageTagAlreadyExistsException({ message: 'x', $metadata: metadata }))).toBe('ImageTagAlreadyExistsException');
  });
});
