/**
 * Global setup of the e2e project: makes sure the local stack is up, reusing
 * a healthy one, then puts .stack/env into process.env before any test file
 * runs, so every worker (they are forked after this) inherits it. The values
 * are also provided as `inject('stackEnv')`.
 *
 * The stack is left running afterwards: the next run reuses it, and
 * `scripts/stack/down.sh` (make stack-down) stops it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT, applyStackEnv, loadStackEnv, type StackEnv } from './env';

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}

const STACK_SCRIPTS = resolve(REPO_ROOT, 'scripts/stack');

/** status.sh exits 0 only when every component is healthy; env must be there too. */
function stackIsHealthy(): boolean {
  const status = spawnSync('bash', [resolve(STACK_SCRIPTS, 'status.sh')], { encoding: 'utf8' });
  if (status.status !== 0) return false;
  try {
    loadStackEnv();
    return true;
  } catch {
    return false;
  }
}

/** Runs up.sh with its progress streamed to this terminal. */
function bringStackUp(): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [resolve(STACK_SCRIPTS, 'up.sh')], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new Error(
            `scripts/stack/up.sh failed (${signal ?? `exit ${code}`}); its output above says which component and which log to read`,
          ),
        );
    });
  });
}

export default async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  if (stackIsHealthy()) {
    process.stderr.write('[e2e] local stack is healthy; reusing it\n');
  } else {
    process.stderr.write('[e2e] local stack is not (fully) up; running scripts/stack/up.sh\n');
    await bringStackUp();
    process.stderr.write(`[e2e] local stack up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  }
  const env: StackEnv = applyStackEnv();
  project.provide('stackEnv', env);
}
