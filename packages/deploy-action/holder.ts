import { randomBytes } from 'node:crypto';
import * as core from '@actions/core';
import { runUrl } from '../core/workflow-run';

// Kept in the runner state so that the post step of the same job instance is the same holder.
const STATE_INSTANCE = 'lock-instance';
let instance: string | undefined;

/**
 * Who holds the deploy lock: this job instance of this run attempt, readable
 * in a refusal. The run URL alone is not enough: two jobs of one run, the
 * jobs of a matrix and a re-run attempt would all look like one holder, be
 * let in together, and release each other's lock. So: the attempt's URL, the
 * job's id, and a random id of this job instance (a matrix runs one job id
 * many times), kept in the action state so the post step is the same holder.
 */
export function lockHolder(env: NodeJS.ProcessEnv = process.env): string {
  instance ||= core.getState(STATE_INSTANCE);
  if (!instance) {
    instance = randomBytes(4).toString('hex');
    core.saveState(STATE_INSTANCE, instance);
  }
  const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '';
  const job = env.GITHUB_JOB ? `job "${env.GITHUB_JOB}", ` : '';
  return `${runUrl(env)}${attempt} (${job}instance ${instance})`;
}

/** For tests: forget this process's instance id, as a new job's process would not have it. */
export function resetLockHolderForTests(): void {
  instance = undefined;
}
