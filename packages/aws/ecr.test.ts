import { describe, expect, it, vi } from 'vitest';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  PutLifecyclePolicyCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { ConfigurationError } from '../core/errors';
import { ensureRepository, findRepository, getRegistryLogin, lifecyclePolicy, registryHost, type EcrSender } from './ecr';

const metadata = { httpStatusCode: 400 };

const { setSecret } = vi.hoisted(() => ({ setSecret: vi.fn() }));
vi.mock('@actions/core', async (importOriginal) => ({ ...(await importOriginal<object>()), setSecret, info: vi.fn() }));

/** A stand-in for ECRClient: answers each command class with a function of its input, and records the calls. */
function fakeEcr(handlers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const calls: Array<{ command: string; input: Record<string, unknown> }> = [];
  const sender = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      calls.push({ command: name, input: command.input });
      const handler = handlers[name];
      if (!handler) throw new Error(`unexpected ${name}`);
      return handler(command.input);
    },
  } as unknown as EcrSender;
  return { sender, calls };
}

describe('getRegistryLogin', () => {
  it('decodes the token and masks the password before returning', async () => {
    const token = Buffer.from('AWS:s3cr3t-password').toString('base64');
    const { sender, calls } = fakeEcr({
      [GetAuthorizationTokenCommand.name]: () => ({
        authorizationData: [{ authorizationToken: token, proxyEndpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com' }],
      }),
    });
    const login = await getRegistryLogin(sender, '123456789012');
    expect(login).toMatchObject({ registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com', username: 'AWS', password: 's3cr3t-password' });
    expect(setSecret).toHaveBeenCalledWith(token);
    expect(setSecret).toHaveBeenCalledWith('s3cr3t-password');
    expect(calls[0]!.input).toEqual({ registryIds: ['123456789012'] });
  });

  it('refuses a token without a password', async () => {
    const { sender } = fakeEcr({
      [GetAuthorizationTokenCommand.name]: () => ({
        authorizationData: [{ authorizationToken: Buffer.from('nopassword').toString('base64'), proxyEndpoint: 'https://r' }],
      }),
    });
    await expect(getRegistryLogin(sender)).rejects.toThrow('not "user:password"');
  });
});

describe('registryHost', () => {
  it('keeps host and port of the proxy endpoint', () => {
    expect(registryHost('https://1.dkr.ecr.us-east-1.amazonaws.com')).toBe('1.dkr.ecr.us-east-1.amazonaws.com');
    expect(registryHost('https://127.0.0.1:9')).toBe('127.0.0.1:9');
  });
});

describe('ensureRepository', () => {
  const settings = { name: 'team/web', scanOnPush: true, immutableTags: true, keepImages: 30 };

  it('creates the repository with scan on push, immutable tags and a lifecycle policy', async () => {
    const { sender, calls } = fakeEcr({
      [CreateRepositoryCommand.name]: (input) => ({
        repository: { repositoryUri: `r/${input.repositoryName}`, imageTagMutability: input.imageTagMutability },
      }),
      [PutLifecyclePolicyCommand.name]: () => ({}),
    });
    expect(await ensureRepository(sender, settings)).toEqual({
      uri: 'r/team/web',
      created: true,
      tagMutability: 'IMMUTABLE',
      scanOnPush: undefined,
    });
    expect(calls[0]!.input).toMatchObject({
      repositoryName: 'team/web',
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(JSON.parse(calls[1]!.input.lifecyclePolicyText as string).rules[0].selection).toEqual({
      tagStatus: 'any',
      countType: 'imageCountMoreThan',
      countNumber: 30,
    });
  });

  it('leaves an existing repository unchanged', async () => {
    const { sender, calls } = fakeEcr({
      [CreateRepositoryCommand.name]: () => {
        throw new RepositoryAlreadyExistsException({ message: 'exists', $metadata: metadata });
      },
      [DescribeRepositoriesCommand.name]: () => ({ repositories: [{ repositoryUri: 'r/team/web', imageTagMutability: 'MUTABLE' }] }),
    });
    expect(await ensureRepository(sender, settings)).toMatchObject({ created: false, tagMutability: 'MUTABLE' });
    expect(calls.map((call) => call.command)).toEqual(['CreateRepositoryCommand', 'DescribeRepositoriesCommand']);
  });
});

describe('findRepository', () => {
  it('names the repository input when the repository is missing', async () => {
    const { sender } = fakeEcr({
      [DescribeRepositoriesCommand.name]: () => {
        throw new RepositoryNotFoundException({ message: 'not found', $metadata: metadata });
      },
    });
    const error = await findRepository(sender, 'team/web').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).input).toBe('repository');
    expect((error as Error).message).toContain('"create-repository: true"');
  });
});

describe('lifecyclePolicy', () => {
  it('is valid JSON with one expiring rule', () => {
    expect(JSON.parse(lifecyclePolicy(5)).rules).toHaveLength(1);
  });
});
