/**
 * build-push-ecr, bundled, run as the runner runs it, against the real Docker
 * engine, the local registry at the ECR hostname, and moto for the ECR API.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient, GetLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { REPO_ROOT, runStep, runPost, startStep, type StepResult } from '../../scripts/harness/run-step';
import { startAwsFaultProxy, type AwsFaultProxy } from '../stack/aws-fault-proxy';
import { registryApi, type RegistryApi } from '../stack/registry-api';
import { mustRun, runProgram } from '../stack/commands';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/image');
/** The harness's GITHUB_SHA, so the sha tag is known. */
const SHA_TAG = 'sha-0123456';

let registry: string;
let password: string;
let api: RegistryApi;
let ecr: ECRClient;

beforeAll(() => {
  registry = process.env.ECR_REGISTRY!;
  password = `${process.env.AWS_ACCOUNT_ID}-auth-token`;
  api = registryApi();
  ecr = new ECRClient({ region: process.env.AWS_REGION });
});

afterAll(() => {
  ecr?.destroy();
  // Drop the local copies of what these tests built: every one is under e2e/bpe-*.
  const ids = runProgram('docker', ['images', '--quiet', '--filter', `reference=${registry}/e2e/*`])
    .stdout.split('\n')
    .filter(Boolean);
  if (ids.length > 0) runProgram('docker', ['image', 'rm', '--force', ...new Set(ids)]);
});

function uniqueName(): string {
  return `e2e/bpe-${randomBytes(4).toString('hex')}`;
}

/** A workspace holding a copy of the fixture context, plus a private DOCKER_CONFIG. */
function workspace(): { dir: string; dockerConfig: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bpe-ws-'));
  cpSync(FIXTURE, join(dir, 'app'), { recursive: true });
  return { dir, dockerConfig: mkdtempSync(join(tmpdir(), 'bpe-docker-')) };
}

function dockerAuths(dockerConfig: string): Record<string, unknown> {
  const file = join(dockerConfig, 'config.json');
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, 'utf8')) as { auths?: Record<string, unknown> }).auths ?? {};
}

/**
 * The password, raw or inside the base64 token, must appear nowhere the runner
 * shows or another process could see. `::add-mask::` lines are the one
 * exception: they are how core.setSecret hands a secret to the runner, which
 * swallows them, so they are checked to come before any use instead.
 */
function expectNoSecret(step: StepResult, { masked = true } = {}): void {
  const forms = [password, Buffer.from(`AWS:${password}`).toString('base64')];
  const lines = step.stdout.split('\n');
  const maskLines = lines.filter((line) => line.startsWith('::add-mask::'));
  if (masked) {
    for (const form of forms) expect(maskLines).toContain(`::add-mask::${form}`);
    const firstMask = lines.findIndex((line) => line === `::add-mask::${password}`);
    const login = lines.findIndex((line) => line.includes('Log in to '));
    if (login >= 0) expect(firstMask).toBeLessThan(login);
  }
  const shown = lines.filter((line) => !line.startsWith('::add-mask::')).join('\n');
  const places = {
    stdout: shown,
    stderr: step.stderr,
    summary: step.summary,
    outputs: JSON.stringify(step.outputs),
    argv: step.argvSeen.join('\n'),
  };
  for (const [place, text] of Object.entries(places)) {
    for (const form of forms) expect(text.includes(form), `secret found in ${place}`).toBe(false);
  }
}

async function registrySnapshot(): Promise<Record<string, string[]>> {
  const snapshot: Record<string, string[]> = {};
  for (const repository of await api.catalog()) snapshot[repository] = await api.tags(repository);
  return snapshot;
}

function errorMessages(step: StepResult): string {
  return step.annotations
    .filter((annotation) => annotation.level === 'error')
    .map((annotation) => annotation.message)
    .join('\n');
}

