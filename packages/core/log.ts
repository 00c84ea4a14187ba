import * as core from '@actions/core';
import { formatDuration } from './inputs';

/** A collapsible log group that also records how long its work took. */
export async function timedGroup<T>(title: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  core.startGroup(title);
  try {
    return await work();
  } finally {
    core.endGroup();
    core.info(`${title}: ${formatDuration(performance.now() - started)}`);
  }
}

/** Register a value as a secret before anything could print it. Empty strings are ignored by the runner anyway. */
export function maskSecret(value: string | undefined): void {
  if (value) core.setSecret(value);
}
