/**
 * A throwaway git repository holding this checkout's files as they are on disk (tracked and new files, not
 * ignored ones; dist/ as built), committed on `main`: the repository act runs the workflows of, and the one
 * the checkout stand-in fetches from. Working from a copy keeps act's runs (and their commits) out of the
 * developer's repository, and makes uncommitted edits and a local `npm run build` part of what runs.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const REPOSITORY = 'flightdeck-dev/flightdeck';

export interface ScratchRepository {
  dir: string;
  /** Runs git in the repository and returns its trimmed stdout. */
  git(args: string[]): string;
  /** Writes (or, with null, deletes) files, commits them on the current branch and returns the commit SHA. */
  commit(message: string, files?: Record<string, string | null>): string;
  head(): string;
  remove(): void;
}

/** A git environment that reads no user or system configuration, so the developer's settings change nothing. */
const GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Flightdeck pipeline',
  GIT_AUTHOR_EMAIL: 'pipeline@flightdeck.invalid',
  GIT_COMMITTER_NAME: 'Flightdeck pipeline',
  GIT_COMMITTER_EMAIL: 'pipeline@flightdeck.invalid',
};

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

/** Files of `source` that git would commit: tracked and new ones, minus what .gitignore excludes and what is deleted. */
export function checkoutFiles(source: string): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: source,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(listed.split('\0').filter(Boolean))].filter(
    (file) => existsSync(join(source, file)) && lstatSync(join(source, file)).isFile(),
  );
}

export function scratchRepository(source: string, message = 'chore: the pipeline under test'): ScratchRepository {
  const dir = mkdtempSync(join(tmpdir(), 'fd-act-repo-'));
  for (const file of checkoutFiles(source)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(source, file), join(dir, file));
  }
  git(dir, ['init', '-q', '-b', 'main']);
  // act reads github.repository from the origin remote when GITHUB_REPOSITORY is not given; keep both the same.
  git(dir, ['remote', 'add', 'origin', `https://github.com/${REPOSITORY}.git`]);
  const repository: ScratchRepository = {
    dir,
    git: (args) => git(dir, args),
    commit(commitMessage, files = {}) {
      for (const [file, content] of Object.entries(files)) {
        if (content === null) rmSync(join(dir, file), { force: true });
        else {
          mkdirSync(dirname(join(dir, file)), { recursive: true });
          writeFileSync(join(dir, file), content);
        }
      }
      git(dir, ['add', '-A']);
      git(dir, ['commit', '-q', '--allow-empty', '-m', commitMessage]);
      return git(dir, ['rev-parse', 'HEAD']);
    },
    head: () => git(dir, ['rev-parse', 'HEAD']),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  repository.commit(message);
  return repository;
}
