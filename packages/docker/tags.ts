import { invalidInput } from '../core/errors';

/**
 * Image tags derived from the git ref, the way most teams tag:
 *  - sha:    `sha-<7 hex>` for every build;
 *  - branch: the branch name made tag-safe, or `pr-<n>` for a pull request;
 *  - semver: for a tag ref `v1.2.3`, the tags `1.2.3`, `1.2` and `1`.
 */

export const AUTO_TAG_KINDS = ['sha', 'branch', 'semver'] as const;
export type AutoTagKind = (typeof AUTO_TAG_KINDS)[number];

export interface GitRef {
  /** GITHUB_SHA */
  sha: string;
  /** GITHUB_REF, e.g. refs/heads/main, refs/tags/v1.2.3, refs/pull/7/merge */
  ref: string;
}

export function gitRefFromEnv(env: NodeJS.ProcessEnv = process.env): GitRef {
  return { sha: env.GITHUB_SHA ?? '', ref: env.GITHUB_REF ?? '' };
}

/** Docker's tag grammar: a word character first, then word characters, dots and dashes, 128 at most. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

export function validateTags(input: string, tags: string[]): string[] {
  for (const tag of tags) {
    if (!isValidTag(tag)) {
      throw invalidInput(
        input,
        tag,
        'A tag is 1–128 letters, digits, "_", "." or "-", not starting with "." or "-", with no spaces or slashes. ' +
          'Give only the tag, not the image name; separate tags with commas or newlines.',
      );
    }
  }
  return tags;
}

/** Make any string a valid tag: invalid characters become "-", leading separators go, length is capped. */
export function sanitizeTag(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
    .replace(/[.-]+$/, '');
}

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

/**
 * `1.2.3` → 1.2.3, 1.2, 1. A prerelease gets only its full version: `1.2`
 * must keep naming the newest release. Major 0 gets no bare `0`, because
 * 0.x minors are allowed to break.
 */
export function semverTags(gitTag: string): string[] | undefined {
  const match = SEMVER.exec(gitTag);
  if (!match) return undefined;
  const [, major, minor, patch, prerelease, build] = match;
  const full = `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}${build ? `-${build}` : ''}`;
  if (prerelease) return [sanitizeTag(full)];
  const tags = [full, `${major}.${minor}`];
  if (major !== '0') tags.push(major!);
  return tags;
}

export interface AutoTag {
  name: string;
  kind: AutoTagKind;
  /** Moves to a newer image later (a branch, "1.2"): cannot be pushed twice to a repository with immutable tags. */
  moving: boolean;
}

export function autoTags(ref: GitRef, kinds: readonly AutoTagKind[]): AutoTag[] {
  const tags: AutoTag[] = [];
  if (kinds.includes('sha') && /^[0-9a-f]{7,}$/i.test(ref.sha)) {
    tags.push({ name: `sha-${ref.sha.slice(0, 7).toLowerCase()}`, kind: 'sha', moving: false });
  }
  const branch = branchName(ref);
  if (kinds.includes('branch') && branch) {
    const name = sanitizeTag(branch);
    if (name) tags.push({ name, kind: 'branch', moving: true });
  }
  const gitTag = ref.ref.startsWith('refs/tags/') ? ref.ref.slice('refs/tags/'.length) : undefined;
  if (kinds.includes('semver') && gitTag) {
    const versions = semverTags(gitTag);
    if (versions) versions.forEach((name, index) => tags.push({ name, kind: 'semver', moving: index > 0 }));
    else if (sanitizeTag(gitTag)) tags.push({ name: sanitizeTag(gitTag), kind: 'semver', moving: false }); // a non-semver release name is still worth keeping
  }
  return tags;
}

function branchName(ref: GitRef): string | undefined {
  const pull = /^refs\/pull\/(\d+)\//.exec(ref.ref);
  if (pull) return `pr-${pull[1]}`;
  if (ref.ref.startsWith('refs/heads/')) return ref.ref.slice('refs/heads/'.length);
  return undefined;
}

/** Auto tags first, then the given ones, without repeats, in a stable order. */
export function mergeTags(...groups: string[][]): string[] {
  return [...new Set(groups.flat())];
}
