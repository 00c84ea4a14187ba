import { describe, expect, it } from 'vitest';
import { buildxBuildArgs, classicBuildArgs, type BuildPlan } from './build';

const plan: BuildPlan = {
  context: '/ws/app',
  dockerfile: '/ws/app/Dockerfile',
  tags: ['reg/web:sha-1', 'reg/web:main'],
  labels: { 'org.opencontainers.image.revision': 'abc' },
  buildArgs: { BASE: 'local/base:1' },
  platforms: [],
  cacheType: 'none',
  cacheFrom: [],
  push: true,
};

describe('classicBuildArgs', () => {
  it('passes every tag, label and build arg as its own argument, context last', () => {
    expect(classicBuildArgs(plan, '/tmp/iid')).toEqual([
      'build',
      '--file',
      '/ws/app/Dockerfile',
      '--iidfile',
      '/tmp/iid',
      '--tag',
      'reg/web:sha-1',
      '--tag',
      'reg/web:main',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--build-arg',
      'BASE=local/base:1',
      '/ws/app',
    ]);
  });

  it('uses cache-from images only for a registry cache', () => {
    const args = classicBuildArgs(
      { ...plan, cacheType: 'registry', cacheFrom: ['reg/web:main'], platforms: ['linux/amd64'], target: 'runtime' },
      '/tmp/iid',
    );
    expect(args.join(' ')).toContain('--platform linux/amd64 --target runtime --cache-from reg/web:main /ws/app');
    expect(classicBuildArgs({ ...plan, cacheFrom: ['reg/web:main'] }, '/tmp/iid')).not.toContain('--cache-from');
  });
});

describe('buildxBuildArgs', () => {
  it('pushes every platform in one go and writes metadata for the digest', () => {
    const args = buildxBuildArgs({ ...plan, platforms: ['linux/amd64', 'linux/arm64'] }, '/tmp/meta.json');
    expect(args.slice(0, 6)).toEqual(['buildx', 'build', '--file', '/ws/app/Dockerfile', '--metadata-file', '/tmp/meta.json']);
    expect(args).toContain('linux/amd64,linux/arm64');
    expect(args.slice(-2)).toEqual(['--push', '/ws/app']);
  });

  it('loads instead of pushing when push is off', () => {
    expect(buildxBuildArgs({ ...plan, push: false }, '/m').slice(-2)).toEqual(['--load', '/ws/app']);
  });

  it('maps each cache type to buildx cache options', () => {
    const join = (cacheType: BuildPlan['cacheType']) =>
      buildxBuildArgs({ ...plan, cacheType, cacheFrom: ['reg/web:main'] }, '/m').join(' ');
    expect(join('registry')).toContain('--cache-from type=registry,ref=reg/web:main');
    expect(join('registry')).not.toContain('--cache-to');
    expect(join('inline')).toContain('--cache-from type=registry,ref=reg/web:main --cache-to type=inline');
    expect(join('gha')).toContain('--cache-from type=gha --cache-to type=gha,mode=max');
    expect(join('none')).not.toContain('cache');
  });
});