describe('build-push-ecr pushes to the registry', () => {
  it('creates the repository, pushes, reports the digest the registry serves, keeps the password out of sight and logs out', async () => {
    const { dir, dockerConfig } = workspace();
    const repository = uniqueName();
    const extraTag = `e2e-${randomBytes(3).toString('hex')}`;
    const started = startStep('build-push-ecr', {
      cwd: dir,
      watchArgv: true,
      env: { DOCKER_CONFIG: dockerConfig },
      inputs: {
        repository,
        context: 'app',
        'create-repository': 'true',
        'lifecycle-keep-images': '10',
        tags: extraTag,
        'build-args': `FIXTURE_VERSION=${extraTag}`,
      },
    });
    const main = await started.result;
    expect(main.exitCode, main.stdout + main.stderr).toBe(0);

    const image = `${registry}/${repository}`;
    const digest = main.outputs.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(main.outputs).toMatchObject({ registry, image, 'image-ref': `${image}@${digest}` });
    // The new repository has immutable tags, so the moving branch tag "main" is left out, with a notice.
    expect(main.outputs.tags!.split('\n')).toEqual([`${image}:${SHA_TAG}`, `${image}:${extraTag}`]);
    expect(main.annotations.some((annotation) => annotation.level === 'notice' && annotation.message.includes('Not pushing main'))).toBe(
      true,
    );

    // The registry itself serves exactly that digest for every tag, and nothing else.
    expect(await api.tags(repository)).toEqual([extraTag, SHA_TAG].sort());
    for (const tag of [SHA_TAG, extraTag]) expect(await api.manifestDigest(repository, tag)).toBe(digest);

    // The image pulls back by digest (after dropping the local copies) and carries the OCI labels and the build arg.
    const dockerEnv = { ...process.env, DOCKER_CONFIG: dockerConfig };
    runProgram('docker', ['image', 'rm', '--force', `${image}:${SHA_TAG}`, `${image}:${extraTag}`], { env: dockerEnv });
    mustRun('docker', ['pull', `${image}@${digest}`], { env: dockerEnv });
    const inspected = JSON.parse(mustRun('docker', ['image', 'inspect', `${image}@${digest}`], { env: dockerEnv }))[0] as {
      RepoDigests: string[];
      Config: { Labels: Record<string, string> };
    };
    expect(inspected.RepoDigests).toContain(`${image}@${digest}`);
    expect(inspected.Config.Labels).toMatchObject({
      'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
      'org.opencontainers.image.source': 'https://github.com/flightdeck-dev/sample',
      'org.opencontainers.image.version': SHA_TAG,
      'com.flightdeck.fixture.version': extraTag,
    });

    // moto holds the repository as the action asked for it.
    const { repositories } = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
    expect(repositories?.[0]).toMatchObject({ imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true } });
    const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repository }));
    expect(JSON.parse(policy.lifecyclePolicyText!).rules[0].selection.countNumber).toBe(10);

    // The summary tells what happened.
    expect(main.summary).toContain(digest);
    expect(main.summary).toContain('Build with classic');
    expect(main.summary).toMatch(/\| Push 2 tag\(s\) \| [\d.]+m?s \|/);

    // Logged in during main (the sampler saw docker login read its password from stdin), out after post.
    expect(main.argvSeen.some((argv) => argv.includes(`docker login --username AWS --password-stdin ${registry}`))).toBe(true);
    expect(Object.keys(dockerAuths(dockerConfig))).toContain(registry);
    const post = await runPost('build-push-ecr', started, main.state, { watchArgv: true });
    expect(post.exitCode, post.stdout + post.stderr).toBe(0);
    expect(Object.keys(dockerAuths(dockerConfig))).not.toContain(registry);
    expectNoSecret(main);
    expectNoSecret(post, { masked: false });
  });

  it('tags a release as x.y.z, x.y and x in a mutable repository, and stays logged in with skip-logout', async () => {
    const { dir, dockerConfig } = workspace();
    const repository = uniqueName();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repository, imageTagMutability: 'MUTABLE' }));
    const run = await runStep('build-push-ecr', {
      cwd: dir,
      env: { DOCKER_CONFIG: dockerConfig, GITHUB_REF: 'refs/tags/v1.4.2', GITHUB_REF_NAME: 'v1.4.2', GITHUB_REF_TYPE: 'tag' },
      inputs: { repository, context: 'app', 'skip-logout': 'true' },
    });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const image = `${registry}/${repository}`;
    expect(run.outputs.tags!.split('\n')).toEqual([SHA_TAG, '1.4.2', '1.4', '1'].map((tag) => `${image}:${tag}`));
    for (const tag of [SHA_TAG, '1.4.2', '1.4', '1']) expect(await api.manifestDigest(repository, tag)).toBe(run.outputs.digest);
    expect(run.post?.exitCode).toBe(0);
    expect(Object.keys(dockerAuths(dockerConfig))).toContain(registry);
    expectNoSecret(run);
  });
});

