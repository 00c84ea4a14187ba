import { ConfigurationError } from '../core/errors';
import { awsProxyOptions, type AwsProxyOptions } from './proxy';

/**
 * Options every AWS client of the suite shares. Credentials are left to the
 * SDK's default chain on purpose: that is what makes OIDC through
 * aws-actions/configure-aws-credentials (env vars or a web-identity token
 * file) work without any input of ours. The SDK also honours
 * AWS_ENDPOINT_URL, which is how tests reach moto.
 */
export interface AwsClientOptions extends AwsProxyOptions {
  region: string;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  customUserAgent: string;
}

/** Standard retries give exponential backoff with jitter; 5 attempts ride out a burst of throttling. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** Resolve the region from the action input, then the variables configure-aws-credentials sets. */
export function resolveRegion(input: string | undefined, inputName: string, env: NodeJS.ProcessEnv = process.env): string {
  const region = findRegion(input, inputName, env);
  if (!region) {
    throw new ConfigurationError(
      `No AWS region: input "${inputName}" is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set. ` +
        `Set "${inputName}" or run aws-actions/configure-aws-credentials with "aws-region" before this step.`,
      inputName,
    );
  }
  return region;
}

/** Like resolveRegion, for a step that may run without AWS: undefined when no region is set anywhere. */
export function findRegion(input: string | undefined, inputName: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  // The first source that is set wins; an error names that source, not the input when it was empty.
  const sources: [string, string | undefined][] = [
    [`Input "${inputName}"`, input],
    ['The environment variable AWS_REGION', env.AWS_REGION],
    ['The environment variable AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION],
  ];
  const found = sources.find(([, value]) => value?.trim());
  if (!found) return undefined;
  const [source, value] = found;
  const region = value!.trim();
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    const fix =
      source === sources[0]![0]
        ? `Use an AWS region code such as "us-east-1".`
        : `Fix it where it is set (aws-actions/configure-aws-credentials' "aws-region", or the job's env:) to a region code such as "us-east-1", or set input "${inputName}", which takes precedence.`;
    throw new ConfigurationError(`${source} is invalid: got ${JSON.stringify(region)}. ${fix}`, inputName);
  }
  return region;
}

export function awsClientOptions(region: string, actionName: string, env: NodeJS.ProcessEnv = process.env): AwsClientOptions {
  const mode = env.AWS_RETRY_MODE === 'adaptive' ? 'adaptive' : 'standard';
  const attempts = Number(env.AWS_MAX_ATTEMPTS);
  return {
    region,
    maxAttempts: Number.isInteger(attempts) && attempts > 0 ? attempts : DEFAULT_MAX_ATTEMPTS,
    retryMode: mode,
    // Shows up in CloudTrail's userAgent, so an account owner can tell which action made a call.
    customUserAgent: `flightdeck/${actionName}`,
    // The SDK alone ignores HTTPS_PROXY/NO_PROXY, which self-hosted runners behind a proxy need.
    ...awsProxyOptions(env),
  };
}
