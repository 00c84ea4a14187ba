/**
 * scripts/stack/down.sh stops every process the stack started and leaves none
 * behind, and leaves alone a Docker engine it did not start; up.sh then brings
 * the same stack back. The file ends with the stack up again (and .stack/env
 * rewritten with the same values), so the suites that run after it still have
 * it: e2e files run one at a time (fileParallelism: false), never alongside.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../stack/commands';
import { REPO_ROOT, loadStackEnv, stackEnvPath } from '../stack/env';

const stack = loadStackEnv();
const pidDir = join(stack.STACK_DIR, 'pids');
const script = (name: string) => resolve(REPO_ROOT, 'scripts/stack', name);

/** Command-line fragments that only processes of this stack carry. */
const STACK_PROCESS_PATTERNS = [`${REPO_ROOT}/.venv/stack/bin/moto_server`, `docker-registry serve ${stack.STACK_DIR}/`];
/** The variable scripts/stack/lib.sh stack_start_daemon puts in the environment of every daemon (and its children). */
const DAEMON_MARKER = `FLIGHTDECK_STACK_DAEMON_OF=${stack.STACK_DIR}`;

function recordedPids(): Map<string, number> {
  const pids = new Map<string, number>();
  if (!existsSync(pidDir)) return pids;
  for (const file of readdirSync(pidDir).filter((name) => name.endsWith('.pid'))) {
    const pid = Number(readFileSync(join(pidDir, file), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) pids.set(file.replace(/\.pid$/, ''), pid);
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie has exited and only waits for its parent to reap it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function matchingProcesses(pattern: string): string[] {
  const found = runProgram('pgrep', ['-af', '--', pattern]);
  return found.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => isAlive(Number(line.split(' ')[0])));
}

/** Live processes whose environment carries the stack's daemon marker. */
function markedProcesses(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    if (environ.split('\0').includes(DAEMON_MARKER) && isAlive(Number(entry))) {
      found.push(`${entry} ${readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
    }
  }
  return found;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolvePromise(true)));
    socket.once('error', () => resolvePromise(false));
    socket.once('timeout', () => (socket.destroy(), resolvePromise(false)));
  });
}

function engineAnswers(): boolean {
  return runProgram('docker', ['info', '--format', '{{.ServerVersion}}']).status === 0;
}

describe('local stack lifecycle: down leaves nothing running, up brings it back', () => {
  const before = recordedPids();
  const engineWasOurs = before.has('dockerd');

  it('starts from a healthy stack whose processes have pid files', () => {
    const status = runProgram('bash', [script('status.sh')]);
    expect(status.status, status.stdout).toBe(0);
    expect(before.size).toBeGreaterThan(0);
    for (const [name, pid] of before) expect(isAlive(pid), `${name} pid ${pid}`).toBe(true);
  });

  it('down.sh stops every recorded process and leaves no process of the stack', async () => {
    const down = runProgram('bash', [script('down.sh')], { timeoutMs: 300_000 });
    expect(down.status, down.stderr).toBe(0);

    for (const [name, pid] of before) expect(isAlive(pid), `${name} (pid ${pid}) still running`).toBe(false);
    expect(recordedPids().size).toBe(0);
    for (const pattern of STACK_PROCESS_PATTERNS) expect(matchingProcesses(pattern), pattern).toEqual([]);
    expect(markedProcesses(), DAEMON_MARKER).toEqual([]);
    expect(await portAccepts(443), 'registry port 443').toBe(false);
    expect(await portAccepts(5000), 'moto port 5000').toBe(false);
    expect(existsSync(stackEnvPath()), '.stack/env is removed with the stack').toBe(false);
    // An engine that was running before the stack is not ours to stop.
    expect(engineAnswers()).toBe(!engineWasOurs);
  });

  it('up.sh brings the same stack back', () => {
    const up = runProgram('bash', [script('up.sh')], { timeoutMs: 1_500_000 });
    expect(up.status, up.stderr).toBe(0);
    const status = runProgram('bash', [script('status.sh')]);
    expect(status.status, status.stdout).toBe(0);
    expect(loadStackEnv()).toEqual(stack);
    expect([...recordedPids().keys()].sort()).toEqual([...before.keys()].sort());
    // The daemons carry the marker again, so the marker check above cannot pass vacuously.
    const marked = markedProcesses().join('\n');
    for (const [name, pid] of recordedPids()) expect(marked, `${name} carries the marker`).toMatch(new RegExp(`^${pid} `, 'm'));
  });
});
