import * as core from '@actions/core';
import { formatDuration } from './inputs';
import { rememberSecret } from './redact';

/** A collapsible log group that also logs how long its work took, and hands the time to `record` (for a summary). */
export async function timedGroup<T>(title: string, work: () => Promise<T>, record?: (elapsedMs: number) => void): Promise<T> {
  const started = performance.now();
  core.startGroup(title);
  try {
    return await work();
  } finally {
    core.endGroup();
    const elapsed = performance.now() - started;
    record?.(elapsed);
    core.info(`${title}: ${formatDuration(elapsed)}`);
  }
}

/** Register a value as a secret before anything could print it. Empty strings are ignored by the runner anyway. */
export function maskSecret(value: string | undefined): void {
  if (!value) return;
  core.setSecret(value);
  rememberSecret(value);
}
