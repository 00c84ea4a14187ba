/**
 * Issue 12, items 3 and 10, through the bundled run-tests action as the runner runs it:
 * the requirements install and the test command get no INPUT_*, no ACTIONS_* runtime variables
 * and no file commands; and a cancel (SIGINT, as the runner sends) stops the test command and
 * everything it started, a child that ignores SIGINT included.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runStep, startStep } from '../../scripts/harness/run-step';

const VENV = join(REPO_ROOT, '.venv', 'e2e-python');
const TOKEN = 'ghs_hardenJobToken0123456789';
/** What the runner gives a JavaScript action besides its inputs, with made-up values. */
const RUNNER_VARIABLES = {
  ACTIONS_RUNTIME_TOKEN: 'runtime-token-not-for-tests',
  ACTIONS_RUNTIME_URL: 'http://127.0.0.1:9/runtime/',
  ACTIONS_CACHE_URL: 'http://127.0.0.1:9/cache/',
  ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/results/',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/idtoken',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token-not-for-tests',
};
const WITHHELD = /^(INPUT_|STATE_|ACTIONS_|GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY)$)/;

let scratch: string;

beforeAll(() => {
  if (!existsSync(join(VENV, 'bin', 'python'))) {
    const made = spawnSync('python3', ['-m', 'venv', VENV], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`python3 -m venv ${VENV} failed: ${made.stderr}`);
  }
  if (spawnSync(join(VENV, 'bin', 'python'), ['-c', 'import pytest']).status !== 0) {
    const installed = spawnSync(join(VENV, 'bin', 'python'), ['-m', 'pip', 'install', '-q', 'pytest'], { encoding: 'utf8' });
    if (installed.status !== 0) throw new Error(`pip install pytest into ${VENV} failed: ${installed.stderr}`);
  }
  scratch = mkdtempSync(join(tmpdir(), 'fd-harden-run-tests-'));
});

function workspaceWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const pythonEnv = (extra: Record<string, string> = {}) => ({
  PATH: `${join(VENV, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
  VIRTUAL_ENV: VENV,
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
  ...extra,
});

describe('run-tests children', () => {
  it('get no inputs, runtime tokens or file commands: neither pip nor the tests', async () => {
    const records = mkdtempSync(join(scratch, 'env-'));
    // The python input points at a wrapper that writes down the environment it was started with, so
    // both the pip install and the test command (a leading "python" is the python input) are seen.
    const wrapper = join(records, 'python');
    writeFileSync(wrapper, `#!/bin/sh\nenv -0 > "${records}/env-$$"\nexec "${join(VENV, 'bin', 'python')}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const workspace = workspaceWith({
      'requirements-dev.txt': '# nothing to install; pip still runs\n',
      'tests/test_env.py': 'import os\n\n\ndef test_sees_its_workspace():\n    assert os.environ["GITHUB_WORKSPACE"]\n',
    });
    const run = await runStep('run-tests', {
      cwd: workspace,
      inputs: { python: wrapper, token: TOKEN },
      env: pythonEnv({ ...RUNNER_VARIABLES, GITHUB_API_URL: 'http://127.0.0.1:9' }),
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ total: '1', passed: '1' });

    const environments = readdirSync(records)
      .filter((name) => name.startsWith('env-'))
      .map((name) => readFileSync(join(records, name), 'utf8').split('\0').filter(Boolean));
    // pip install, then pytest.
    expect(environments).toHaveLength(2);
    for (const env of environments) {
      const names = env.map((entry) => entry.slice(0, entry.indexOf('=')));
      expect(names.filter((name) => WITHHELD.test(name))).toEqual([]);
      expect(names).toEqual(expect.arrayContaining(['PATH', 'GITHUB_WORKSPACE', 'GITHUB_SHA', 'RUNNER_TEMP']));
      const values = env.join('\n');
      for (const secret of [TOKEN, RUNNER_VARIABLES.ACTIONS_RUNTIME_TOKEN, RUNNER_VARIABLES.ACTIONS_ID_TOKEN_REQUEST_TOKEN]) {
        expect(values).not.toContain(secret);
      }
    }
  });
});

/** Alive and not a zombie (a killed orphan waits for init to reap it). */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('run-tests on cancel', () => {
  it('stops the test command and what it started, a child that ignores SIGINT included; no orphan is left', async () => {
    const pidFile = join(mkdtempSync(join(scratch, 'pids-')), 'pids');
    const workspace = workspaceWith({
      'tests/test_hang.py': `import os
import subprocess
import time


def test_hangs():
    # A helper the test started, which ignores SIGINT as a daemon might.
    helper = subprocess.Popen(["sh", "-c", "trap '' INT; sleep 300"])
    with open(${JSON.stringify(pidFile)}, "w") as out:
        out.write(f"{os.getpid()} {helper.pid}")
    time.sleep(300)
`,
    });
    const step = startStep('run-tests', { cwd: workspace, inputs: { token: '', requirements: 'none' }, env: pythonEnv() });
    await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').includes(' '), 'the test wrote its pids');
    const [pytest, helper] = readFileSync(pidFile, 'utf8').split(' ').map(Number) as [number, number];
    expect(isRunning(pytest) && isRunning(helper)).toBe(true);

    // As the runner cancels: SIGINT, then SIGTERM 7.5 s later if the step is still running.
    step.child.kill('SIGINT');
    const sigterm = setTimeout(() => step.child.kill('SIGTERM'), 7_500);
    const result = await step.result;
    clearTimeout(sigterm);

    expect(result.exitCode, result.stdout).toBe(1);
    expect(result.annotations.find((annotation) => annotation.level === 'error')?.message).toMatch(
      /^The run was cancelled \(SIGINT\): ".*python" and every process it started were stopped\.$/,
    );
    await eventually(() => !isRunning(pytest) && !isRunning(helper), 'pytest and its helper are gone', 10_000);
  });
});
