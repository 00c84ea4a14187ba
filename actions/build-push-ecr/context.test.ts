import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../packages/core/errors';
import { InputErrors } from '../../packages/core/input-errors';
import { setInput, withInputs } from '../../test/support/inputs';
import { getInputs, isBuildOnly, parseRepositoryName } from './context';

function workspaceWithDockerfile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ctx-'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app/Dockerfile'), 'FROM scratch\n');
  return dir;
}

function caught(work: () => unknown): ConfigurationError {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseRepositoryName', () => {
  it.each(['web', 'team/web', 'a.b/c_d-e/f1', 'x'.repeat(256)])('accepts %j', (name) => {
    expect(parseRepositoryName(name)).toBe(name);
  });

  it.each(['w', 'Web', 'team//web', 'web/', '-web', 'web app', 'x'.repeat(257)])('rejects %j, naming the input', (name) => {
    expect(caught(() => parseRepositoryName(name)).input).toBe('repository');
  });

  it('hints when given a full image reference', () => {
    expect(caught(() => parseRepositoryName('1.dkr.ecr.us-east-1.amazonaws.com/web:1')).message).toContain(
      'without the registry host, tag or digest',
    );
  });
});

describe('getInputs', () => {
  it('reads a minimal configuration with the documented defaults', () => {
    const workspace = workspaceWithDockerfile();
    setInput('repository', 'team/web');
    setInput('context', 'app');
    const inputs = getInputs({ GITHUB_WORKSPACE: workspace, AWS_REGION: 'us-east-1' });
    expect(inputs).toMatchObject({
      repository: 'team/web',
      context: join(workspace, 'app'),
      dockerfile: join(workspace, 'app/Dockerfile'),
      autoTags: ['sha', 'branch', 'semver'],
      push: true,
      builder: 'auto',
      cacheType: 'none',
      createRepository: false,
      immutableTags: true,
      region: 'us-east-1',
      scanSeverityThreshold: 'HIGH',
      scanTimeoutMs: 600_000,
    });
  });

  it('needs no region to build without pushing, and still requires one to push', () => {
    const workspace = workspaceWithDockerfile();
    setInput('repository', 'web');
    setInput('context', 'app');
    setInput('push', 'false');
    const buildOnly = getInputs({ GITHUB_WORKSPACE: workspace });
    expect(buildOnly.region).toBeUndefined();
    expect(isBuildOnly(buildOnly)).toBe(true);
    setInput('push', 'true');
    expect(() => getInputs({ GITHUB_WORKSPACE: workspace })).toThrow(/No AWS region: input "region" is empty/);
  });

  it('infers a registry cache from cache-from', () => {
    const workspace = workspaceWithDockerfile();
    setInput('repository', 'web');
    setInput('context', 'app');
    setInput('cache-from', 'reg.example/web:main');
    expect(getInputs({ GITHUB_WORKSPACE: workspace, AWS_REGION: 'us-east-1' }).cacheType).toBe('registry');
  });

  it.each([
    ['cache-type', 'redis', /Use one of: none, registry, inline, gha/],
    ['auto-tags', 'sha,commit', /Use a list of sha, branch, semver, or "none"/],
    ['platforms', 'amd64', /os\/arch/],
    ['registry-id', '1234', /12-digit/],
    ['lifecycle-keep-images', '0', /from 1 to 10000/],
    ['build-args', 'NOVALUE', /KEY=value/],
    ['scan-severity-threshold', 'SEVERE', /CRITICAL, HIGH/],
  ])('refuses %s: %j', (name, value, message) => {
    const workspace = workspaceWithDockerfile();
    setInput('repository', 'web');
    setInput('context', 'app');
    setInput(name, value);
    const error = caught(() => getInputs({ GITHUB_WORKSPACE: workspace, AWS_REGION: 'us-east-1' }));
    expect(error.input).toBe(name);
    expect(error.message).toMatch(message);
  });

  it('needs push for scan-wait and for several platforms without push', () => {
    const workspace = workspaceWithDockerfile();
    setInput('repository', 'web');
    setInput('context', 'app');
    setInput('push', 'false');
    setInput('scan-wait', 'true');
    expect(caught(() => getInputs({ GITHUB_WORKSPACE: workspace, AWS_REGION: 'us-east-1' })).input).toBe('scan-wait');
  });
});

describe('getInputs: every input error at once', () => {
  it('reports each bad input in one error', () => {
    const workspace = workspaceWithDockerfile();
    withInputs({
      repository: 'Web App',
      context: 'app',
      platforms: 'linux',
      'cache-type': 'floppy',
      'registry-id': '12',
      'scan-timeout': '600',
      'lifecycle-keep-images': '0',
    });
    const error = caught(() => getInputs({ GITHUB_WORKSPACE: workspace, AWS_REGION: 'us-east-1' })) as InputErrors;
    expect(error).toBeInstanceOf(InputErrors);
    expect(error.inputs).toEqual(['repository', 'platforms', 'cache-type', 'lifecycle-keep-images', 'registry-id', 'scan-timeout']);
    expect(error.message).toMatch(/write "600ms" or "600s"/);
  });

  it('blames a bad AWS_REGION on the variable, not on the empty region input', () => {
    const workspace = workspaceWithDockerfile();
    withInputs({ repository: 'web', context: 'app' });
    expect(caught(() => getInputs({ GITHUB_WORKSPACE: workspace, AWS_REGION: 'Frankfurt' })).message).toMatch(
      /^The environment variable AWS_REGION is invalid: got "Frankfurt"/,
    );
  });
});
