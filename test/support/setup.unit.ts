/**
 * Loaded before every unit test file (vitest `setupFiles`): the runner's
 * environment as a job step sees it, in a temporary directory, so code that
 * writes outputs, state or the summary writes real files the test can read,
 * and never the developer's own environment.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { clearInputs } from './inputs';

const runner = mkdtempSync(join(tmpdir(), 'fd-unit-runner-'));
const files = {
  GITHUB_STEP_SUMMARY: join(runner, 'step-summary.md'),
  GITHUB_OUTPUT: join(runner, 'output'),
  GITHUB_STATE: join(runner, 'state'),
};
process.env.RUNNER_TEMP = join(runner, 'temp');
mkdirSync(process.env.RUNNER_TEMP);
Object.assign(process.env, files);

beforeEach(() => {
  for (const file of Object.values(files)) writeFileSync(file, '');
  clearInputs();
});

afterEach(() => {
  clearInputs();
  // A post step's view of the main step's state (STATE_<name>), set by tests that play the post step.
  for (const key of Object.keys(process.env)) if (key.startsWith('STATE_')) delete process.env[key];
  // core.setFailed sets it; one test's failure must not become the next one's, or the worker's.
  process.exitCode = undefined;
});

afterAll(() => rmSync(runner, { recursive: true, force: true }));
