import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childEnvironment } from './child-env';
import { CommandCancelledError, runCommand } from './exec';
import { ProcessGroupReaper } from './process-group';

/** What the runner puts in a JavaScript action's environment, with made-up values. */
const RUNNER_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/home/runner',
  HTTPS_PROXY: 'http://proxy.internal:3128',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_WORKSPACE: '/home/runner/work/app/app',
  RUNNER_TEMP: '/home/runner/work/_temp',
  INPUT_TOKEN: 'ghs_jobtoken',
  'INPUT_WORKING-DIRECTORY': '.',
  STATE_isPost: 'true',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token',
  ACTIONS_RUNTIME_URL: 'https://pipelines.actions.githubusercontent.com/x/',
  ACTIONS_CACHE_URL: 'https://artifactcache.actions.githubusercontent.com/x/',
  ACTIONS_RESULTS_URL: 'https://results-receiver.actions.githubusercontent.com/',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.githubusercontent.com/x/idtoken',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token',
  GITHUB_ENV: '/home/runner/work/_temp/_runner_file_commands/set_env_1',
  GITHUB_PATH: '/home/runner/work/_temp/_runner_file_commands/add_path_1',
  GITHUB_OUTPUT: '/home/runner/work/_temp/_runner_file_commands/set_output_1',
  GITHUB_STATE: '/home/runner/work/_temp/_runner_file_commands/save_state_1',
  GITHUB_STEP_SUMMARY: '/home/runner/work/_temp/_runner_file_commands/step_summary_1',
};
const WITHHELD_NAMES = Object.keys(RUNNER_ENV).filter((name) =>
  /^(INPUT_|STATE_|ACTIONS_|GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY)$)/.test(name),
);

describe('childEnvironment', () => {
  it("withholds the action's inputs, state, runtime tokens and file commands, and keeps the workflow's variables", () => {
    const env = childEnvironment(RUNNER_ENV);
    expect(Object.keys(env).sort()).toEqual(['GITHUB_SHA', 'GITHUB_WORKSPACE', 'HOME', 'HTTPS_PROXY', 'PATH', 'RUNNER_TEMP']);
  });

  it('passes a withheld variable only when named, and sets extras on top', () => {
    const env = childEnvironment(RUNNER_ENV, { passEnv: ['ACTIONS_RUNTIME_TOKEN'], env: { DOCKER_BUILDKIT: '0' } });
    expect(env.ACTIONS_RUNTIME_TOKEN).toBe('runtime-token');
    expect(env.ACTIONS_CACHE_URL).toBeUndefined();
    expect(env.DOCKER_BUILDKIT).toBe('0');
  });
});

describe('runCommand environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('starts the child without the runner variables the action was given', async () => {
    Object.assign(process.env, RUNNER_ENV, { PATH: saved.PATH });
    const result = await runCommand(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(Object.keys(process.env)))']);
    expect(result.exitCode).toBe(0);
    const seen = JSON.parse(result.stdout) as string[];
    expect(seen).toEqual(expect.arrayContaining(['PATH', 'HOME', 'HTTPS_PROXY', 'GITHUB_SHA']));
    expect(seen.filter((name) => WITHHELD_NAMES.includes(name))).toEqual([]);
  });
});

/** Alive and not a zombie (a killed orphan waits for init to reap it). */
function isRunning(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`still not true after 5 s: ${what}`);
}

describe.runIf(process.platform === 'linux')('runCommand on cancel', () => {
  const pidsOf = (file: string) => readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);

  it('signals the whole process group, then kills what ignores the signal; nothing is left running', async () => {
    const signals = new EventEmitter();
    const reaper = new ProcessGroupReaper(signals, { SIGINT: 300, SIGTERM: 300 });
    const pidFile = join(mkdtempSync(join(tmpdir(), 'fd-exec-')), 'pids');
    // A non-interactive shell starts background jobs with SIGINT ignored: the grandchild survives
    // SIGINT, as a server a test started would, and only the SIGKILL after the grace stops it.
    const running = runCommand('sh', ['-c', `sleep 300 & echo $$ $! > ${pidFile}; wait`], {}, reaper);
    await eventually(() => existsSync(pidFile) && pidsOf(pidFile).length === 2, 'the shell wrote its pids');
    const [shell, grandchild] = pidsOf(pidFile) as [number, number];
    expect(isRunning(grandchild)).toBe(true);

    signals.emit('SIGINT', 'SIGINT');
    await expect(running).rejects.toBeInstanceOf(CommandCancelledError);
    await expect(running).rejects.toThrow('The run was cancelled (SIGINT): "sh" and every process it started were stopped.');
    await eventually(() => !isRunning(shell) && !isRunning(grandchild), 'the shell and its background sleep are gone');
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('lets a command that stops on SIGINT stop by itself, and reports its exit otherwise', async () => {
    const signals = new EventEmitter();
    const reaper = new ProcessGroupReaper(signals, { SIGINT: 60_000, SIGTERM: 60_000 });
    const done = await runCommand('sh', ['-c', 'exit 3'], {}, reaper);
    expect(done.exitCode).toBe(3);
    expect(reaper.cancelledBy).toBeUndefined();

    const pidFile = join(mkdtempSync(join(tmpdir(), 'fd-exec-')), 'pid');
    const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
    const running = runCommand(process.execPath, ['-e', script], {}, reaper);
    await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 'the child wrote its pid');
    signals.emit('SIGTERM', 'SIGTERM');
    // Long before the 60 s grace: the child ended on the signal itself.
    await expect(running).rejects.toThrow(/cancelled \(SIGTERM\)/);
    expect(isRunning(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });
});