describe('build-push-ecr with push: false', () => {
  it('builds into the local engine without any AWS access (a pull request has no credentials)', async () => {
    const { dir, dockerConfig } = workspace();
    const repository = uniqueName();
    const before = await registrySnapshot();
    // No credentials, no region, and an AWS endpoint nobody listens on: any AWS call would fail the step.
    const noAws = {
      DOCKER_CONFIG: dockerConfig,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
    };
    const local = await runStep('build-push-ecr', { cwd: dir, env: noAws, inputs: { repository, context: 'app', push: 'false' } });
    try {
      expect(local.exitCode, local.stdout + local.stderr).toBe(0);
      expect(local.stdout).not.toMatch(/Authenticate to ECR|Log in to/);
      expect(local.outputs.image).toBe(repository);
      expect(local.outputs.registry).toBe('');
      expect(local.outputs.digest).toBe('');
      expect(local.outputs.tags!.split('\n')).toEqual([`${repository}:${SHA_TAG}`, `${repository}:main`]);
      const inspected = mustRun('docker', ['image', 'inspect', '--format', '{{.Id}}', `${repository}:${SHA_TAG}`]).trim();
      expect(local.outputs['image-id']).toBe(inspected);
      expect(local.summary).toContain(`Built ${repository} (not pushed)`);
      expect(local.post?.exitCode).toBe(0);
      expect(dockerAuths(dockerConfig)).toEqual({});

      // Given the account, the local image carries the ECR name a later push would use; still no AWS call.
      const named = await runStep('build-push-ecr', {
        cwd: dir,
        env: noAws,
        inputs: { repository, context: 'app', push: 'false', 'registry-id': process.env.AWS_ACCOUNT_ID!, region: 'us-east-1' },
      });
      expect(named.exitCode, named.stdout + named.stderr).toBe(0);
      expect(named.outputs.image).toBe(`${registry}/${repository}`);
      expect(await registrySnapshot()).toEqual(before);
    } finally {
      runProgram('docker', ['image', 'rm', '--force', `${repository}:${SHA_TAG}`, `${repository}:main`]);
    }
  });
});

describe('build-push-ecr with buildx installed', () => {
  let buildx: string;
  beforeAll(() => {
    // Built once from the Go module proxy and cached; linked only into this test's DOCKER_CONFIG.
    buildx = mustRun('bash', [join(REPO_ROOT, 'scripts/install-buildx.sh')], { timeoutMs: 1_800_000 }).trim();
  }, 1_800_000);

  it('builds and pushes with buildx, and the digest is the one the registry serves', async () => {
    const { dir, dockerConfig } = workspace();
    mkdirSync(join(dockerConfig, 'cli-plugins'));
    symlinkSync(buildx, join(dockerConfig, 'cli-plugins', 'docker-buildx'));
    const repository = uniqueName();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repository, imageTagMutability: 'MUTABLE' }));
    const run = await runStep('build-push-ecr', {
      cwd: dir,
      watchArgv: true,
      env: { DOCKER_CONFIG: dockerConfig },
      inputs: { repository, context: 'app', tags: 'buildx', platforms: 'linux/amd64', 'cache-type': 'inline' },
    });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const image = `${registry}/${repository}`;
    const digest = run.outputs.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.outputs.tags!.split('\n')).toEqual([`${image}:${SHA_TAG}`, `${image}:main`, `${image}:buildx`]);
    for (const tag of [SHA_TAG, 'main', 'buildx']) expect(await api.manifestDigest(repository, tag)).toBe(digest);
    // One buildx invocation pushed every tag; there was no separate docker push.
    expect(run.summary).toContain('Build with buildx');
    expect(run.summary).not.toContain('Push ');
    expect(
      run.argvSeen.some((argv) => /docker-buildx buildx build .*--platform linux\/amd64 .*--cache-to type=inline --push /.test(argv)),
    ).toBe(true);
    expectNoSecret(run);
    expect(run.post?.exitCode).toBe(0);
    expect(Object.keys(dockerAuths(dockerConfig))).not.toContain(registry);
    // The post step logged out; log in again (password on stdin) to pull the image back by digest.
    const dockerEnv = { ...process.env, DOCKER_CONFIG: dockerConfig };
    mustRun('docker', ['login', '--username', 'AWS', '--password-stdin', registry], { env: dockerEnv, input: password });
    mustRun('docker', ['pull', `${image}@${digest}`], { env: dockerEnv });
  });
});

