import { ConfigurationError, errorMessage } from '../core/errors';

/**
 * Turns what the AWS SDK throws into a message a workflow author can act on.
 * Permission and credential problems are ConfigurationErrors (the fix is in the
 * workflow or the IAM role, not in a retry); anything else keeps its AWS code.
 */

interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export function awsErrorCode(error: unknown): string {
  const shape = (error ?? {}) as AwsErrorShape;
  return shape.name && shape.name !== 'Error' ? shape.name : (shape.code ?? 'Error');
}

const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation', 'UnauthorizedException']);
const BAD_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'TimeoutError']);

/**
 * @param action what we were doing, e.g. `ecr:GetAuthorizationToken` — it is the
 *   IAM action the role needs, so the message can say exactly what to grant.
 */
export function explainAwsError(error: unknown, action: string): Error {
  const code = awsErrorCode(error);
  const detail = errorMessage(error);
  const requestId = (error as AwsErrorShape | undefined)?.$metadata?.requestId;
  const suffix = requestId ? ` (request id ${requestId})` : '';
  if (ACCESS_DENIED.has(code)) {
    return new ConfigurationError(
      `AWS denied ${action}: ${detail}${suffix}. Grant "${action}" to the role this job assumes (see the README's IAM policy), ` +
        'and check that configure-aws-credentials ran before this step with the intended role.',
    );
  }
  if (BAD_CREDENTIALS.has(code)) {
    return new ConfigurationError(
      `AWS rejected the credentials for ${action} (${code}): ${detail}${suffix}. The session may have expired or the keys are wrong; ` +
        'run aws-actions/configure-aws-credentials in the same job, right before this step.',
    );
  }
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(detail)) {
    return new ConfigurationError(
      `No AWS credentials were found for ${action}. Add aws-actions/configure-aws-credentials (OIDC: "permissions: id-token: write") before this step.`,
    );
  }
  if (NETWORK.has(code) || NETWORK.has((error as AwsErrorShape | undefined)?.code ?? '')) {
    return new Error(`Could not reach the AWS endpoint for ${action} (${code}): ${detail}. Check the network, proxy or AWS_ENDPOINT_URL.`);
  }
  return new Error(`${action} failed (${code}): ${detail}${suffix}`);
}
