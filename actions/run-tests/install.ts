import { relative } from 'node:path';
import { runCommand, timedGroup } from '../../packages/core';
import type { Inputs } from './context';
import { spawnOrExplain } from './spawn';

/** `<python> -m pip install -r <file>`, streamed into its own log group. */
export async function installRequirements(inputs: Inputs): Promise<void> {
  if (!inputs.requirements) return;
  const file = inputs.requirements;
  const shown = relative(inputs.workspace, file) || file;
  await timedGroup(`Install ${shown}`, async () => {
    const result = await spawnOrExplain(inputs, () =>
      runCommand(inputs.python, ['-m', 'pip', 'install', '-r', file], { cwd: inputs.workingDirectory, stream: true }),
    );
    if (result.exitCode !== 0) {
      throw new Error(
        `"${inputs.python} -m pip install -r ${shown}" failed with exit code ${result.exitCode}; its output is in the "Install ${shown}" log group.`,
      );
    }
  });
}
