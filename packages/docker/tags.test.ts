import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors';
import { autoTags, mergeTags, sanitizeTag, semverTags, validateTags, type AutoTagKind } from './tags';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const names = (ref: string, kinds: AutoTagKind[] = ['sha', 'branch', 'semver']) =>
  autoTags({ sha: SHA, ref }, kinds).map((tag) => tag.name);

describe('autoTags', () => {
  it('tags a branch build with the short sha and the branch', () => {
    expect(autoTags({ sha: SHA, ref: 'refs/heads/main' }, ['sha', 'branch', 'semver'])).toEqual([
      { name: 'sha-0123456', kind: 'sha', moving: false },
      { name: 'main', kind: 'branch', moving: true },
    ]);
  });

  it('makes a branch name tag-safe', () => {
    expect(names('refs/heads/feature/Login Page#2')).toEqual(['sha-0123456', 'feature-Login-Page-2']);
    expect(names('refs/heads/-.weird--')).toEqual(['sha-0123456', 'weird']);
  });

  it('tags a pull request as pr-<number>', () => {
    expect(names('refs/pull/42/merge')).toEqual(['sha-0123456', 'pr-42']);
  });

  it('tags a semver release as x.y.z, x.y and x, where only x.y.z stays put', () => {
    const tags = autoTags({ sha: SHA, ref: 'refs/tags/v1.2.3' }, ['semver']);
    expect(tags).toEqual([
      { name: '1.2.3', kind: 'semver', moving: false },
      { name: '1.2', kind: 'semver', moving: true },
      { name: '1', kind: 'semver', moving: true },
    ]);
  });

  it('keeps a non-semver git tag as it is', () => {
    expect(names('refs/tags/release-2024.06')).toEqual(['sha-0123456', 'release-2024.06']);
  });

  it('gives only the given kinds', () => {
    expect(names('refs/tags/v2.0.0', ['sha'])).toEqual(['sha-0123456']);
    expect(names('refs/heads/main', [])).toEqual([]);
  });

  it('gives no sha tag without a commit sha', () => {
    expect(autoTags({ sha: '', ref: 'refs/heads/main' }, ['sha', 'branch']).map((tag) => tag.name)).toEqual(['main']);
  });
});

describe('semverTags', () => {
  it('gives a prerelease only its full version', () => {
    expect(semverTags('v1.2.3-rc.1')).toEqual(['1.2.3-rc.1']);
  });
  it('turns build metadata into a valid tag', () => {
    expect(semverTags('1.2.3+build.7')).toEqual(['1.2.3-build.7', '1.2', '1']);
  });
  it('gives no bare major for 0.x', () => {
    expect(semverTags('v0.4.1')).toEqual(['0.4.1', '0.4']);
  });
  it('rejects what is not semver', () => {
    expect(semverTags('v1.2')).toBeUndefined();
    expect(semverTags('v01.2.3')).toBeUndefined();
  });
});

describe('validateTags', () => {
  it('accepts docker tags', () => {
    expect(validateTags('tags', ['latest', 'v1.2.3', 'a_b-c.d', 'x'.repeat(128)])).toHaveLength(4);
  });

  it.each(['my tag', '-leading', '.leading', 'a/b', 'repo:tag', 'x'.repeat(129), 'ünïcode'])('rejects %j, naming the input', (tag) => {
    const error = (() => {
      try {
        validateTags('tags', [tag]);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).input).toBe('tags');
    expect((error as Error).message).toContain('Input "tags" is invalid');
  });
});

describe('sanitizeTag and mergeTags', () => {
  it('caps a tag at 128 characters', () => {
    expect(sanitizeTag('a'.repeat(300))).toHaveLength(128);
  });
  it('merges without repeats, keeping the first order', () => {
    expect(mergeTags(['sha-1', 'main'], ['main', 'latest'])).toEqual(['sha-1', 'main', 'latest']);
  });
});
