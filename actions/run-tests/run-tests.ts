import { runCommand, timedGroup } from '../../packages/core';
import type { Inputs } from './context';
import { spawnOrExplain } from './spawn';

export interface TestRun {
  exitCode: number;
  /** Epoch ms before the command started: reports older than this are left from an earlier run. */
  startedAt: number;
}

/** Runs the test command in working-directory, its output streamed into a log group. A non-zero exit is a result, not an error. */
export async function runTests(inputs: Inputs): Promise<TestRun> {
  const startedAt = Date.now();
  const [program, ...args] = inputs.argv as [string, ...string[]];
  const { exitCode } = await timedGroup(`Run ${inputs.argv.join(' ')}`, () =>
    spawnOrExplain(inputs, () => runCommand(program, args, { cwd: inputs.workingDirectory, stream: true }), program),
  );
  return { exitCode, startedAt };
}
