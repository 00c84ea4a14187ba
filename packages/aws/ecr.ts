import * as core from '@actions/core';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  PutLifecyclePolicyCommand,
  type Repository,
} from '@aws-sdk/client-ecr';
import { ConfigurationError } from '../core/errors';
import { maskSecret } from '../core/log';
import type { AwsClientOptions } from './config';
import { awsErrorCode, explainAwsError } from './errors';
import { awsProxyOptions } from './proxy';

/** The narrow slice of ECRClient we use, so tests can hand in a fake without a mocking library. */
export interface EcrSender {
  send: ECRClient['send'];
}

export function createEcrClient(options: AwsClientOptions): ECRClient {
  return new ECRClient({ ...options, ...awsProxyOptions() });
}

export interface RegistryLogin {
  /** Host (and port, if any) that `docker login` and image references use. */
  registry: string;
  username: string;
  password: string;
  expiresAt?: Date;
}

/**
 * ecr:GetAuthorizationToken through the default credential chain. The
 * password is registered as a secret before this function returns anything,
 * so no later log line can print it.
 */
export async function getRegistryLogin(client: EcrSender, registryId?: string): Promise<RegistryLogin> {
  let response;
  try {
    response = await client.send(new GetAuthorizationTokenCommand(registryId ? { registryIds: [registryId] } : {}));
  } catch (error) {
    throw explainAwsError(error, 'ecr:GetAuthorizationToken');
  }
  const data = response.authorizationData?.[0];
  const token = data?.authorizationToken;
  maskSecret(token);
  if (!token || !data?.proxyEndpoint) throw new Error('ecr:GetAuthorizationToken returned no authorization data.');
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  maskSecret(password);
  if (colon < 1 || password === '') throw new Error('ecr:GetAuthorizationToken returned a token that is not "user:password".');
  return { registry: registryHost(data.proxyEndpoint), username: decoded.slice(0, colon), password, expiresAt: data.expiresAt };
}

/** ECR's proxyEndpoint is a URL ("https://<acct>.dkr.ecr.<region>.amazonaws.com"); docker wants the host. */
export function registryHost(proxyEndpoint: string): string {
  let url: URL;
  try {
    url = new URL(proxyEndpoint.includes('://') ? proxyEndpoint : `https://${proxyEndpoint}`);
  } catch {
    throw new Error(`ecr:GetAuthorizationToken returned a proxyEndpoint that is not a URL: ${JSON.stringify(proxyEndpoint)}.`);
  }
  return url.host;
}

export interface RepositorySettings {
  name: string;
  registryId?: string;
  scanOnPush: boolean;
  immutableTags: boolean;
  /** Keep this many most recent images; older ones expire. Undefined: no lifecycle policy. */
  keepImages?: number;
}

export interface RepositoryState {
  uri?: string;
  created: boolean;
  tagMutability?: string;
  scanOnPush?: boolean;
}

/**
 * Create the repository if it is missing. An existing repository is left as
 * it is: its owners may have tuned it, and an image push must not rewrite that.
 */
export async function ensureRepository(client: EcrSender, settings: RepositorySettings): Promise<RepositoryState> {
  let repository: Repository | undefined;
  try {
    ({ repository } = await client.send(
      new CreateRepositoryCommand({
        repositoryName: settings.name,
        registryId: settings.registryId,
        imageTagMutability: settings.immutableTags ? 'IMMUTABLE' : 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: settings.scanOnPush },
        tags: [{ Key: 'managed-by', Value: 'flightdeck' }],
      }),
    ));
  } catch (error) {
    if (awsErrorCode(error) !== 'RepositoryAlreadyExistsException') throw explainAwsError(error, 'ecr:CreateRepository');
    core.info(`Repository ${settings.name} already exists; its settings are left unchanged.`);
    return findRepository(client, settings.name, settings.registryId);
  }
  if (settings.keepImages !== undefined) {
    try {
      await client.send(
        new PutLifecyclePolicyCommand({
          repositoryName: settings.name,
          registryId: settings.registryId,
          lifecyclePolicyText: lifecyclePolicy(settings.keepImages),
        }),
      );
    } catch (error) {
      throw explainAwsError(error, 'ecr:PutLifecyclePolicy');
    }
  }
  return describe(repository, true);
}

/** Fails with a ConfigurationError when the repository does not exist: pushing would fail later, after a long build. */
export async function findRepository(client: EcrSender, name: string, registryId?: string): Promise<RepositoryState> {
  try {
    const { repositories } = await client.send(new DescribeRepositoriesCommand({ repositoryNames: [name], registryId }));
    return describe(repositories?.[0], false);
  } catch (error) {
    if (awsErrorCode(error) === 'RepositoryNotFoundException') {
      throw new ConfigurationError(
        `ECR repository "${name}" does not exist${registryId ? ` in registry ${registryId}` : ''}. ` +
          'Create it (e.g. with the CloudFormation stack) or set input "create-repository: true".',
        'repository',
      );
    }
    throw explainAwsError(error, 'ecr:DescribeRepositories');
  }
}

function describe(repository: Repository | undefined, created: boolean): RepositoryState {
  return {
    uri: repository?.repositoryUri,
    created,
    tagMutability: repository?.imageTagMutability,
    scanOnPush: repository?.imageScanningConfiguration?.scanOnPush,
  };
}

/** One rule: keep the newest N images of any tag status; ECR expires the rest. */
export function lifecyclePolicy(keepImages: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Keep the ${keepImages} most recent images (set by flightdeck build-push-ecr)`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
    ],
  });
}
