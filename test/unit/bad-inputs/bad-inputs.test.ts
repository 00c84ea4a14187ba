/**
 * Bad input through the bundled actions (dist/), run as the runner runs them (INPUT_* env, the
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the post step): every case exits non-zero with an
 * error that names each input at fault and says how to fix it, and no TCP connection reaches the
 * loopback listener every endpoint points at (the apiserver, AWS, the GitHub API, http-url,
 * prometheus-url, Docker, the package index) before the refusal. The canary secrets seeded in the
 * inputs appear nowhere, in no encoding. Cases are in cases.ts; the bundles run in parallel child
 * processes. Needs `npm run build` after a change to the sources.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../scripts/harness/run-step';
import { inputsFor, TABLES } from './cases';
import { failure, leaks, makeWorkspace, runAgainstListener, SECRETS } from './support';

let workspace: string;
let started: number;

beforeAll(() => {
  for (const { action } of TABLES) {
    if (!existsSync(join(REPO_ROOT, 'dist', action, 'index.js'))) throw new Error(`dist/${action} is missing: run "npm run build" first.`);
  }
  workspace = makeWorkspace();
  started = performance.now();
});

afterAll(() => {
  const cases = TABLES.reduce((total, table) => total + table.cases.length, 0);
  console.log(`bad-inputs: ${cases} cases over ${TABLES.length} actions in ${((performance.now() - started) / 1000).toFixed(1)}s`);
});

it('has at least 100 cases, over every action', () => {
  expect(TABLES.reduce((total, table) => total + table.cases.length, 0)).toBeGreaterThanOrEqual(100);
  expect(TABLES.map((table) => table.action).sort()).toEqual([
    'build-push-ecr',
    'canary-deploy',
    'release',
    'rollback',
    'rolling-promote',
    'run-tests',
  ]);
});

for (const table of TABLES) {
  describe.concurrent(table.action, () => {
    it.each(table.cases)('refuses $name', { timeout: 90_000 }, async (badCase) => {
      const { run, connections } = await runAgainstListener(
        table.action,
        workspace,
        (listener) => ({ inputs: inputsFor(table, badCase, listener), env: badCase.env }),
        { githubToken: SECRETS.githubToken },
      );
      const message = failure(run);
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).not.toBe(0);
      expect(message, run.stdout).not.toBe('');
      for (const input of badCase.blame) expect(message).toContain(`"${input}"`);
      expect(message).toMatch(badCase.fix);
      expect(connections, `network contact before the refusal:\n${message}`).toBe(0);
      expect(run.post?.exitCode ?? 0).toBe(0);
      expect(leaks(run, Object.values(SECRETS))).toEqual([]);
    });
  });
}

describe.concurrent('the witness', () => {
  // Each table's base inputs are good: a run with them goes on to the network, and the listener sees it.
  it.each(TABLES.filter((table) => table.action !== 'run-tests').map((table) => [table.action, table] as const))(
    '%s with its base inputs reaches the listener',
    { timeout: 90_000 },
    async (_action, table) => {
      const { run, connections } = await runAgainstListener(table.action, workspace, (listener) => ({ inputs: table.base(listener) }), {
        githubToken: SECRETS.githubToken,
      });
      expect(run.exitCode).not.toBe(0);
      expect(connections, run.stdout).toBeGreaterThan(0);
    },
  );
});