describe('build-push-ecr when the build fails', () => {
  it('shows the failing step, pushes nothing and still logs out in the post step', async () => {
    const { dir, dockerConfig } = workspace();
    const repository = uniqueName();
    // scratch has no shell, so RUN fails: a real build error, after login.
    writeFileSync(join(dir, 'app/Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\nRUN ["/bin/false"]\n');
    const started = startStep('build-push-ecr', {
      cwd: dir,
      env: { DOCKER_CONFIG: dockerConfig },
      inputs: { repository, context: 'app', 'create-repository': 'true' },
    });
    const main = await started.result;
    expect(main.exitCode).toBe(1);
    expect(errorMessages(main)).toMatch(/^docker build of .*app\/Dockerfile failed with exit code 1\./);
    expect(errorMessages(main)).toContain('RUN ["/bin/false"]');
    expect(await api.tags(repository)).toEqual([]);
    expect(main.summary).toContain(`Failed to build and push ${registry}/${repository}`);
    expect(main.summary).toMatch(/\| Build with classic \| [\d.]+m?s \|/);
    expect(Object.keys(dockerAuths(dockerConfig))).toContain(registry);
    const post = await runPost('build-push-ecr', started, main.state);
    expect(post.exitCode).toBe(0);
    expect(Object.keys(dockerAuths(dockerConfig))).not.toContain(registry);
  });
});

describe('build-push-ecr with ECR faults and scans', () => {
  let proxy: AwsFaultProxy;
  beforeAll(async () => {
    proxy = await startAwsFaultProxy({ target: process.env.AWS_ENDPOINT_URL });
  });
  afterAll(async () => proxy?.close());

  /** moto has no scanner, and never sees images pushed to the registry: the proxy plays ECR's scan results. */
  function scanResults(counts: Record<string, number>): void {
    proxy.addRule({ operation: 'DescribeImageScanFindings', times: 1, respond: { body: { imageScanStatus: { status: 'IN_PROGRESS' } } } });
    proxy.addRule({
      operation: 'DescribeImageScanFindings',
      respond: { body: { imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: counts } } },
    });
  }

  it('rides out throttling, waits for the scan and passes under the threshold', async () => {
    const { dir, dockerConfig } = workspace();
    proxy.clearRules();
    proxy.addRule({ operation: 'GetAuthorizationToken', times: 2, error: { code: 'ThrottlingException', message: 'Rate exceeded' } });
    scanResults({ HIGH: 2, LOW: 5 });
    const before = proxy.count('GetAuthorizationToken');
    const run = await runStep('build-push-ecr', {
      cwd: dir,
      env: { DOCKER_CONFIG: dockerConfig, AWS_ENDPOINT_URL: proxy.url },
      inputs: {
        repository: uniqueName(),
        context: 'app',
        'create-repository': 'true',
        'scan-wait': 'true',
        'scan-severity-threshold': 'CRITICAL',
      },
    });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(proxy.count('GetAuthorizationToken') - before).toBe(3);
    expect(proxy.count('DescribeImageScanFindings')).toBeGreaterThanOrEqual(2);
    expect(run.summary).toMatch(/\| Scan \| HIGH: 2, LOW: 5 \|/);
    expect(run.summary).toContain('Wait for the image scan');
  });

  it('fails at or above the threshold, naming it, with the image pushed', async () => {
    const { dir, dockerConfig } = workspace();
    const repository = uniqueName();
    proxy.clearRules();
    scanResults({ CRITICAL: 1, MEDIUM: 3 });
    const run = await runStep('build-push-ecr', {
      cwd: dir,
      env: { DOCKER_CONFIG: dockerConfig, AWS_ENDPOINT_URL: proxy.url },
      inputs: { repository, context: 'app', 'create-repository': 'true', 'scan-wait': 'true' },
    });
    expect(run.exitCode).toBe(1);
    expect(errorMessages(run)).toContain('The image scan found 1 CRITICAL finding(s), at or above "scan-severity-threshold: HIGH"');
    expect(await api.manifestDigest(repository, SHA_TAG)).toBe(run.outputs.digest);
    expect(run.summary).toContain('CRITICAL: 1, MEDIUM: 3');
  });
});

