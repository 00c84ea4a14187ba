import { readFileSync } from 'node:fs';
import { parseCommandFile } from '../../scripts/harness/run-step';

/**
 * What a step wrote through the runner's files, which test/support/setup.unit.ts
 * points at a temporary directory: outputs, saved state (read by the post
 * step) and the job summary.
 */
export function stepOutputs(): Record<string, string> {
  return parseCommandFile(readFileSync(process.env.GITHUB_OUTPUT!, 'utf8'));
}

export function savedState(): Record<string, string> {
  return parseCommandFile(readFileSync(process.env.GITHUB_STATE!, 'utf8'));
}

export function stepSummary(): string {
  return readFileSync(process.env.GITHUB_STEP_SUMMARY!, 'utf8');
}
