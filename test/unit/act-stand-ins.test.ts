/**
 * The three stand-ins under test/act, run as act runs a node24 action (INPUT_* and the runner's files), without
 * act: each does what the real action does for the pipeline, and refuses what it cannot do honestly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE24_BIN, REPO_ROOT } from '../../scripts/act/run-act';

interface StandInRun {
  status: number | null;
  stdout: string;
  outputs: string;
  env: string;
  path: string;
  workspace: string;
}

function runStandIn(name: string, inputs: Record<string, string>, env: Record<string, string> = {}): StandInRun {
  const dir = mkdtempSync(join(tmpdir(), `stand-in-${name}-`));
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_ENV: join(dir, 'env'), GITHUB_PATH: join(dir, 'path') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const workspace = join(dir, 'workspace');
  const temp = join(dir, 'temp');
  mkdirSync(workspace);
  mkdirSync(temp);
  const result = spawnSync(join(NODE24_BIN, 'node'), [join(REPO_ROOT, 'test/act', name, 'index.mjs')], {
    encoding: 'utf8',
    env: {
      PATH: `${NODE24_BIN}:/usr/local/bin:/usr/bin:/bin`,
      HOME: dir,
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: temp,
      ...files,
      ...Object.fromEntries(Object.entries(inputs).map(([key, value]) => [`INPUT_${key.toUpperCase()}`, value])),
      ...env,
    },
  });
  const read = (file: string) => readFileSync(file, 'utf8');
  return {
    status: result.status,
    stdout: result.stdout,
    outputs: read(files.GITHUB_OUTPUT),
    env: read(files.GITHUB_ENV),
    path: read(files.GITHUB_PATH),
    workspace,
  };
}

describe('the checkout stand-in', () => {
  let source: string;
  let first: string;
  let second: string;
  const git = (args: string[], cwd = source) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        PATH: '/usr/bin:/bin',
        HOME: tmpdir(),
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    }).trim();
  beforeAll(() => {
    source = mkdtempSync(join(tmpdir(), 'stand-in-source-'));
    git(['init', '-q', '-b', 'main']);
    writeFileSync(join(source, 'a.txt'), 'one\n');
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'one']);
    first = git(['rev-parse', 'HEAD']);
    writeFileSync(join(source, 'a.txt'), 'two\n');
    git(['commit', '-q', '-am', 'two']);
    second = git(['rev-parse', 'HEAD']);
  });
  const sources = () => ({ CHECKOUT_STANDIN_SOURCES: `o/r=${source}`, GITHUB_REPOSITORY: 'o/r', GITHUB_SHA: first });

  it("fetches the event's commit when no ref is given, one commit deep, detached", () => {
    const run = runStandIn(
      'checkout',
      { repository: 'o/r', ref: '', path: '', 'fetch-depth': '1', 'persist-credentials': 'false' },
      sources(),
    );
    expect(run.status, run.stdout).toBe(0);
    expect(readFileSync(join(run.workspace, 'a.txt'), 'utf8')).toBe('one\n');
    expect(run.outputs).toContain(`commit=${first}`);
    expect(git(['rev-list', '--count', 'HEAD'], run.workspace)).toBe('1');
  });

  it('fetches a SHA into a path, and all history and branches with fetch-depth 0', () => {
    const run = runStandIn('checkout', { repository: 'o/r', ref: second, path: '.flightdeck', 'fetch-depth': '0' }, sources());
    expect(run.status, run.stdout).toBe(0);
    const checkout = join(run.workspace, '.flightdeck');
    expect(git(['rev-parse', 'HEAD'], checkout)).toBe(second);
    expect(git(['rev-list', '--count', 'HEAD'], checkout)).toBe('2');
    expect(git(['rev-parse', 'refs/remotes/origin/main'], checkout)).toBe(second);
  });

  it.each([
    ['an unlisted repository', { repository: 'evil/r' }, /"evil\/r" is not among CHECKOUT_STANDIN_SOURCES/],
    ['a path outside the workspace', { repository: 'o/r', path: '../elsewhere' }, /outside the workspace/],
    ['an unknown ref', { repository: 'o/r', ref: 'no-such-branch' }, /cannot fetch "no-such-branch"/],
    ['an input it does not implement', { repository: 'o/r', token: 'x' }, /does not implement the input\(s\) token/],
  ])('refuses %s', (_what, inputs, message) => {
    const run = runStandIn('checkout', inputs, sources());
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(message);
  });
});

describe('the setup-python stand-in', () => {
  const host = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();

  it("puts a venv of the host's Python of that version first on PATH", () => {
    const run = runStandIn('setup-python', { 'python-version': host });
    expect(run.status, run.stdout).toBe(0);
    const bin = run.path.trim();
    expect(bin).toMatch(/setup-python-stand-in\/\d+\.\d+\.\d+\/bin$/);
    expect(execFileSync(join(bin, 'python'), ['-c', 'import sys; print(sys.prefix != sys.base_prefix)'], { encoding: 'utf8' }).trim()).toBe(
      'True',
    );
    expect(run.outputs).toMatch(new RegExp(`^python-version=${host.replace('.', '\\.')}\\.\\d+$`, 'm'));
    // python -m venv installs pip into the venv, which takes seconds on a busy machine.
  }, 120_000);

  it('fails for a version the host does not have, as the real one fails for one it cannot find', () => {
    const run = runStandIn('setup-python', { 'python-version': '2.6' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('the host has no python2.6 on PATH');
  });
});

describe('the configure-aws-credentials stand-in', () => {
  const inputs = { 'role-to-assume': 'arn:aws:iam::123456789012:role/flightdeck-qa-deploy', 'aws-region': 'us-east-1' };

  it.each([
    ['without a local AWS endpoint', {}, /AWS_ENDPOINT_URL is not set: the stand-in only ever calls a local AWS endpoint/],
    ['with an endpoint off this machine', { AWS_ENDPOINT_URL: 'https://sts.amazonaws.com' }, /is not on loopback/],
    ['with a private but non-loopback endpoint', { AWS_ENDPOINT_URL: 'http://10.0.0.5:5000' }, /is not on loopback/],
  ])('refuses to run %s', (_what, env, message) => {
    const run = runStandIn('configure-aws-credentials', inputs, env);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(message);
    expect(run.env).toBe('');
  });

  it('refuses a role that is not an ARN without echoing it', () => {
    const run = runStandIn(
      'configure-aws-credentials',
      { ...inputs, 'role-to-assume': 'my-secret-role-name' },
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('"role-to-assume" is not a role ARN');
    expect(run.stdout).not.toContain('my-secret-role-name');
  });
});