describe('build-push-ecr refuses bad input and pushes nothing', () => {
  let proxy: AwsFaultProxy;
  beforeAll(async () => {
    proxy = await startAwsFaultProxy({ target: process.env.AWS_ENDPOINT_URL });
  });
  afterAll(async () => proxy?.close());

  async function expectRefused(options: {
    inputs: Record<string, string>;
    env?: Record<string, string>;
    message: RegExp;
    prepare?: (dir: string) => void;
  }): Promise<StepResult> {
    const { dir, dockerConfig } = workspace();
    options.prepare?.(dir);
    const before = await registrySnapshot();
    const run = await runStep('build-push-ecr', {
      cwd: dir,
      env: { DOCKER_CONFIG: dockerConfig, ...options.env },
      inputs: options.inputs,
    });
    expect(run.exitCode).toBe(1);
    expect(errorMessages(run)).toMatch(options.message);
    expect(await registrySnapshot()).toEqual(before);
    return run;
  }

  it('a missing repository name', async () => {
    await expectRefused({ inputs: { repository: '', context: 'app' }, message: /Input "repository" is required/ });
  });

  it('an invalid repository name', async () => {
    await expectRefused({
      inputs: { repository: 'Team/Web App', context: 'app' },
      message: /Input "repository" is invalid: got "Team\/Web App"\. An ECR repository name is 2–256 characters/,
    });
  });

  it('a repository given as a full image reference', async () => {
    await expectRefused({
      inputs: { repository: `${registry}/web:1`, context: 'app' },
      message: /Input "repository" is invalid.*without the registry host, tag or digest/,
    });
  });

  it('a context that does not exist', async () => {
    await expectRefused({
      inputs: { repository: uniqueName(), context: 'no-such-dir' },
      message: /Input "context" names a directory that does not exist: "no-such-dir"/,
    });
  });

  it('a context without a Dockerfile', async () => {
    await expectRefused({
      inputs: { repository: uniqueName(), context: 'app' },
      prepare: (dir) => rmSync(join(dir, 'app/Dockerfile')),
      message: /No Dockerfile in the build context .*Set input "dockerfile"/,
    });
  });

  it('a dockerfile that does not exist', async () => {
    await expectRefused({
      inputs: { repository: uniqueName(), context: 'app', dockerfile: 'app/Dockerfile.prod' },
      message: /Input "dockerfile" names a file that does not exist: "app\/Dockerfile.prod"/,
    });
  });

  it('a tag with spaces', async () => {
    await expectRefused({
      inputs: { repository: uniqueName(), context: 'app', tags: 'ok-tag, release candidate' },
      message: /Input "tags" is invalid: got "release candidate"/,
    });
  });

  it('an unknown cache type', async () => {
    await expectRefused({
      inputs: { repository: uniqueName(), context: 'app', 'cache-type': 'redis' },
      message: /Input "cache-type" is invalid: got "redis"\. Use one of: none, registry, inline, gha/,
    });
  });

  it('a cache type the classic builder cannot use', async () => {
    await expectRefused({
      inputs: { repository: uniqueName(), context: 'app', 'cache-type': 'gha' },
      message: /Input "cache-type" is invalid: got "gha"\. The "gha" cache needs buildx/,
    });
  });

  it('ECR AccessDenied on GetAuthorizationToken', async () => {
    proxy.clearRules();
    proxy.addRule({
      operation: 'GetAuthorizationToken',
      error: {
        code: 'AccessDeniedException',
        message: 'User: arn:aws:sts::123456789012:assumed-role/ci/gha is not authorized to perform: ecr:GetAuthorizationToken',
      },
    });
    const calls = proxy.count('GetAuthorizationToken');
    await expectRefused({
      inputs: { repository: uniqueName(), context: 'app' },
      env: { AWS_ENDPOINT_URL: proxy.url },
      message: /AWS denied ecr:GetAuthorizationToken: User: .* is not authorized.*Grant "ecr:GetAuthorizationToken" to the role/,
    });
    // Access denied is not retried: the fix is in IAM.
    expect(proxy.count('GetAuthorizationToken') - calls).toBe(1);
  });

  it('a repository that does not exist, without create-repository', async () => {
    await expectRefused({
      inputs: { repository: uniqueName(), context: 'app' },
      message: /ECR repository "e2e\/bpe-[0-9a-f]+" does not exist.*"create-repository: true"/,
    });
  });

  it('an unreachable registry', async () => {
    proxy.clearRules();
    // ECR hands out a registry endpoint where nothing listens.
    proxy.addRule({
      operation: 'GetAuthorizationToken',
      respond: {
        body: {
          authorizationData: [
            {
              authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
              proxyEndpoint: 'https://127.0.0.1:9',
              expiresAt: Date.now() / 1000 + 3600,
            },
          ],
        },
      },
    });
    const run = await expectRefused({
      inputs: { repository: uniqueName(), context: 'app', 'create-repository': 'true' },
      env: { AWS_ENDPOINT_URL: proxy.url },
      message: /Cannot reach the registry 127\.0\.0\.1:9 \(docker login failed\)/,
    });
    expectNoSecret(run);
  });
});
