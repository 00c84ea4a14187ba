/**
 * The secret sweep: runs of every action with canary secrets in every secret-bearing input
 * (the kubeconfig's token, http-headers, prometheus-headers, github-token, run-tests' token, the
 * AWS secret key the registry login signs with), good enough to go on to the network, where the
 * loopback listener drops every connection. Every log line, the summary, the outputs, the
 * annotations and every process's argv seen while the step ran (sampled from /proc) are searched
 * for each secret raw, percent-encoded and in base64 and base64url at all 3 byte offsets.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ActionRun, type StepResult } from '../../../scripts/harness/run-step';
import { TABLES, type Action } from './cases';
import { encodings, kubeconfigFor, leaks, makeWorkspace, runAgainstListener, SECRETS, type Listener } from './support';

let workspace: string;

beforeAll(() => {
  for (const { action } of TABLES) {
    if (!existsSync(join(REPO_ROOT, 'dist', action, 'index.js'))) throw new Error(`dist/${action} is missing: run "npm run build" first.`);
  }
  workspace = makeWorkspace();
});

const base = (action: Action) => TABLES.find((table) => table.action === action)!.base;

/** base64 wrapped at 76 columns, as GNU base64 writes a kubeconfig into a secret. */
const wrapped = (text: string) => Buffer.from(text).toString('base64').replace(/.{76}/g, '$&\n');

const RUNS: [string, Action, (listener: Listener) => Record<string, string>][] = [
  ['canary-deploy, every secret-bearing input set', 'canary-deploy', base('canary-deploy')],
  [
    'canary-deploy, the kubeconfig as wrapped base64',
    'canary-deploy',
    (l) => ({ ...base('canary-deploy')(l), kubeconfig: wrapped(kubeconfigFor(l)) }),
  ],
  [
    'canary-deploy, gated on evidence (asks the GitHub API first)',
    'canary-deploy',
    (l) => ({ ...base('canary-deploy')(l), 'require-evidence-from': 'qa' }),
  ],
  ['release, every secret-bearing input set', 'release', base('release')],
  ['rolling-promote', 'rolling-promote', base('rolling-promote')],
  ['rollback with undo', 'rollback', (l) => ({ ...base('rollback')(l), undo: 'true' })],
  ['build-push-ecr, pushing (ECR with the AWS secret key)', 'build-push-ecr', base('build-push-ecr')],
  ['build-push-ecr, build only (the Docker CLI)', 'build-push-ecr', (l) => ({ ...base('build-push-ecr')(l), push: 'false' })],
  ['run-tests, reporting with its token', 'run-tests', base('run-tests')],
];

/** The network drops every connection, or answers HTTP with 401 Unauthorized and an error body. */
const ANSWERS = ['drop', 'unauthorized'] as const;

describe.concurrent('no secret in any output of a run that reaches the network', () => {
  it.each(
    ANSWERS.flatMap((answer) =>
      RUNS.map(([name, action, inputs]) => [`${name}; the network answers: ${answer}`, action, inputs, answer] as const),
    ),
  )('%s', { timeout: 120_000 }, async (_name, action, inputs, answer) => {
    const { run, connections } = await runAgainstListener(action, workspace, (listener) => ({ inputs: inputs(listener) }), {
      githubToken: SECRETS.githubToken,
      watchArgv: true,
      answer,
    });
    // It got past its inputs and spoke to the network, so its error paths ran too.
    expect(connections, run.stdout).toBeGreaterThan(0);
    expect(run.argvSeen.length).toBeGreaterThan(0);
    expect(leaks(run, Object.values(SECRETS))).toEqual([]);
  });
});

describe('the sweep itself', () => {
  const step = (stdout: string, argvSeen: string[] = []): ActionRun => {
    const result: StepResult = {
      exitCode: 1,
      signal: null,
      stdout,
      stderr: '',
      outputs: {},
      state: {},
      summary: '',
      annotations: [],
      argvSeen,
    };
    return result;
  };

  it('finds a secret raw, percent-encoded and in base64 at each offset, in the log and in argv', () => {
    const secret = SECRETS.awsSecret;
    for (const offset of [0, 1, 2]) {
      const text = `Authorization: Basic ${Buffer.from(`${'u:'.slice(0, offset)}${secret}`).toString('base64')}`;
      expect(leaks(step(text), [secret])).not.toEqual([]);
    }
    expect(leaks(step(`GET https://user:${encodeURIComponent(secret)}@host/`), [secret])).not.toEqual([]);
    expect(leaks(step('', [`docker login -p ${secret}`]), [secret])[0]).toMatch(/in main argv$/);
    expect(encodings(secret)).toContain(encodeURIComponent(secret));
  });

  it('ignores only the add-mask commands that hand a secret to the runner', () => {
    expect(leaks(step(`::add-mask::${SECRETS.kubeToken}\n`), [SECRETS.kubeToken])).toEqual([]);
    expect(leaks(step(`::debug::${SECRETS.kubeToken}\n`), [SECRETS.kubeToken])).not.toEqual([]);
  });
});
